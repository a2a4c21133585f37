// credence dashboard: a small single-page app over the credence HTTP API (/v1/…).
//
// No framework and no build step: this file is served as is by `credence serve`
// (crates/credence/src/serve/dashboard.rs). Routing is by URL hash:
//
//   #/                              merchants overview
//   #/merchants/M?stage=S&by=week   one merchant (trust over time, funnel, indicators, customers)
//   #/merchants/M/customers/C       one relationship (score, dimensions, stages, reasons)
//   #/alerts?status=open&merchant=M alerts inbox (ack / resolve)
//
// Every value from the API is put into the page as text (textContent), never as HTML.
// Charts use uPlot (global `uPlot`, vendored under /assets/uplot/).

const app = document.getElementById('app');

// ---------------------------------------------------------------------------------
// Labels

const STAGES = ['initial', 'developing', 'committed', 'at_risk', 'ended'];
const STAGE_LABEL = {
  initial: ['initial', '接纳'],
  developing: ['developing', '认同'],
  committed: ['committed', '信赖'],
  at_risk: ['at risk', '风险'],
  ended: ['ended', '结束'],
};
const DIMENSIONS = ['ability', 'integrity', 'benevolence', 'affect'];
const DIMENSION_LABEL = {
  ability: ['Ability', '能力'],
  integrity: ['Integrity', '诚信'],
  benevolence: ['Benevolence', '善意'],
  affect: ['Affect', '情感'],
};
const ASPECT_ZH = {
  reliability: '可靠性',
  responsiveness: '响应速度',
  assurance: '专业性',
  empathy: '服务态度',
  tangibles: '包装与外观',
  product_quality: '产品质量',
  price_value: '价格与性价比',
  delivery: '物流配送',
  privacy: '隐私',
};
/**
 * Indicators drawn as small trend charts on the merchant page: key, label, 中文, format,
 * factor for the chart (rates are drawn in per cent), y range.
 */
const TRENDS = [
  ['nps', 'NPS (−100..100)', '净推荐值', (v) => fmt(v, 0), 1, [-100, 100]],
  ['on_time_rate', 'On-time delivery (%)', '准时交付率', pct, 100, [0, 100]],
  ['promise_kept_rate', 'Promises kept (%)', '守约率', pct, 100, [0, 100]],
  ['first_response_sla_rate', 'First reply within SLA (%)', '首次回复达标率', pct, 100, [0, 100]],
  ['complaint_rate', 'Complaints per 100 orders', '每百单投诉', (v) => fmt(v, 1), 1, null],
  ['avg_rating', 'Average rating (1–5)', '平均评分', (v) => fmt(v, 2), 1, [1, 5]],
];

// ---------------------------------------------------------------------------------
// Small helpers

/** Builds an element: h('p', {class: 'x', 'data-testid': 'y'}, 'text', child, …). */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** English and Chinese side by side (which shows is set by body[data-lang]). */
function bi(en, zh) {
  return [h('span', { class: 'lang-en', lang: 'en' }, en), ' ', h('span', { class: 'lang-zh', lang: 'zh' }, zh)];
}

function fmt(v, digits = 1) {
  return v === null || v === undefined || Number.isNaN(v) ? '—' : Number(v).toFixed(digits);
}
function pct(v) {
  return v === null || v === undefined ? '—' : `${(v * 100).toFixed(0)}\u00a0%`;
}
function day(iso) {
  return iso ? String(iso).slice(0, 10) : '—';
}
function when(iso) {
  return iso ? String(iso).replace('T', ' ').replace(/:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/, ' $2') : '—';
}
function stageBadge(stage) {
  if (!stage) return h('span', { class: 'badge' }, '—');
  const [en, zh] = STAGE_LABEL[stage] || [stage, stage];
  return h('span', { class: `badge stage-${stage}`, 'data-stage': stage }, en, ' · ', h('span', { lang: 'zh' }, zh));
}
function statusBadge(status) {
  const zh = { open: '待处理', acked: '已确认', resolved: '已解决' }[status] || status;
  return h(
    'span',
    { class: `badge status-${status}`, 'data-testid': 'alert-status', 'data-status': status },
    status,
    ' · ',
    h('span', { lang: 'zh' }, zh),
  );
}
/** A horizontal bar with its value also as text (never colour alone). */
function bar(fraction, label, cls = '') {
  const f = Math.max(0, Math.min(1, Number(fraction) || 0));
  const fill = h('span', { class: `bar-fill ${cls}` });
  fill.style.width = `${(f * 100).toFixed(1)}%`;
  return h('span', { class: 'bar', role: 'img', 'aria-label': label }, fill);
}
/** A header row; a name starting with # is a numeric (right-aligned) column. */
function heads(names) {
  return h('tr', {}, names.map((t) => (t.startsWith('#') ? h('th', { scope: 'col', class: 'num' }, t.slice(1)) : h('th', { scope: 'col' }, t))));
}
function enc(s) {
  return encodeURIComponent(s);
}
function link(href, ...children) {
  return h('a', { href }, ...children);
}
function section(title, zh, testid, ...children) {
  return h('section', { class: 'card', 'data-testid': testid, 'aria-label': title }, h('h2', {}, bi(title, zh)), ...children);
}
function showError(where, err) {
  where.replaceChildren(
    h('p', { class: 'error', role: 'alert', 'data-testid': 'error' }, `Could not load: ${err.message || err}`),
  );
}

