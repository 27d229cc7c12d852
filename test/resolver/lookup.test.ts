/**
 * `resolver.lookup` is a drop-in for `dns.lookup` on every backend: same arguments, results,
 * errors (down to the message and own properties), promisify support, and it works as the
 * `lookup` option of http and net. Compared call by call with Node's own function.
 */

import dns from 'node:dns';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  AresResolver,
  type BaseResolver,
  BlockingResolver,
  dnsException,
  ThreadResolver,
} from '../../core/resolver/index.ts';
import { DnsTestServer } from './_support/dns-server.ts';

type Outcome = { error: unknown; args: unknown[] };

/** Calls a dns.lookup-shaped function; resolves with what its callback got (or what it threw). */
function outcome(lookup: Function, args: unknown[]): Promise<Outcome> {
  return new Promise((resolve) => {
    try {
      lookup(...args, (error: unknown, ...rest: unknown[]) => resolve({ error, args: rest }));
    } catch (error) {
      resolve({ error, args: [] });
    }
  });
}

function shape(error: any) {
  if (!error) return error;
  return { name: error.name, message: error.message, code: error.code, keys: Object.keys(error) };
}

const VALID: unknown[][] = [
  ['localhost'],
  ['localhost', 4],
  ['localhost', 0],
  ['localhost', { all: true }],
  ['localhost', { family: 'IPv4', all: true }],
  ['localhost', { family: 4, order: 'ipv4first' }],
  ['localhost', { verbatim: false, all: true }],
  ['localhost', { hints: dns.ADDRCONFIG }],
  ['localhost', null],
  ['LOCALHOST', { all: true }],
  ['127.0.0.1', { all: true }],
  ['::1', 4],
  ['::1', { family: 6 }],
];

const INVALID: unknown[][] = [
  [123, {}],
  ['localhost', { family: 5 }],
  ['localhost', { family: 'IPv7' }],
  ['localhost', { hints: 12345 }],
  ['localhost', { hints: 'x' }],
  ['localhost', { order: 'random' }],
  ['localhost', { verbatim: 'yes' }],
  ['localhost', { all: 1 }],
  ['localhost', 'x'],
  ['localhost', 5],
];

function lookupSuite(title: string, make: () => Promise<[BaseResolver, () => Promise<void>]>) {
  const test = suite(`lookup: ${title}`);
  let resolver: BaseResolver;
  let cleanup: () => Promise<void>;
  test.before(async () => {
    [resolver, cleanup] = await make();
  });
  test.after(() => cleanup());

  test('answers exactly as dns.lookup does', async () => {
    for (const args of VALID) {
      const ours = await outcome(resolver.lookup, args);
      const node = await outcome(dns.lookup, args);
      assert.equal(ours, node, JSON.stringify(args));
    }
  });

  test('the empty name is answered without a query, as by dns.lookup', async () => {
    assert.equal(await outcome(resolver.lookup, ['']), { error: null, args: [null, 4] });
    assert.equal(await outcome(resolver.lookup, [undefined, 6]), { error: null, args: [null, 6] });
    assert.equal(await outcome(resolver.lookup, ['', { all: true }]), { error: null, args: [[]] });
  });

  test('invalid arguments throw the very errors dns.lookup throws', async () => {
    for (const args of INVALID) {
      const ours = await outcome(resolver.lookup, args);
      const node = await outcome(dns.lookup, args);
      assert.ok(ours.error instanceof TypeError, JSON.stringify(args));
      assert.equal(shape(ours.error), shape(node.error), JSON.stringify(args));
    }
    assert.throws(() => (resolver.lookup as Function)('localhost'), /"callback" argument/);
  });

  test('promisify and the promise form give dns.promises.lookup results', async () => {
    assert.equal(
      await promisify(resolver.lookup)('localhost'),
      await dns.promises.lookup('localhost'),
    );
    assert.equal(
      await promisify(resolver.lookup)('localhost', { all: true }),
      await dns.promises.lookup('localhost', { all: true }),
    );
    assert.equal(
      await resolver.promiseLookup('localhost', { family: 4 }),
      await dns.promises.lookup('localhost', { family: 4 }),
    );
  });

  test('works as the lookup option of http.get (net with all: true underneath)', async () => {
    const server = http.createServer((_req, res) => res.end('hello'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    let calls = 0;
    const counted = (...args: any[]) => {
      calls++;
      return (resolver.lookup as Function)(...args);
    };
    try {
      const body = await new Promise<string>((resolve, reject) => {
        http
          .get({ host: 'localhost', port, lookup: counted as any, agent: false }, (res) => {
            let text = '';
            res.on('data', (chunk) => (text += chunk));
            res.on('end', () => resolve(text));
          })
          .on('error', reject);
      });
      assert.is(body, 'hello');
      assert.is(calls, 1);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  test.run();
}

lookupSuite('thread', async () => [new ThreadResolver(), async () => {}]);
lookupSuite('block', async () => [new BlockingResolver(), async () => {}]);
lookupSuite('ares', async () => {
  const server = await DnsTestServer.start({});
  const resolver = new AresResolver({ servers: [server.address] });
  return [resolver, () => server.close()];
});

const errors = suite('lookup: errors');

errors('an unknown name fails with the same error object as dns.lookup', async () => {
  const name = 'gevent-ts-no-such-host.invalid';
  const node = await outcome(dns.lookup, [name, { all: true }]);
  const ours = await outcome(new ThreadResolver().lookup, [name, { all: true }]);
  const fields = (e: any) => ({
    ...e,
    message: e.message,
    ctor: e.constructor.name,
    keys: Object.keys(e),
  });
  assert.equal(fields(ours.error), fields(node.error));
  assert.is((ours.error as Error).message, `getaddrinfo ENOTFOUND ${name}`);
});

errors('an NXDOMAIN from c-ares looks like getaddrinfo ENOTFOUND', async () => {
  const server = await DnsTestServer.start({});
  try {
    const ares = new AresResolver({ servers: [server.address] });
    const out = await outcome(ares.lookup, ['missing.gevent.test']);
    assert.equal(
      shape(out.error),
      shape(dnsException(-2, 0, 'getaddrinfo', 'missing.gevent.test')),
    );
    assert.equal((out.error as any).errno, -3008);
    assert.equal((out.error as any).hostname, 'missing.gevent.test');
  } finally {
    await server.close();
  }
});

errors('dnsException maps EAI_AGAIN and EAI_SYSTEM like Node', () => {
  const again = dnsException(-3, 0, 'getaddrinfo', 'x');
  assert.equal(
    [again.message, again.code, again.errno],
    ['getaddrinfo EAI_AGAIN x', 'EAI_AGAIN', -3001],
  );
  const system = dnsException(-11, 24, 'getaddrinfo', 'x');
  assert.equal([system.code, system.errno], ['EMFILE', -24]);
});

errors.run();
