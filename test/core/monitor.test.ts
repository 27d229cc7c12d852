/**
 * The hub monitor (issue 6; gevent's monitor thread, test___monitor): a blocked hub is reported
 * once per episode with the greenlet that blocked it, an idle hub never is, plain-code blocks
 * are reported with no greenlet, memory threshold crossings, monitoring functions, the env
 * switch, and that the worker never keeps the process alive.
 */

import { suite } from 'uvu';
import { BLOCKED } from '../../core/hub.ts';
import {
  Event,
  EventLoopBlocked,
  getHub,
  type HubMonitor,
  MemoryUsageThresholdExceeded,
  MemoryUsageUnderThreshold,
  type RuntimeEvent,
  sleep,
  spawn,
  startMonitor,
  subscribe,
  until,
} from '../../core/index.ts';
import { assert, greenletSuite, takeErrors } from '../_support/gtest.ts';
import { assertThrowsNaming, CORE_URL, runModuleInChild } from '../_support/timing.ts';

const hub = getHub();
const test = greenletSuite('monitor');

/** Collects events and the printed report text while a monitor runs; stops it after `body`. */
function* monitored<T>(
  options: Parameters<typeof startMonitor>[0],
  body: (
    m: HubMonitor,
    events: RuntimeEvent[],
    printed: string[],
  ) => Generator<unknown, T, unknown>,
): Generator<unknown, T, unknown> {
  const printed: string[] = [];
  const events: RuntimeEvent[] = [];
  const monitor = startMonitor({
    output: { write: (text: string) => printed.push(text) },
    ...options,
  });
  const unsubscribe = subscribe((event) => events.push(event));
  // The worker and the monitor's timers are unref'd: keep the loop alive while waiting for them.
  const keepAlive = setInterval(() => {}, 1000);
  try {
    yield* until(monitor.ready);
    return yield* body(monitor, events, printed);
  } finally {
    unsubscribe();
    clearInterval(keepAlive);
    yield* until(monitor.stop());
  }
}

/** Busy-waits at least `ms`, and until the monitor's worker has flagged the block (max 5 s). */
function blockFor(monitor: HubMonitor, ms: number): void {
  const start = performance.now();
  for (;;) {
    const elapsed = performance.now() - start;
    if (elapsed >= 5000) return;
    if (elapsed >= ms && Atomics.load(monitor.cells, BLOCKED) !== 0) return;
  }
}

function blockedEvents(events: RuntimeEvent[]): EventLoopBlocked[] {
  return events.filter((e): e is EventLoopBlocked => e instanceof EventLoopBlocked);
}

test('a greenlet that blocks 300 ms is reported once, by name, with its report', function* () {
  yield* monitored({ maxBlockingTime: 0.1 }, function* (monitor, events, printed) {
    const busy = spawn(function* busyLoop() {
      blockFor(monitor, 300);
    });
    busy.name = 'cpu-hog';
    yield* busy.join();
    const mine = blockedEvents(events).filter((e) => e.greenlet === busy);
    assert.is(mine.length, 1, 'exactly one event for the blocking greenlet');
    const event = mine[0]!;
    assert.ok(event.blockingTime >= 0.2 && event.blockingTime < 6, String(event.blockingTime));
    assert.ok(monitor.reports.includes(event));
    const text = printed.join('');
    assert.ok(text.includes(`Greenlet ${busy} appears to be blocked`), text);
    assert.ok(text.includes('Name: cpu-hog'), text);
    assert.equal(event.info, text.trimEnd().split('\n').slice(-event.info.length));
  });
});

test('an idle hub is not reported', function* () {
  yield* monitored({ maxBlockingTime: 0.1 }, function* (monitor, events) {
    yield* sleep(0.3);
    assert.equal(blockedEvents(events), []);
    assert.equal(monitor.reports, []);
  });
});

