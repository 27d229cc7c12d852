/**
 * `npm start`: runs the examples one after another, each in its own process, and exits.
 * (The full showcase — HTTP, CPU on the thread pool, DNS, subprocesses, the greenlet tree —
 * arrives with those modules; see README.md.)
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const examples = readdirSync(here)
  .filter((name) => name.endsWith('.ts') && name !== 'showcase.ts' && !name.startsWith('_'))
  .sort();

let failed = 0;
for (const name of examples) {
  console.log(`\n\x1b[1m=== examples/${name}\x1b[0m`);
  const started = performance.now();
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(here, name)], {
    stdio: 'inherit',
    timeout: 60_000,
  });
  const ms = Math.round(performance.now() - started);
  if (result.status !== 0) failed++;
  console.log(
    `--- ${result.status === 0 ? 'ok' : `FAILED (exit ${result.status ?? result.signal})`} in ${ms} ms`,
  );
}
console.log(`\n${examples.length - failed} of ${examples.length} examples ran cleanly`);
process.exitCode = failed === 0 ? 0 : 1;