// ---------------------------------------------------------------------------------
// API

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** Calls the API with the session cookie; a 401 sends the browser to the sign-in page. */
async function api(path, { method = 'GET' } = {}) {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET') headers['X-Credence-Request'] = '1';
  const res = await fetch(path, { method, headers, credentials: 'same-origin' });
  if (res.status === 401) {
    await res.text().catch(() => ''); // finish the response before leaving the page
    location.assign('/login');
    throw new ApiError(401, 'unauthorized', 'signed out');
  }
  let body = null;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
  if (!res.ok) {
    const e = body && body.error ? body.error : {};
    throw new ApiError(res.status, e.code || String(res.status), e.message || `${res.status} ${res.statusText}`);
  }
  return body;
}

/** A list endpoint's items, following `next` cursors up to `max` items. */
async function apiAll(path, max = 2000) {
  const items = [];
  let cursor = null;
  for (;;) {
    const sep = path.includes('?') ? '&' : '?';
    const page = await api(cursor ? `${path}${sep}cursor=${enc(cursor)}` : path);
    items.push(...(page.items || []));
    cursor = page.next;
    if (!cursor || items.length >= max) return items;
  }
}

/** The rows of a report by period, whatever the envelope (`{items}` or a bare array). */
function rowsOf(report) {
  if (Array.isArray(report)) return report;
  if (report && Array.isArray(report.items)) return report.items;
  return report ? [report] : [];
}

// ---------------------------------------------------------------------------------
// Charts (uPlot)

const charts = new Set();

function chartWidth(el) {
  return Math.max(220, Math.floor(el.getBoundingClientRect().width || el.clientWidth || 300) - 4);
}

/**
 * Draws a line chart into `el`. `x`: epoch seconds; `series`: [{label, values, stroke}].
 * The chart carries a text summary for screen readers.
 */
function lineChart(el, x, series, { height = 220, yRange = null, small = false, summary = '' } = {}) {
  el.setAttribute('role', 'img');
  el.setAttribute('aria-label', summary);
  if (typeof uPlot === 'undefined') {
    el.append(h('p', { class: 'muted' }, 'Charts unavailable (uPlot did not load).'));
    return null;
  }
  const opts = {
    width: chartWidth(el),
    height,
    legend: { show: !small },
    cursor: { show: !small, drag: { x: false, y: false } },
    scales: { x: { time: true }, y: yRange ? { range: yRange } : { auto: true } },
    axes: [
      { stroke: '#555', grid: { stroke: '#eee' }, ticks: { stroke: '#ddd' } },
      { stroke: '#555', grid: { stroke: '#eee' }, ticks: { stroke: '#ddd' }, size: small ? 40 : 50 },
    ],
    series: [
      { label: 'period' },
      ...series.map((s, i) => ({
        label: s.label,
        stroke: s.stroke,
        width: small ? 1.5 : 2,
        dash: i > 0 ? [6, 4] : undefined,
        spanGaps: true,
        points: { show: small ? false : x.length < 40 },
        value: (u, v) => (v === null || v === undefined ? '—' : v.toFixed(2)),
      })),
    ],
  };
  const chart = new uPlot(opts, [x, ...series.map((s) => s.values)], el);
  charts.add({ chart, el });
  return chart;
}

let resizeTimer = null;
window.addEventListener('resize', () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => {
    for (const { chart, el } of charts) {
      if (!el.isConnected) continue;
      chart.setSize({ width: chartWidth(el), height: chart.height });
    }
  }, 150);
});

function destroyCharts() {
  for (const { chart } of charts) chart.destroy();
  charts.clear();
}

function epoch(iso) {
  return Math.floor(Date.parse(iso) / 1000);
}

// ---------------------------------------------------------------------------------
// Pages

