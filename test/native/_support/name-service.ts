/**
 * Test support for test/native: promise helpers over the callback-style NameService, and the
 * one suite (`defineNameServiceSuite`) that runs against the addon and the fallback alike.
 */

import dns from 'node:dns';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  type AddrInfo,
  AF_INET,
  AF_INET6,
  AI_CANONNAME,
  AI_NUMERICHOST,
  AI_PASSIVE,
  EAI,
  type HostEnt,
  type NameService,
  NI_DGRAM,
  NI_NUMERICHOST,
  NI_NUMERICSERV,
  SOCK_DGRAM,
  SOCK_RAW,
  SOCK_STREAM,
} from '../../../native/index.ts';

/** A call's outcome as a value. */
export interface Outcome<T> {
  status: number;
  errno: number;
  result: T | null;
  /** True when the callback ran inside the call that started it (it never may). */
  synchronous: boolean;
}

/** Runs one NameService call and resolves with its outcome. */
export function call<T>(start: (done: (s: number, e: number, r: T | null) => void) => number) {
  return new Promise<Outcome<T>>((resolve) => {
    let inside = true;
    start((status, errno, result) => resolve({ status, errno, result, synchronous: inside }));
    inside = false;
  });
}

/** Node's own answer for dns.lookup(host, { all: true, ...options }). */
export function nodeAddresses(host: string, options: dns.LookupAllOptions = { all: true }) {
  return new Promise<string[]>((resolve, reject) =>
    dns.lookup(host, { ...options, all: true }, (error, found) =>
      error ? reject(error) : resolve(found.map((a) => a.address)),
    ),
  );
}

