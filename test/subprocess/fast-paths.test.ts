/**
 * The two shortcuts behind the subprocess speed targets: direct reads (libuv reads a child's
 * output straight into the communicate() store, or into a reused scratch buffer) with the
 * plain-stream fallback, and the PATH search done in the parent before the fork.
 */

import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { spawn } from '../../core/index.ts';
import { readDirectly } from '../../core/subprocess/direct-reads.ts';
import { GrowableBytes } from '../../core/subprocess/growable-bytes.ts';
import {
  checkOutput,
  PIPE,
  PipeReader,
  Popen,
  TimeoutExpired,
} from '../../core/subprocess/index.ts';
import { resolveOnPath } from '../../core/subprocess/spawn-failure.ts';
import { assert, greenletSuite } from '../_support/gtest.ts';

const test = greenletSuite('subprocess: fast paths');

/** Bytes whose value depends on the position inside and the index of each 64 KiB block. */
function pattern(n: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) out[i] = (i * 7 + (i >> 16) * 13) & 0xff;
  return out;
}

test('a PipeReader over a plain stream (no socket to rewrap) reads through data events', function* () {
  const stream = new PassThrough();
  assert.is(readDirectly(stream, { region: () => new Uint8Array(1), filled: () => {} }), null);
  const reader = new PipeReader(stream, null, 'stdout');
  stream.write('one\ntwo\n');
  stream.end('three');
  assert.equal(String(yield* reader.readline()), 'one\n');
  assert.equal(String(yield* reader.read()), 'two\nthree');
});

test('6 MiB read directly into the communicate() store come back in order', function* () {
  const data = pattern(6 * 1024 * 1024 + 12345);
  const p = new Popen(['cat'], { stdin: PIPE, stdout: PIPE });
  const [out] = yield* p.communicate(data, 60);
  assert.ok(data.equals(out!), 'every byte in its place');
});

test('pipes read side by side share the scratch safely; a big reader gets its own', function* () {
  const data = pattern(3 * 1024 * 1024);
  const big = new Popen(['cat'], { stdin: PIPE, stdout: PIPE });
  const small = new Popen(['sh', '-c', 'for i in $(seq 1 300); do echo line$i; done'], {
    stdout: PIPE,
  });
  const writer = spawn(function* () {
    yield* big.stdin!.write(data);
    yield* big.stdin!.close();
  });
  const chunks: Buffer[] = [];
  const lines: string[] = [];
  let bigDone = false;
  let smallDone = false;
  for (let i = 0; i < 200_000 && !(bigDone && smallDone); i++) {
    if (!bigDone) {
      const chunk = yield* big.stdout!.read1();
      if (chunk.length === 0) bigDone = true;
      else chunks.push(chunk);
    }
    if (!smallDone) {
      const line = yield* small.stdout!.readline();
      if (line.length === 0) smallDone = true;
      else lines.push(String(line));
    }
  }
  yield* writer.get();
  assert.ok(Buffer.concat(chunks).equals(data), 'the chunks kept are intact and in order');
  assert.equal(
    lines,
    Array.from({ length: 300 }, (_, i) => `line${i + 1}\n`),
  );
  assert.equal([yield* big.wait(), yield* small.wait()], [0, 0]);
});

test('reads that land in a store already handed out are copied, not lost', function* () {
  // 2 MiB of 'a' (collected in place), then on SIGUSR1 100,000 of 'b' and exit.
  const script =
    `trap 'kill $!; head -c 100000 /dev/zero | tr "\\0" b; exit 0' USR1; ` +
    `head -c 2097152 /dev/zero | tr "\\0" a; sleep 30 & wait`;
  const p = new Popen(['sh', '-c', script], { stdout: PIPE });
  let seen = 0;
  for (let attempt = 0; attempt < 400 && seen < 2097152; attempt++) {
    try {
      yield* p.communicate(undefined, 0.05);
      assert.unreachable('communicate should time out');
    } catch (error) {
      assert.instance(error, TimeoutExpired);
      seen = ((error as TimeoutExpired).output as Buffer).length;
    }
  }
  assert.is(seen, 2097152, 'all of the first part was collected');
  const first = yield* p.stdout!.read1(); // takes the store: the next read's room is stale
  p.sendSignal('SIGUSR1');
  const [rest] = yield* p.communicate(undefined, 10);
  assert.ok(first.equals(Buffer.alloc(2097152, 'a')), 'the first part is untouched');
  assert.ok(rest!.equals(Buffer.alloc(100000, 'b')), 'the rest arrived whole');
});

test('GrowableBytes: a room() view commits once; after an append or a move it is stale', function* () {
  const store = new GrowableBytes(1024 * 1024);
  const room = store.room(4)!;
  room.set([1, 2, 3, 4]);
  assert.ok(store.commit(room, 4));
  assert.not.ok(store.commit(room, 4), 'the same view again is no longer the end');
  const next = store.room(4)!;
  assert.ok(store.append(Buffer.from([9])));
  assert.not.ok(store.commit(next, 4), 'an append came in between');
  const before = store.room(4)!;
  assert.ok(store.room(2 * 1024 * 1024) !== null, 'grows past its reservation (moves)');
  assert.not.ok(store.commit(before, 4), 'the view is of the old store');
  assert.equal([...store.toBuffer()], [1, 2, 3, 4, 9]);
});

test('the PATH search in the parent: first runnable entry wins, argv[0] is kept', function* () {
  const root = mkdtempSync(join(tmpdir(), 'gevent-ts-path-'));
  try {
    const dirs = ['d1', 'd2', 'd3', 'd4'].map((d) => join(root, d));
    for (const dir of dirs) mkdirSync(dir);
    writeFileSync(join(dirs[0]!, 'prog'), '#!/bin/sh\necho d1\n'); // not executable
    mkdirSync(join(dirs[1]!, 'prog')); // a directory
    for (const [i, dir] of [dirs[2]!, dirs[3]!].entries()) {
      writeFileSync(join(dir, 'prog'), `#!/bin/sh\necho d${i + 3}\n`);
      chmodSync(join(dir, 'prog'), 0o755);
    }
    const env = { PATH: dirs.join(':') };
    assert.is(resolveOnPath('prog', env), join(dirs[2]!, 'prog'));
    assert.is(String(yield* checkOutput(['prog'], { env })), 'd3\n');
    // A relative entry first: left to the child, which searches it from its own cwd.
    assert.is(resolveOnPath('prog', { PATH: `.:${dirs[2]}` }), null);
    const fromCwd = yield* checkOutput(['prog'], { env: { PATH: `.:${dirs[2]}` }, cwd: dirs[3] });
    assert.is(String(fromCwd), 'd4\n');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  assert.is(String(yield* checkOutput(['sh', '-c', 'echo $0'])), 'sh\n', 'argv[0] as given');
  assert.is(resolveOnPath('sh', {}), null, 'no PATH in env: the child uses its default');
  assert.is(resolveOnPath('./sh', undefined), null, 'a path is not searched');
});

test.run();
