/**
 * The dashboard page served at `/` by `npm start -- --serve`: plain HTML, inline CSS and JS, a
 * <canvas> per chart; no CDN, no build step. It polls `/stats` once a second and plots the last
 * two minutes. Layer: example (examples/showcase).
 */

const STYLE = `
  body { font: 14px/1.4 system-ui, sans-serif; margin: 0; background: #0f1419; color: #d8dee9; }
  header { padding: 12px 20px; background: #1b222c; display: flex; align-items: center; gap: 16px; }
  h1 { font-size: 18px; margin: 0; font-weight: 600; }
  .muted { color: #8a94a6; }
  main { padding: 16px 20px; }
  .tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(140px, 1fr)); gap: 10px; }
  .tile { background: #1b222c; border-radius: 6px; padding: 10px 12px; }
  .tile b { display: block; font-size: 22px; font-variant-numeric: tabular-nums; }
  .charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 14px; margin-top: 16px; }
  figure { margin: 0; background: #1b222c; border-radius: 6px; padding: 10px 12px; }
  figcaption { margin-bottom: 6px; }
  canvas { width: 100%; height: 170px; display: block; }
  button { background: #b4533c; color: white; border: 0; border-radius: 4px; padding: 6px 12px; cursor: pointer; }
  ul { margin: 6px 0 0; padding-left: 18px; font-family: ui-monospace, monospace; font-size: 12px; }
`;

const BODY = `
<header>
  <h1>gevent-ts live</h1>
  <span class="muted" id="status">connecting…</span>
  <span style="flex:1"></span>
  <button id="block" title="GET /block: the request's greenlet busy-loops for 200 ms on the hub">block the hub for 200 ms</button>
</header>
<main>
  <section class="tiles">
    <div class="tile">live greenlets<b id="greenlets">–</b></div>
    <div class="tile">switches / s<b id="switches">–</b></div>
    <div class="tile">greenlets spawned<b id="spawned">–</b></div>
    <div class="tile">threadpool queued<b id="queued">–</b></div>
    <div class="tile">threadpool running<b id="running">–</b></div>
    <div class="tile">blocked-hub reports<b id="blocked">–</b></div>
    <div class="tile">I/O p99 (ms)<b id="p99">–</b></div>
  </section>
  <section class="charts">
    <figure><figcaption><span style="color:#61afef">live greenlets</span> / <span style="color:#8a94a6">spawned per second</span></figcaption><canvas id="c-greenlets"></canvas></figure>
    <figure><figcaption><span style="color:#98c379">hub switches per second</span></figcaption><canvas id="c-switches"></canvas></figure>
    <figure><figcaption>threadpool: <span style="color:#e5c07b">queued</span> / <span style="color:#8a94a6">running</span></figcaption><canvas id="c-pool"></canvas></figure>
    <figure><figcaption>/io latency (ms): <span style="color:#61afef">p50</span> / <span style="color:#c678dd">p99</span>, <span style="color:#e06c75">hub blocked (ms)</span></figcaption><canvas id="c-latency"></canvas></figure>
  </section>
  <p class="muted">points plotted: <span id="points">0</span> · uptime <span id="uptime">0</span> s</p>
  <h3>blocked-hub reports (the monitor)</h3>
  <ul id="reports"><li class="muted">none yet</li></ul>
</main>
`;