/** Merchants overview: one card per merchant the key may see. */
async function overviewPage(view) {
  document.title = 'Merchants · credence';
  view.append(h('h1', {}, bi('Merchants', '商家')));
  const merchants = await apiAll('/v1/merchants');
  if (merchants.length === 0) {
    view.append(h('p', { 'data-testid': 'no-merchants' }, 'No merchant is visible to this key.'));
    return;
  }
  const grid = h('div', { class: 'grid', 'data-testid': 'merchant-list' });
  view.append(grid);
  const cells = new Map();
  for (const m of merchants) {
    const id = m.merchant;
    const indicators = h('dl', { class: 'kv' }, kv('Mean trust', '平均信任', '…'), kv('NPS', '净推荐值', '…'), kv('On time', '准时率', '…'));
    const alerts = h('span', { 'data-testid': 'open-alerts-count' }, '…');
    const stages = h(
      'ul',
      { class: 'stages', 'aria-label': 'customers per stage' },
      STAGES.map((s) => h('li', {}, stageBadge(s), ' ', h('strong', { 'data-stage-count': s }, String(m.stages?.[s] ?? 0)))),
    );
    const card = h(
      'article',
      { class: 'card merchant-card', 'data-testid': 'merchant-card', 'data-merchant': id },
      h('h2', {}, h('a', { href: `#/merchants/${enc(id)}`, 'data-testid': 'merchant-link' }, id)),
      h(
        'p',
        { class: 'big' },
        h('span', { class: 'num', 'data-testid': 'reputation' }, fmt(m.score)),
        h('span', { class: 'muted' }, ' reputation · 声誉'),
      ),
      h(
        'p',
        { class: 'muted small' },
        `new customers start at ${fmt(m.initial_trust ?? m.score)} · uncertainty ${fmt(m.uncertainty, 2)}`,
      ),
      stages,
      indicators,
      h('p', {}, h('a', { href: `#/alerts?merchant=${enc(id)}&status=open` }, 'Open alerts: ', alerts)),
    );
    cells.set(id, { indicators, alerts });
    grid.append(card);
  }
  // Indicators and alert counts come from slower endpoints: fill them in as they arrive.
  const work = merchants.map(async (m) => {
    const { indicators } = cells.get(m.merchant);
    try {
      const r = rowsOf(await api(`/v1/merchants/${enc(m.merchant)}/report`))[0] || {};
      indicators.replaceChildren(
        kv('Mean trust', '平均信任', fmt(r.trust_mean)),
        kv('NPS', '净推荐值', fmt(r.nps, 0)),
        kv('On time', '准时率', pct(r.on_time_rate)),
      );
    } catch (e) {
      indicators.replaceChildren(h('p', { class: 'error' }, `indicators: ${e.message}`));
    }
  });
  work.push(
    (async () => {
      try {
        const open = await apiAll('/v1/alerts?status=open');
        for (const [id, { alerts }] of cells) {
          alerts.textContent = String(open.filter((a) => a.merchant === id).length);
        }
      } catch (e) {
        for (const { alerts } of cells.values()) alerts.textContent = '?';
      }
    })(),
  );
  await Promise.all(work);
}

function kv(en, zh, value) {
  return h('div', {}, h('dt', {}, bi(en, zh)), h('dd', { class: 'num' }, value));
}

