/**
 * `gevent-ts serve`: a module's application served by pywsgi from the command line, in two
 * worker processes sharing one port, stopped gracefully by SIGTERM; usage errors exit with 2.
 */

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const test = suite('bin: gevent-ts serve');
const BIN = fileURLToPath(new URL('../../bin/gevent-ts.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'gevent-ts-serve-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const APP = `export function app(request, startResponse) {
  startResponse('200 OK', [['Content-Type', 'text/plain']]);
  return [String(process.pid)];
}
`;

/** Resolves with the port once the primary prints `serving on [host, port]`. */
function servingPort(child: ChildProcess, deadlineMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`no "serving on" line: ${seen}`)), deadlineMs);
    child.stderr!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const match = /serving on \["127\.0\.0\.1",(\d+)\]/.exec(seen);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}: ${seen}`)));
  });
}

function fetchText(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    // A fresh connection per request, so the OS may hand each to either worker.
    get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

test('serves a module with --workers 2 and stops on SIGTERM', async () => {
  const module = join(dir, 'app.mjs');
  writeFileSync(module, APP);
  const child = spawn(
    process.execPath,
    [BIN, 'serve', '--bind', '127.0.0.1:0', '--workers', '2', '--no-access-log', module],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  try {
    const port = await servingPort(child, 30_000);
    const pids = new Set<string>();
    // Bounded: the kernel balances connections, so both workers show up well within this.
    for (let i = 0; i < 200 && pids.size < 2; i++) pids.add(await fetchText(port));
    assert.is(pids.size, 2, `replies came from ${[...pids].join(', ')}`);
    assert.not.ok(pids.has(String(child.pid)), 'the primary does not serve requests');
  } finally {
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code, signal] = await exited;
    assert.is(code, 0, `exit code ${code}, signal ${signal}`);
  }
});

test('usage errors exit with status 2 and say what is wrong', () => {
  const bad = spawnSync(process.execPath, [BIN, 'serve', '--workers', 'x', 'app.mjs'], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.is(bad.status, 2);
  assert.match(bad.stderr, /--workers needs a number >= 1, got x/);
  const none = spawnSync(process.execPath, [BIN, 'serve'], { encoding: 'utf8', timeout: 30_000 });
  assert.is(none.status, 2);
  assert.match(none.stderr, /the application module is missing/);
});

test.run();