const SCRIPT = `
const $ = (id) => document.getElementById(id);
const COLORS = ['#61afef', '#98c379', '#e5c07b', '#e06c75'];

/** The smallest 1, 2 or 5 times a power of ten that is >= x (a round top for the y axis). */
function niceCeiling(x) {
  const p = 10 ** Math.floor(Math.log10(x));
  return [1, 2, 5, 10].map((m) => m * p).find((v) => v >= x);
}

function draw(canvas, series, opts = {}) {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth, h = canvas.clientHeight;
  canvas.width = w * dpr; canvas.height = h * dpr;
  const ctx = canvas.getContext('2d');
  ctx.scale(dpr, dpr);
  ctx.clearRect(0, 0, w, h);
  const left = 46, bottom = h - 18, top = 8, right = w - 8;
  const all = series.flatMap((s) => s.values);
  const max = niceCeiling(Math.max(1, ...all) * 1.05);
  ctx.font = '11px system-ui'; ctx.fillStyle = '#8a94a6'; ctx.strokeStyle = '#2c3542';
  for (let k = 0; k <= 4; k++) {
    const y = bottom - ((bottom - top) * k) / 4;
    ctx.beginPath(); ctx.moveTo(left, y); ctx.lineTo(right, y); ctx.stroke();
    const v = (max * k) / 4;
    ctx.fillText(v >= 1000 ? +(v / 1000).toFixed(1) + 'k' : +v.toFixed(1), 4, y + 4);
  }
  const n = Math.max(2, ...series.map((s) => s.values.length));
  const x = (i) => left + ((right - left) * i) / (n - 1);
  const y = (v) => bottom - ((bottom - top) * v) / max;
  for (const [k, s] of series.entries()) {
    ctx.strokeStyle = ctx.fillStyle = s.color || COLORS[k];
    if (s.bars) {
      s.values.forEach((v, i) => { if (v > 0) ctx.fillRect(x(i) - 2, y(v), 4, bottom - y(v)); });
      continue;
    }
    ctx.lineWidth = 2; ctx.beginPath();
    s.values.forEach((v, i) => (i === 0 ? ctx.moveTo(x(i), y(v)) : ctx.lineTo(x(i), y(v))));
    ctx.stroke();
    s.values.forEach((v, i) => { ctx.beginPath(); ctx.arc(x(i), y(v), 2, 0, 7); ctx.fill(); });
  }
  if (opts.times && opts.times.length > 0) {
    ctx.fillStyle = '#8a94a6';
    ctx.fillText(opts.times[0] + ' s', left, h - 4);
    const last = opts.times[opts.times.length - 1] + ' s';
    ctx.fillText(last, right - ctx.measureText(last).width, h - 4);
  }
}

function render(stats) {
  const h = stats.history, l = stats.latest;
  $('uptime').textContent = Math.round(stats.uptime);
  $('points').textContent = h.length;
  $('blocked').textContent = stats.blockedTotal;
  if (l) {
    $('greenlets').textContent = l.greenlets;
    $('switches').textContent = l.switchesPerSecond.toLocaleString();
    $('spawned').textContent = l.spawned.toLocaleString();
    $('queued').textContent = l.poolQueued;
    $('running').textContent = l.poolRunning + ' / ' + l.poolThreads;
    $('p99').textContent = l.ioP99;
  }
  const col = (key) => h.map((s) => s[key]);
  const times = col('t');
  draw($('c-greenlets'), [{ values: col('greenlets') }, { values: col('spawnedPerSecond'), color: '#8a94a6' }], { times });
  draw($('c-switches'), [{ values: col('switchesPerSecond'), color: COLORS[1] }], { times });
  draw($('c-pool'), [{ values: col('poolQueued'), color: COLORS[2] }, { values: col('poolRunning'), color: '#8a94a6' }], { times });
  draw($('c-latency'), [{ values: col('blockedMs'), bars: true, color: '#e06c75' }, { values: col('ioP50') }, { values: col('ioP99'), color: '#c678dd' }], { times });
  const reports = $('reports');
  if (stats.blocks.length > 0) {
    reports.replaceChildren(...stats.blocks.slice().reverse().map((b) => {
      const li = document.createElement('li');
      li.textContent = 'at ' + b.t + ' s: ' + b.ms + ' ms by ' + b.greenlet + (b.where ? ' — ' + b.where : '');
      return li;
    }));
  }
}

async function poll() {
  try {
    const response = await fetch('/stats', { cache: 'no-store' });
    render(await response.json());
    $('status').textContent = 'live · polling /stats every second';
  } catch (error) {
    $('status').textContent = 'disconnected (' + error.message + ')';
  }
  setTimeout(poll, 1000);
}
$('block').onclick = () => fetch('/block?ms=200');
poll();
`;

/**
 * The page's HTML.
 *
 * @example
 * startResponse('200 OK', [['Content-Type', 'text/html; charset=utf-8']]);
 * return dashboardHtml();
 */
export function dashboardHtml(): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>gevent-ts showcase</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${STYLE}</style></head>
<body>${BODY}<script>${SCRIPT}</script></body>
</html>
`;
}