/** One merchant: trust over time, funnel, indicator trends, aspects, alerts, customers. */
async function merchantPage(view, merchant, params) {
  document.title = `${merchant} · credence`;
  const by = params.get('by') === 'month' ? 'month' : 'week';
  let stage = params.has('stage') ? params.get('stage') : 'at_risk';
  const base = `/v1/merchants/${enc(merchant)}`;
  view.append(
    h('nav', { class: 'crumbs', 'aria-label': 'Breadcrumb' }, link('#/', 'Merchants'), ' › ', merchant),
    h('h1', { 'data-testid': 'merchant-title' }, merchant),
  );
  const [m, periods, whole] = await Promise.all([
    api(base),
    api(`${base}/report?by=${by}`).then(rowsOf),
    api(`${base}/report`).then((r) => rowsOf(r)[0] || {}),
  ]);

  // Headline
  view.append(
    h(
      'section',
      { class: 'card headline', 'data-testid': 'merchant-summary', 'aria-label': 'Summary' },
      h('div', { class: 'big' }, h('span', { class: 'num', 'data-testid': 'reputation' }, fmt(m.score)), h('span', { class: 'muted' }, ' reputation · 声誉 (0–100)')),
      h(
        'dl',
        { class: 'kv' },
        kv('New customers start at', '新客户初始信任', fmt(m.initial_trust ?? m.score)),
        kv('Uncertainty', '不确定度', fmt(m.uncertainty, 2)),
        kv('Cognitive', '认知信任', fmt(m.cognitive)),
        kv('Affective', '情感信任', fmt(m.affective)),
        kv('Mean trust', '平均信任', fmt(whole.trust_mean)),
        kv('NPS', '净推荐值', fmt(whole.nps, 0)),
        kv('On time', '准时率', pct(whole.on_time_rate)),
        kv('As of', '截至', when(m.at)),
      ),
      dimensionTable(m.dimensions, 'merchant-dimensions'),
    ),
  );

  // Trust over time
  const periodLinks = h(
    'p',
    { class: 'switch' },
    'Period: ',
    ['week', 'month'].map((b) =>
      h(
        'a',
        {
          href: `#/merchants/${enc(merchant)}?by=${b}&stage=${enc(stage)}`,
          'aria-current': b === by ? 'true' : null,
          'data-testid': `period-${b}`,
        },
        b,
      ),
    ),
  );
  const trustEl = h('div', { class: 'chart', 'data-testid': 'trust-chart' });
  const trustSection = section(
    'Trust over time',
    '信任趋势',
    'trust-section',
    periodLinks,
    h('p', { class: 'muted small' }, `Mean trust and its 10th percentile per ${by} (0–100), evaluated at each period's end.`),
    trustEl,
    trustTable(periods),
  );
  view.append(trustSection);
  const x = periods.map((p) => epoch(p.period_start));
  const first = periods[0] || {};
  const last = periods[periods.length - 1] || {};
  lineChart(
    trustEl,
    x,
    [
      { label: 'mean trust', values: periods.map((p) => p.trust_mean ?? null), stroke: '#1f5fbf' },
      { label: 'trust p10', values: periods.map((p) => p.trust_p10 ?? null), stroke: '#b3541e' },
    ],
    {
      yRange: [0, 100],
      summary: `Mean trust per ${by}: ${fmt(first.trust_mean)} on ${day(first.period_start)}, ${fmt(last.trust_mean)} on ${day(last.period_start)}.`,
    },
  );

  // Funnel and aspects side by side
  const row = h('div', { class: 'grid two' });
  view.append(row);
  row.append(funnel(m.stages || whole.stage_counts || {}, merchant));
  row.append(aspects(whole.aspects || {}));

  // Indicator trends
  const trends = h('div', { class: 'grid small-charts' });
  view.append(section('Indicators', '指标趋势', 'indicator-trends', h('p', { class: 'muted small' }, `Per ${by}; the figure is the whole period's.`), trends));
  for (const [key, en, zh, f, factor, yRange] of TRENDS) {
    const el = h('div', { class: 'chart small', 'data-testid': `trend-${key}` });
    trends.append(h('figure', { class: 'trend' }, h('figcaption', {}, bi(en, zh), ': ', h('strong', {}, f(whole[key]))), el));
    const values = periods.map((p) => (p[key] === null || p[key] === undefined ? null : p[key] * factor));
    lineChart(el, x, [{ label: en, values, stroke: '#1f5fbf' }], {
      height: 120,
      yRange,
      small: true,
      summary: `${en} per ${by}, whole period ${f(whole[key])}.`,
    });
  }

  // Open alerts of this merchant (slow endpoint: filled in when it answers)
  const alertsBox = h('div', {}, h('p', { class: 'muted' }, 'Loading alerts…'));
  view.append(
    section('Open alerts', '待处理预警', 'merchant-alerts', alertsBox, h('p', {}, link(`#/alerts?merchant=${enc(merchant)}&status=open`, 'Open the alerts inbox for this merchant'))),
  );

  // Customers
  const customers = section('Customers', '客户', 'customers-section');
  view.append(customers);
  const select = h(
    'select',
    { id: 'stage-filter', 'data-testid': 'stage-filter' },
    h('option', { value: '' }, 'all stages'),
    STAGES.map((s) => h('option', { value: s, selected: s === stage }, STAGE_LABEL[s][0])),
  );
  customers.append(
    h('p', { class: 'filters' }, h('label', { for: 'stage-filter' }, 'Stage '), select, h('span', { class: 'muted small' }, ' lowest trust first')),
  );
  const tbody = h('tbody', {});
  const table = h(
    'table',
    { class: 'data', 'data-testid': 'customer-table' },
    h('caption', { class: 'sr-only' }, `Customers of ${merchant} in the chosen stage, lowest trust first`),
    h(
      'thead',
      {},
      heads(['Customer', '#Trust', '#Uncertainty', 'Stage', '#Cognitive', '#Affective', 'Main reason']),
    ),
    tbody,
  );
  const more = h('button', { type: 'button', 'data-testid': 'customers-more', hidden: true }, 'Show more');
  const status = h('p', { class: 'muted small', 'data-testid': 'customers-count' });
  customers.append(h('div', { class: 'scroll' }, table), status, more);
  let cursor = null;
  let shown = 0;
  let filterGen = 0;
  const load = async () => {
    const mine = filterGen;
    more.disabled = true;
    const q = new URLSearchParams({ sort: 'score', limit: '50' });
    if (stage) q.set('stage', stage);
    if (cursor) q.set('cursor', cursor);
    const page = await api(`${base}/customers?${q}`);
    if (mine !== filterGen) return; // the filter changed meanwhile
    for (const c of page.items || []) tbody.append(customerRow(merchant, c));
    shown += (page.items || []).length;
    cursor = page.next;
    more.hidden = !cursor;
    more.disabled = false;
    status.textContent = shown === 0 ? 'No customer in this stage.' : `${shown} shown${cursor ? ', more available' : ''}.`;
  };
  more.addEventListener('click', () => load().catch((e) => showError(status, e)));
  // A new stage reloads the table only; the address follows without a page change.
  select.addEventListener('change', () => {
    stage = select.value;
    filterGen += 1;
    history.replaceState(null, '', `#/merchants/${enc(merchant)}?by=${by}&stage=${enc(stage)}`);
    for (const b of ['week', 'month']) {
      periodLinks.querySelector(`[data-testid="period-${b}"]`)?.setAttribute('href', `#/merchants/${enc(merchant)}?by=${b}&stage=${enc(stage)}`);
    }
    tbody.replaceChildren();
    cursor = null;
    shown = 0;
    status.textContent = 'Loading…';
    load().catch((e) => showError(status, e));
  });
  const alertsWork = apiAll(`/v1/alerts?merchant=${enc(merchant)}&status=open`)
    .then((items) => alertsBox.replaceChildren(alertSummary(items)))
    .catch((e) => showError(alertsBox, e));
  await load();
  await alertsWork;
}

