/**
 * gevent's resolver functions, with Python's results and errors (the values below are what
 * CPython's socket module and gevent 22.10's thread resolver return on this kind of machine),
 * checked on every backend: thread (native addon), block (dns.lookup) and ares (c-ares after
 * /etc/hosts). Names resolved: /etc/hosts entries and numeric addresses only.
 */

import { Event, GreenletExit, Pool, spawn, until } from '../../core/index.ts';
import {
  AI_CANONNAME,
  AresResolver,
  type BaseResolver,
  BlockingResolver,
  createResolver,
  gaierror,
  getResolver,
  herror,
  SOCK_STREAM,
  ThreadResolver,
} from '../../core/resolver/index.ts';
import { assert, greenletSuite } from '../_support/gtest.ts';
import { CORE_URL, runModuleInChild } from '../_support/timing.ts';

function* raises(op: () => Iterable<unknown>): Generator<unknown, any, unknown> {
  try {
    yield* op() as any;
  } catch (error) {
    return error;
  }
  throw new Error('expected an exception');
}

function backendSuite(title: string, make: () => BaseResolver) {
  const test = greenletSuite(`resolver: ${title}`);
  const resolver = make();

  test('gethostbyname: hosts names, numeric addresses, the empty name', function* () {
    assert.is(yield* resolver.gethostbyname('localhost'), '127.0.0.1');
    assert.is(yield* resolver.gethostbyname('1.2.3.4'), '1.2.3.4');
    assert.is(yield* resolver.gethostbyname(''), '0.0.0.0');
    assert.is(yield* resolver.gethostbyname('<broadcast>'), '255.255.255.255');
  });

  test('gethostbyname of an IPv6 address raises gaierror(-9)', function* () {
    const error = yield* raises(() => resolver.gethostbyname('::1'));
    assert.instance(error, gaierror);
    assert.equal(error.args, [-9, 'Address family for hostname not supported']);
    assert.is(error.message, '[Errno -9] Address family for hostname not supported');
  });

  test('gethostbynameEx gives [hostname, aliases, addresses]', function* () {
    assert.equal(yield* resolver.gethostbynameEx('localhost'), ['localhost', [], ['127.0.0.1']]);
    assert.equal(yield* resolver.gethostbynameEx('127.0.0.1'), ['127.0.0.1', [], ['127.0.0.1']]);
  });

  test('getaddrinfo gives Python tuples', function* () {
    assert.equal(yield* resolver.getaddrinfo('localhost', 80), [
      [2, 1, 6, '', ['127.0.0.1', 80]],
      [2, 2, 17, '', ['127.0.0.1', 80]],
      [2, 3, 0, '', ['127.0.0.1', 80]],
    ]);
    assert.equal(yield* resolver.getaddrinfo('localhost', 'http'), [
      [2, 1, 6, '', ['127.0.0.1', 80]],
    ]);
    assert.equal(yield* resolver.getaddrinfo('::1', 8080, 0, SOCK_STREAM), [
      [10, 1, 6, '', ['::1', 8080, 0, 0]],
    ]);
    assert.equal(yield* resolver.getaddrinfo('localhost', null, 0, SOCK_STREAM, 0, AI_CANONNAME), [
      [2, 1, 6, 'localhost', ['127.0.0.1', 0]],
    ]);
  });

  test('getaddrinfo errors: bad service, bad family, port type', function* () {
    const service = yield* raises(() => resolver.getaddrinfo('localhost', -1));
    assert.equal(service.args, [-8, 'Servname not supported for ai_socktype']);
    const family = yield* raises(() => resolver.getaddrinfo('localhost', 80, 1234));
    assert.equal(family.args, [-6, 'ai_family not supported']);
    assert.throws(() => resolver.getaddrinfo('localhost', 1.5), /port must be an integer/);
    assert.throws(() => resolver.getaddrinfo(5 as any, 80), TypeError);
    const neither = yield* raises(() => resolver.getaddrinfo(null, null));
    assert.equal(neither.args, [-2, 'Name or service not known'], 'as gevent and the stdlib');
  });

  test('gethostbyaddr accepts addresses and names', function* () {
    assert.equal(yield* resolver.gethostbyaddr('127.0.0.1'), ['localhost', [], ['127.0.0.1']]);
    assert.equal(yield* resolver.gethostbyaddr('localhost'), ['localhost', [], ['127.0.0.1']]);
    assert.throws(() => resolver.gethostbyaddr(undefined as any), TypeError);
  });

  test('getnameinfo: results, port wrap, Python errors', function* () {
    assert.equal(yield* resolver.getnameinfo(['127.0.0.1', 80], 0), ['localhost', 'http']);
    assert.equal(yield* resolver.getnameinfo(['127.0.0.1', 65536], 0), ['localhost', '0']);
    assert.equal(yield* resolver.getnameinfo(['127.0.0.1', 22], 3), ['127.0.0.1', '22']);
    const negative = yield* raises(() => resolver.getnameinfo(['127.0.0.1', -1], 0));
    assert.equal(negative.args, [-8, 'Servname not supported for ai_socktype']);
    const name = yield* raises(() => resolver.getnameinfo(['localhost', 80], 0));
    assert.equal(name.args, [-2, 'Name or service not known']);
    const four = yield* raises(() => resolver.getnameinfo(['127.0.0.1', 80, 0, 0], 0));
    assert.is(four.message, 'IPv4 sockaddr must be 2 tuple');
  });

  test('getnameinfo validates the sockaddr before any call', function* () {
    assert.throws(() => resolver.getnameinfo(['127.0.0.1'] as any, 0), /illegal sockaddr/);
    assert.throws(() => resolver.getnameinfo(['127.0.0.1', null] as any, 0), /port must be/);
    assert.throws(() => resolver.getnameinfo(['::1', 80, 0x100000, 0], 0), RangeError);
    assert.throws(() => resolver.getnameinfo('127.0.0.1' as any, 0), TypeError);
    yield* [];
  });

  test('a killed greenlet stops waiting for its lookup', function* () {
    const parked = new Event();
    const g = spawn(function* () {
      parked.set();
      return yield* resolver.gethostbyname('localhost');
    });
    yield* parked.wait();
    yield* g.kill();
    assert.instance(g.value, GreenletExit);
    assert.is(yield* resolver.gethostbyname('localhost'), '127.0.0.1');
  });

  test('a Pool(10) of greenlets resolves 200 names', function* () {
    const pool = new Pool(10);
    const names = Array.from({ length: 200 }, (_, i) =>
      i % 2 ? 'localhost' : `127.0.0.${i % 250}`,
    );
    const out = yield* pool.map((name: string) => resolver.gethostbyname(name), names);
    assert.is(out.length, 200);
    assert.ok(out.every((a, i) => a === (i % 2 ? '127.0.0.1' : names[i])));
  });

  test.run();
}

