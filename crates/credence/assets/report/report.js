const D = JSON.parse(document.getElementById('report-data').textContent);
const COLORS = ['#4e79a7','#f28e2b','#e15759','#76b7b2','#59a14f','#edc948','#b07aa1','#ff9da7','#9c755f','#bab0ac'];
const color = i => COLORS[i % COLORS.length];
document.getElementById('range').textContent =
  'Range · 区间: ' + D.range.start + ' → ' + D.range.end + ' (' + D.range.tz + '), ' +
  D.merchants.length + ' merchant(s) · 商家';
function width(el) { return Math.max(320, Math.min(1100, el.clientWidth - 24)); }
function card(parent, title) {
  const c = document.createElement('div'); c.className = 'card';
  const h = document.createElement('h3'); h.textContent = title; c.appendChild(h);
  const body = document.createElement('div'); c.appendChild(body);
  parent.appendChild(c); return body;
}
function lineChart(parent, title, key) {
  const body = card(parent, title);
  const data = [D.series.x];
  const series = [{}];
  D.merchants.forEach((m, i) => {
    data.push(D.trends[m][key].map(v => v === null ? null : v));
    series.push({ label: m, stroke: color(i), width: 2, points: { show: true, size: 5 } });
  });
  new uPlot({ width: width(body), height: 240, series, scales: { x: { time: true } },
              tzDate: ts => uPlot.tzDate(new Date(ts * 1e3), D.range.tz),
              axes: [{}, { size: 55 }] }, data, body);
}
// Headline figures: last non-null value of each series and its change.
const KPIS = [['trust_mean', 'mean trust · 平均信任', 1, false, true],
  ['nps', 'NPS · 净推荐值', 0, false, true],
  ['on_time_rate', 'on-time · 准时交付', 1, true, true],
  ['promise_kept_rate', 'promises kept · 守约率', 1, true, true],
  ['complaint_rate', 'complaints /100 orders · 投诉', 1, false, false],
  ['avg_rating', 'rating · 评分', 2, false, true]];
const kp = document.getElementById('kpis');
D.merchants.forEach(m => {
  const body = document.createElement('div'); body.className = 'card';
  const h = document.createElement('h3'); h.textContent = m; body.appendChild(h);
  KPIS.forEach(([key, label, dec, isPct, upIsGood]) => {
    const all = D.trends[m][key].map((x, i) => [x, i]).filter(p => p[0] !== null);
    const full = all.filter(p => D.series.complete[p[1]]);
    const v = full.length ? full : all;
    const k = document.createElement('div'); k.className = 'kpi';
    const fmt = x => isPct ? (100 * x).toFixed(dec) + '%' : x.toFixed(dec);
    let text = '—', delta = '';
    if (v.length) {
      const [last, i] = v[v.length - 1];
      text = fmt(last);
      if (v.length > 1) {
        const d = last - v[v.length - 2][0];
        const good = (d > 0) === upIsGood;
        const shown = isPct ? (100 * d).toFixed(dec) + ' pt' : d.toFixed(dec);
        delta = '<span class="' + (d === 0 ? '' : good ? 'up' : 'down') + '">' +
          (d > 0 ? '▲ +' : d < 0 ? '▼ ' : '= ') + shown + '</span>';
      }
      k.title = D.series.labels[i];
    }
    k.innerHTML = '<div class="v">' + text + '</div><div class="l">' + label + ' ' + delta + '</div>';
    body.appendChild(k);
  });
  kp.appendChild(body);
});
const tt = document.getElementById('trust-trend');
lineChart(tt, 'Mean trust per merchant · 各商家平均信任 (0–100)', 'trust_mean');
lineChart(tt, 'Trust, 10th percentile · 信任第10百分位', 'trust_p10');
const tr = document.getElementById('trends');
D.trend_titles.slice(2).forEach(([k, t]) => lineChart(tr, t, k));
const dist = document.getElementById('distribution');
D.merchants.forEach((m, i) => {
  const counts = D.distribution.by_merchant[m];
  const body = card(dist, m + ' — relationships by trust · 按信任分的客户数');
  const xs = counts.map((_, k) => k * 10 + 5);
  new uPlot({ width: width(body), height: 200,
    scales: { x: { time: false, range: [0, 100] } },
    axes: [{ values: (u, v) => v.map(x => x) }, { size: 55 }],
    series: [{ label: 'trust' }, { label: 'customers · 客户', fill: color(i) + 'cc', stroke: color(i),
              paths: uPlot.paths.bars({ size: [0.9, 80] }), points: { show: false } }] },
    [xs, counts], body);
});
const rec = document.getElementById('recovery');
const hdr = ['merchant · 商家', 'failures · 失误', 'episodes · 事件', 'recovered · 已补救', 'recovery rate · 补救率',
  'trust restored · 信任恢复', 'exceeded · 超过原水平', 'median h to recovery · 补救中位时长', 'trust before → after failure → after recovery'];
rec.innerHTML = '<tr>' + hdr.map(h => '<th>' + h + '</th>').join('') + '</tr>';
const f1 = v => v === null ? '—' : v.toFixed(1);
const pc = v => v === null ? '—' : (100 * v).toFixed(1) + '%';
D.merchants.forEach(m => {
  const r = D.recovery[m];
  const tr = document.createElement('tr');
  [m, r.failures, r.episodes, r.recovered, pc(r.recovery_rate), pc(r.restored_rate), pc(r.exceeded_rate),
   f1(r.median_hours_to_recovery),
   f1(r.mean_trust_before) + ' → ' + f1(r.mean_trust_after_failure) + ' → ' + f1(r.mean_trust_after_recovery)]
    .forEach(v => { const td = document.createElement('td'); td.textContent = v; tr.appendChild(td); });
  rec.appendChild(tr);
});
if (D.alerts.length) {
  const a = document.getElementById('alerts');
  a.className = 'card';
  a.textContent = '';
  const crises = D.alerts.filter(x => x.kind === 'merchant_crisis');
  const risks = D.alerts.filter(x => x.kind !== 'merchant_crisis');
  const line = x => { const p = document.createElement('p');
    const why = x.reasons && x.reasons.length ? ' — ' + x.reasons[0].text_en + ' / ' + x.reasons[0].text_zh : '';
    p.textContent = [x.severity, x.merchant, x.customer || x.stream || '', x.opened_at.slice(0, 10),
      'x' + Number(x.magnitude).toFixed(2)].join(' · ') + why;
    a.appendChild(p); };
  const h = t => { const e = document.createElement('h3'); e.textContent = t; a.appendChild(e); };
  h('Trust crises · 信任危机 (' + crises.length + ')');
  crises.forEach(line);
  h('Customers at risk · 风险客户 (' + risks.length + ', newest 50 shown)');
  risks.slice(0, 50).forEach(line);
}
