/**
 * The optional lookup cache: TTLs from DNS (capped by maxTtl), fallbackTtl for answers without
 * one, short-lived negative entries, one query for concurrent lookups, bounded size.
 */

import { sleep, until } from '../../core/index.ts';
import type { TtlQuery } from '../../core/resolver/cache.ts';
import { AresResolver, LookupCache, ThreadResolver } from '../../core/resolver/index.ts';
import { assert, greenletSuite } from '../_support/gtest.ts';
import { DnsTestServer } from './_support/dns-server.ts';

const test = greenletSuite('resolver: lookup cache');

const server = await DnsTestServer.start({
  'cached.gevent.test': { a: ['127.0.0.5'], ttl: 300 },
  'burst.gevent.test': { a: ['127.0.0.6'], ttl: 300 },
  'short.gevent.test': { a: ['127.0.0.7'], ttl: 300 },
});
server.unref();

function lookup(fn: Function, name: string, options: object = {}) {
  return until(
    new Promise<[unknown, unknown]>((resolve) =>
      fn(name, options, (error: unknown, address: unknown) => resolve([error, address])),
    ),
  );
}

/** A fake query answering `addresses` with `ttl`, counting its calls. */
function fakeQuery(ttl: number | undefined, status = 0) {
  const counter = { calls: 0 };
  const query: TtlQuery = (_h, _f, _hi, _o, done) => {
    counter.calls++;
    setImmediate(() => done(status, 0, status === 0 ? ['127.0.0.1'] : null, ttl));
  };
  return { counter, query };
}

function ask(query: TtlQuery, host = 'a.test') {
  return until(new Promise<number>((resolve) => query(host, 0, 0, 0, (status) => resolve(status))));
}

test('a repeated lookup is answered from the cache', function* () {
  const resolver = new AresResolver({ servers: [server.address], cache: true });
  assert.equal(yield* lookup(resolver.lookup, 'cached.gevent.test'), [null, '127.0.0.5']);
  const queries = server.queries.get('cached.gevent.test');
  assert.equal(yield* lookup(resolver.lookup, 'cached.gevent.test'), [null, '127.0.0.5']);
  assert.is(server.queries.get('cached.gevent.test'), queries);
  assert.is(resolver.cache!.hits, 1);
});

test('concurrent lookups of one name make one query', function* () {
  const resolver = new AresResolver({ servers: [server.address], cache: true });
  const answers = yield* until(
    Promise.all(
      Array.from(
        { length: 10 },
        () => new Promise((r) => resolver.lookup('burst.gevent.test', (_e, a) => r(a))),
      ),
    ),
  );
  assert.equal(answers, Array(10).fill('127.0.0.6'));
  assert.is(resolver.cache!.misses, 1);
});

test('maxTtl caps how long a DNS answer is kept', function* () {
  const resolver = new AresResolver({ servers: [server.address], cache: { maxTtl: 0.1 } });
  yield* lookup(resolver.lookup, 'short.gevent.test');
  yield* sleep(0.2);
  yield* lookup(resolver.lookup, 'short.gevent.test');
  assert.is(resolver.cache!.misses, 2);
});

test('the TTL the query reports is honoured', function* () {
  const cache = new LookupCache();
  const { counter, query } = fakeQuery(0.05);
  const cached = cache.wrap(query);
  yield* ask(cached);
  yield* ask(cached);
  assert.is(counter.calls, 1);
  yield* sleep(0.1);
  yield* ask(cached);
  assert.is(counter.calls, 2);
});

test('answers without a TTL use fallbackTtl; 0 keeps none', function* () {
  const none = new LookupCache({ fallbackTtl: 0 });
  const { counter, query } = fakeQuery(undefined);
  const cached = none.wrap(query);
  yield* ask(cached);
  yield* ask(cached);
  assert.is(counter.calls, 2);
  const thread = new ThreadResolver({ cache: true });
  yield* lookup(thread.lookup, 'localhost');
  yield* lookup(thread.lookup, 'localhost');
  assert.equal([thread.cache!.misses, thread.cache!.hits], [1, 1]);
});

test('failures are kept for errorTtl', function* () {
  const cache = new LookupCache({ errorTtl: 10 });
  const { counter, query } = fakeQuery(undefined, -2);
  const cached = cache.wrap(query);
  assert.is(yield* ask(cached), -2);
  assert.is(yield* ask(cached), -2);
  assert.is(counter.calls, 1);
  cache.clear('a.test');
  yield* ask(cached);
  assert.is(counter.calls, 2);
});

test('the oldest entry goes when maxEntries is reached', function* () {
  const cache = new LookupCache({ maxEntries: 2 });
  const { counter, query } = fakeQuery(60);
  const cached = cache.wrap(query);
  for (const host of ['a', 'b', 'c', 'a']) yield* ask(cached, host);
  assert.is(cache.size, 2);
  assert.is(counter.calls, 4);
});

test('options are validated and errors name them', function* () {
  assert.throws(() => new LookupCache({ maxTtl: -1 }), /LookupCacheOptions\.maxTtl/);
  assert.throws(() => new LookupCache({ maxEntries: 0 }), /LookupCacheOptions\.maxEntries/);
  yield* [];
});

test.run();
