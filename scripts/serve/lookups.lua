-- wrk script: trust lookups of random (merchant, customer) pairs read from a file
-- ("merchant customer" per line, path in env CREDENCE_PAIRS), with the read key in
-- env CREDENCE_KEY. Latency percentiles are printed by `wrk --latency`.
local pairs_list = {}
local key = os.getenv("CREDENCE_KEY")

function init(args)
  for line in io.lines(os.getenv("CREDENCE_PAIRS")) do
    local m, c = line:match("^(%S+)%s+(%S+)$")
    if m then pairs_list[#pairs_list + 1] = "/v1/merchants/" .. m .. "/customers/" .. c .. "/trust" end
  end
  math.randomseed(os.time())
end

function request()
  local path = pairs_list[math.random(#pairs_list)]
  return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. key })
end

function done(summary, latency, requests)
  io.write(string.format("RESULT requests=%d duration_s=%.3f non2xx=%d errors=%d p50_ms=%.3f p99_ms=%.3f max_ms=%.3f\n",
    summary.requests, summary.duration / 1e6,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
