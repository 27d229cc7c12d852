/**
 * Plain-Node baseline for `pingpong.mjs`: two async functions ping-ponging through promise-based
 * channels (`--variant=queue`) or resettable promise-based events (`--variant=event`).
 * Layer: scripts/bench, baseline.
 *
 * The channel and event are the smallest correct ones (a waiter list of resolve functions), so
 * this is roughly the floor of "await a promise per hand-off". Prints `{ value: round trips/s }`.
 *
 * @example
 * node --expose-gc scripts/bench/pingpong.node.mjs --variant=event --n=200000
 */

import { args, check, collectGarbage, cpuNow, report, seconds } from './_harness.mjs';

const { n, variant } = args({ n: 200_000, variant: 'queue' });

/** An unbounded channel: `put` never waits, `get` returns a promise of the next item. */
class PromiseChannel {
  items = [];
  waiters = [];
  put(item) {
    const waiter = this.waiters.shift();
    if (waiter === undefined) this.items.push(item);
    else waiter(item);
  }
  get() {
    if (this.items.length > 0) return Promise.resolve(this.items.shift());
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

/** A flag with set/clear/wait, like gevent's Event. */
class PromiseEvent {
  flag = false;
  waiters = [];
  set() {
    this.flag = true;
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake(true);
  }
  clear() {
    this.flag = false;
  }
  wait() {
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

async function queuePingPong(rounds) {
  const there = new PromiseChannel();
  const back = new PromiseChannel();
  const pong = (async () => {
    for (let i = 0; i < rounds; i++) back.put(await there.get());
  })();
  let sum = 0;
  for (let i = 0; i < rounds; i++) {
    there.put(i);
    sum += await back.get();
  }
  await pong;
  return sum;
}

async function eventPingPong(rounds) {
  const first = new PromiseEvent();
  const second = new PromiseEvent();
  const pong = (async () => {
    for (let i = 0; i < rounds; i++) {
      if (!first.flag) await first.wait();
      first.clear();
      second.set();
    }
  })();
  let turns = 0;
  for (let i = 0; i < rounds; i++) {
    first.set();
    if (!second.flag) await second.wait();
    second.clear();
    turns++;
  }
  await pong;
  return turns;
}

const variants = {
  queue: { body: queuePingPong, expect: (r) => (r * (r - 1)) / 2 },
  event: { body: eventPingPong, expect: (r) => r },
};
const chosen = variants[variant];
if (chosen === undefined) throw new TypeError(`--variant must be queue or event, not ${variant}`);

await chosen.body(n); // warm-up: one untimed full-size round, so the JIT has settled
collectGarbage();
const t0 = performance.now();
const c0 = cpuNow();
const result = await chosen.body(n);
const total = seconds(t0);
const cpu = cpuNow() - c0;
check(result === chosen.expect(n), `${variant} result ${result} != ${chosen.expect(n)}`);
report({ value: n / total, cpuValue: n / cpu, totalSeconds: total, n, variant });
