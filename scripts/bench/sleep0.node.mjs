/**
 * Plain-Node baseline for `sleep0.mjs`: G async functions that each yield to the event loop I
 * times with `await new Promise(setImmediate)` (one loop turn, the nearest plain equivalent of
 * a cooperative yield that lets I/O in). Layer: scripts/bench, baseline.
 *
 * Prints `{ value: yields per second, totalSeconds }`.
 *
 * @example
 * node --expose-gc scripts/bench/sleep0.node.mjs --greenlets=1000 --iterations=200
 */

import { args, check, collectGarbage, cpuNow, report, seconds } from './_harness.mjs';

const { greenlets, iterations } = args({ greenlets: 1000, iterations: 200 });

const loopTurn = () => new Promise((resolve) => setImmediate(resolve));

/** Runs `count` async tasks that each yield `times` times; returns the number of yields. */
async function yieldGrid(count, times) {
  let yields = 0;
  const body = async () => {
    for (let i = 0; i < times; i++) {
      await loopTurn();
      yields++;
    }
  };
  const all = new Array(count);
  for (let i = 0; i < count; i++) all[i] = body();
  await Promise.all(all);
  return yields;
}

await yieldGrid(100, 20); // warm-up
collectGarbage();
const t0 = performance.now();
const c0 = cpuNow();
const yields = await yieldGrid(greenlets, iterations);
const total = seconds(t0);
const cpu = cpuNow() - c0;
check(yields === greenlets * iterations, `${yields} yields, expected ${greenlets * iterations}`);
report({
  value: yields / total,
  cpuValue: yields / cpu,
  totalSeconds: total,
  greenlets,
  iterations,
});
