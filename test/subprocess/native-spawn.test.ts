/**
 * The native spawner (native/spawn.ts, core/subprocess/native-child.ts): children started with
 * posix_spawn on the addon's threads and reaped through pidfds must behave as child_process's
 * do — clean signal state, exact exit statuses, no zombies, no descriptors left, libuv's own
 * children untouched — and Popen must use it unless GEVENT_SUBPROCESS_SPAWNER=node.
 */

import { spawn as spawnNode } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Event, spawn, until } from '../../core/index.ts';
import { checkOutput, PIPE, Popen } from '../../core/subprocess/index.ts';
import { NativeChild } from '../../core/subprocess/native-child.ts';
import { nativeSpawner, SLOT_DEVNULL } from '../../native/spawn.ts';
import { assert, greenletSuite } from '../_support/gtest.ts';
import { childPids, openFdCount, processState } from './_support/procs.ts';

const test = greenletSuite('subprocess: native spawner');

/** Runs the native spawner directly; resolves with [pid, errno, code, signal]. */
function spawnDirect(file: string, argv: string[], slots = [SLOT_DEVNULL, SLOT_DEVNULL, 2]) {
  const spawner = nativeSpawner()!;
  return new Promise<[number, number, number, number]>((resolve) => {
    let started: [number, number] = [0, 0];
    spawner.spawn(file, argv, null, null, slots as [number, number, number], 0, {
      started: (pid, errno) => {
        started = [pid, errno];
        if (pid === 0) resolve([pid, errno, 0, 0]);
      },
      exited: (code, signal) => resolve([...started, code, signal]),
    });
  });
}

/** The child's own /proc/self/status lines named `keys`. */
function* statusOf(options: object, keys: RegExp) {
  const out = yield* checkOutput(['cat', '/proc/self/status'], options);
  return String(out)
    .split('\n')
    .filter((line) => keys.test(line));
}

test('Popen uses the native spawner by default, and child_process when told', function* () {
  assert.ok(nativeSpawner() !== null, 'the addon is built and pidfds work on this system');
  const saved = process.env.GEVENT_SUBPROCESS_SPAWNER;
  try {
    delete process.env.GEVENT_SUBPROCESS_SPAWNER;
    const p = new Popen(['sh', '-c', 'echo $$'], { stdout: PIPE });
    assert.instance((p as unknown as { child: unknown }).child, NativeChild);
    const [out] = yield* p.communicate();
    assert.is(Number(out), p.pid, 'pid is the child the output came from');
    process.env.GEVENT_SUBPROCESS_SPAWNER = 'node';
    const q = new Popen(['true']);
    assert.not.instance((q as unknown as { child: unknown }).child, NativeChild);
    assert.is(yield* q.wait(), 0);
  } finally {
    if (saved === undefined) delete process.env.GEVENT_SUBPROCESS_SPAWNER;
    else process.env.GEVENT_SUBPROCESS_SPAWNER = saved;
  }
});

test('the child starts with no blocked and no ignored signals (Node ignores SIGPIPE)', function* () {
  const lines = yield* statusOf({}, /^Sig(Blk|Ign):/);
  assert.equal(lines[0], 'SigBlk:\t0000000000000000');
  assert.equal(lines[1], 'SigIgn:\t0000000000000000', 'SIGPIPE and the rest at their defaults');
  const p = new Popen(['sh', '-c', '(yes; echo $? >&2) | head -c 1 >/dev/null'], { stderr: PIPE });
  const [, err] = yield* p.communicate();
  assert.is(String(err), '141\n', 'yes died of SIGPIPE (128 + 13), as under child_process');
});

test('exit codes and signals come back exactly; a failed exec is reported', function* () {
  const [pid, errno, code, signal] = yield* until(spawnDirect('/bin/sh', ['sh', '-c', 'exit 3']));
  assert.ok(pid > 0);
  assert.equal([errno, code, signal], [0, 3, 0]);
  const killed = yield* until(spawnDirect('/bin/sh', ['sh', '-c', 'kill -TERM $$']));
  assert.equal(killed.slice(1), [0, -1, 15]);
  const missing = yield* until(spawnDirect('/no/such/program', ['x']));
  assert.equal(missing, [0, 2, 0, 0], 'ENOENT, pid 0, no exit to wait for');
  const p = new Popen(['sleep', '30']);
  p.sendSignal('SIGINT');
  assert.is(yield* p.wait(), -2);
});

test('libuv keeps its own children: both kinds exit with their own status', function* () {
  const node = spawnNode('/bin/sh', ['-c', 'sleep 0.1; exit 7'], { stdio: 'ignore' });
  const nodeExit = new Promise<number | null>((resolve) => node.on('exit', resolve));
  const ours = [5, 6, 8].map((n) => new Popen(['sh', '-c', `sleep 0.05; exit ${n}`]));
  for (const [i, p] of ours.entries()) assert.is(yield* p.wait(), [5, 6, 8][i]);
  assert.is(yield* until(nodeExit), 7);
});

