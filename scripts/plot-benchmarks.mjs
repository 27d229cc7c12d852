#!/usr/bin/env node
/**
 * Benchmark plots: reads the result tables in docs/BENCHMARKS.md and docs/benchmarks/*.md and
 * writes small self-contained SVG bar charts to docs/benchmarks/plots/ — each bar a ratio against
 * a baseline (gevent, plain Node, dns.lookup, ...), with the issue's target drawn on it. Layer:
 * scripts (docs tooling); no dependencies.
 *
 * Tables are found by their header cells, not their position, and cells are read leniently
 * ("**16.0x** (14.3–19.5)", "37,511", ">= 85% of ..."), so re-running after the pages are
 * updated with new numbers redraws the plots. A chart whose table is missing is skipped with a
 * warning. Usage: `node scripts/plot-benchmarks.mjs` (prints the files written).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const outDir = join(root, 'docs', 'benchmarks', 'plots');

// ---- reading markdown tables ---------------------------------------------------------------

/** Every pipe table in `markdown`: `{ header: string[], rows: string[][] }`, in page order. */
export function parseTables(markdown) {
  const tables = [];
  const lines = markdown.split('\n');
  for (let i = 0; i + 1 < lines.length; i++) {
    if (!isRow(lines[i]) || !/^\s*\|?\s*:?-{3,}/.test(lines[i + 1])) continue;
    const table = { header: cells(lines[i]), rows: [] };
    let j = i + 2;
    for (; j < lines.length && isRow(lines[j]); j++) table.rows.push(cells(lines[j]));
    tables.push(table);
    i = j - 1;
  }
  return tables;
}

function isRow(line) {
  return /^\s*\|.*\|\s*$/.test(line ?? '');
}

function cells(line) {
  return line
    .trim()
    .replace(/^\||\|$/g, '')
    .split(/(?<!\\)\|/)
    .map((c) => c.replace(/\\\|/g, '|').trim());
}

/** Index of the first header cell matching `pattern`, or -1. */
function column(table, pattern) {
  return table.header.findIndex((h) => pattern.test(h));
}

/** The first table having a column for each pattern. */
function findTable(tables, ...patterns) {
  return tables.find((t) => patterns.every((p) => column(t, p) >= 0));
}

