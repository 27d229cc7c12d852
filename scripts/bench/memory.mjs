/**
 * Benchmark: RSS per greenlet with N greenlets parked in `sleep(60)` (issue 2 target: <= 1/5
 * of gevent's bytes per greenlet; and N = 1,000,000 must work). Layer: scripts/bench, our
 * side; imports the built package. Baselines: `gevent/memory.py`, `effection/memory.mjs`,
 * `memory.node.mjs`.
 *
 * A counter in the body proves every greenlet has started and is parked before RSS is read
 * (after a full GC). Then `killall` ends them all, timed, and the process exits.
 * Prints `{ value: RSS bytes per parked greenlet, heapPerGreenlet, spawnAndParkSeconds, ... }`.
 *
 * @example
 * node --expose-gc scripts/bench/memory.mjs --n=100000
 * node --expose-gc --max-old-space-size=8192 scripts/bench/memory.mjs --n=1000000
 */

import { joinall, killall, run, sleep, spawn } from '../../dist/core/index.js';
import {
  args,
  check,
  collectGarbage,
  deadlineAfter,
  heapBytes,
  report,
  rssBytes,
  seconds,
} from './_harness.mjs';

const { n } = args({ n: 100_000 });
let entered = 0;

function* parked() {
  entered++;
  yield* sleep(60);
}

/** Spawns `count` sleepers and waits (bounded) until every body has run to its sleep. */
function* spawnAndPark(count) {
  const all = new Array(count);
  for (let i = 0; i < count; i++) all[i] = spawn(parked);
  const expired = deadlineAfter(50_000);
  while (entered < count && !expired()) yield* sleep(0.01);
  check(entered === count, `${entered} of ${count} greenlets parked`);
  return all;
}

function* measure() {
  // Warm-up: the same path on a few greenlets, then ended.
  const warm = yield* spawnAndPark(1000);
  yield* killall(warm);
  entered = 0;
  collectGarbage();
  const rss0 = rssBytes();
  const heap0 = heapBytes();
  const t0 = performance.now();
  const all = yield* spawnAndPark(n);
  const parkSeconds = seconds(t0);
  collectGarbage();
  const rss1 = rssBytes();
  const heap1 = heapBytes();
  const t1 = performance.now();
  yield* killall(all);
  const killSeconds = seconds(t1);
  yield* joinall(all);
  check(
    all.every((g) => g.dead),
    'every greenlet is dead after killall',
  );
  return {
    value: (rss1 - rss0) / n,
    heapPerGreenlet: (heap1 - heap0) / n,
    rssParkedMiB: rss1 / 2 ** 20,
    rssBeforeMiB: rss0 / 2 ** 20,
    spawnAndParkSeconds: parkSeconds,
    killallSeconds: killSeconds,
    n,
  };
}

report(await run(measure));
process.exit(0);
