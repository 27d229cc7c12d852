/**
 * Plain-Node baseline for `memory.mjs`: RSS per pending async function, each awaiting its own
 * `setTimeout(60 s)` promise. Layer: scripts/bench, baseline.
 *
 * Prints `{ value: RSS bytes per pending task, heapPerTask }`; exits without waiting for the
 * timers.
 *
 * @example
 * node --expose-gc scripts/bench/memory.node.mjs --n=100000
 */

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
const timers = [];

async function parked() {
  entered++;
  await new Promise((resolve) => timers.push(setTimeout(resolve, 60_000)));
}

/** Starts `count` sleepers and waits (bounded) until every one is pending on its timer. */
async function startAndPark(count) {
  const all = new Array(count);
  for (let i = 0; i < count; i++) all[i] = parked();
  const expired = deadlineAfter(50_000);
  while (entered < count && !expired()) await new Promise((resolve) => setTimeout(resolve, 10));
  check(entered === count, `${entered} of ${count} tasks pending`);
  return all;
}

await startAndPark(1000); // warm-up
for (const timer of timers.splice(0)) clearTimeout(timer);
entered = 0;
collectGarbage();
const rss0 = rssBytes();
const heap0 = heapBytes();
const t0 = performance.now();
const all = await startAndPark(n);
const parkSeconds = seconds(t0);
collectGarbage();
report({
  value: (rssBytes() - rss0) / n,
  heapPerTask: (heapBytes() - heap0) / n,
  spawnAndParkSeconds: parkSeconds,
  n: all.length,
});
process.exit(0);