function trustTable(periods) {
  return h(
    'details',
    {},
    h('summary', {}, 'Data table'),
    h(
      'div',
      { class: 'scroll' },
      h(
        'table',
        { class: 'data compact' },
        h('thead', {}, heads(['Period start', '#Mean trust', '#Trust p10', '#Orders', '#NPS', '#On time'])),
        h(
          'tbody',
          {},
          periods.map((p) =>
            h('tr', {}, h('td', {}, day(p.period_start)), h('td', { class: 'num' }, fmt(p.trust_mean)), h('td', { class: 'num' }, fmt(p.trust_p10)), h('td', { class: 'num' }, String(p.orders ?? '—')), h('td', { class: 'num' }, fmt(p.nps, 0)), h('td', { class: 'num' }, pct(p.on_time_rate))),
          ),
        ),
      ),
    ),
  );
}

function funnel(stages, merchant) {
  const max = Math.max(1, ...STAGES.map((s) => stages[s] || 0));
  const total = STAGES.reduce((a, s) => a + (stages[s] || 0), 0);
  return section(
    'Stages',
    '关系阶段',
    'stage-funnel',
    h('p', { class: 'muted small' }, `${total} customers: initial → developing → committed; at risk and ended beside.`),
    h(
      'ul',
      { class: 'bars' },
      STAGES.map((s) => {
        const n = stages[s] || 0;
        return h(
          'li',
          { 'data-stage': s },
          h('a', { href: `#/merchants/${enc(merchant)}?stage=${s}`, class: 'bar-label' }, stageBadge(s)),
          bar(n / max, `${STAGE_LABEL[s][0]}: ${n}`, `stage-${s}`),
          h('span', { class: 'num' }, String(n)),
        );
      }),
    ),
  );
}

function aspects(map) {
  const keys = Object.keys(map).sort((a, b) => (map[b].mentions || 0) - (map[a].mentions || 0));
  const body =
    keys.length === 0
      ? h('p', { class: 'muted' }, 'No text analysed.')
      : h(
          'div',
          { class: 'scroll' },
          h(
          'table',
          { class: 'data compact' },
          h('caption', { class: 'sr-only' }, 'Aspects mentioned in reviews and complaints, with the negative share'),
          h('thead', {}, heads(['Aspect', '#Mentions', '#Negative', 'Negative share'])),
          h(
            'tbody',
            {},
            keys.map((k) => {
              const a = map[k];
              return h(
                'tr',
                { 'data-aspect': k },
                h('th', { scope: 'row' }, k.replace('_', ' '), ' ', h('span', { lang: 'zh', class: 'muted' }, ASPECT_ZH[k] || '')),
                h('td', { class: 'num' }, String(a.mentions ?? 0)),
                h('td', { class: 'num' }, String(a.negative ?? 0)),
                h('td', {}, bar(a.negative_share ?? 0, `${pct(a.negative_share)} negative`, 'neg'), ' ', h('span', { class: 'num' }, pct(a.negative_share))),
              );
            }),
          ),
          ),
        );
  return section('Aspects in text', '文本方面情感', 'aspects', h('p', { class: 'muted small' }, 'What reviews and complaints talk about, and how often negatively (whole period).'), body);
}

function alertSummary(items) {
  if (items.length === 0) return h('p', { 'data-testid': 'no-alerts' }, 'No open alert.');
  const crises = items.filter((a) => a.kind === 'merchant_crisis');
  const risks = items.filter((a) => a.kind !== 'merchant_crisis');
  return h(
    'div',
    {},
    h('p', {}, `${crises.length} crisis alert(s), ${risks.length} customer(s) at risk.`),
    h(
      'ul',
      { class: 'plain' },
      crises.map((a) => h('li', {}, h('span', { class: `badge sev-${a.severity}` }, a.severity), ' ', a.stream || a.kind, ' since ', day(a.opened_at), ' — ', h('span', { class: 'lang-en' }, a.reasons?.[0]?.text_en || ''), ' ', h('span', { class: 'lang-zh', lang: 'zh' }, a.reasons?.[0]?.text_zh || ''))),
    ),
  );
}

function customerRow(merchant, c) {
  const top = (c.reasons || [])[0];
  return h(
    'tr',
    { 'data-testid': 'customer-row', 'data-customer': c.customer },
    h('th', { scope: 'row' }, h('a', { href: `#/merchants/${enc(merchant)}/customers/${enc(c.customer)}`, 'data-testid': 'customer-link' }, c.customer)),
    h('td', { class: 'num' }, fmt(c.score)),
    h('td', { class: 'num' }, fmt(c.uncertainty, 2)),
    h('td', {}, stageBadge(c.stage)),
    h('td', { class: 'num' }, fmt(c.cognitive)),
    h('td', { class: 'num' }, fmt(c.affective)),
    h('td', { class: 'reason' }, top ? [h('span', { class: 'lang-en' }, top.text_en), ' ', h('span', { class: 'lang-zh', lang: 'zh' }, top.text_zh)] : '—'),
  );
}

