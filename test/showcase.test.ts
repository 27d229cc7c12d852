/**
 * `npm start`: the showcase runs as a child process, exits by itself with 0 well within 30 s,
 * and prints every phase: I/O latency unaffected by CPU work on the ThreadPool (and hurt by the
 * same work inline), the pipeline's correct answer, a nested greenlet tree, and the monitor's
 * report of the deliberate block.
 */

import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const test = suite('examples/showcase.ts');
const SHOWCASE = join(import.meta.dirname, '..', 'examples', 'showcase.ts');
const execFileAsync = promisify(execFile);

let stdout = '';

test.before(async () => {
  const result = await execFileAsync(process.execPath, ['--import', 'tsx', SHOWCASE], {
    timeout: 60_000,
    env: { ...process.env, FORCE_COLOR: '0' },
    maxBuffer: 8 * 1024 * 1024,
  });
  stdout = result.stdout; // execFile rejects on a non-zero exit or a timeout
});

/** The p50/p99 (ms) the showcase printed for one measurement window. */
function latency(label: string): { p50: number; p99: number; count: number } {
  const pattern = new RegExp(
    `^  ${label}: +p50 ([\\d.]+) ms  p99 ([\\d.]+) ms  \\(\\d+ req/s, (\\d+) requests\\)`,
    'm',
  );
  const match = pattern.exec(stdout);
  assert.ok(match, `no "${label}" latency line in:\n${stdout}`);
  return { p50: Number(match[1]), p99: Number(match[2]), count: Number(match[3]) };
}

test('exits with 0 well within 30 s, after a summary', () => {
  const match = /showcase finished in ([\d.]+) s$/m.exec(stdout);
  assert.ok(match, stdout);
  assert.ok(Number(match[1]) < 30, `took ${match[1]} s`);
  assert.match(stdout, /^summary$/m);
});

test('reports each phase, with live progress lines', () => {
  for (const [i, title] of [
    'HTTP service on http://127.0.0.1:',
    'mass DNS resolution',
    'subprocess pipeline',
    'the hub monitor',
  ].entries()) {
    assert.ok(stdout.includes(`== [${i + 1}/4] ${title}`), `phase ${i + 1} missing:\n${stdout}`);
  }
  const progress = stdout.match(/^ +\d+\.\ds {2}\S/gm) ?? [];
  assert.ok(progress.length >= 10, `only ${progress.length} progress lines`);
});

test('CPU work on the ThreadPool leaves the I/O latency alone; inline it does not', () => {
  const idle = latency('I/O alone');
  const pooled = latency('I/O \\+ CPU on the ThreadPool');
  const inline = latency('I/O \\+ CPU inline on the hub');
  assert.ok(idle.count > 50 && pooled.count > 50, `too few requests: ${stdout}`);
  // Generous: the machine is shared and noisy. Inline, each CPU request stalls every /io
  // request for its whole ~200 ms.
  assert.ok(pooled.p99 <= idle.p99 * 3 + 100, `pooled p99 ${pooled.p99} vs idle p99 ${idle.p99}`);
  assert.ok(inline.p99 > pooled.p99, `inline p99 ${inline.p99} vs pooled p99 ${pooled.p99}`);
});

test('resolves the local names and the pipeline gets the right count', () => {
  assert.match(stdout, /^ {2}500\/500 resolved, 0 failed in [\d.]+ s: \d+ names\/s/m);
  assert.match(
    stdout,
    /seq 1 100000 \| grep 7 \| wc -l = 40951 \(correct\); exit statuses 0, 0, 0/,
  );
});

test('prints the greenlet tree mid-run, nested', () => {
  const tree = /-- the greenlet tree, mid-run[^\n]*\n([\s\S]*?)\n {2}-- end of tree/.exec(stdout);
  assert.ok(tree, stdout);
  const text = tree[1]!;
  assert.match(text, /"showcase"/);
  // The load phase's greenlet sits under the main greenlet, its clients under it.
  const phaseLine = text.split('\n').find((line) => line.includes('"phase 1: http load"'));
  const clientLine = text.split('\n').find((line) => line.includes('"io-client-1"'));
  assert.ok(phaseLine && clientLine, text);
  const depth = (line: string) => line.indexOf('+---');
  assert.ok(depth(clientLine) > depth(phaseLine), text);
});

test('the monitor reported the hub blocked by the inline CPU requests', () => {
  const match = /^ {2}hub blocked for (\d+) ms by "GET \/cpu-inline"/m.exec(stdout);
  assert.ok(match, stdout);
  assert.ok(Number(match[1]) >= 100, match[0]);
});

test.run();
