/**
 * Pipeline: `producer | filter | consumer` built from three Popens, each reading the previous
 * one's stdout directly. One greenlet streams the consumer's output line by line as it comes,
 * while another greenlet keeps ticking: nothing blocks the process.
 * Run: node --import tsx examples/pipeline.ts
 */
import { Event, run, sleep, spawn } from '../core/index.ts';
import { PIPE, Popen } from '../core/subprocess/index.ts';

await run(function* main() {
  // producer: a line every 50 ms; filter: drop lines with a 3; consumer: tag each line.
  const producer = new Popen(
    ['sh', '-c', 'i=1; while [ $i -le 12 ]; do echo "event $i"; i=$((i+1)); sleep 0.05; done'],
    { stdout: PIPE },
  );
  const filter = new Popen(['grep', '--line-buffered', '-v', '3'], {
    stdin: producer.stdout,
    stdout: PIPE,
  });
  const consumer = new Popen<string>(['sed', '-u', 's/^/consumed: /'], {
    stdin: filter.stdout,
    stdout: PIPE,
    text: true,
  });

  const finished = new Event();
  let ticks = 0;
  const heartbeat = spawn(function* () {
    while (!finished.isSet()) {
      yield* sleep(0.02);
      ticks++;
    }
  });

  const started = performance.now();
  const streamer = spawn(function* () {
    let lines = 0;
    for (;;) {
      const r = yield* consumer.stdout!.next(); // waits for the next line; others run meanwhile
      if (r.done) return lines;
      lines++;
      const ms = String(Math.round(performance.now() - started)).padStart(4);
      console.log(`${ms} ms  ${r.value.trimEnd()}   (heartbeat ${ticks})`);
    }
  });

  const lines = yield* streamer.get();
  finished.set();
  yield* heartbeat.join();
  const statuses = [yield* producer.wait(), yield* filter.wait(), yield* consumer.wait()];
  console.log(
    `streamed ${lines} lines through producer | filter | consumer while the heartbeat ticked ` +
      `${ticks} times; exit statuses ${statuses.join(', ')}`,
  );
});
