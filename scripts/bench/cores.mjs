/**
 * How many cores this process really gets: one, then two worker threads each spin for a second
 * doing the same counting loop; prints the CPU time they got and the work each did. Two real
 * cores give each of the two threads ~100% of the work one thread does alone; a VM that gives a
 * process ~1 core gives each ~50%. Run before reading any CPU-scaling figure.
 *
 * @example
 * node scripts/bench/cores.mjs   // {"threads":2,"wallMs":1094,"cpuMs":1094,"workPerThreadVsOne":0.59}
 */

import { isMainThread, parentPort, Worker } from 'node:worker_threads';

const SPIN_MS = 1000;

function spin() {
  const end = Date.now() + SPIN_MS;
  let work = 0;
  while (Date.now() < end) work++;
  return work;
}

/** Runs `threads` spinning workers at once; resolves with their work counts and the times. */
async function round(threads) {
  const t0 = Date.now();
  const c0 = process.cpuUsage();
  const counts = await Promise.all(
    Array.from({ length: threads }, () => {
      const worker = new Worker(new URL(import.meta.url));
      return new Promise((resolve, reject) => {
        worker.once('message', (work) => {
          void worker.terminate();
          resolve(work);
        });
        worker.once('error', reject);
      });
    }),
  );
  const cpu = process.cpuUsage(c0);
  return { counts, wallMs: Date.now() - t0, cpuMs: Math.round((cpu.user + cpu.system) / 1000) };
}

if (isMainThread) {
  const one = await round(1);
  const two = await round(2);
  const perThread = two.counts.reduce((a, b) => a + b, 0) / 2 / one.counts[0];
  console.log(
    JSON.stringify({
      threads: 2,
      wallMs: two.wallMs,
      cpuMs: two.cpuMs,
      workPerThreadVsOne: Number(perThread.toFixed(2)),
    }),
  );
} else {
  parentPort.postMessage(spin());
}