function dimensionTable(dims, testid) {
  const table = h(
    'table',
    { class: 'data dims', 'data-testid': testid },
    h('caption', { class: 'sr-only' }, 'Dimensions: belief, disbelief and uncertainty'),
    h('thead', {}, heads(['Dimension', '#Score', '#Belief', '#Disbelief', '#Uncertainty', '#Base rate', 'Split'])),
    h(
      'tbody',
      {},
      DIMENSIONS.map((d) => {
        const o = (dims || {})[d] || {};
        const split = h('span', { class: 'split', role: 'img', 'aria-label': `belief ${fmt(o.belief, 2)}, disbelief ${fmt(o.disbelief, 2)}, uncertainty ${fmt(o.uncertainty, 2)}` });
        for (const [k, cls] of [['belief', 'b'], ['disbelief', 'd'], ['uncertainty', 'u']]) {
          const part = h('span', { class: `split-${cls}` });
          part.style.width = `${((o[k] || 0) * 100).toFixed(1)}%`;
          split.append(part);
        }
        return h(
          'tr',
          { 'data-testid': 'dimension-row', 'data-dimension': d },
          h('th', { scope: 'row' }, DIMENSION_LABEL[d][0], ' ', h('span', { lang: 'zh', class: 'muted' }, DIMENSION_LABEL[d][1])),
          h('td', { class: 'num' }, fmt(o.score)),
          h('td', { class: 'num' }, fmt(o.belief, 2)),
          h('td', { class: 'num' }, fmt(o.disbelief, 2)),
          h('td', { class: 'num' }, fmt(o.uncertainty, 2)),
          h('td', { class: 'num' }, fmt(o.base_rate, 2)),
          h('td', { class: 'split-cell' }, split),
        );
      }),
    ),
  );
  return [h('h3', { class: 'sub' }, bi('Dimensions: belief / disbelief / uncertainty', '维度：信任 / 不信任 / 不确定')), h('div', { class: 'scroll' }, table)];
}

/** One relationship: the trust report of (merchant, customer). */
async function customerPage(view, merchant, customer) {
  document.title = `${customer} at ${merchant} · credence`;
  view.append(
    h('nav', { class: 'crumbs', 'aria-label': 'Breadcrumb' }, link('#/', 'Merchants'), ' › ', link(`#/merchants/${enc(merchant)}`, merchant), ' › ', customer),
    h('h1', { 'data-testid': 'customer-title' }, customer, h('span', { class: 'muted' }, ` at ${merchant}`)),
  );
  const t = await api(`/v1/merchants/${enc(merchant)}/customers/${enc(customer)}/trust`);
  view.append(
    h(
      'section',
      { class: 'card headline', 'data-testid': 'customer-summary', 'aria-label': 'Summary' },
      h('div', { class: 'big' }, h('span', { class: 'num', 'data-testid': 'customer-score' }, fmt(t.score)), h('span', { class: 'muted' }, ' trust · 信任 (0–100)'), ' ', stageBadge(t.stage)),
      h(
        'dl',
        { class: 'kv' },
        kv('Uncertainty', '不确定度', h('span', { 'data-testid': 'customer-uncertainty' }, fmt(t.uncertainty, 2))),
        kv('Cognitive', '认知信任', fmt(t.cognitive)),
        kv('Affective', '情感信任', fmt(t.affective)),
        kv('As of', '截至', when(t.at)),
      ),
      dimensionTable(t.dimensions, 'customer-dimensions'),
    ),
  );
  const history = t.stage_history || [];
  view.append(
    section(
      'Stage history',
      '阶段变化',
      'stage-history',
      history.length === 0
        ? h('p', { class: 'muted' }, 'No stage change recorded.')
        : h('ol', { class: 'timeline' }, history.map((s) => h('li', {}, h('time', { datetime: s.since }, when(s.since)), ' ', stageBadge(s.stage)))),
    ),
  );
  const reasons = t.reasons || [];
  view.append(
    section(
      'Why',
      '原因',
      'reasons',
      h('p', { class: 'muted small' }, 'The events that move this trust most, with their impact in points (+ raises, − lowers).'),
      reasons.length === 0
        ? h('p', { class: 'muted' }, 'No reason: nothing has happened in this relationship yet.')
        : h(
            'div',
            { class: 'scroll' },
            h(
              'table',
              { class: 'data reasons', 'data-testid': 'reasons-table' },
              h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Impact'), h('th', { scope: 'col' }, 'Dimension'), h('th', { scope: 'col', class: 'lang-en' }, 'Reason'), h('th', { scope: 'col', class: 'lang-zh', lang: 'zh' }, '原因'), h('th', { scope: 'col' }, 'Event'))),
              h(
                'tbody',
                {},
                reasons.map((r) =>
                  h(
                    'tr',
                    { 'data-testid': 'reason-row', 'data-reason': r.reason },
                    h('td', { class: `num ${r.impact < 0 ? 'neg' : 'pos'}` }, `${r.impact < 0 ? '▼ −' : '▲ +'}${fmt(Math.abs(r.impact), 2)}`),
                    h('td', {}, DIMENSION_LABEL[r.dimension]?.[0] || r.dimension || '—'),
                    h('td', { class: 'lang-en', 'data-testid': 'reason-en' }, r.text_en),
                    h('td', { class: 'lang-zh', lang: 'zh', 'data-testid': 'reason-zh' }, r.text_zh),
                    h('td', {}, h('code', {}, r.event), h('br', {}), h('span', { class: 'muted small' }, r.reason)),
                  ),
                ),
              ),
            ),
          ),
    ),
  );
}