test('60 children from 6 greenlets: no zombie, no descriptor left, pids right', function* () {
  yield* checkOutput(['true']);
  const fdsBefore = openFdCount();
  const pids: number[] = [];
  const worker = function* () {
    for (let i = 0; i < 10; i++) {
      const p = new Popen(['sh', '-c', 'echo $$; echo err >&2'], {
        stdin: PIPE,
        stdout: PIPE,
        stderr: PIPE,
      });
      const [out, err] = yield* p.communicate(Buffer.from('x'));
      assert.is(Number(out), p.pid);
      assert.is(String(err), 'err\n');
      pids.push(p.pid);
    }
  };
  const greenlets = Array.from({ length: 6 }, () => spawn(worker));
  for (const g of greenlets) yield* g.join();
  for (const g of greenlets) assert.ok(g.successful());
  assert.is(new Set(pids).size, 60);
  const mine = new Set(childPids());
  assert.equal(
    pids.filter((pid) => mine.has(pid)),
    [],
    'all reaped',
  );
  assert.is(openFdCount(), fdsBefore, 'pipes and pidfds closed');
  assert.is(nativeSpawner()!.running, 0);
});

test('a descriptor given as stdout may be closed right after Popen returns', function* () {
  const dir = mkdtempSync(join(tmpdir(), 'gevent-native-'));
  try {
    const path = join(dir, 'out.txt');
    const fd = openSync(path, 'w');
    const p = new Popen(['sh', '-c', 'echo into the file'], { stdout: fd });
    closeSync(fd); // the spawn thread may not have run yet: it holds its own copy
    assert.is(yield* p.wait(), 0);
    assert.is(readFileSync(path, 'utf8'), 'into the file\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('cwd, env, a script without #! (run by sh, as execvp does), a new session', function* () {
  const dir = mkdtempSync(join(tmpdir(), 'gevent-native-'));
  try {
    const script = join(dir, 'script');
    writeFileSync(script, 'echo "$GREETING from $(pwd)"\n');
    chmodSync(script, 0o755);
    const out = yield* checkOutput([script], {
      cwd: dir,
      env: { GREETING: 'hello', PATH: '/usr/bin:/bin' },
    });
    assert.is(String(out), `hello from ${dir}\n`);
    const p = new Popen(['sh', '-c', 'cut -d" " -f6 /proc/$$/stat'], {
      stdout: PIPE,
      startNewSession: true,
    });
    const [sid] = yield* p.communicate();
    assert.is(Number(sid), p.pid, 'the child leads its session');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the child exists when Popen() returns, and kill() right then reaches it', function* () {
  const p = new Popen(['sleep', '30']);
  const pid = p.pid;
  assert.ok(pid > 0);
  assert.is.not(processState(pid), 'gone', 'already in /proc, with no switch in between');
  p.kill();
  assert.is(yield* p.wait(), -9);
  assert.is(p.pid, pid);
  const done = new Event();
  const q = new Popen(['true']);
  q.rawlink(() => done.set());
  yield* done.wait(10);
  assert.is(q.returncode, 0);
});

test('right after Popen() the child is in its own session: a group kill reaches it', function* () {
  for (let i = 0; i < 40; i++) {
    const p = new Popen(['sh', '-c', 'sleep 30 & wait'], { startNewSession: true });
    try {
      p.sendSignal('SIGKILL', { group: true }); // no switch since Popen(): not yet exec'd, maybe
      assert.is(yield* p.wait(5), -9);
    } finally {
      p.sendSignal('SIGKILL', { group: true });
    }
  }
});

test('a worker thread that used the spawner can be terminated cleanly', function* () {
  // The addon's handles close after the worker's env: it must stay loaded until they have.
  const addon = join(import.meta.dirname, '../../native/build/Release/gevent_spawn.node');
  const script = `
    import { Worker } from 'node:worker_threads';
    const w = new Worker(\`
      const b = (await import('node:module')).createRequire(${JSON.stringify(addon)})(${JSON.stringify(addon)});
      b.init(() => {}, 2);
      const [pid] = b.spawn(1, '/bin/sleep', ['sleep', '5'], null, null, [-2, -2, -2], 0);
      (await import('node:worker_threads')).parentPort.postMessage(pid);
    \`, { eval: true });
    w.once('message', (pid) => w.terminate().then(() => {
      process.kill(pid, 'SIGKILL'); // it was running when the worker went: left to init
      console.log(pid > 0 ? 'spawned' : 'no pid', 'and terminated');
    }));
  `;
  const out = yield* checkOutput([process.execPath, '--input-type=module', '-e', script], {
    timeout: 30,
  });
  assert.is(String(out), 'spawned and terminated\n');
});

test.run();
