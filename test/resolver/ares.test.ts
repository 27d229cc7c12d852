/**
 * The `ares` resolver against a DNS server the test starts on 127.0.0.1: custom servers, the
 * hosts file first, TTLs, reverse lookups, timeouts as EAI_AGAIN, and interruption by Timeout
 * and kill while c-ares waits on a name the server never answers.
 */

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Event, GreenletExit, spawn, Timeout, until } from '../../core/index.ts';
import { AresResolver, gaierror, herror } from '../../core/resolver/index.ts';
import { assert, greenletSuite, since } from '../_support/gtest.ts';
import { DnsTestServer } from './_support/dns-server.ts';

const test = greenletSuite('resolver: ares');

const ZONE = {
  'www.gevent.test': { a: ['127.0.0.7', '127.0.0.8'], aaaa: ['::7'], ttl: 42 },
  'v6only.gevent.test': { aaaa: ['::8'], ttl: 5 },
  'shadowed.gevent.test': { a: ['127.0.0.99'] },
  '127.0.0.9': { ptr: 'nine.gevent.test' },
};

// Shared by every test; unref'd so it never holds the process open, removed at exit.
const server = await DnsTestServer.start(ZONE, ['silent.gevent.test']);
server.unref();
const dir = mkdtempSync(join(tmpdir(), 'gevent-ts-ares-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const hostsPath = join(dir, 'hosts');
writeFileSync(hostsPath, '127.0.0.1 localhost\n127.0.0.42 shadowed.gevent.test shadow\n');
const resolver = new AresResolver({
  servers: [server.address],
  hostsFile: hostsPath,
  timeout: 0.3,
  tries: 1,
});

test('asks the configured server', function* () {
  assert.equal(resolver.servers, [server.address]);
  assert.is(yield* resolver.gethostbyname('www.gevent.test'), '127.0.0.7');
  assert.equal(yield* resolver.gethostbynameEx('www.gevent.test'), [
    'www.gevent.test',
    [],
    ['127.0.0.7', '127.0.0.8'],
  ]);
  assert.equal(yield* resolver.getaddrinfo('www.gevent.test', 443, 0, 1), [
    [2, 1, 6, '', ['127.0.0.7', 443]],
    [2, 1, 6, '', ['127.0.0.8', 443]],
    [10, 1, 6, '', ['::7', 443, 0, 0]],
  ]);
});

test('the hosts file wins over DNS, with its canonical name and aliases', function* () {
  const before = server.queries.get('shadowed.gevent.test') ?? 0;
  assert.is(yield* resolver.gethostbyname('shadow'), '127.0.0.42');
  assert.equal(yield* resolver.gethostbynameEx('shadow'), [
    'shadowed.gevent.test',
    ['shadow'],
    ['127.0.0.42'],
  ]);
  assert.is(server.queries.get('shadowed.gevent.test') ?? 0, before);
});

test('reverse lookups: PTR records and the hosts file', function* () {
  assert.equal(yield* resolver.gethostbyaddr('127.0.0.9'), ['nine.gevent.test', [], ['127.0.0.9']]);
  assert.equal(yield* resolver.getnameinfo(['127.0.0.42', 80], 0), [
    'shadowed.gevent.test',
    'http',
  ]);
  const error = yield* resolverError(() => resolver.gethostbyaddr('127.0.0.10'));
  assert.instance(error, herror);
  assert.is(error.errno, 1);
});

test('unknown names raise gaierror(-2); lookup reports ENOTFOUND', function* () {
  const error = yield* resolverError(() => resolver.gethostbyname('nope.gevent.test'));
  assert.instance(error, gaierror);
  assert.is(error.errno, -2);
  const [lookupError] = yield* until(
    new Promise<unknown[]>((resolve) => resolver.lookup('nope.gevent.test', (...a) => resolve(a))),
  );
  assert.is((lookupError as NodeJS.ErrnoException).code, 'ENOTFOUND');
});

test('IPv6-only names answer for family 0 and 6', function* () {
  assert.equal(yield* resolver.getaddrinfo('v6only.gevent.test', 80, 0, 1), [
    [10, 1, 6, '', ['::8', 80, 0, 0]],
  ]);
  const found = yield* until(
    new Promise((resolve) =>
      resolver.lookup('v6only.gevent.test', { all: true }, (_e, a) => resolve(a)),
    ),
  );
  assert.equal(found, [{ address: '::8', family: 6 }]);
});

test('a server that never answers times out as EAI_AGAIN', function* () {
  const error = yield* resolverError(() => resolver.gethostbyname('silent.gevent.test'));
  assert.instance(error, gaierror);
  assert.is(error.errno, -3);
});

test('a Timeout interrupts a query in flight', function* () {
  const slow = new AresResolver({ servers: [server.address], timeout: 5, tries: 1 });
  const start = performance.now();
  const timeout = Timeout.startNew(0.05);
  try {
    yield* slow.gethostbyname('silent.gevent.test');
    assert.unreachable('the query should not finish');
  } catch (error) {
    assert.is(error, timeout);
  } finally {
    timeout.cancel();
    slow.close();
  }
  assert.ok(since(start) < 2, `took ${since(start)} s`);
});

test('kill interrupts a greenlet waiting on c-ares', function* () {
  const slow = new AresResolver({ servers: [server.address], timeout: 5, tries: 1 });
  const parked = new Event();
  const g = spawn(function* () {
    parked.set();
    return yield* slow.gethostbyname('silent.gevent.test');
  });
  yield* parked.wait();
  yield* g.kill();
  assert.instance(g.value, GreenletExit);
  slow.close();
});

function* resolverError(op: () => Iterable<unknown>): Generator<unknown, any, unknown> {
  try {
    yield* op() as any;
  } catch (error) {
    return error;
  }
  throw new Error('expected an exception');
}

test.run();
