/**
 * Shared helpers for the Node-side benchmark scripts (ours, Effection's and plain Node's).
 * Layer: scripts/bench (not shipped; imports nothing of the runtime).
 *
 * Protocol every benchmark process follows, so `run-all.mjs` can drive it:
 * - it is started fresh by the runner, one measurement per process;
 * - it reads `--n=<count>` (and sometimes `--variant=<name>`) from its arguments;
 * - it runs a small warm-up of the same workload first, then collects garbage (`--expose-gc`);
 * - it prints exactly one JSON line on stdout: `{ "value": <headline number>, ...details }`,
 *   where `value` is the figure the runner compares (a rate per second, or bytes per greenlet);
 *   a rate also comes as `cpuValue`, the same count per second of CPU time (see `cpuNow`).
 * Every loop in a benchmark is bounded by its count, and waits that poll are bounded by time
 * (`deadlineAfter`); the runner also kills a process that overstays its limit.
 *
 * @example
 * import { args, report, seconds } from './_harness.mjs';
 * const { n } = args({ n: 100_000 });
 * const t0 = performance.now();
 * for (let i = 0; i < n; i++) work();
 * report({ value: n / seconds(t0) });
 */

/**
 * Parses `--name=value` arguments over `defaults` (numbers stay numbers).
 *
 * @example
 * const { n, variant } = args({ n: 200_000, variant: 'queue' });
 */
export function args(defaults) {
  const out = { ...defaults };
  for (const arg of process.argv.slice(2)) {
    const match = /^--([\w-]+)=(.*)$/.exec(arg);
    if (match === null) throw new TypeError(`bad argument ${arg}: expected --name=value`);
    const [, name, raw] = match;
    if (!(name in defaults)) throw new TypeError(`unknown argument --${name}`);
    out[name] = typeof defaults[name] === 'number' ? Number(raw) : raw;
    if (typeof defaults[name] === 'number' && !Number.isFinite(out[name])) {
      throw new TypeError(`--${name} must be a number, got ${raw}`);
    }
  }
  return out;
}

/**
 * Seconds elapsed since `t0` (a `performance.now()` reading).
 *
 * @example
 * const rate = n / seconds(t0);
 */
export function seconds(t0) {
  return (performance.now() - t0) / 1000;
}

/**
 * CPU time (user + system) this process has used, in seconds. Rates by CPU time are steadier
 * than by wall time on a shared machine: a process waiting for a core is not charged. (Node's
 * GC helper threads are charged, so a Node figure by CPU time is, if anything, pessimistic.)
 *
 * @example
 * const c0 = cpuNow(); work(); const cpu = cpuNow() - c0;
 */
export function cpuNow() {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

/**
 * Full garbage collection (twice, so weak and finalized objects go too). Needs `--expose-gc`.
 *
 * @example
 * collectGarbage(); const before = rssBytes();
 */
export function collectGarbage() {
  if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');
  globalThis.gc();
  globalThis.gc();
}

/**
 * Resident set size of this process in bytes (what the OS charges, as gevent's VmRSS).
 *
 * @example
 * const perGreenlet = (rssBytes() - before) / n;
 */
export function rssBytes() {
  return process.memoryUsage.rss();
}

/**
 * Bytes of live JS heap (after `collectGarbage()`).
 *
 * @example
 * const heapPer = (heapBytes() - heap0) / n;
 */
export function heapBytes() {
  return process.memoryUsage().heapUsed;
}

/**
 * A time bound for polling loops: returns a function that is true once `ms` have passed.
 *
 * @example
 * const expired = deadlineAfter(30_000);
 * while (entered < n && !expired()) yield* sleep(0.01);
 */
export function deadlineAfter(ms) {
  const end = performance.now() + ms;
  return () => performance.now() > end;
}

/**
 * Fails the benchmark (non-zero exit, message on stderr) unless `condition` holds.
 *
 * @example
 * check(sum === expected, `sum ${sum} != ${expected}`);
 */
export function check(condition, message) {
  if (!condition) throw new Error(`benchmark self-check failed: ${message}`);
}

/**
 * Prints the one JSON result line the runner reads.
 *
 * @example
 * report({ value: rate, totalSeconds: dt });
 */
export function report(result) {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
