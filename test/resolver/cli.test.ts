/**
 * The `gevent-ts run script [args]` command: the script runs patched, its default generator
 * export runs as the main greenlet with the arguments; usage errors exit with 2.
 */

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const test = suite('monkey: gevent-ts run');
const BIN = fileURLToPath(new URL('../../bin/gevent-ts.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'gevent-ts-cli-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function cli(...args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, FORCE_COLOR: '0' },
  });
}

test('runs the default generator as the main greenlet, with dns patched', () => {
  const script = join(dir, 'main.mjs');
  writeFileSync(
    script,
    `import dns from 'node:dns';
     export default function* main(args) {
       const address = yield new Promise((r) => dns.lookup('localhost', 4, (e, a) => r(a)));
       const patched = Symbol.for('gevent-ts.original') in dns.lookup;
       console.log(JSON.stringify({ args, argv: process.argv.slice(2), address, patched }));
     }`,
  );
  const out = cli('run', script, 'one', '--two');
  assert.is(out.status, 0, out.stderr);
  assert.equal(JSON.parse(out.stdout), {
    args: ['one', '--two'],
    argv: ['one', '--two'],
    address: '127.0.0.1',
    patched: true,
  });
});

test('a TypeScript script outside any "type": "module" package runs too', () => {
  const script = join(dir, 'typed.ts'); // the temp dir has no package.json: CommonJS by default
  writeFileSync(
    script,
    `export default function* main(args: string[]) {
       const count: number = args.length;
       console.log(['typed', count].join(' '));
     }`,
  );
  const out = cli('run', script, 'a', 'b');
  assert.is(out.status, 0, out.stderr);
  assert.is(out.stdout.trim(), 'typed 2');
});

test('a script without a default generator simply runs', () => {
  const script = join(dir, 'plain.mjs');
  writeFileSync(script, "console.log(['plain', process.argv.length].join(' '));");
  const out = cli('run', script);
  assert.is(out.status, 0, out.stderr);
  assert.is(out.stdout.trim(), 'plain 2');
});

test('usage errors exit with status 2', () => {
  const none = cli();
  assert.is(none.status, 2);
  assert.match(none.stderr, /usage: gevent-ts run <script>/);
  const missing = cli('run', join(dir, 'nope.mjs'));
  assert.is(missing.status, 2);
  assert.match(missing.stderr, /cannot find script/);
  assert.is(cli('--help').status, 0);
});

test.run();
