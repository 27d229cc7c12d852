/**
 * Timeout: raised at the greenlet's switch point; `using` is Python's `with Timeout(...)`.
 * Run: node --import tsx examples/timeout.ts
 */
import { Empty, Queue, run, sleep, Timeout, withTimeout } from '../core/index.ts';

await run(function* main() {
  // 1. A Timeout around a block of blocking calls.
  const timeout = Timeout.startNew(0.1);
  try {
    yield* sleep(1);
  } catch (error) {
    if (error !== timeout) throw error;
    console.log(`caught our own Timeout: ${timeout.message}`);
  } finally {
    timeout.cancel();
  }

  // 2. `using` cancels it when the block ends, like `with Timeout(5):`.
  {
    using _deadline = Timeout.startNew(5);
    yield* sleep(0.01);
    console.log('finished well within 5 s; the Timeout is cancelled on leaving the block');
  }

  // 3. withTimeout with a fallback value instead of an exception.
  const q = new Queue<string>();
  const item = yield* withTimeout(0.05, () => q.get(), { timeoutValue: 'nothing arrived' });
  console.log(`withTimeout returned: ${item}`);

  // 4. Blocking calls take their own timeouts too (a queue raises Empty, as in gevent).
  try {
    yield* q.get({ timeout: 0.05 });
  } catch (error) {
    if (!(error instanceof Empty)) throw error;
    console.log('q.get({ timeout: 0.05 }) raised Empty');
  }
});
