/**
 * Statistics and the results table for `run-all.mjs`: medians and ranges per implementation,
 * ratios against each baseline (from the medians, plus the range of the per-round ratios), and
 * a Markdown table. Layer: scripts/bench (pure functions; no processes, no files).
 *
 * @example
 * import { summarize, markdownTable } from './_report.mjs';
 * const summary = summarize(caseDef, samplesByImpl);
 * console.log(markdownTable([summary]));
 */

import { IMPL_TITLES, IMPLS } from './_cases.mjs';

/**
 * Median, min and max of the numbers (the median of an even count is the mean of the middle two).
 *
 * @example
 * stats([3, 1, 2]); // { median: 2, min: 1, max: 3, runs: 3 }
 */
export function stats(values) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1], runs: sorted.length };
}

/** Result fields not worth a line of their own (the headline, and the fixed sizes). */
const SKIPPED_DETAILS = new Set(['value', 'n', 'totalSeconds', 'greenlets', 'iterations']);

/** Median of every other numeric field of the result lines. */
function detailMedians(results) {
  const out = {};
  const keys = new Set(results.flatMap((r) => Object.keys(r)));
  for (const key of keys) {
    if (SKIPPED_DETAILS.has(key)) continue;
    const numbers = results.map((r) => r[key]).filter((v) => typeof v === 'number');
    if (numbers.length > 0) out[key] = stats(numbers).median;
  }
  return out;
}

/** How many times better `ours` is than `base`: a speed-up for rates, a shrink for bytes. */
function advantage(better, ours, base) {
  return better === 'higher' ? ours / base : base / ours;
}

/**
 * Ours against one baseline: the ratio of the medians, and the range of the ratios of runs made
 * in the same round (so a noisy moment hits both sides of a pair).
 */
function ratioAgainst(caseDef, samples, base) {
  const ours = samples.ours ?? [];
  const theirs = samples[base] ?? [];
  const oursStats = stats(ours.map((s) => s.value));
  const baseStats = stats(theirs.map((s) => s.value));
  if (oursStats === null || baseStats === null) return null;
  const paired = [];
  for (const a of ours) {
    const b = theirs.find((s) => s.round === a.round);
    if (b !== undefined) paired.push(advantage(caseDef.better, a.value, b.value));
  }
  const pairedStats = stats(paired);
  const oursCpu = stats(ours.map((s) => s.result.cpuValue).filter(Number.isFinite));
  const baseCpu = stats(theirs.map((s) => s.result.cpuValue).filter(Number.isFinite));
  return {
    ratio: advantage(caseDef.better, oursStats.median, baseStats.median),
    pairedMin: pairedStats?.min ?? null,
    pairedMax: pairedStats?.max ?? null,
    cpuRatio:
      oursCpu === null || baseCpu === null
        ? null
        : advantage(caseDef.better, oursCpu.median, baseCpu.median),
  };
}

/**
 * Summarizes one case: per-implementation statistics, ratios, and whether the target was met.
 *
 * @example
 * const s = summarize(CASES[0], { ours: [{ round: 0, value: 9e5 }], gevent: [...] });
 */
export function summarize(caseDef, samples, failures = []) {
  const impls = {};
  for (const impl of IMPLS) {
    const list = samples[impl];
    if (list === undefined) continue;
    const def = caseDef.impls.find((d) => d.impl === impl);
    impls[impl] = {
      ...stats(list.map((s) => s.value)),
      note: def?.note ?? null,
      detailMedians: detailMedians(list.map((s) => s.result)),
      details: list.map((s) => s.result),
    };
  }
  const ratios = {};
  for (const base of IMPLS.slice(1)) {
    const r = ratioAgainst(caseDef, samples, base);
    if (r !== null) ratios[base] = r;
  }
  const target = caseDef.target;
  const met = target === null || ratios.gevent === undefined ? null : ratios.gevent.ratio >= target;
  return {
    name: caseDef.name,
    title: caseDef.title,
    unit: caseDef.unit,
    better: caseDef.better,
    target,
    met,
    impls,
    ratios,
    failures,
  };
}

