/**
 * Concurrent jobs (gevent's intro example): spawn a few greenlets, wait for them with a
 * deadline, and read their values. Run: node --import tsx examples/concurrent_jobs.ts
 */
import { joinall, run, sleep, spawn } from '../core/index.ts';

function* fetchPage(name: string, seconds: number) {
  yield* sleep(seconds); // stands in for network I/O: other greenlets run meanwhile
  return `${name}: ${Math.round(seconds * 1000)} ms of work`;
}

await run(function* main() {
  const started = performance.now();
  const plan: Array<[string, number]> = [
    ['alpha', 0.3],
    ['beta', 0.2],
    ['gamma', 0.1],
    ['too-slow', 5],
  ];
  const jobs = plan.map(([name, seconds]) => {
    const job = spawn(fetchPage, name, seconds);
    job.name = name;
    return job;
  });
  const finished = yield* joinall(jobs, { timeout: 2 });
  for (const job of jobs) console.log(job.dead ? job.value : `${job.name} still running`);
  const elapsed = Math.round(performance.now() - started);
  console.log(
    `${finished.length} of ${jobs.length} finished within the 2 s timeout (${elapsed} ms)`,
  );
  yield* jobs[3]!.kill(); // do not leave it running
});