/** Waits (bounded) until the service has no call outstanding. */
export async function drained(ns: NameService, limitMs = 5000): Promise<void> {
  const end = performance.now() + limitMs;
  while (ns.stats().outstanding > 0) {
    if (performance.now() > end) throw new Error('calls still outstanding');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The NameService contract, checked against one implementation. */
export function defineNameServiceSuite(title: string, make: () => NameService): void {
  const test = suite(title);

  test('lookup(localhost) gives what dns.lookup gives', async () => {
    const ns = make();
    const out = await call<string[]>((done) => ns.lookup('localhost', 0, 0, 0, done));
    assert.is(out.status, 0);
    assert.equal(out.result, await nodeAddresses('localhost'));
    assert.ok(out.result!.includes('127.0.0.1'));
    assert.not.ok(out.synchronous, 'callback ran synchronously');
  });

  test('lookup with family 4 and ipv4first order', async () => {
    const ns = make();
    const out = await call<string[]>((done) => ns.lookup('localhost', 4, 0, 1, done));
    assert.equal(out.result, await nodeAddresses('localhost', { all: true, family: 4 }));
  });

  test('lookup of an unknown name fails with EAI_NONAME', async () => {
    const ns = make();
    const out = await call<string[]>((done) =>
      ns.lookup('gevent-ts-no-such-host.invalid', 0, 0, 0, done),
    );
    assert.is(out.status, EAI.NONAME);
    assert.is(out.result, null);
  });

  test('getaddrinfo expands socket kinds like the C library', async () => {
    const ns = make();
    const out = await call<AddrInfo[]>((done) =>
      ns.getaddrinfo('localhost', '80', AF_INET, 0, 0, 0, done),
    );
    assert.is(out.status, 0);
    assert.equal(
      out.result!.map((e) => [e.family, e.socktype, e.protocol, e.canonname, e.address, e.port]),
      [
        [AF_INET, SOCK_STREAM, 6, '', '127.0.0.1', 80],
        [AF_INET, SOCK_DGRAM, 17, '', '127.0.0.1', 80],
        [AF_INET, SOCK_RAW, 0, '', '127.0.0.1', 80],
      ],
    );
  });

  test('getaddrinfo: named and out-of-range services', async () => {
    const ns = make();
    const http = await call<AddrInfo[]>((done) =>
      ns.getaddrinfo('localhost', 'http', AF_INET, 0, 0, 0, done),
    );
    assert.equal(
      http.result!.map((e) => [e.socktype, e.port]),
      [[SOCK_STREAM, 80]],
    );
    const wrapped = await call<AddrInfo[]>((done) =>
      ns.getaddrinfo('127.0.0.1', '65536', 0, SOCK_STREAM, 0, 0, done),
    );
    assert.is(wrapped.result![0]!.port, 0);
    const negative = await call<AddrInfo[]>((done) =>
      ns.getaddrinfo('localhost', '-1', 0, 0, 0, 0, done),
    );
    assert.is(negative.status, EAI.SERVICE);
  });

  test('getaddrinfo: null host gives loopback, or the wildcard with AI_PASSIVE', async () => {
    const ns = make();
    const loop = await call<AddrInfo[]>((done) =>
      ns.getaddrinfo(null, '80', 0, SOCK_STREAM, 0, 0, done),
    );
    assert.equal(loop.result!.map((e) => e.address).sort(), ['127.0.0.1', '::1']);
    const wild = await call<AddrInfo[]>((done) =>
      ns.getaddrinfo(null, '80', 0, SOCK_STREAM, 0, AI_PASSIVE, done),
    );
    assert.equal(
      wild.result!.map((e) => e.address),
      ['0.0.0.0', '::'],
    );
    assert.equal(
      wild.result!.map((e) => e.family),
      [AF_INET, AF_INET6],
    );
  });

  test('getaddrinfo: errors carry the C library codes', async () => {
    const ns = make();
    const family = await call<AddrInfo[]>((done) =>
      ns.getaddrinfo('localhost', '80', 1234, 0, 0, 0, done),
    );
    assert.is(family.status, EAI.FAMILY);
    const numeric = await call<AddrInfo[]>((done) =>
      ns.getaddrinfo('localhost', null, 0, 0, 0, AI_NUMERICHOST, done),
    );
    assert.is(numeric.status, EAI.NONAME);
    const mismatch = await call<AddrInfo[]>((done) =>
      ns.getaddrinfo('1.2.3.4', '0', AF_INET6, 0, 0, 0, done),
    );
    assert.is(mismatch.status, EAI.ADDRFAMILY);
    const empty = await call<AddrInfo[]>((done) => ns.getaddrinfo('', '80', 0, 0, 0, 0, done));
    assert.is(empty.status, EAI.NONAME);
  });

  test('getaddrinfo: AI_CANONNAME names the first entry', async () => {
    const ns = make();
    const out = await call<AddrInfo[]>((done) =>
      ns.getaddrinfo('localhost', '80', 0, SOCK_STREAM, 0, AI_CANONNAME, done),
    );
    assert.is(out.result![0]!.canonname, 'localhost');
  });

  test('getnameinfo: names, numeric flags and datagram services', async () => {
    const ns = make();
    const named = await call<[string, string]>((done) =>
      ns.getnameinfo('127.0.0.1', 80, 0, 0, 0, done),
    );
    assert.equal(named.result, ['localhost', 'http']);
    const numeric = await call<[string, string]>((done) =>
      ns.getnameinfo('127.0.0.1', 80, 0, 0, NI_NUMERICHOST | NI_NUMERICSERV, done),
    );
    assert.equal(numeric.result, ['127.0.0.1', '80']);
    const dgram = await call<[string, string]>((done) =>
      ns.getnameinfo('127.0.0.1', 22, 0, 0, NI_DGRAM, done),
    );
    assert.equal(dgram.result, ['localhost', '22']);
    const notNumeric = await call<[string, string]>((done) =>
      ns.getnameinfo('localhost', 80, 0, 0, 0, done),
    );
    assert.is(notNumeric.status, EAI.NONAME);
  });

  test('gethostbyname and gethostbyaddr give hostents', async () => {
    const ns = make();
    const byName = await call<HostEnt>((done) => ns.gethostbyname('localhost', AF_INET, done));
    assert.equal(byName.result, { name: 'localhost', aliases: [], addresses: ['127.0.0.1'] });
    const numeric = await call<HostEnt>((done) => ns.gethostbyname('1.2.3.4', AF_INET, done));
    assert.equal(numeric.result, { name: '1.2.3.4', aliases: [], addresses: ['1.2.3.4'] });
    const byAddr = await call<HostEnt>((done) => ns.gethostbyaddr('127.0.0.1', done));
    assert.is(byAddr.result!.name, 'localhost');
    assert.equal(byAddr.result!.addresses, ['127.0.0.1']);
  });

  test('100 concurrent lookups all answer', async () => {
    const ns = make();
    const outs = await Promise.all(
      Array.from({ length: 100 }, () => call<string[]>((d) => ns.lookup('localhost', 4, 0, 0, d))),
    );
    assert.ok(outs.every((o) => o.status === 0 && o.result![0] === '127.0.0.1'));
    await drained(ns);
  });

  test('a cancelled call never calls back', async () => {
    const ns = make();
    let called = false;
    const id = ns.lookup('localhost', 0, 0, 0, () => {
      called = true;
    });
    ns.cancel(id);
    const after = await call<string[]>((d) => ns.lookup('localhost', 0, 0, 0, d));
    assert.is(after.status, 0);
    await drained(ns);
    assert.not.ok(called);
  });

  test.run();
}
