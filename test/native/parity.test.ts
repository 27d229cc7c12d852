/**
 * Parity: the addon and the JS fallback give the same answers to the same calls, and the
 * addon's point — DNS that does not queue behind libuv's threadpool — holds.
 */

import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import dns from 'node:dns';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  AF_INET,
  AF_INET6,
  AI_CANONNAME,
  AI_NUMERICHOST,
  AI_NUMERICSERV,
  AI_PASSIVE,
  addonNameService,
  fallbackNameService,
  type NameService,
  NI_NUMERICHOST,
  NI_NUMERICSERV,
  SOCK_DGRAM,
  SOCK_STREAM,
} from '../../native/index.ts';
import { call } from './_support/name-service.ts';

const test = suite('native: parity');

type Case = [string, (ns: NameService, done: any) => number];

const CASES: Case[] = [
  ['lookup localhost', (ns, d) => ns.lookup('localhost', 0, 0, 0, d)],
  ['lookup localhost v4 ipv6first', (ns, d) => ns.lookup('localhost', 4, 0, 2, d)],
  ['lookup hosts name', (ns, d) => ns.lookup('localhost', 0, 32, 0, d)],
  ['gai localhost 80', (ns, d) => ns.getaddrinfo('localhost', '80', 0, 0, 0, 0, d)],
  [
    'gai localhost http stream',
    (ns, d) => ns.getaddrinfo('localhost', 'http', 0, SOCK_STREAM, 0, 0, d),
  ],
  ['gai localhost domain', (ns, d) => ns.getaddrinfo('localhost', 'domain', AF_INET, 0, 0, 0, d)],
  ['gai numeric v4', (ns, d) => ns.getaddrinfo('127.0.0.1', '8080', 0, 0, 0, 0, d)],
  ['gai numeric v6', (ns, d) => ns.getaddrinfo('::1', '8080', 0, SOCK_DGRAM, 0, 0, d)],
  ['gai null host', (ns, d) => ns.getaddrinfo(null, '80', 0, 0, 0, 0, d)],
  ['gai null host and service', (ns, d) => ns.getaddrinfo(null, null, 0, 0, 0, 0, d)],
  ['gai passive', (ns, d) => ns.getaddrinfo(null, '0', AF_INET, SOCK_DGRAM, 0, AI_PASSIVE, d)],
  [
    'gai canonname',
    (ns, d) => ns.getaddrinfo('localhost', null, 0, SOCK_STREAM, 0, AI_CANONNAME, d),
  ],
  ['gai proto tcp only', (ns, d) => ns.getaddrinfo('localhost', '80', AF_INET, 0, 6, 0, d)],
  ['gai bad family', (ns, d) => ns.getaddrinfo('localhost', '80', 99, 0, 0, 0, d)],
  ['gai bad socktype', (ns, d) => ns.getaddrinfo('localhost', '80', 0, 99, 0, 0, d)],
  ['gai unknown service', (ns, d) => ns.getaddrinfo('localhost', 'no-such-svc', 0, 0, 0, 0, d)],
  ['gai numericserv', (ns, d) => ns.getaddrinfo('localhost', 'http', 0, 0, 0, AI_NUMERICSERV, d)],
  ['gai numerichost', (ns, d) => ns.getaddrinfo('localhost', '1', 0, 0, 0, AI_NUMERICHOST, d)],
  ['gai v4 as v6', (ns, d) => ns.getaddrinfo('127.0.0.1', '1', AF_INET6, 0, 0, 0, d)],
  ['gni localhost', (ns, d) => ns.getnameinfo('127.0.0.1', 443, 0, 0, 0, d)],
  [
    'gni numeric',
    (ns, d) => ns.getnameinfo('127.0.0.1', 443, 0, 0, NI_NUMERICHOST | NI_NUMERICSERV, d),
  ],
  ['gni unnamed port', (ns, d) => ns.getnameinfo('127.0.0.1', 1, 0, 0, NI_NUMERICHOST, d)],
  ['ghbn localhost', (ns, d) => ns.gethostbyname('localhost', AF_INET, d)],
  ['ghbn numeric', (ns, d) => ns.gethostbyname('127.0.0.1', AF_INET, d)],
  ['ghba loopback', (ns, d) => ns.gethostbyaddr('127.0.0.1', d)],
];

test('the addon and the fallback answer every case alike', async () => {
  const addon = addonNameService();
  const fallback = fallbackNameService();
  for (const [name, start] of CASES) {
    const a = await call((done) => start(addon, done));
    const f = await call((done) => start(fallback, done));
    assert.equal([a.status, a.result], [f.status, f.result], name);
  }
});

test('a lookup on the addon does not wait behind a saturated libuv threadpool', async () => {
  const addon = addonNameService();
  const order: string[] = [];
  let running = 8;
  const finished = new Promise<void>((resolve) => {
    for (let i = 0; i < 8; i++) {
      crypto.pbkdf2('pw', 'salt', 100_000, 32, 'sha256', () => {
        if (--running === 0) resolve();
      });
    }
  });
  const viaNode = new Promise<void>((resolve) =>
    dns.lookup('localhost', () => {
      order.push('dns.lookup');
      resolve();
    }),
  );
  const viaAddon = call((done) => addon.lookup('localhost', 0, 0, 0, done)).then((out) => {
    order.push('addon');
    return out;
  });
  const out = await viaAddon;
  assert.is(out.status, 0);
  assert.is(running > 0, true, 'the addon answered only after the pool drained');
  await Promise.all([viaNode, finished]);
  assert.equal(order, ['addon', 'dns.lookup']);
});

test('without the addon the loader falls back and says so once on stderr', () => {
  const script = `
    import { nameService } from ${JSON.stringify(fileURLToPath(new URL('../../native/index.ts', import.meta.url)))};
    const a = nameService(); const b = nameService();
    a.lookup('localhost', 4, 0, 0, (status, errno, found) => console.log([a.kind, a === b, status, found[0]].join(' ')));`;
  const out = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', script],
    {
      encoding: 'utf8',
      timeout: 20_000,
      env: {
        ...process.env,
        FORCE_COLOR: '0',
        GEVENT_NATIVE_ADDON: '/nonexistent/gevent_native.node',
      },
    },
  );
  assert.is(out.stdout.trim(), 'fallback true 0 127.0.0.1');
  const lines = out.stderr.trim().split('\n');
  assert.is(lines.length, 1, out.stderr);
  assert.match(lines[0]!, /native DNS addon could not be loaded.*falls back to dns\.lookup/);
});

test.run();