const plain = (cell) => cell.replace(/\*\*|`/g, '');

/** The first "12.3x" of a cell, with a "(low–high)" range after it if there is one. */
export function parseRatio(cell) {
  const m = /(\d+(?:\.\d+)?)x\b(?:[^(]*\((\d+(?:\.\d+)?)\s*[–-]\s*(\d+(?:\.\d+)?)\))?/.exec(
    plain(cell ?? ''),
  );
  if (!m) return null;
  return { value: Number(m[1]), low: m[2] && Number(m[2]), high: m[3] && Number(m[3]) };
}

/** ">= 15x" → 15, ">= 85% of ..." → 0.85, "≥ 1.3x" → 1.3; null when there is none. */
export function parseThreshold(text) {
  const m = /(?:>=|≥)\s*(\d+(?:\.\d+)?)\s*(%|x)?/.exec(plain(text ?? ''));
  if (!m) return null;
  return m[2] === '%' ? Number(m[1]) / 100 : Number(m[1]);
}

/** A plain number cell: "37,511" → 37511, "1.20" → 1.2. */
function parseNumber(cell) {
  const m = /-?\d[\d,]*(?:\.\d+)?/.exec(plain(cell ?? ''));
  return m ? Number(m[0].replace(/,/g, '')) : null;
}

const shorten = (text, n = 46) => (text.length > n ? `${text.slice(0, n - 1)}…` : text);

// ---- the charts, one function per page ----------------------------------------------------

/** BENCHMARKS.md: the current run's table, one column of ratios. */
function coreChart(tables, ratioColumn, { title, targetColumn, reference }) {
  const table = findTable(tables, /^case$/, ratioColumn);
  if (!table) return null;
  const label = column(table, /^case$/);
  const ratio = column(table, ratioColumn);
  const target = targetColumn ? column(table, targetColumn) : -1;
  const bars = [];
  for (const row of table.rows) {
    const r = parseRatio(row[ratio]);
    if (!r) continue;
    const smaller = /smaller/.test(row[ratio]) ? ' (x smaller)' : '';
    bars.push({
      label: `${shorten(plain(row[label]), 46 - smaller.length)}${smaller}`,
      ...r,
      target: target >= 0 ? parseThreshold(row[target]) : null,
    });
  }
  return {
    title,
    subtitle: 'docs/BENCHMARKS.md, the latest full run; whiskers: per-round range',
    bars,
    reference,
  };
}

/** A "target | ratio columns... | met?" table: a bar per (target row, ratio column). */
function targetTableChart(tables, file, title) {
  const table = tables.find((t) => /^target/i.test(t.header[0] ?? ''));
  if (!table) return null;
  const valueColumns = table.header
    .map((h, i) => [h, i])
    .filter(([h, i]) => i > 0 && !/met\??$/i.test(h));
  const bars = [];
  for (const row of table.rows) {
    const target = parseThreshold(row[0]);
    for (const [h, i] of valueColumns) {
      const r = parseRatio(row[i]);
      if (!r) continue;
      const suffix = valueColumns.length > 1 ? `, ${h}` : '';
      bars.push({ label: `${shorten(plain(row[0]), 46 - suffix.length)}${suffix}`, ...r, target });
    }
  }
  return { title, subtitle: `${file}, the targets table`, bars, reference: 1 };
}

/** echo.md: the targets table, whose first cells name the baseline ("plain Node", "gevent"). */
function echoChart(tables) {
  const chart = targetTableChart(
    tables,
    'docs/benchmarks/echo.md',
    'TCP echo: ratio to the baseline, per run',
  );
  if (!chart) return null;
  const table = tables.find((t) => /^target/i.test(t.header[0] ?? ''));
  const names = table.rows.map((row) => (/node/i.test(row[0]) ? 'vs node' : 'vs gevent'));
  const perRow = chart.bars.length / table.rows.length;
  chart.bars.forEach((bar, i) => {
    bar.label = `${names[Math.floor(i / perRow)]}, ${bar.label.split(', ').pop()}`;
  });
  return chart;
}

/** http.md: ratios computed from the results table's req/s, targets from the targets table. */
function httpChart(tables) {
  const results = findTable(tables, /^server$/, /^req\/s$/);
  const targets = tables.find((t) => /^target/i.test(t.header[0] ?? ''));
  if (!results) return null;
  const rate = (pattern) => {
    const row = results.rows.find((r) => pattern.test(r[column(results, /^server$/)]));
    return row ? parseNumber(row[column(results, /^req\/s$/)]) : null;
  };
  const threshold = (pattern) => {
    const row = targets?.rows.find((r) => pattern.test(r[0]));
    return row ? parseThreshold(row[0]) : null;
  };
  const node = rate(/node:http/);
  const gevent = rate(/pywsgi/);
  const bars = [];
  for (const [name, pattern] of [
    ['WSGIServer', /^gevent-ts WSGIServer$/],
    ['WSGIServer, access log on', /access log/],
  ]) {
    const ours = rate(pattern);
    if (ours === null) continue;
    if (node)
      bars.push({ label: `${name} vs node:http`, value: ours / node, target: threshold(/node/i) });
    if (gevent)
      bars.push({
        label: `${name} vs gevent pywsgi`,
        value: ours / gevent,
        target: threshold(/gevent/i),
      });
  }
  return {
    title: 'HTTP hello world: req/s ratio',
    subtitle: 'docs/benchmarks/http.md, final run medians',
    bars,
    reference: 1,
  };
}

/** resolver.md: the "vs dns.lookup" column (1.00 = dns.lookup on an idle pool). */
function resolverChart(tables) {
  const table = findTable(tables, /^what$/, /^vs dns\.lookup$/);
  if (!table) return null;
  const label = column(table, /^what$/);
  const ratio = column(table, /^vs dns\.lookup$/);
  const bars = table.rows
    .map((row) => ({
      label: shorten(plain(row[label])),
      value: parseNumber(row[ratio]),
      target: null,
    }))
    .filter((bar) => bar.value !== null);
  return {
    title: 'Resolver: lookups/s relative to dns.lookup',
    subtitle: 'docs/benchmarks/resolver.md, one side-by-side run; 1x = dns.lookup, idle pool',
    bars,
    reference: 1,
  };
}

/** threadpool.md: "2.54x gevent, 3.86x piscina" cells, targets like ">= 1.5x gevent". */
function threadpoolChart(tables) {
  const table = findTable(tables, /^measure$/, /^ratio$/, /^target$/);
  if (!table) return null;
  const bars = [];
  for (const row of table.rows) {
    const what = plain(row[column(table, /^measure$/)]).replace(/\s*\(.*$/, '');
    const target = plain(row[column(table, /^target$/)]);
    for (const m of plain(row[column(table, /^ratio$/)]).matchAll(
      /(\d+(?:\.\d+)?)x\s+([\w.-]+)/g,
    )) {
      const aimed = new RegExp(`\\b${m[2]}\\b`).test(target) ? parseThreshold(target) : null;
      bars.push({ label: shorten(`vs ${m[2]}: ${what}`), value: Number(m[1]), target: aimed });
    }
  }
  return {
    title: 'ThreadPool: throughput ratio',
    subtitle: 'docs/benchmarks/threadpool.md, the quietest run',
    bars,
    reference: 1,
  };
}

// ---- drawing ---------------------------------------------------------------------------------

const COLORS = { met: '#59a14f', missed: '#f28e2b', none: '#4e79a7', ink: '#222', grid: '#ddd' };
const LAYOUT = { width: 780, labelWidth: 330, right: 70, top: 62, row: 26, bottom: 58 };

const escapeXml = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const fmt = (v) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

/** A round step giving at most 6 ticks up to `max`. */
function tickStep(max) {
  const steps = [0.1, 0.2, 0.25, 0.5, 1, 2, 2.5, 5, 10, 20, 25, 50, 100, 200, 250, 500];
  return steps.find((s) => max / s <= 6) ?? 1000;
}

function colorOf(bar) {
  if (bar.target === null || bar.target === undefined) return COLORS.none;
  return bar.value >= bar.target ? COLORS.met : COLORS.missed;
}

/** One bar's row: label, bar, range whisker, target tick, value. */
function drawRow(bar, y, x) {
  const mid = y + LAYOUT.row / 2;
  const hasRange = bar.low !== undefined && bar.high !== undefined && bar.low !== null;
  const hasTarget = bar.target !== null && bar.target !== undefined;
  const tip = `${bar.label}: ${fmt(bar.value)}x${hasTarget ? ` (target ${fmt(bar.target)}x)` : ''}`;
  const parts = [
    `<g><title>${escapeXml(tip)}</title>`,
    `<text x="${LAYOUT.labelWidth - 8}" y="${mid + 4}" text-anchor="end">${escapeXml(bar.label)}</text>`,
    `<rect x="${x(0)}" y="${y + 5}" width="${Math.max(1, x(bar.value) - x(0)).toFixed(1)}" height="${LAYOUT.row - 10}" fill="${colorOf(bar)}"/>`,
  ];
  if (hasRange) {
    const [a, b] = [x(bar.low), x(bar.high)];
    parts.push(
      `<path d="M${a} ${mid}H${b}M${a} ${mid - 4}V${mid + 4}M${b} ${mid - 4}V${mid + 4}" stroke="${COLORS.ink}" fill="none"/>`,
    );
  }
  if (hasTarget) {
    const t = x(bar.target);
    parts.push(
      `<path d="M${t} ${y + 1}V${y + LAYOUT.row - 1}" stroke="${COLORS.ink}" stroke-width="2.5"/>`,
    );
  }
  const end = Math.max(x(bar.value), hasRange ? x(bar.high) : 0, hasTarget ? x(bar.target) : 0);
  parts.push(`<text x="${end + 5}" y="${mid + 4}">${fmt(bar.value)}x</text></g>`);
  return parts.join('');
}

/** The x axis: grid lines, tick labels, the reference (parity) line and the legend. */
function drawAxis(chart, x, max, plotBottom) {
  const step = tickStep(max);
  const out = [];
  for (let v = 0; v <= max + 1e-9; v += step) {
    const px = x(v).toFixed(1);
    out.push(`<path d="M${px} ${LAYOUT.top - 4}V${plotBottom}" stroke="${COLORS.grid}"/>`);
    out.push(
      `<text x="${px}" y="${plotBottom + 14}" text-anchor="middle" fill="#555">${Number(v.toFixed(2))}x</text>`,
    );
  }
  if (chart.reference !== undefined && chart.reference <= max) {
    const px = x(chart.reference).toFixed(1);
    out.push(
      `<path d="M${px} ${LAYOUT.top - 8}V${plotBottom}" stroke="#777" stroke-dasharray="4 3"/>`,
    );
  }
  const ly = plotBottom + 36;
  const key = (dx, color, text) =>
    `<rect x="${dx}" y="${ly - 9}" width="12" height="10" fill="${color}"/><text x="${dx + 16}" y="${ly}">${text}</text>`;
  out.push(
    key(LAYOUT.labelWidth, COLORS.met, 'target met'),
    key(LAYOUT.labelWidth + 95, COLORS.missed, 'target missed'),
    key(LAYOUT.labelWidth + 205, COLORS.none, 'no target'),
    `<path d="M${LAYOUT.labelWidth + 292} ${ly - 10}V${ly + 1}" stroke="${COLORS.ink}" stroke-width="2.5"/>`,
    `<text x="${LAYOUT.labelWidth + 298}" y="${ly}">target</text>`,
    `<path d="M${LAYOUT.labelWidth + 352} ${ly - 10}V${ly + 1}" stroke="#777" stroke-dasharray="4 3"/>`,
    `<text x="${LAYOUT.labelWidth + 358}" y="${ly}">1x = baseline</text>`,
  );
  return out.join('');
}

/** A horizontal bar chart of ratios as a standalone SVG document. */
export function renderBarChart(chart) {
  const { width, labelWidth, right, top, row, bottom } = LAYOUT;
  const height = top + chart.bars.length * row + bottom;
  const extremes = chart.bars.flatMap((b) => [b.value, b.high ?? 0, b.target ?? 0]);
  const rawMax = Math.max(...extremes, chart.reference ?? 0) * 1.05;
  const step = tickStep(rawMax);
  const max = Math.ceil(rawMax / step) * step;
  const x = (v) => Number((labelWidth + (v / max) * (width - labelWidth - right)).toFixed(1));
  const plotBottom = top + chart.bars.length * row;
  const rows = chart.bars.map((bar, i) => drawRow(bar, top + i * row, x)).join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12" fill="${COLORS.ink}">
<title>${escapeXml(`${chart.title}. ${chart.subtitle}`)}</title>
<rect width="100%" height="100%" fill="#fff"/>
<text x="12" y="22" font-size="15" font-weight="bold">${escapeXml(chart.title)}</text>
<text x="12" y="40" fill="#555">${escapeXml(chart.subtitle)}</text>
${drawAxis(chart, x, max, plotBottom)}
${rows}
</svg>
`;
}

