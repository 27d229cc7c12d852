/**
 * ThreadPool: gevent's examples/threadpool.py. Four blocking sleeps on three OS threads take two
 * rounds, while the hub stays free for other greenlets. The sleep blocks its thread for real
 * (Atomics.wait), as `time.sleep` blocks a gevent pool thread.
 * Run: node --import tsx examples/threadpool.ts
 */
import { run, sleep, spawn, wait } from '../core/index.ts';
import { ThreadPool } from '../threadpool/index.ts';

const SECONDS = 0.4;
const pool = new ThreadPool(3);

/** Shipped to a worker thread as source: self-contained, it gets everything as arguments. */
const blockingSleep = (seconds: number) => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, seconds * 1000);
  return seconds;
};

await run(function* main() {
  yield* pool.map((x: number) => x, [1, 2, 3]); // start the three threads first (not timed)

  let ticks = 0;
  const ticker = spawn(function* () {
    for (;;) {
      yield* sleep(0.05);
      ticks++;
    }
  });

  const start = performance.now();
  const results = [1, 2, 3, 4].map(() => pool.spawn(blockingSleep, SECONDS));
  yield* wait(results);
  const delay = (performance.now() - start) / 1000;
  yield* ticker.kill();

  console.log(
    `Running "sleep(${SECONDS})" 4 times with 3 threads. ` +
      `Should take about ${2 * SECONDS} second(s): ${delay.toFixed(3)}s`,
  );
  console.log(`meanwhile a greenlet on the hub ticked ${ticks} times (every 50 ms)`);
  yield* pool.close();
});
