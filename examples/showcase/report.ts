/**
 * Console output of the showcase: phase headers, live progress lines, latency summaries and the
 * final table. Layer: example (examples/showcase), no runtime imports.
 */

/** Milliseconds elapsed since the showcase started, for the progress lines. */
const startedAt = performance.now();

/**
 * Prints a phase header: `== [2/5] mass DNS resolution through a Pool`.
 *
 * @example
 * phase(1, 5, 'HTTP service: I/O and CPU endpoints');
 */
export function phase(index: number, total: number, title: string): void {
  console.log(`\n== [${index}/${total}] ${title}`);
}

/**
 * Prints a short, indented progress line stamped with the time since start.
 *
 * @example
 * progress('512 I/O requests so far');
 */
export function progress(text: string): void {
  const seconds = ((performance.now() - startedAt) / 1000).toFixed(1).padStart(5);
  console.log(`  ${seconds}s  ${text}`);
}

/**
 * The `p`-th percentile (0..100) of `samples` (nearest rank); 0 when there are none.
 *
 * @example
 * percentile([1, 2, 3, 4], 50); // 2
 */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return 0;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** Latency figures of one measurement window. */
export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  perSecond: number;
}

/**
 * Summarises latency samples (ms) collected over `seconds`.
 *
 * @example
 * summarize([5.1, 5.3, 9.0], 1).p50; // 5.3
 */
export function summarize(samples: readonly number[], seconds: number): LatencySummary {
  return {
    count: samples.length,
    p50: percentile(samples, 50),
    p99: percentile(samples, 99),
    perSecond: seconds > 0 ? samples.length / seconds : 0,
  };
}

/**
 * `p50 5.6 ms  p99 8.1 ms  (1530 req/s)`: the line format the tests parse.
 *
 * @example
 * formatLatency({ count: 10, p50: 5, p99: 9, perSecond: 100 });
 */
export function formatLatency(s: LatencySummary): string {
  return `p50 ${s.p50.toFixed(1)} ms  p99 ${s.p99.toFixed(1)} ms  (${Math.round(s.perSecond)} req/s, ${s.count} requests)`;
}

/**
 * Prints rows as a two-column table under a title, the first column padded.
 *
 * @example
 * printTable('summary', [['DNS', '500/500 resolved']]);
 */
export function printTable(title: string, rows: ReadonlyArray<readonly [string, string]>): void {
  const width = Math.max(...rows.map(([name]) => name.length));
  const rule = '-'.repeat(Math.min(100, width + 2 + Math.max(...rows.map(([, v]) => v.length))));
  console.log(`\n${title}\n${rule}`);
  for (const [name, value] of rows) console.log(`${name.padEnd(width)}  ${value}`);
  console.log(rule);
}
