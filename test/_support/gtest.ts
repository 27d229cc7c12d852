/**
 * Test support: run a test body as a main greenlet, with a watchdog, captured greenlet errors,
 * and a leak check (no queued steps, live timers or run() roots left behind).
 */

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { getHub, run } from '../../core/index.ts';

const hub = getHub();
let reported: Array<{ context: unknown; error: unknown }> = [];

/** The errors greenlets reported (printed, in production) during this test; clears the list. */
export function takeErrors(): Array<{ context: unknown; error: unknown }> {
  const out = reported;
  reported = [];
  return out;
}

const WATCHDOG_MS = 15_000;

/** Runs `body` as a main greenlet and checks that it left nothing behind. */
export async function runChecked<T>(body: () => Generator<unknown, T, unknown>): Promise<T> {
  reported = [];
  const previous = hub.handleError;
  hub.handleError = (context, error) => reported.push({ context, error });
  let watchdog: NodeJS.Timeout | undefined;
  let outcome: { ok: true; value: T } | { ok: false; error: unknown };
  try {
    const timedOut = new Promise<never>((_, reject) => {
      watchdog = setTimeout(
        () => reject(new Error(`test did not finish in ${WATCHDOG_MS} ms`)),
        WATCHDOG_MS,
      );
      watchdog.unref();
    });
    outcome = { ok: true, value: await Promise.race([run(body), timedOut]) };
  } catch (error) {
    outcome = { ok: false, error };
  }
  clearTimeout(watchdog);
  await settle();
  hub.handleError = previous;
  // The test's own failure comes first; the leak checks only speak when the body passed.
  if (!outcome.ok) throw outcome.error;
  assertNothingLeft();
  return outcome.value;
}

function assertNothingLeft(): void {
  const unexpected = takeErrors();
  assert.equal(
    unexpected.map((e) => String(e.error)),
    [],
    'greenlet errors nobody checked (use takeErrors())',
  );
  assert.is(hub.pendingCount, 0, 'steps left in the run queue');
  assert.is(hub.timers.size, 0, 'timers left armed');
  assert.is(hub.roots.size, 0, 'run() roots left');
}

/** Lets queued steps and callbacks run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
}

type Body = () => Generator<unknown, unknown, unknown>;

export interface GreenletTest {
  (title: string, body: Body): void;
  only(title: string, body: Body): void;
  skip(title: string, body?: Body): void;
  run(): void;
}

/** A uvu suite whose tests are greenlet bodies: `test('name', function* () { ... })`. */
export function greenletSuite(name: string): GreenletTest {
  const s = suite(name);
  const asTest = (body: Body) => () => runChecked(body).then(() => undefined);
  const test = ((title: string, body: Body) => s(title, asTest(body))) as GreenletTest;
  test.only = (title, body) => s.only(title, asTest(body));
  test.skip = (title) => s.skip(title);
  test.run = () => s.run();
  return test;
}

/** Elapsed seconds since `start` (a performance.now() reading). */
export function since(start: number): number {
  return (performance.now() - start) / 1000;
}

export { assert };
