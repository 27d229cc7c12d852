/**
 * Benchmark: ping-pong between two greenlets, N round trips (issue 2 target for the Queue
 * variant: >= 10x gevent). Layer: scripts/bench, our side; imports the built package.
 * Baselines: `gevent/pingpong.py`, `effection/pingpong.mjs`, `pingpong.node.mjs`.
 *
 * `--variant=queue`: a pair of unbounded Queues (put, then get the answer).
 * `--variant=event`: a pair of Events (set / wait / clear), as gevent's script does.
 * One round trip is two switches. Prints `{ value: round trips per second, totalSeconds }`.
 *
 * @example
 * node --expose-gc scripts/bench/pingpong.mjs --variant=queue --n=200000
 */

import { Event, joinall, Queue, run, spawn } from '../../dist/core/index.js';
import { args, check, collectGarbage, cpuNow, report, seconds } from './_harness.mjs';

const { n, variant } = args({ n: 200_000, variant: 'queue' });

/** Two greenlets passing a counter through two Queues; returns the pinger's sum. */
function* queuePingPong(rounds) {
  const there = new Queue();
  const back = new Queue();
  const ping = spawn(function* () {
    let sum = 0;
    for (let i = 0; i < rounds; i++) {
      yield* there.put(i);
      sum += yield* back.get();
    }
    return sum;
  });
  const pong = spawn(function* () {
    for (let i = 0; i < rounds; i++) yield* back.put(yield* there.get());
  });
  yield* joinall([ping, pong], { raiseError: true });
  return ping.value;
}

/** Two greenlets taking turns through two Events; returns the number of turns taken. */
function* eventPingPong(rounds) {
  const first = new Event();
  const second = new Event();
  let turns = 0;
  const ping = spawn(function* () {
    for (let i = 0; i < rounds; i++) {
      first.set();
      yield* second.wait();
      second.clear();
      turns++;
    }
  });
  const pong = spawn(function* () {
    for (let i = 0; i < rounds; i++) {
      yield* first.wait();
      first.clear();
      second.set();
    }
  });
  yield* joinall([ping, pong], { raiseError: true });
  return turns;
}

const variants = {
  queue: { body: queuePingPong, expect: (r) => (r * (r - 1)) / 2 },
  event: { body: eventPingPong, expect: (r) => r },
};
const chosen = variants[variant];
if (chosen === undefined) throw new TypeError(`--variant must be queue or event, not ${variant}`);

await run(chosen.body, n); // warm-up: one untimed full-size round, so the JIT has settled
collectGarbage();
const t0 = performance.now();
const c0 = cpuNow();
const result = await run(chosen.body, n);
const total = seconds(t0);
const cpu = cpuNow() - c0;
check(result === chosen.expect(n), `${variant} result ${result} != ${chosen.expect(n)}`);
report({
  value: n / total,
  cpuValue: n / cpu,
  switchesPerSec: (2 * n) / total,
  totalSeconds: total,
  n,
  variant,
});