/** Alerts inbox: filter by status and merchant; ack and resolve. */
async function alertsPage(view, params) {
  document.title = 'Alerts · credence';
  const status = params.has('status') ? params.get('status') : 'open';
  const merchant = params.get('merchant') || '';
  view.append(h('h1', {}, bi('Alerts', '预警')));
  const statusSel = h(
    'select',
    { id: 'alert-status-filter', 'data-testid': 'alert-status-filter' },
    [['', 'any status'], ['open', 'open'], ['acked', 'acknowledged'], ['resolved', 'resolved']].map(([v, t]) => h('option', { value: v, selected: v === status }, t)),
  );
  const merchantSel = h('select', { id: 'alert-merchant-filter', 'data-testid': 'alert-merchant-filter' }, h('option', { value: '' }, 'all merchants'));
  if (merchant) merchantSel.append(h('option', { value: merchant, selected: true }, merchant));
  const go = () => {
    const q = new URLSearchParams();
    q.set('status', statusSel.value);
    if (merchantSel.value) q.set('merchant', merchantSel.value);
    location.hash = `#/alerts?${q}`;
  };
  statusSel.addEventListener('change', go);
  merchantSel.addEventListener('change', go);
  view.append(
    h(
      'form',
      { class: 'filters', 'aria-label': 'Filter alerts', onsubmit: (e) => e.preventDefault() },
      h('label', { for: 'alert-status-filter' }, 'Status '),
      statusSel,
      ' ',
      h('label', { for: 'alert-merchant-filter' }, 'Merchant '),
      merchantSel,
    ),
  );
  // The merchant list for the filter (not awaited before the alerts themselves).
  const merchantsWork = apiAll('/v1/merchants')
    .then((ms) => {
      for (const m of ms) if (m.merchant !== merchant) merchantSel.append(h('option', { value: m.merchant }, m.merchant));
    })
    .catch(() => {});
  const count = h('p', { class: 'muted', 'data-testid': 'alerts-count' }, 'Loading alerts…');
  const list = h('ol', { class: 'alerts', 'data-testid': 'alert-list' });
  view.append(count, list);
  const q = new URLSearchParams();
  if (status) q.set('status', status);
  if (merchant) q.set('merchant', merchant);
  const items = await apiAll(`/v1/alerts${q.toString() ? `?${q}` : ''}`);
  // Crises first, then by severity and time (newest first).
  const sev = { high: 0, medium: 1, low: 2 };
  items.sort((a, b) => (a.kind === 'merchant_crisis' ? 0 : 1) - (b.kind === 'merchant_crisis' ? 0 : 1) || (sev[a.severity] ?? 3) - (sev[b.severity] ?? 3) || String(b.opened_at).localeCompare(String(a.opened_at)));
  count.textContent = `${items.length} alert(s)${status ? ` with status ${status}` : ''}${merchant ? ` for ${merchant}` : ''}.`;
  for (const a of items) list.append(alertRow(a));
  await merchantsWork;
}

function alertRow(a) {
  const li = h('li', { class: 'card alert', 'data-testid': 'alert-row', 'data-alert-id': a.id, 'data-kind': a.kind });
  fillAlert(li, a);
  return li;
}

