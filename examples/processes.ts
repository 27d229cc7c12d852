/**
 * Processes (gevent's examples/processes.py, then orchestration): run `uname` and `ls` at once
 * and wait for both with a deadline; then push a batch of commands through a Pool of 3, each
 * with its own timeout, and collect what happened to every one of them.
 * Run: node --import tsx examples/processes.ts
 */
import { Pool, run, wait } from '../core/index.ts';
import { PIPE, Popen, run as runCommand, TimeoutExpired } from '../core/subprocess/index.ts';

interface Job {
  cmd: string[];
  timeout: number;
}

type Outcome =
  | { kind: 'ok' | 'failed'; status: number; output: string }
  | { kind: 'timed out' | 'could not start'; detail: string };

/** Runs one command with its own timeout and turns whatever happened into an Outcome. */
function* runJob(job: Job): Generator<unknown, Outcome, unknown> {
  try {
    const done = yield* runCommand(job.cmd, {
      captureOutput: true,
      text: true,
      timeout: job.timeout,
    });
    const output = `${done.stdout ?? ''}${done.stderr ?? ''}`.trim();
    return { kind: done.returncode === 0 ? 'ok' : 'failed', status: done.returncode, output };
  } catch (error) {
    if (error instanceof TimeoutExpired)
      return { kind: 'timed out', detail: `after ${job.timeout} s` };
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES') return { kind: 'could not start', detail: code };
    throw error;
  }
}

function describe(outcome: Outcome): string {
  if ('output' in outcome) {
    return `${outcome.kind} (exit ${outcome.status}) ${JSON.stringify(outcome.output)}`;
  }
  return `${outcome.kind} ${outcome.detail}`;
}

await run(function* main() {
  // 1. gevent's example: two children at once, one wait on both.
  const uname = new Popen(['uname'], { stdout: PIPE });
  const ls = new Popen(['ls'], { stdout: PIPE });
  yield* wait([uname, ls], { timeout: 2 });
  for (const [name, p] of [
    ['uname', uname],
    ['ls', ls],
  ] as const) {
    if (p.poll() === null) {
      console.log(`${name}: job is still running`);
      p.kill();
    } else {
      const text = String(yield* p.stdout!.read());
      const lines = text.trim().split('\n');
      console.log(
        `${name}: ${lines.length === 1 ? JSON.stringify(text) : `${lines.length} entries, first ${lines[0]}`}`,
      );
    }
    p.close();
  }

  // 2. Orchestration: 7 commands, at most 3 at a time, each with its own timeout.
  const jobs: Job[] = [
    { cmd: ['echo', 'hello'], timeout: 5 },
    { cmd: ['sh', '-c', 'sleep 0.3; echo slow but in time'], timeout: 5 },
    { cmd: ['sleep', '10'], timeout: 0.5 },
    { cmd: ['sh', '-c', 'echo oops >&2; exit 3'], timeout: 5 },
    { cmd: ['no-such-program'], timeout: 5 },
    { cmd: ['uname', '-m'], timeout: 5 },
    { cmd: ['sh', '-c', 'sleep 0.2; echo done'], timeout: 5 },
  ];
  const started = performance.now();
  const pool = new Pool(3);
  const outcomes = yield* pool.map(runJob, jobs);
  for (const [i, job] of jobs.entries()) {
    console.log(`  ${job.cmd.join(' ').padEnd(40)} ${describe(outcomes[i]!)}`);
  }
  const counts = new Map<string, number>();
  for (const o of outcomes) counts.set(o.kind, (counts.get(o.kind) ?? 0) + 1);
  const summary = [...counts].map(([kind, n]) => `${n} ${kind}`).join(', ');
  const ms = Math.round(performance.now() - started);
  console.log(`${jobs.length} commands through a Pool of 3 in ${ms} ms: ${summary}`);
});