test('blocking in plain code outside any greenlet is reported with greenlet null', function* () {
  yield* monitored({ maxBlockingTime: 0.1 }, function* (monitor, events, printed) {
    const reported = new Event();
    const unsubscribe = subscribe((e) => e instanceof EventLoopBlocked && reported.set());
    setTimeout(() => blockFor(monitor, 250), 0);
    const seen = yield* reported.wait(5);
    unsubscribe();
    assert.ok(seen, 'reported after the callback returned');
    const [event] = blockedEvents(events);
    assert.is(event!.greenlet, null);
    assert.ok(event!.blockingTime >= 0.15, String(event!.blockingTime));
    assert.match(printed.join(''), /The hub \(code outside any greenlet.*appears to be blocked/);
  });
});

test('memory: one event on crossing above, one on going back under', function* () {
  yield* monitored({ memoryMonitorPeriod: 0.01, maxMemoryUsage: 1 }, function* (monitor, events) {
    const crossed = new Event();
    const unsubscribe = subscribe((e) => {
      if (e instanceof MemoryUsageThresholdExceeded || e instanceof MemoryUsageUnderThreshold)
        crossed.set();
    });
    assert.ok(yield* crossed.wait(5), 'exceeded');
    // Let several more samples (all above the threshold) arrive: no further event.
    const samples = Atomics.load(monitor.cells, 3);
    for (let i = 0; i < 250 && Atomics.load(monitor.cells, 3) < samples + 3; i++)
      yield* sleep(0.02);
    assert.ok(Atomics.load(monitor.cells, 3) >= samples + 3, 'the worker kept sampling');
    crossed.clear();
    monitor.maxMemoryUsage = Number.MAX_SAFE_INTEGER;
    assert.ok(yield* crossed.wait(5), 'back under');
    unsubscribe();
    const memory = events.filter((e) => !(e instanceof EventLoopBlocked));
    assert.is(memory.length, 2, memory.map((e) => e.constructor.name).join());
    const [over, under] = memory as [MemoryUsageThresholdExceeded, MemoryUsageUnderThreshold];
    assert.instance(over, MemoryUsageThresholdExceeded);
    assert.ok(over.memUsage > 1 && over.maxAllowed === 1 && over.memoryInfo.rss > 0);
    assert.instance(under, MemoryUsageUnderThreshold);
    assert.is(under.maxAllowed, Number.MAX_SAFE_INTEGER);
    assert.ok(under.maxMemoryUsage >= over.memUsage && under.memoryInfo.heapUsed > 0);
  });
});

test("addMonitoringFunction: gevent's rules; runs fn(hub) periodically", function* () {
  yield* monitored({}, function* (monitor) {
    const fn = () => {};
    assertThrowsNaming(() => monitor.addMonitoringFunction(5 as never, 1), TypeError, /fn/);
    for (const bad of [-1, 0, Number.NaN, Infinity, 30 * 86_400, '1']) {
      assertThrowsNaming(
        () => monitor.addMonitoringFunction(fn, bad as never),
        RangeError,
        /period/,
      );
    }
    monitor.addMonitoringFunction(fn, 10);
    monitor.addMonitoringFunction(fn, 20);
    assert.equal(monitor.monitoringFunctions(), [fn], 'the same function updates its period');
    monitor.addMonitoringFunction(fn, null);
    assert.equal(monitor.monitoringFunctions(), [], 'a null period removes it');
    const called = new Event();
    let argument: unknown;
    const probe = (h: unknown) => {
      argument = h;
      called.set();
      throw new Error('probe failed');
    };
    monitor.addMonitoringFunction(probe, 0.02);
    assert.ok(yield* called.wait(5));
    monitor.addMonitoringFunction(probe, null);
    assert.is(argument, hub);
    const errors = takeErrors();
    assert.ok(errors.length >= 1 && errors.every((e) => e.context === probe));
  });
});

test('startMonitor returns the running monitor; stop() detaches it once', function* () {
  assert.is(hub.monitor, null);
  const monitor = startMonitor({ output: null });
  try {
    assert.is(hub.monitor, monitor);
    assert.is(
      startMonitor({ maxBlockingTime: 5 }),
      monitor,
      'options of a second call are ignored',
    );
    assert.ok(monitor.running);
    assert.match(String(monitor), /^<HubMonitor maxBlockingTime=0\.1s running>$/);
  } finally {
    const stopped = monitor.stop();
    assert.is(monitor.stop(), stopped);
    yield* until(stopped);
  }
  assert.is(hub.monitor, null);
  assert.not.ok(monitor.running);
  monitor.addMonitoringFunction(() => {}, 1);
  assert.equal(monitor.monitoringFunctions(), [], 'a stopped monitor runs nothing');
  assertThrowsNaming(() => startMonitor({ maxBlockingTime: 0 }), RangeError, /maxBlockingTime/);
  assertThrowsNaming(() => startMonitor({ maxMemoryUsage: -5 }), RangeError, /maxMemoryUsage/);
  assertThrowsNaming(() => startMonitor({ output: {} as never }), TypeError, /output/);
  assert.is(hub.monitor, null);
});

test.run();

/** In a fresh process: the env switch, and a process that must exit by itself. */
const fresh = suite('monitor-env');

fresh(
  'GEVENT_MONITOR_THREAD_ENABLE starts it; the worker notices at once; the process exits',
  async () => {
    const source = `
    import { getHub, run, spawn, until } from ${JSON.stringify(CORE_URL)};
    const monitor = getHub().monitor;
    console.log(monitor === null ? 'no monitor' : 'monitor ' + monitor.maxBlockingTime);
    await run(function* () {
      const keep = setInterval(() => {}, 1000);
      yield* until(monitor.ready);
      clearInterval(keep);
      yield* spawn(function* stuck() {
        const t = performance.now();
        while (performance.now() - t < 600);
      }).join();
    });
    console.log('reports ' + monitor.reports.length);
  `;
    const before = { ...process.env };
    process.env.GEVENT_MONITOR_THREAD_ENABLE = '1';
    process.env.GEVENT_MAX_BLOCKING_TIME = '0.1';
    const started = performance.now();
    const child = runModuleInChild(source, 20_000);
    process.env.GEVENT_MONITOR_THREAD_ENABLE = before.GEVENT_MONITOR_THREAD_ENABLE;
    process.env.GEVENT_MAX_BLOCKING_TIME = before.GEVENT_MAX_BLOCKING_TIME;
    if (before.GEVENT_MONITOR_THREAD_ENABLE === undefined)
      delete process.env.GEVENT_MONITOR_THREAD_ENABLE;
    if (before.GEVENT_MAX_BLOCKING_TIME === undefined) delete process.env.GEVENT_MAX_BLOCKING_TIME;
    const { code, stdout, stderr } = await child;
    assert.is(code, 0, stderr);
    assert.ok(performance.now() - started < 19_000, 'exited by itself');
    assert.equal(stdout.trim().split('\n'), ['monitor 0.1', 'reports 1']);
    assert.match(stderr, /gevent-ts monitor: the main thread has not switched for \d\.\d{3} s/);
    assert.match(stderr, /<Greenlet at 0x[0-9a-f]+: stuck\(\)> appears to be blocked/);
    assert.ok(
      stderr.indexOf('gevent-ts monitor:') < stderr.indexOf('appears to be blocked'),
      'the notice is written while the main thread is still blocked',
    );
  },
);

fresh.run();
