import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from '../../core/index.ts';
import { StreamServer } from '../../core/io/server.ts';
import {
  createConnection,
  socket as Socket,
  SocketError,
  SocketTimeout,
  type socket,
} from '../../core/io/socket.ts';
import {
  CERT_NONE,
  createDefaultContext,
  PROTOCOL_TLS_CLIENT,
  PROTOCOL_TLS_SERVER,
  Purpose,
  SSLCertVerificationError,
  SSLContext,
  SSLError,
  SSLSocket,
  wrapSocket,
} from '../../core/io/ssl.ts';
import { assert, greenletSuite, takeErrors } from '../_support/gtest.ts';
import { makeSelfSignedCert } from './_support/helpers.ts';

const test = greenletSuite('io/ssl');
const { cert, key } = makeSelfSignedCert();

function serverContext(): SSLContext {
  const ctx = new SSLContext(PROTOCOL_TLS_SERVER);
  ctx.loadCertChain(Buffer.from(cert), Buffer.from(key));
  return ctx;
}

function trustingClient(): SSLContext {
  return createDefaultContext(Purpose.SERVER_AUTH, { cadata: cert });
}

function* tlsEcho(sock: socket): Generator<unknown, void, unknown> {
  for (;;) {
    const data = yield* sock.recv(4096);
    if (data.length === 0) return;
    yield* sock.sendall(data);
  }
}

function* tlsServer(): Generator<unknown, StreamServer, unknown> {
  const server = new StreamServer(['127.0.0.1', 0], tlsEcho, { ssl: serverContext() });
  yield* server.start();
  return server;
}

test('client and server sides: handshake, echo, version, cipher, peer certificate', function* () {
  const server = yield* tlsServer();
  const raw = yield* createConnection(['127.0.0.1', server.serverPort]);
  const tls = trustingClient().wrapSocket(raw, { serverHostname: 'localhost' });
  assert.instance(tls, SSLSocket);
  assert.ok(raw.closed, 'the plain socket is detached by the wrap');
  yield* tls.doHandshake();
  assert.match(tls.version() ?? '', /^TLSv1\.[23]$/);
  const cipher = tls.cipher()!;
  assert.type(cipher[0], 'string');
  const peer = tls.getpeercert() as { subject: { CN: string } };
  assert.is(peer.subject.CN, 'localhost');
  assert.ok(Buffer.isBuffer(tls.getpeercert(true)));
  yield* tls.sendall('over tls');
  assert.is(String(yield* tls.recv(100)), 'over tls');
  tls.close();
  yield* server.stop();
});

test('an untrusted certificate fails the handshake with SSLCertVerificationError in the greenlet', function* () {
  const server = yield* tlsServer();
  const raw = yield* createConnection(['127.0.0.1', server.serverPort]);
  const tls = createDefaultContext().wrapSocket(raw, { serverHostname: 'localhost' });
  try {
    yield* tls.doHandshake();
    assert.unreachable();
  } catch (error) {
    assert.instance(error, SSLCertVerificationError);
    assert.instance(error, SSLError);
    assert.instance(error, SocketError);
  }
  tls.close();
  yield* server.stop();
  // The server side saw the aborted handshake: reported as that connection's error only.
  const errors = takeErrors();
  assert.ok(errors.every((e) => e.error instanceof SocketError));
});

test('a host name the certificate does not cover fails verification', function* () {
  const server = yield* tlsServer();
  const raw = yield* createConnection(['127.0.0.1', server.serverPort]);
  const tls = trustingClient().wrapSocket(raw, { serverHostname: 'not-localhost.example' });
  try {
    yield* tls.sendall('x');
    yield* tls.recv(1);
    assert.unreachable();
  } catch (error) {
    assert.instance(error, SSLCertVerificationError);
    assert.is((error as SSLError).code, 'ERR_TLS_CERT_ALTNAME_INVALID');
  }
  tls.close();
  yield* server.stop();
  takeErrors();
});

test('checkHostname off and CERT_NONE: connects to a self-signed server', function* () {
  const server = yield* tlsServer();
  const ctx = new SSLContext(PROTOCOL_TLS_CLIENT);
  ctx.checkHostname = false;
  ctx.verifyMode = CERT_NONE;
  const tls = ctx.wrapSocket(yield* createConnection(['127.0.0.1', server.serverPort]));
  yield* tls.sendall('unverified');
  assert.is(String(yield* tls.recv(100)), 'unverified');
  tls.close();
  yield* server.stop();
});

test('checkHostname without serverHostname is refused up front', function* () {
  const sock = new Socket();
  assert.throws(() => trustingClient().wrapSocket(sock), /serverHostname/);
  sock.close();
});