// ---- main ------------------------------------------------------------------------------------

function read(rel) {
  try {
    return parseTables(readFileSync(join(root, rel), 'utf8'));
  } catch (error) {
    console.warn(`plot-benchmarks: cannot read ${rel}: ${error.message}`);
    return [];
  }
}

function main() {
  const core = read('docs/BENCHMARKS.md');
  const page = (name) => read(`docs/benchmarks/${name}.md`);
  const charts = {
    'core-vs-gevent': coreChart(core, /^vs gevent$/, {
      title: 'gevent-ts core vs gevent 22.10 (higher is better)',
      targetColumn: /^target/,
      reference: 1,
    }),
    'core-vs-node': coreChart(core, /^vs Node$/, {
      title: 'gevent-ts core vs plain Node async code (1x = parity)',
      reference: 1,
    }),
    echo: echoChart(page('echo')),
    http: httpChart(page('http')),
    subprocess: targetTableChart(
      page('subprocess'),
      'docs/benchmarks/subprocess.md',
      'subprocess: ratio to the baseline',
    ),
    resolver: resolverChart(page('resolver')),
    threadpool: threadpoolChart(page('threadpool')),
  };
  mkdirSync(outDir, { recursive: true });
  let written = 0;
  for (const [name, chart] of Object.entries(charts)) {
    if (!chart || chart.bars.length === 0) {
      console.warn(`plot-benchmarks: no table found for ${name}; skipped`);
      continue;
    }
    const file = join(outDir, `${name}.svg`);
    writeFileSync(file, renderBarChart(chart));
    console.log(`wrote ${file.slice(root.length + 1)} (${chart.bars.length} bars)`);
    written++;
  }
  if (written === 0) process.exitCode = 1;
}

if (import.meta.url === `file://${process.argv[1]}`) main();
