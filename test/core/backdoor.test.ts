/**
 * BackdoorServer: a REPL over TCP (gevent's test__backdoor.py, plus the loopback rule, the
 * token, and the Op helper `wait`). Clients are plain node:net sockets on 127.0.0.1.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BackdoorServer, isLoopbackHost, PROMPT } from '../../core/backdoor.ts';
import { sleep, until } from '../../core/index.ts';
import { assert, greenletSuite, since, takeErrors } from '../_support/gtest.ts';

const test = greenletSuite('backdoor');
const READ_TIMEOUT_MS = 5000;

/** A node:net client that collects what it receives and reads up to a marker. */
class Client {
  text = '';
  ended = false;
  readonly closed: Promise<void>;
  private notify: () => void = () => {};

  constructor(readonly sock: net.Socket) {
    sock.setEncoding('utf8');
    sock.on('data', (chunk: string) => {
      this.text += chunk;
      this.notify();
    });
    this.closed = new Promise((resolve) =>
      sock.on('close', () => {
        this.ended = true;
        this.notify();
        resolve();
      }),
    );
  }

  static connect(to: number | string): Promise<Client> {
    return new Promise((resolve, reject) => {
      const sock =
        typeof to === 'number' ? net.connect(to, '127.0.0.1') : net.connect({ path: to });
      sock.once('connect', () => resolve(new Client(sock)));
      sock.once('error', reject);
    });
  }

  /** Everything up to and including `marker` (consumed); rejects on close or after 5 s. */
  readUntil(marker: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.notify = () => {};
        reject(new Error(`no ${JSON.stringify(marker)} in ${READ_TIMEOUT_MS} ms: ${this.text}`));
      }, READ_TIMEOUT_MS);
      this.notify = () => {
        const at = this.text.indexOf(marker);
        if (at < 0 && !this.ended) return;
        clearTimeout(timer);
        this.notify = () => {};
        if (at < 0) reject(new Error(`closed before ${JSON.stringify(marker)}: ${this.text}`));
        const out = this.text.slice(0, at + marker.length);
        this.text = this.text.slice(at + marker.length);
        resolve(out);
      };
      this.notify();
    });
  }
}

function* connect(server: BackdoorServer): Generator<unknown, Client, unknown> {
  return yield* until(Client.connect(server.serverPort));
}

/** Sends one line and returns the reply before the next prompt. */
function* ask(client: Client, line: string): Generator<unknown, string, unknown> {
  client.sock.write(`${line}\n`);
  const reply = yield* until(client.readUntil(PROMPT));
  return reply.slice(0, -PROMPT.length).trim();
}

function* started(options = {}): Generator<unknown, BackdoorServer, unknown> {
  const server = new BackdoorServer(undefined, options);
  yield* server.start();
  return server;
}

test('banner, then 1+1, the locals and the runtime names at the prompt', function* () {
  const server = yield* started({ banner: 'Welcome stranger!', locals: { foo: 'From scope!' } });
  try {
    assert.equal(server.address, ['127.0.0.1', server.serverPort]);
    assert.ok(server.serverPort > 0);
    const client = yield* connect(server);
    assert.is(yield* until(client.readUntil(PROMPT)), `Welcome stranger!\n${PROMPT}`);
    assert.is(yield* ask(client, '1+1'), '2');
    assert.is(yield* ask(client, 'foo'), "'From scope!'");
    assert.is(
      yield* ask(client, '[spawn, sleep, getHub, joinall].map((f) => typeof f)'),
      "[ 'function', 'function', 'function', 'function' ]",
    );
    assert.is(yield* ask(client, 'getcurrent() === getHub()'), 'true');
    assert.is(yield* ask(client, 'typeof gevent.wait'), "'function'");
    const runInfo = yield* ask(client, 'printRunInfo({ greenletStacks: false })');
    assert.match(runInfo, /\* Hub\n[\s\S]*\* Greenlets\n/, 'printRunInfo prints to the client');
    assert.is(yield* ask(client, 'Array.isArray(formatRunInfo())'), 'true');
    client.sock.write('quit()\n');
    yield* until(client.closed);
    assert.is(client.text, '');
  } finally {
    yield* server.stop();
  }
});