test('wrapping an unconnected socket: connect() connects and completes the handshake', function* () {
  const server = yield* tlsServer();
  const tls = trustingClient().wrapSocket(new Socket(), { serverHostname: 'localhost' });
  yield* tls.connect(['127.0.0.1', server.serverPort]);
  assert.ok(tls._handshakeDone);
  yield* tls.sendall('connected later');
  assert.is(String(yield* tls.recv(100)), 'connected later');
  tls.close();
  yield* server.stop();
});

test('legacy wrapSocket(sock, {certfile, keyfile, serverSide}) on a plain listener', function* () {
  const dir = mkdtempSync(join(tmpdir(), 'gevent-ts-ssl-'));
  try {
    writeFileSync(join(dir, 'cert.pem'), cert);
    writeFileSync(join(dir, 'key.pem'), key);
    const l = new Socket();
    yield* l.bind(['127.0.0.1', 0]);
    yield* l.listen();
    const serverSide = spawn(function* () {
      const [conn] = yield* l.accept();
      const tls = wrapSocket(conn, {
        serverSide: true,
        certfile: join(dir, 'cert.pem'),
        keyfile: join(dir, 'key.pem'),
      });
      const data = yield* tls.recv(100);
      yield* tls.sendall(Buffer.concat([Buffer.from('got '), data]));
      tls.close();
    });
    const client = wrapSocket(yield* createConnection(l.getsockname() as [string, number]));
    yield* client.sendall('legacy');
    assert.is(String(yield* client.recv(100)), 'got legacy');
    yield* serverSide.get();
    client.close();
    l.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a plain-text client against a TLS server: the handshake error is that connection’s only', function* () {
  const server = yield* tlsServer();
  const plain = yield* createConnection(['127.0.0.1', server.serverPort]);
  yield* plain.sendall('GET / HTTP/1.0\r\n\r\n');
  const answer = yield* plain.recv(1000);
  // The server either answers with a TLS alert or just closes; then EOF.
  for (let data = answer; data.length > 0; ) data = yield* plain.recv(1000);
  plain.close();
  // Another client is served normally.
  const ok = trustingClient().wrapSocket(
    yield* createConnection(['127.0.0.1', server.serverPort]),
    {
      serverHostname: 'localhost',
    },
  );
  yield* ok.sendall('fine');
  assert.is(String(yield* ok.recv(10)), 'fine');
  ok.close();
  yield* server.stop();
  const errors = takeErrors();
  assert.is(errors.length, 1);
  assert.instance(errors[0]!.error, SSLError);
});

test('a handshake that never completes raises socket.timeout', function* () {
  const l = new Socket();
  yield* l.bind(['127.0.0.1', 0]);
  yield* l.listen();
  const raw = yield* createConnection(l.getsockname() as [string, number], { timeout: 0.1 });
  const [silent] = yield* l.accept();
  const tls = trustingClient().wrapSocket(raw, { serverHostname: 'localhost' });
  try {
    yield* tls.doHandshake();
    assert.unreachable();
  } catch (error) {
    assert.instance(error, SocketTimeout);
  }
  tls.close();
  silent.close();
  l.close();
});

test('StreamServer ssl options from files', function* () {
  const dir = mkdtempSync(join(tmpdir(), 'gevent-ts-ssl-'));
  try {
    writeFileSync(join(dir, 'cert.pem'), cert);
    writeFileSync(join(dir, 'key.pem'), key);
    const server = new StreamServer(['127.0.0.1', 0], tlsEcho, {
      ssl: { certfile: join(dir, 'cert.pem'), keyfile: join(dir, 'key.pem') },
    });
    yield* server.start();
    const tls = trustingClient().wrapSocket(
      yield* createConnection(['127.0.0.1', server.serverPort]),
      {
        serverHostname: 'localhost',
      },
    );
    yield* tls.sendall('files');
    assert.is(String(yield* tls.recv(10)), 'files');
    tls.close();
    yield* server.stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a server whose key does not match its certificate: the wrap fails, the connection is closed', function* () {
  const other = makeSelfSignedCert();
  const ctx = new SSLContext(PROTOCOL_TLS_SERVER);
  ctx.loadCertChain(Buffer.from(cert), Buffer.from(other.key));
  const server = new StreamServer(['127.0.0.1', 0], tlsEcho, { ssl: ctx });
  yield* server.start();
  const raw = yield* createConnection(['127.0.0.1', server.serverPort], { timeout: 5 });
  const tls = trustingClient().wrapSocket(raw, { serverHostname: 'localhost' });
  try {
    yield* tls.doHandshake();
    assert.unreachable();
  } catch (error) {
    assert.instance(error, SocketError);
  }
  tls.close();
  yield* server.stop();
  const errors = takeErrors();
  assert.is(errors.length, 1);
  assert.instance(errors[0]!.error, SSLError);
});

test.run();
