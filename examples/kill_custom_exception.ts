/**
 * kill() throws into the greenlet where it waits, so its finally blocks run; the exception may
 * be one of your own. Run: node --import tsx examples/kill_custom_exception.ts
 */
import { run, sleep, spawn } from '../core/index.ts';

class Shutdown extends Error {
  override name = 'Shutdown';
}

await run(function* main() {
  const worker = spawn(function* worker() {
    try {
      for (;;) yield* sleep(0.05); // a long-running loop, parked in sleep()
    } finally {
      console.log('worker: cleaning up in finally');
    }
  });
  yield* sleep(0.1);
  yield* worker.kill(new Shutdown('service is stopping')); // waits until it is dead
  console.log(`worker dead: ${worker.dead}, exception: ${worker.exception}`);
});