test('await wait(op) runs an Op or a generator function in a greenlet', function* () {
  const server = yield* started();
  try {
    const client = yield* connect(server);
    yield* until(client.readUntil(PROMPT));
    const start = performance.now();
    assert.is(yield* ask(client, 'await wait(sleep(0.01)), "slept"'), "'slept'");
    assert.ok(since(start) >= 0.009, 'the sleep really ran');
    const body = 'function* (n) { yield* sleep(0.01); return [n * 2, getcurrent() !== getHub()]; }';
    assert.is(yield* ask(client, `await wait(${body}, 21)`), '[ 42, true ]');
    assert.is(yield* ask(client, 'g = spawn(function* () { return 7; }); await g'), '7');
    assert.is(yield* ask(client, 'await wait([g]), g.dead'), 'true');
    assert.match(
      yield* ask(client, 'await wait(42)'),
      /Uncaught TypeError: wait\(op\): op must be/,
    );
    client.sock.end('.exit\n');
    yield* until(client.closed);
  } finally {
    yield* server.stop();
  }
});

test('commands sent together run one after another, awaits included', function* () {
  const server = yield* started();
  try {
    const client = yield* connect(server);
    yield* until(client.readUntil(PROMPT));
    client.sock.write('log = []\nawait wait(sleep(0.02)), log.push("a")\nlog.push("b"), log\n');
    yield* until(client.readUntil(PROMPT));
    assert.is((yield* until(client.readUntil(PROMPT))).trim(), `1\n${PROMPT.trim()}`);
    assert.is((yield* until(client.readUntil(PROMPT))).trim(), `[ 'a', 'b' ]\n${PROMPT.trim()}`);
    client.sock.end();
    yield* until(client.closed);
  } finally {
    yield* server.stop();
  }
});

test('a command line of 100 KiB is read and run; one past 1 MiB without a newline ends the session', function* () {
  const server = yield* started();
  try {
    const client = yield* connect(server);
    yield* until(client.readUntil(PROMPT));
    assert.is(yield* ask(client, `'${'x'.repeat(100_000)}'.length`), '100000');
    client.sock.write('y'.repeat(1_200_000));
    yield* until(client.closed);
  } finally {
    yield* server.stop();
  }
});

test('a failing evaluation is shown to its client; server and process go on', function* () {
  const server = yield* started();
  try {
    const client = yield* connect(server);
    yield* until(client.readUntil(PROMPT));
    assert.match(yield* ask(client, 'throw new Error("boom")'), /^Uncaught Error: boom/);
    assert.match(
      yield* ask(client, 'await Promise.reject(new RangeError("no"))'),
      /Uncaught RangeError: no/,
    );
    const failing = 'function* () { yield* sleep(0); throw new TypeError("in a greenlet"); }';
    assert.match(yield* ask(client, `await wait(${failing})`), /Uncaught TypeError: in a greenlet/);
    // A greenlet spawned at the prompt that fails is reported through the hub, as any greenlet.
    const spawned =
      'g = spawn(function* () { throw new Error("spawned"); }); await wait([g]), g.dead';
    assert.is(yield* ask(client, spawned), 'true');
    assert.equal(
      takeErrors().map((e) => String(e.error)),
      ['Error: spawned'],
    );
    assert.is(yield* ask(client, '6*7'), '42');
    const other = yield* connect(server);
    yield* until(other.readUntil(PROMPT));
    assert.is(yield* ask(other, '"still serving"'), "'still serving'");
    other.sock.end();
    client.sock.end();
    yield* until(Promise.all([client.closed, other.closed]));
  } finally {
    yield* server.stop();
  }
});

test('quit(), exit(), .exit and a client EOF end the console and close the connection', function* () {
  const server = yield* started();
  try {
    for (const bye of ['quit()\n', 'exit()\n', '.exit\n', '']) {
      const client = yield* connect(server);
      yield* until(client.readUntil(PROMPT));
      if (bye === '') client.sock.end();
      else client.sock.write(bye);
      yield* until(client.closed);
      assert.is(server.connectionCount, 0, `after ${JSON.stringify(bye)}`);
    }
  } finally {
    yield* server.stop();
  }
});

test('each connection gets its own scope', function* () {
  const server = yield* started({ locals: { shared: 1 } });
  try {
    const a = yield* connect(server);
    const b = yield* connect(server);
    yield* until(Promise.all([a.readUntil(PROMPT), b.readUntil(PROMPT)]));
    assert.is(yield* ask(a, 'mine = "a"; shared = 2'), '2');
    assert.is(yield* ask(b, 'typeof mine + " " + shared'), "'undefined 1'");
    a.sock.end();
    b.sock.end();
    yield* until(Promise.all([a.closed, b.closed]));
  } finally {
    yield* server.stop();
  }
});

test('token: the right first line gets the banner and the prompt', function* () {
  const server = yield* started({ token: 's3cret', banner: 'hi' });
  try {
    const client = yield* connect(server);
    client.sock.write('s3cret\r\n6*7\n');
    assert.is(yield* until(client.readUntil(PROMPT)), `hi\n${PROMPT}`);
    assert.is((yield* until(client.readUntil(PROMPT))).trim(), `42\n${PROMPT.trim()}`);
    client.sock.end();
    yield* until(client.closed);
  } finally {
    yield* server.stop();
  }
});