backendSuite('thread', () => new ThreadResolver());
backendSuite('block', () => new BlockingResolver());
backendSuite('ares', () => new AresResolver());

const test = greenletSuite('resolver: selection');

test('getResolver() is the thread resolver unless GEVENT_RESOLVER says otherwise', function* () {
  assert.instance(getResolver(), ThreadResolver);
  assert.is(getResolver(), getResolver());
  assert.instance(createResolver('ares'), AresResolver);
  assert.instance(createResolver('block'), BlockingResolver);
  assert.throws(
    () => createResolver('dnspython'),
    /GEVENT_RESOLVER must be one of thread, ares, block/,
  );
  assert.is((getResolver() as ThreadResolver).backend, 'addon');
  yield* [];
});

test('GEVENT_RESOLVER picks getHub().resolver; setResolver() replaces it', function* () {
  const resolverUrl = new URL('../../core/resolver/index.ts', import.meta.url).href;
  const cases = [
    ['ares', 'AresResolver'],
    ['block', 'BlockingResolver'],
    ['', 'ThreadResolver'],
  ];
  for (const [env, expected] of cases) {
    const child = yield* until(
      runModuleInChild(`
        process.env.GEVENT_RESOLVER = ${JSON.stringify(env)};
        const { getHub } = await import(${JSON.stringify(CORE_URL)});
        const r = await import(${JSON.stringify(resolverUrl)});
        const first = getHub().resolver;
        const same = first === r.getResolver();
        const replacement = r.createResolver('block');
        r.setResolver(replacement);
        console.log(JSON.stringify([first.constructor.name, same, getHub().resolver === replacement]));
        process.exit(0);
      `),
    );
    assert.is(child.code, 0, child.stderr);
    assert.equal(JSON.parse(child.stdout), [expected, true, true], `GEVENT_RESOLVER=${env}`);
  }
});

test('herror carries h_errno, code and Python message', function* () {
  const error = new herror(1);
  assert.equal([error.errno, error.code, error.strerror], [1, 'HOST_NOT_FOUND', 'Unknown host']);
  assert.is(String(error), 'herror: [Errno 1] Unknown host');
  assert.is(new gaierror(-3).code, 'EAI_AGAIN');
  yield* [];
});

test.run();
