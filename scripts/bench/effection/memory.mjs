/**
 * Effection 4 baseline for ../memory.mjs: RSS per task with N tasks parked in `sleep(60 s)`.
 * Layer: scripts/bench/effection, baseline (npm `effection`).
 *
 * A counter in the body proves every task started before RSS is read (after a full GC); the
 * process then exits without halting them (halting 100k takes ~5 s and is not measured).
 * Prints `{ value: RSS bytes per parked task, heapPerTask, spawnAndParkSeconds }`.
 *
 * @example
 * node --expose-gc scripts/bench/effection/memory.mjs --n=100000
 */

import { run, sleep, spawn, suspend } from 'effection';
import {
  args,
  check,
  collectGarbage,
  deadlineAfter,
  heapBytes,
  report,
  rssBytes,
  seconds,
} from '../_harness.mjs';

const { n } = args({ n: 100_000 });
let entered = 0;

function* parked() {
  entered++;
  yield* sleep(60_000);
}

/** Spawns `count` sleepers and waits (bounded) until every body has reached its sleep. */
function* spawnAndPark(count) {
  for (let i = 0; i < count; i++) yield* spawn(parked);
  const expired = deadlineAfter(50_000);
  while (entered < count && !expired()) yield* sleep(10);
  check(entered === count, `${entered} of ${count} tasks parked`);
}

await run(() => spawnAndPark(1000)); // warm-up (the tasks end with their scope)
entered = 0;
collectGarbage();
const rss0 = rssBytes();
const heap0 = heapBytes();
const t0 = performance.now();
let parkSeconds = 0;
await new Promise((resolve) => {
  // Not awaited: the root stays suspended, holding its parked children, until the exit below.
  run(function* () {
    yield* spawnAndPark(n);
    parkSeconds = seconds(t0);
    resolve();
    yield* suspend();
  });
});
collectGarbage();
report({
  value: (rssBytes() - rss0) / n,
  heapPerTask: (heapBytes() - heap0) / n,
  spawnAndParkSeconds: parkSeconds,
  n,
});
process.exit(0);
