/**
 * Baseline for subprocess.mjs: plain node:child_process, no library. Layer: scripts/bench.
 *
 * Variants (`--variant=`):
 * - `execFile`: promisified `execFile('true')` x n from `greenlets` concurrent async loops.
 * - `pipe`: spawn cat, `stdin.end(data)`, count the stdout bytes and drop them (the raw figure).
 * - `pipeCollect`: the same, but keep the chunks and `Buffer.concat` them at the end: what any
 *   API that returns the output as one buffer must pay on top of `pipe`.
 *
 * @example
 * node --expose-gc scripts/bench/subprocess.node.mjs --variant=execFile --n=300 --greenlets=10
 */

import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { args, check, collectGarbage, report, seconds } from './_harness.mjs';

const { variant, n, greenlets, mib } = args({
  variant: 'execFile',
  n: 300,
  greenlets: 10,
  mib: 64,
});
const execFileAsync = promisify(execFile);

async function execFileGrid(total, count) {
  await Promise.all(
    Array.from({ length: count }, async () => {
      for (let i = 0; i < total / count; i++) {
        const { stdout } = await execFileAsync('true');
        check(stdout.length === 0, 'true printed something');
      }
    }),
  );
}

function throughCat(data, collect) {
  return new Promise((resolve, reject) => {
    const child = spawn('cat', [], { stdio: ['pipe', 'pipe', 'inherit'] });
    const chunks = [];
    let received = 0;
    child.stdout.on('data', (chunk) => {
      received += chunk.length;
      if (collect) chunks.push(chunk);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`cat exited with ${code}`));
      else resolve(collect ? Buffer.concat(chunks, received) : received);
    });
    child.stdin.end(data);
  });
}

if (variant === 'execFile') {
  await execFileGrid(greenlets, greenlets); // warm-up
  collectGarbage();
  const t0 = performance.now();
  await execFileGrid(n, greenlets);
  const total = seconds(t0);
  report({ value: n / total, totalSeconds: total, n, greenlets });
} else if (variant === 'pipe' || variant === 'pipeCollect') {
  const data = Buffer.alloc(mib * 2 ** 20, 'x');
  const collect = variant === 'pipeCollect';
  await throughCat(data.subarray(0, 2 ** 20), collect); // warm-up
  collectGarbage();
  const t0 = performance.now();
  const out = await throughCat(data, collect);
  const total = seconds(t0);
  check((collect ? out.length : out) === data.length, 'wrong byte count');
  report({ value: data.length / total / 1e6, totalSeconds: total, mib });
} else {
  throw new TypeError(`unknown --variant=${variant}: execFile, pipe or pipeCollect`);
}