/** 1234567 -> "1.23M", 45678 -> "45.7k", 618.4 -> "618". */
function short(value) {
  const abs = Math.abs(value);
  if (abs >= 1e6) return `${(value / 1e6).toFixed(2)}M`;
  if (abs >= 1e4) return `${(value / 1e3).toFixed(1)}k`;
  if (abs >= 1e3) return `${(value / 1e3).toFixed(2)}k`;
  return value.toFixed(0);
}

function cell(s, unit) {
  if (s === undefined) return '—';
  if (s.runs === undefined) return 'failed';
  const range = s.runs > 1 ? ` (${short(s.min)}–${short(s.max)})` : '';
  return `${short(s.median)} ${unit}${range}`;
}

function ratioCell(r, better) {
  if (r === undefined) return '—';
  const word = better === 'higher' ? '' : ' smaller';
  const range =
    r.pairedMin === null ? '' : ` (${r.pairedMin.toFixed(1)}–${r.pairedMax.toFixed(1)})`;
  return `**${r.ratio.toFixed(1)}x**${word}${range}`;
}

function targetCell(summary) {
  if (summary.target === null) return '—';
  const verdict = summary.met === null ? '?' : summary.met ? 'met' : '**missed**';
  return `>= ${summary.target}x: ${verdict}`;
}

/**
 * The results as a Markdown table: medians with (min–max) over runs, then ours-vs-baseline
 * ratios with (min–max) of the same-round ratios, and the ratio of the medians by CPU time.
 *
 * @example
 * process.stdout.write(markdownTable(summaries));
 */
export function markdownTable(summaries) {
  const head = [
    'case',
    ...IMPLS.map((i) => IMPL_TITLES[i]),
    'vs gevent',
    'vs gevent, CPU time',
    'vs Effection',
    'vs Node',
    'target (vs gevent)',
  ];
  const rows = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const s of summaries) {
    const values = IMPLS.map((i) => cell(s.impls[i], s.unit));
    const ratios = ['gevent', 'effection', 'node'].map((b) => ratioCell(s.ratios[b], s.better));
    const cpu = s.ratios.gevent?.cpuRatio;
    ratios.splice(1, 0, cpu === null || cpu === undefined ? '—' : `${cpu.toFixed(1)}x`);
    rows.push(`| ${[s.title, ...values, ...ratios, targetCell(s)].join(' | ')} |`);
  }
  return `${rows.join('\n')}\n`;
}

/**
 * Notes under the table: what a baseline's figure means where it is not like-for-like.
 *
 * @example
 * process.stdout.write(footnotes(summaries));
 */
export function footnotes(summaries) {
  const lines = [];
  for (const s of summaries) {
    for (const [impl, v] of Object.entries(s.impls)) {
      if (v.note) lines.push(`- ${s.name}, ${IMPL_TITLES[impl]}: ${v.note}`);
    }
    for (const f of s.failures)
      lines.push(`- ${s.name}, ${IMPL_TITLES[f.impl]}: FAILED (${f.error})`);
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/**
 * One line per implementation with the medians of its secondary figures (spawn-only rate,
 * seconds to park, RSS in MiB...).
 *
 * @example
 * process.stdout.write(detailLines(summaries));
 */
export function detailLines(summaries) {
  const lines = [];
  for (const s of summaries) {
    for (const [impl, v] of Object.entries(s.impls)) {
      const fields = Object.entries(v.detailMedians ?? {}).map(([k, x]) => `${k}=${round(x)}`);
      if (fields.length > 0) lines.push(`- ${s.name}, ${IMPL_TITLES[impl]}: ${fields.join(', ')}`);
    }
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

function round(x) {
  return Math.abs(x) >= 100 ? x.toFixed(0) : x.toPrecision(3);
}
