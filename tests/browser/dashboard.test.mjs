// End-to-end test of the credence dashboard in a real Chromium.
//
//   cargo build -p credence && node tests/browser/dashboard.test.mjs
//
// It builds nothing: the binary is $CREDENCE_BIN (default target/debug/credence, from
// the repository root). It generates the small demo into a temporary folder, creates a
// read key, starts `credence serve` on a free port, signs in through the login form and
// walks the pages a person would: merchants overview → m-tea → a customer at risk →
// alerts inbox (acknowledge one, reload, still acknowledged) → a wrong key refused.
// Any console error, page error, failed request or unexpected HTTP error fails the run.
// Screenshots of every page go to target/browser-screenshots/ (CI keeps them).
//
// Environment: CREDENCE_BIN (binary), CHROMIUM (default /usr/bin/chromium),
// CREDENCE_URL + CREDENCE_KEY (test an already running server instead; nothing is
// started then), KEEP_TMP=1 (keep the demo folder).

import { chromium } from 'playwright-core';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = path.resolve(root, process.env.CREDENCE_BIN || 'target/debug/credence');
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
const shots = path.join(root, 'target', 'browser-screenshots');
const DEMO_MERCHANTS = ['m-ahua', 'm-bank', 'm-electro', 'm-tea'];
/** Waits are generous: a debug binary on a busy 2-core machine computes alerts slowly. */
const TIMEOUT = Number(process.env.BROWSER_TIMEOUT_MS || 120_000);
/** The first alerts and reports of a fresh server (debug build: minutes). */
const WARMUP = Number(process.env.BROWSER_WARMUP_MS || 1_200_000);

let server = null;
let serverLog = '';
let browser = null;
let tmp = null;
let failures = 0;
let stepNo = 0;
/** Console errors, page errors, failed requests and HTTP errors seen in any page. */
const problems = [];
/** The page a step works on (a screenshot of it is taken when the step fails). */
let current = null;

function log(msg) {
  process.stdout.write(`${msg}\n`);
}

class Failure extends Error {}

function check(cond, message) {
  if (!cond) throw new Failure(message);
}

