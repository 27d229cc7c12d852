/**
 * Showcase phase 3: a subprocess pipeline, `seq 1 100000 | grep 7 | wc -l`, built from three
 * Popens wired pipe to pipe, its output streamed back through a PipeReader while a heartbeat
 * greenlet keeps ticking. Layer: example (examples/showcase).
 */

import { Event, sleep, spawn } from '../../core/index.ts';
import { PIPE, Popen } from '../../core/subprocess/index.ts';
import { progress } from './report.ts';

/** The numbers the pipeline reads: 1..PIPELINE_N. */
export const PIPELINE_N = 100_000;

/** What phase 3 measured. */
export interface PipelineResults {
  command: string;
  count: number;
  expected: number;
  statuses: number[];
  seconds: number;
  heartbeats: number;
}

/** How many of 1..n contain the digit 7, computed here to check the pipeline's answer. */
function countWithSeven(n: number): number {
  let count = 0;
  for (let i = 1; i <= n; i++) if (String(i).includes('7')) count++;
  return count;
}

/**
 * Phase 3: runs the pipeline and checks its answer.
 *
 * @example
 * const p = yield* pipelinePhase();
 * console.log(p.count === p.expected);
 */
export function* pipelinePhase(): Generator<unknown, PipelineResults, unknown> {
  const start = performance.now();
  const seq = new Popen(['seq', '1', String(PIPELINE_N)], { stdout: PIPE });
  const grep = new Popen(['grep', '7'], { stdin: seq.stdout, stdout: PIPE });
  const wc = new Popen<string>(['wc', '-l'], { stdin: grep.stdout, stdout: PIPE, text: true });
  progress(`pipeline: started seq (pid ${seq.pid}) | grep (pid ${grep.pid}) | wc (pid ${wc.pid})`);

  const done = new Event();
  let heartbeats = 0;
  const heartbeat = spawn(function* () {
    while (!done.isSet()) {
      yield* sleep(0.01);
      heartbeats++;
    }
  });
  heartbeat.name = 'pipeline-heartbeat';

  const output = yield* wc.stdout!.read(); // to EOF, streamed in while the others run
  done.set();
  yield* heartbeat.join();
  const statuses = [yield* seq.wait(5), yield* grep.wait(5), yield* wc.wait(5)];
  for (const p of [seq, grep, wc]) p.close();
  return {
    command: `seq 1 ${PIPELINE_N} | grep 7 | wc -l`,
    count: Number.parseInt(output.trim(), 10),
    expected: countWithSeven(PIPELINE_N),
    statuses,
    seconds: (performance.now() - start) / 1000,
    heartbeats,
  };
}
