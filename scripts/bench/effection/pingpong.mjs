/**
 * Effection 4 baseline for ../pingpong.mjs: two operations ping-ponging N round trips.
 * Layer: scripts/bench/effection, baseline (npm `effection`).
 *
 * `--variant=queue`: a pair of `createQueue()` (add is synchronous, `next()` waits), the
 *   nearest Effection has to an unbounded gevent Queue.
 * `--variant=event`: Effection has no Event, so a minimal one is built from `withResolvers`
 *   (set resolves the current one; clear after a set makes a fresh one).
 * Prints `{ value: round trips per second, totalSeconds }`.
 *
 * @example
 * node --expose-gc scripts/bench/effection/pingpong.mjs --variant=queue --n=200000
 */

import { createQueue, run, spawn, withResolvers } from 'effection';
import { args, check, collectGarbage, cpuNow, report, seconds } from '../_harness.mjs';

const { n, variant } = args({ n: 200_000, variant: 'queue' });

function* queuePingPong(rounds) {
  const there = createQueue();
  const back = createQueue();
  const pong = yield* spawn(function* () {
    for (let i = 0; i < rounds; i++) back.add((yield* there.next()).value);
  });
  let sum = 0;
  for (let i = 0; i < rounds; i++) {
    there.add(i);
    sum += (yield* back.next()).value;
  }
  yield* pong;
  return sum;
}

/** set / clear / wait on top of Effection's withResolvers. */
function createEvent() {
  let current = withResolvers();
  let flag = false;
  return {
    set() {
      flag = true;
      current.resolve(true);
    },
    clear() {
      if (flag) current = withResolvers();
      flag = false;
    },
    *wait() {
      return flag ? true : yield* current.operation;
    },
  };
}

function* eventPingPong(rounds) {
  const first = createEvent();
  const second = createEvent();
  const pong = yield* spawn(function* () {
    for (let i = 0; i < rounds; i++) {
      yield* first.wait();
      first.clear();
      second.set();
    }
  });
  let turns = 0;
  for (let i = 0; i < rounds; i++) {
    first.set();
    yield* second.wait();
    second.clear();
    turns++;
  }
  yield* pong;
  return turns;
}

const variants = {
  queue: { body: queuePingPong, expect: (r) => (r * (r - 1)) / 2 },
  event: { body: eventPingPong, expect: (r) => r },
};
const chosen = variants[variant];
if (chosen === undefined) throw new TypeError(`--variant must be queue or event, not ${variant}`);

await run(() => chosen.body(2000)); // warm-up
collectGarbage();
const t0 = performance.now();
const c0 = cpuNow();
const result = await run(() => chosen.body(n));
const total = seconds(t0);
const cpu = cpuNow() - c0;
check(result === chosen.expect(n), `${variant} result ${result} != ${chosen.expect(n)}`);
report({ value: n / total, cpuValue: n / cpu, totalSeconds: total, n, variant });