async function step(name, fn) {
  stepNo += 1;
  const t0 = Date.now();
  try {
    await fn();
    log(`ok ${stepNo} - ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  } catch (e) {
    failures += 1;
    log(`not ok ${stepNo} - ${name}`);
    log(`  ${String(e instanceof Failure ? e.message : e.stack || e).split('\n').join('\n  ')}`);
    throw e;
  }
}

function serverRunning() {
  return server && server.exitCode === null && server.signalCode === null;
}

/** Last resort when node exits: no time to wait, so SIGKILL. */
function killServer() {
  if (serverRunning()) server.kill('SIGKILL');
}

/** Stops the server: SIGTERM (graceful), then SIGKILL if it is still there after 10 s. */
async function stopServer() {
  if (!serverRunning()) return;
  const exited = new Promise((resolve) => server.once('exit', resolve));
  server.kill('SIGTERM');
  const timer = new Promise((resolve) => setTimeout(() => resolve('timeout'), 10_000));
  if ((await Promise.race([exited, timer])) === 'timeout') {
    log('# the server did not stop within 10 s of SIGTERM: SIGKILL');
    server.kill('SIGKILL');
    await exited;
  }
}
process.on('exit', killServer);
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    killServer();
    process.exit(130);
  });
}

function run(args, what) {
  try {
    return execFileSync(bin, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 600_000 });
  } catch (e) {
    throw new Failure(`${what} failed: ${bin} ${args.join(' ')}\n${e.stderr || e.message}`);
  }
}

/** Starts `credence serve` on port 0 and resolves with its base URL. */
function startServer(db) {
  return new Promise((resolve, reject) => {
    server = spawn(bin, ['--db', db, 'serve', '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => reject(new Failure(`the server printed no "listening on" line in ${TIMEOUT / 1000} s\n${serverLog}`)), TIMEOUT);
    server.stdout.setEncoding('utf8');
    server.stderr.setEncoding('utf8');
    server.stdout.on('data', (chunk) => {
      out += chunk;
      serverLog += chunk;
      const m = out.match(/listening on (http:\/\/[^\s]+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1].replace(/\/$/, ''));
      }
    });
    server.stderr.on('data', (chunk) => {
      serverLog = (serverLog + chunk).slice(-20_000);
    });
    server.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Failure(`the server exited early (code ${code}, signal ${signal})\n${serverLog}`));
    });
    server.on('error', (e) => reject(new Failure(`cannot start ${bin}: ${e.message}`)));
  });
}

/** GET with node:http (fetch gives up on headers after 300 s; warm-up may take longer). */
function httpGet(url, headers, timeoutMs) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode, text }));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Failure(`GET ${url}: no answer in ${timeoutMs / 1000} s`)));
    req.on('error', reject);
  });
}

/**
 * Records every console error, uncaught exception, failed request and HTTP error of a
 * page. `allowed(url, status)` lets a test expect a particular error response.
 */
function watch(page, label, problems, allowed = () => false) {
  const expected = new Set();
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const text = msg.text();
    // Chromium logs every 4xx/5xx fetch as "Failed to load resource"; those are judged
    // by the response handler below, which knows the URL and whether it was expected.
    if (/Failed to load resource: the server responded with a status of/.test(text)) {
      const url = msg.location()?.url || '';
      if (expected.has(url)) return;
      const m = text.match(/status of (\d+)/);
      if (m && allowed(url, Number(m[1]))) return;
    }
    problems.push(`[${label}] console error: ${text} (${msg.location()?.url || 'no location'})`);
  });
  page.on('pageerror', (err) => problems.push(`[${label}] uncaught exception: ${err.message}`));
  page.on('requestfailed', (req) => problems.push(`[${label}] request failed: ${req.method()} ${req.url()} — ${req.failure()?.errorText}`));
  page.on('response', (res) => {
    const status = res.status();
    if (status < 400) return;
    if (allowed(res.url(), status)) {
      expected.add(res.url());
      return;
    }
    problems.push(`[${label}] HTTP ${status} for ${res.request().method()} ${res.url()}`);
  });
}

/** A screenshot of the whole page, or of the window only (long lists take seconds). */
async function shot(page, name, fullPage = true) {
  await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage });
}

/** Waits until the current view has finished loading (app.js sets data-ready). */
async function ready(page) {
  await page.waitForSelector('#app > .view[data-ready="true"]', { timeout: TIMEOUT });
  const error = await page.locator('[data-testid="error"]').allTextContents();
  check(error.length === 0, `the page shows an error: ${error.join(' | ')}`);
}

/** At a phone's width (390 px) the page must not scroll sideways (wide tables scroll in their card). */
async function narrow(page, name, fullPage = true) {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(400); // charts resize after a debounce
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  await shot(page, name, fullPage);
  await page.setViewportSize({ width: 1280, height: 900 });
  check(overflow <= 1, `at 390 px the page is ${overflow} px too wide to fit (screenshot ${name}.png)`);
}

/** How many pixels of a canvas are not transparent (a drawn chart has many). */
async function paintedPixels(locator) {
  return locator.evaluate((canvas) => {
    const ctx = canvas.getContext('2d');
    if (!ctx || canvas.width === 0 || canvas.height === 0) return 0;
    const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) n += 1;
    return n;
  });
}

async function main() {
  rmSync(shots, { recursive: true, force: true }); // only this run's pictures
  mkdirSync(shots, { recursive: true });
  let base = process.env.CREDENCE_URL?.replace(/\/$/, '');
  let key = process.env.CREDENCE_KEY;
  let db = null; // the store, when this run started the server

  if (!base) {
    await step('the demo store, a read key and a running server', async () => {
      check(existsSync(bin), `no credence binary at ${bin}: build it (cargo build -p credence) or set CREDENCE_BIN`);
      tmp = mkdtempSync(path.join(tmpdir(), 'credence-browser-'));
      run(['demo', '--size', 'small', '--dir', tmp], 'credence demo');
      db = path.join(tmp, 'credence.db');
      check(existsSync(db), `credence demo wrote no ${db}`);
      const created = JSON.parse(run(['--db', db, 'keys', 'create', '--scope', 'read', '--json'], 'credence keys create'));
      key = created.key;
      check(typeof key === 'string' && key.length > 10, `keys create --json gave no key: ${JSON.stringify(created)}`);
      base = await startServer(db);
      log(`# server at ${base}, demo in ${tmp}`);
    });
  }
  check(key, 'no key (set CREDENCE_KEY with CREDENCE_URL)');

  // Alerts and reports are computed on first use (the server warms them in the
  // background); a debug build on a busy machine takes minutes. Wait for them here, with
  // the key as a bearer token, so the browser steps below time what the page does.
  await step('the API answers (alerts and reports computed; bearer key)', async () => {
    for (const p of ['/v1/merchants', '/v1/alerts?status=open', '/v1/merchants/m-tea/report', '/v1/merchants/m-tea/report?by=week']) {
      const t0 = Date.now();
      const { status, text } = await httpGet(`${base}${p}`, { Authorization: `Bearer ${key}` }, WARMUP);
      check(status === 200, `GET ${p} answered ${status}: ${text.slice(0, 300)}`);
      log(`# GET ${p}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
  });

  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
  context.setDefaultTimeout(TIMEOUT);
  const page = await context.newPage();
  current = page;
  watch(page, 'signed in', problems);

  await step('sign in with the read key through the login form', async () => {
    await page.goto(`${base}/login`);
    await shot(page, '01-login');
    check((await page.locator('label[for="key"]').count()) === 1, 'the key field has no label');
    await page.getByTestId('login-key').fill(key);
    await Promise.all([page.waitForURL(`${base}/`), page.getByTestId('login-submit').click()]);
    const cookies = await context.cookies(base);
    const cookie = cookies.find((c) => c.name === 'credence_key');
    check(cookie, `no credence_key cookie after sign-in (cookies: ${cookies.map((c) => c.name).join(', ') || 'none'})`);
    check(cookie.httpOnly, 'the credence_key cookie is not HttpOnly');
  });

  await step('the merchants overview shows the four demo merchants', async () => {
    await ready(page);
    const ids = await page.getByTestId('merchant-card').evaluateAll((els) => els.map((e) => e.dataset.merchant).sort());
    check(JSON.stringify(ids) === JSON.stringify(DEMO_MERCHANTS), `merchant cards: ${JSON.stringify(ids)}, expected ${JSON.stringify(DEMO_MERCHANTS)}`);
    const tea = page.locator('[data-testid="merchant-card"][data-merchant="m-tea"]');
    const reputation = Number(await tea.getByTestId('reputation').textContent());
    check(reputation > 0 && reputation <= 100, `m-tea reputation is not a score: ${reputation}`);
    const openAlerts = Number(await tea.getByTestId('open-alerts-count').textContent());
    check(openAlerts > 0, `m-tea should have open alerts on the demo (shows ${openAlerts})`);
    const atRisk = Number(await tea.locator('[data-stage-count="at_risk"]').textContent());
    check(atRisk > 0, `m-tea should have customers at risk (shows ${atRisk})`);
    await shot(page, '02-merchants');
  });

  await step('m-tea: the trust chart is drawn and the at-risk customers table is filled', async () => {
    await page.locator('[data-testid="merchant-card"][data-merchant="m-tea"] [data-testid="merchant-link"]').click();
    await page.waitForURL(/#\/merchants\/m-tea/);
    await ready(page);
    check((await page.getByTestId('merchant-title').textContent()).trim() === 'm-tea', 'wrong merchant title');
    const canvas = page.locator('[data-testid="trust-chart"] canvas').first();
    await canvas.waitFor();
    const box = await canvas.boundingBox();
    check(box && box.width > 200 && box.height > 100, `the trust chart canvas is too small: ${JSON.stringify(box)}`);
    const painted = await paintedPixels(canvas);
    check(painted > 500, `the trust chart canvas is blank (${painted} painted pixels)`);
    const trends = await page.locator('[data-testid="indicator-trends"] canvas').count();
    check(trends >= 4, `expected indicator trend charts, found ${trends} canvases`);
    const funnel = await page.locator('[data-testid="stage-funnel"] li').count();
    check(funnel === 5, `the stage funnel has ${funnel} bars, expected 5`);
    check((await page.locator('[data-testid="aspects"] tr[data-aspect]').count()) > 0, 'no aspect rows');
    check((await page.getByTestId('stage-filter').inputValue()) === 'at_risk', 'the customer table is not filtered to at-risk customers');
    const rows = page.getByTestId('customer-row');
    const n = await rows.count();
    check(n > 0, 'the at-risk customers table is empty');
    const stages = await page.locator('[data-testid="customer-row"] [data-stage]').evaluateAll((els) => els.map((e) => e.dataset.stage));
    check(stages.every((s) => s === 'at_risk'), `rows outside the at-risk filter: ${[...new Set(stages)].join(', ')}`);
    const scores = await page.locator('[data-testid="customer-row"] td.num:nth-of-type(1)').allTextContents();
    const nums = scores.map(Number);
    check(nums.every((v, i) => i === 0 || nums[i - 1] <= v), `customers are not lowest trust first: ${nums.slice(0, 10).join(', ')}`);
    await page.locator('[data-testid="merchant-alerts"] p').first().waitFor();
    await page.waitForFunction(() => !document.querySelector('[data-testid="merchant-alerts"]')?.textContent.includes('Loading'), null, { timeout: TIMEOUT });
    await shot(page, '03-merchant-m-tea');
  });

  await step('m-tea: the stage filter reloads the customer table', async () => {
    const rowStages = () => page.locator('[data-testid="customer-row"] [data-stage]').evaluateAll((els) => els.map((e) => e.dataset.stage));
    await page.getByTestId('stage-filter').selectOption('ended');
    await page.waitForURL(/stage=ended/);
    await page.waitForFunction(() => {
      const s = [...document.querySelectorAll('[data-testid="customer-row"] [data-stage]')].map((e) => e.dataset.stage);
      return s.length > 0 && s.every((x) => x === 'ended');
    }, null, { timeout: TIMEOUT });
    await page.getByTestId('stage-filter').selectOption('at_risk');
    await page.waitForFunction(() => {
      const s = [...document.querySelectorAll('[data-testid="customer-row"] [data-stage]')].map((e) => e.dataset.stage);
      return s.length > 0 && s.every((x) => x === 'at_risk');
    }, null, { timeout: TIMEOUT });
    const stages = await rowStages();
    check(stages.length > 0, 'no at-risk rows after switching back');
  });

  await step('m-tea at a narrow width (390 px): no sideways scrolling of the page', async () => {
    await narrow(page, '04-merchant-m-tea-narrow');
  });

  let customer = null;
  await step('a customer at risk: score, the four dimensions and bilingual reasons', async () => {
    const first = page.getByTestId('customer-link').first();
    customer = (await first.textContent()).trim();
    await first.click();
    await page.waitForURL(/\/customers\//);
    await ready(page);
    check((await page.getByTestId('customer-title').textContent()).includes(customer), `the page is not about ${customer}`);
    const score = Number(await page.getByTestId('customer-score').textContent());
    check(score >= 0 && score <= 100, `score is not 0–100: ${score}`);
    const u = Number(await page.getByTestId('customer-uncertainty').textContent());
    check(u >= 0 && u <= 1, `uncertainty is not 0–1: ${u}`);
    const dims = await page.locator('[data-testid="customer-dimensions"] [data-testid="dimension-row"]').evaluateAll((els) =>
      els.map((e) => ({ d: e.dataset.dimension, cells: [...e.querySelectorAll('td.num')].map((td) => td.textContent) })),
    );
    check(
      JSON.stringify(dims.map((d) => d.d)) === JSON.stringify(['ability', 'integrity', 'benevolence', 'affect']),
      `dimensions shown: ${dims.map((d) => d.d).join(', ')}`,
    );
    for (const { d, cells } of dims) {
      const [, b, dis, un] = cells.map(Number);
      check(Math.abs(b + dis + un - 1) < 0.02, `${d}: belief + disbelief + uncertainty = ${b + dis + un}, not 1`);
    }
    check((await page.locator('[data-testid="stage-history"] li').count()) > 0, 'no stage history');
    const en = await page.getByTestId('reason-en').allTextContents();
    const zh = await page.getByTestId('reason-zh').allTextContents();
    check(en.length > 0 && en.length === zh.length, `reasons: ${en.length} English, ${zh.length} Chinese`);
    check(en.every((t) => /[a-z]{3}/i.test(t)), `an English reason is empty: ${JSON.stringify(en)}`);
    check(zh.every((t) => /[\u4e00-\u9fff]/.test(t)), `a Chinese reason has no Chinese: ${JSON.stringify(zh)}`);
    check(await page.getByTestId('reason-en').first().isVisible(), 'English reasons hidden by default');
    check(await page.getByTestId('reason-zh').first().isVisible(), 'Chinese reasons hidden by default');
    await shot(page, '05-customer');
    await narrow(page, '05-customer-narrow');
    await page.getByTestId('lang-select').selectOption('zh');
    check(!(await page.getByTestId('reason-en').first().isVisible()), '中文 only: English still shown');
    check(await page.getByTestId('reason-zh').first().isVisible(), '中文 only: Chinese not shown');
    await shot(page, '06-customer-zh');
    await page.getByTestId('lang-select').selectOption('both');
  });

  let alertId = null;
  await step('alerts inbox: acknowledge an open alert', async () => {
    await page.getByTestId('nav-alerts').click();
    await page.waitForURL(/#\/alerts/);
    await ready(page);
    const rows = page.getByTestId('alert-row');
    check((await rows.count()) > 0, 'no open alert in the inbox (the demo has some)');
    check(
      (await page.locator('[data-testid="alert-row"] [data-testid="alert-status"]').evaluateAll((els) => els.map((e) => e.dataset.status))).every((s) => s === 'open'),
      'the open filter shows alerts that are not open',
    );
    const row = page.locator('[data-testid="alert-row"]:has([data-testid="alert-ack"]:enabled)').first();
    alertId = await row.getAttribute('data-alert-id');
    check(alertId, 'no alert with an enabled Acknowledge button');
    await shot(page, '07-alerts', false);
    await narrow(page, '07-alerts-narrow', false);
    const ack = page.waitForResponse((r) => r.url().endsWith(`/v1/alerts/${alertId}/ack`) && r.request().method() === 'POST');
    await row.getByTestId('alert-ack').click();
    const res = await ack;
    check(res.status() === 200, `POST ack answered ${res.status()}: ${await res.text()}`);
    const same = page.locator(`[data-testid="alert-row"][data-alert-id="${alertId}"]`);
    await same.locator('[data-testid="alert-status"][data-status="acked"]').waitFor({ timeout: 10_000 });
    check(await same.getByTestId('alert-ack').isDisabled(), 'Acknowledge is still enabled on an acked alert');
    await same.scrollIntoViewIfNeeded();
    await shot(page, '08-alert-acked', false);
  });

  await step('after a reload the alert is still acknowledged', async () => {
    await page.reload();
    await ready(page);
    check((await page.locator(`[data-testid="alert-row"][data-alert-id="${alertId}"]`).count()) === 0, `alert ${alertId} is still listed as open after a reload`);
    await page.getByTestId('alert-status-filter').selectOption('acked');
    await page.waitForURL(/status=acked/);
    await ready(page);
    const row = page.locator(`[data-testid="alert-row"][data-alert-id="${alertId}"]`);
    check((await row.count()) === 1, `alert ${alertId} is not among the acknowledged ones`);
    check((await row.getByTestId('alert-status').getAttribute('data-status')) === 'acked', 'its status is not acked');
    await shot(page, '09-alerts-acked', false);
  });

  // A visitor without a key: refused at sign-in, sent to /login by the app.
  await step('a wrong key is refused at sign-in', async () => {
    const other = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    other.setDefaultTimeout(TIMEOUT);
    const p = await other.newPage();
    current = p;
    // Without a session, the app's first API call is a 401: expected here, nowhere else.
    watch(p, 'stranger', problems, (url, status) => status === 401 && new URL(url).pathname.startsWith('/v1/'));
    await p.goto(`${base}/login`);
    await p.getByTestId('login-key').fill(`wrong-${key.slice(0, 4)}-key`);
    await Promise.all([p.waitForURL(/\/login\?error=1/), p.getByTestId('login-submit').click()]);
    check(await p.getByTestId('login-error').isVisible(), 'no refusal message on /login?error=1');
    check(!(await other.cookies(base)).some((c) => c.name === 'credence_key' && c.value), 'a wrong key was given a session cookie');
    await shot(p, '10-login-refused');
    const api = await other.request.get(`${base}/v1/merchants`, { failOnStatusCode: false });
    check(api.status() === 401, `the API answered ${api.status()} without a valid key`);
    await p.goto(`${base}/`);
    await p.waitForURL(`${base}/login`);
    current = page;
    await other.close();
  });

  if (db) {
    await step('a key for one merchant sees that merchant only', async () => {
      const scoped = JSON.parse(run(['--db', db, 'keys', 'create', '--scope', 'read', '--merchant', 'm-bank', '--json'], 'credence keys create --merchant'));
      const other = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      other.setDefaultTimeout(TIMEOUT);
      const p = await other.newPage();
      current = p;
      // Asking for another merchant's data is a 403 here (expected), nowhere else.
      watch(p, 'm-bank key', problems, (url, status) => status === 403 && new URL(url).pathname.startsWith('/v1/merchants/m-tea'));
      await p.goto(`${base}/login`);
      await p.getByTestId('login-key').fill(scoped.key);
      await Promise.all([p.waitForURL(`${base}/`), p.getByTestId('login-submit').click()]);
      await ready(p);
      const ids = await p.getByTestId('merchant-card').evaluateAll((els) => els.map((e) => e.dataset.merchant));
      check(JSON.stringify(ids) === '["m-bank"]', `a key for m-bank sees ${JSON.stringify(ids)}`);
      await p.goto(`${base}/#/merchants/m-tea`);
      await p.waitForSelector('#app > .view[data-ready="true"]');
      const error = await p.getByTestId('error').textContent();
      check(/restricted|403|forbidden/i.test(error || ''), `m-tea's page for an m-bank key shows no refusal: ${error}`);
      await shot(p, '11-merchant-key-refused');
      current = page;
      await other.close();
    });
  }

  await step('no console error, page error or failed request anywhere', async () => {
    check(problems.length === 0, `${problems.length} problem(s):\n${problems.join('\n')}`);
  });
}

const started = Date.now();
try {
  await main();
} catch (e) {
  if (failures === 0) {
    failures += 1;
    log(`not ok - ${e instanceof Failure ? e.message : e.stack || e}`);
  }
  if (problems.length) log(`# also seen in the browser:\n# ${problems.join('\n# ')}`);
  if (current && !current.isClosed()) {
    await current.screenshot({ path: path.join(shots, 'failure.png'), fullPage: true }).catch(() => {});
    log(`# the page at the failure: ${current.url()} (screenshot failure.png)`);
  }
  if (server && serverLog) log(`# server output (last lines):\n# ${serverLog.split('\n').slice(-30).join('\n# ')}`);
} finally {
  if (browser) await browser.close().catch(() => {});
  await stopServer();
  if (tmp && !process.env.KEEP_TMP) rmSync(tmp, { recursive: true, force: true });
}
log(`# ${failures === 0 ? 'PASS' : 'FAIL'}: ${stepNo} step(s) in ${((Date.now() - started) / 1000).toFixed(1)} s; screenshots in ${path.relative(process.cwd(), shots) || shots}`);
process.exit(failures === 0 ? 0 : 1);