test('token: a wrong token or none in time closes the connection after a message', function* () {
  const server = yield* started({ token: 's3cret', authTimeout: 0.05 });
  try {
    for (const sent of ['s3cre\n', 's3cret-and-more\n', '1+1\n', null]) {
      const client = yield* connect(server);
      if (sent !== null) client.sock.write(sent);
      yield* until(client.closed);
      assert.is(client.text, 'backdoor: wrong token, goodbye\n', `sent ${JSON.stringify(sent)}`);
    }
  } finally {
    yield* server.stop();
  }
});

test('a non-loopback bind is refused unless allowNonLoopback', function* () {
  for (const listener of [
    ['0.0.0.0', 0],
    ['', 0],
    ['::', 0],
    ['10.1.2.3', 0],
    ':0',
    'example.com:22',
  ] as const) {
    assert.throws(
      () => new BackdoorServer(listener as never),
      (error: Error) =>
        error instanceof RangeError &&
        /not a loopback address.*allowNonLoopback/s.test(error.message),
      `listener ${JSON.stringify(listener)}`,
    );
  }
  for (const listener of [['127.0.0.1', 0], ['::1', 0], 'localhost:0', '127.1.2.3:0', 0] as const)
    assert.ok(new BackdoorServer(listener as never), `listener ${JSON.stringify(listener)}`);
  const open = new BackdoorServer(['0.0.0.0', 0], { allowNonLoopback: true });
  assert.is(open.serverHost, '0.0.0.0');
  assert.equal(
    [
      '127.0.0.1',
      '127.255.0.9',
      'localhost',
      '::1',
      '[::1]',
      '0:0:0:0:0:0:0:1',
      '::ffff:127.0.0.1',
    ].map(isLoopbackHost),
    [true, true, true, true, true, true, true],
  );
  assert.equal(
    ['0.0.0.0', '', '::', '128.0.0.1', '::2', 'example.com', '::ffff:10.0.0.1'].map(isLoopbackHost),
    [false, false, false, false, false, false, false],
  );
  yield* sleep(0);
});

test('bad options raise errors that name them', function* () {
  const cases: Array<[unknown, RegExp]> = [
    [{ token: '' }, /options.token must be a non-empty string/],
    [{ token: 'a\nb' }, /options.token must be a non-empty string without line breaks/],
    [{ banner: 5 }, /options.banner must be a string, got number 5/],
    [{ locals: 'x' }, /options.locals must be an object/],
    [{ authTimeout: -1 }, /options.authTimeout must be a finite number of seconds/],
    [null, /options must be an object/],
  ];
  for (const [options, message] of cases)
    assert.throws(() => new BackdoorServer(undefined, options as never), message);
  assert.throws(() => new BackdoorServer({} as never), /listener must be/);
  yield* sleep(0);
});

test('a Unix socket path listener serves the console too', function* () {
  const dir = mkdtempSync(join(tmpdir(), 'backdoor-'));
  const server = new BackdoorServer(join(dir, 'bd.sock'));
  try {
    yield* server.start();
    const client = yield* until(Client.connect(join(dir, 'bd.sock')));
    yield* until(client.readUntil(PROMPT));
    assert.is(yield* ask(client, '2+2'), '4');
    client.sock.end();
    yield* until(client.closed);
  } finally {
    yield* server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Node handles of TCP servers and sockets still open. */
function tcpHandles(): number {
  return process.getActiveResourcesInfo().filter((name) => name.startsWith('TCP')).length;
}

test('stop() closes every client at once, even one in the middle of an await', function* () {
  const before = tcpHandles();
  const server = yield* started();
  server.stopTimeout = 10;
  const idle = yield* connect(server);
  const busy = yield* connect(server);
  yield* until(Promise.all([idle.readUntil(PROMPT), busy.readUntil(PROMPT)]));
  busy.sock.write('await wait(sleep(30))\n');
  assert.is(yield* ask(idle, '"ready"'), "'ready'");
  const start = performance.now();
  yield* server.stop();
  yield* until(Promise.all([idle.closed, busy.closed]));
  assert.ok(since(start) < 5, `stop took ${since(start)} s: it waited for the consoles`);
  assert.ok(server.closed);
  assert.is(server.connectionCount, 0);
  // Node closes handles asynchronously: wait (bounded) until the servers' and sockets' are gone.
  for (let i = 0; i < 200 && tcpHandles() > before; i++) yield* sleep(0.01);
  assert.is(tcpHandles(), before, 'TCP handles left open');
});

test.run();