function fillAlert(li, a) {
  const title =
    a.kind === 'merchant_crisis'
      ? ['Crisis · 危机: ', h('strong', {}, a.merchant), ' — ', a.stream || '']
      : ['Customer at risk · 客户流失风险: ', h('a', { href: `#/merchants/${enc(a.merchant)}/customers/${enc(a.customer)}` }, a.customer), ' at ', h('strong', {}, a.merchant)];
  const message = h('p', { class: 'action-message', role: 'status', 'data-testid': 'alert-message' });
  const button = (action, label, zh) =>
    h(
      'button',
      {
        type: 'button',
        'data-testid': `alert-${action}`,
        disabled: (action === 'ack' && a.status !== 'open') || (action === 'resolve' && a.status === 'resolved'),
        onclick: async (e) => {
          const btns = li.querySelectorAll('button');
          btns.forEach((b) => (b.disabled = true));
          message.textContent = 'Saving…';
          try {
            const updated = await api(`/v1/alerts/${enc(a.id)}/${action}`, { method: 'POST' });
            fillAlert(li, { ...a, ...(updated || {}) });
            li.querySelector(`[data-testid="alert-message"]`).textContent = `Marked ${updated?.status || action}.`;
            li.querySelector('h2')?.focus();
          } catch (err) {
            message.textContent = `Could not ${label.toLowerCase()}: ${err.message}`;
            message.className = 'action-message error';
            btns.forEach((b) => (b.disabled = false));
          }
          e.preventDefault();
        },
      },
      label,
      ' ',
      h('span', { lang: 'zh' }, zh),
    );
  const reasons = a.reasons || [];
  const main = reasons.filter((r) => r.code !== 'driver_day');
  const drivers = reasons.filter((r) => r.code === 'driver_day');
  li.replaceChildren(
    h('h2', { tabindex: '-1' }, title),
    h(
      'p',
      { class: 'meta' },
      statusBadge(a.status),
      ' ',
      h('span', { class: `badge sev-${a.severity}` }, `severity ${a.severity}`),
      ` opened ${when(a.opened_at)} · magnitude ${fmt(a.magnitude, 2)} · id `,
      h('code', {}, a.id),
    ),
    h('ul', { class: 'reasons-list' }, main.map((r) => h('li', {}, h('span', { class: 'lang-en' }, r.text_en), ' ', h('span', { class: 'lang-zh', lang: 'zh' }, r.text_zh)))),
    drivers.length
      ? h(
          'details',
          {},
          h('summary', {}, `${drivers.length} driver day(s)`),
          h('ul', { class: 'reasons-list' }, drivers.map((r) => h('li', {}, h('span', { class: 'lang-en' }, r.text_en), ' ', h('span', { class: 'lang-zh', lang: 'zh' }, r.text_zh), r.events?.length ? h('span', { class: 'muted small' }, ` (${r.events.join(', ')})`) : null))),
        )
      : null,
    (a.playbook || []).length
      ? h(
          'details',
          { class: 'playbook', open: a.status === 'open' },
          h('summary', {}, 'Playbook · 处置建议'),
          h('ol', {}, a.playbook.map((s) => h('li', {}, h('span', { class: 'lang-en' }, s.step_en), ' ', h('span', { class: 'lang-zh', lang: 'zh' }, s.step_zh), s.due_days != null ? h('span', { class: 'muted small' }, ` — within ${s.due_days} day(s)`) : null))),
        )
      : null,
    h('p', { class: 'actions' }, button('ack', 'Acknowledge', '确认'), ' ', button('resolve', 'Resolve', '解决')),
    message,
  );
}

// ---------------------------------------------------------------------------------
// Router

function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const [path, query = ''] = raw.split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  return { parts, params: new URLSearchParams(query) };
}

let generation = 0;

async function route() {
  const mine = ++generation;
  destroyCharts();
  const { parts, params } = parseHash();
  const view = h('div', { class: 'view' });
  app.replaceChildren(view);
  app.setAttribute('aria-busy', 'true');
  for (const a of document.querySelectorAll('header nav a')) {
    const target = a.getAttribute('href');
    const active = (target === '#/alerts' && parts[0] === 'alerts') || (target === '#/' && parts[0] !== 'alerts');
    if (active) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  try {
    if (parts.length === 0) await overviewPage(view);
    else if (parts[0] === 'merchants' && parts.length === 2) await merchantPage(view, parts[1], params);
    else if (parts[0] === 'merchants' && parts.length === 4 && parts[2] === 'customers') await customerPage(view, parts[1], parts[3]);
    else if (parts[0] === 'alerts') await alertsPage(view, params);
    else view.append(h('h1', {}, 'Not found'), h('p', {}, link('#/', 'Back to the merchants')));
  } catch (e) {
    if (mine === generation && !(e instanceof ApiError && e.status === 401)) view.append(h('p', { class: 'error', role: 'alert', 'data-testid': 'error' }, `Could not load this page: ${e.message}`));
  } finally {
    if (mine === generation) {
      app.setAttribute('aria-busy', 'false');
      view.setAttribute('data-ready', 'true');
    }
  }
}

// Language of reasons: both (default), English or Chinese; remembered in this browser.
const langSelect = document.getElementById('lang-select');
function setLang(v) {
  document.body.dataset.lang = v;
  if (langSelect) langSelect.value = v;
}
try {
  setLang(localStorage.getItem('credence-lang') || 'both');
} catch {
  setLang('both');
}
langSelect?.addEventListener('change', () => {
  setLang(langSelect.value);
  try {
    localStorage.setItem('credence-lang', langSelect.value);
  } catch {
    /* private mode: not remembered */
  }
});

document.getElementById('logout')?.addEventListener('click', async () => {
  try {
    await fetch('/logout', { method: 'POST', headers: { 'X-Credence-Request': '1' }, credentials: 'same-origin' });
  } finally {
    location.assign('/login');
  }
});

// After an in-app navigation, move focus to the new view (screen readers announce it).
window.addEventListener('hashchange', () => {
  route();
  app.focus({ preventScroll: true });
  window.scrollTo(0, 0);
});
// uPlot is a deferred classic script; module scripts run after it, so it is defined here.
route();
