/**
 * gevent-ts/monkey: patchDns/patchAll swap the resolver's lookup in for dns.lookup and
 * dns.promises.lookup — seen by ESM named imports, net, http and fetch — and unpatchAll puts
 * Node's back. A name listed only in the test resolver's own hosts file proves which lookup ran.
 */

/**
 * gevent-ts/monkey: patchDns/patchAll swap the resolver's lookup in for dns.lookup and
 * dns.promises.lookup — seen by ESM named imports, net, http and fetch — and unpatchAll puts
 * Node's back. A name listed only in the test resolver's own hosts file proves which lookup ran.
 */

import dns, * as dnsNamespace from 'node:dns';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  getOriginal,
  isModulePatched,
  patchAll,
  patchDns,
  unpatchAll,
} from '../../core/monkey/index.ts';
import { AresResolver, getResolver, setResolver } from '../../core/resolver/index.ts';
import { DnsTestServer } from './_support/dns-server.ts';

const test = suite('monkey: dns');
const NAME = 'only-in-test-hosts.gevent.test';
const nodeLookup = dns.lookup;
const nodePromiseLookup = dns.promises.lookup;

const server = await DnsTestServer.start({});
server.unref();
const dir = mkdtempSync(join(tmpdir(), 'gevent-ts-monkey-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'hosts'), `127.0.0.1 localhost ${NAME}\n`);
const resolver = new AresResolver({ servers: [server.address], hostsFile: join(dir, 'hosts') });

async function withHttpServer(body: (port: number) => Promise<void>) {
  const web = http.createServer((_req, res) => res.end('patched'));
  await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
  try {
    await body((web.address() as AddressInfo).port);
  } finally {
    await new Promise((r) => web.close(r));
  }
}

test.after.each(() => unpatchAll());

test('patchDns replaces dns.lookup, dns.promises.lookup and the ESM bindings', () => {
  assert.not.ok(isModulePatched('dns'));
  patchDns(resolver);
  assert.ok(isModulePatched('dns'));
  assert.is.not(dns.lookup, nodeLookup);
  assert.is(dnsNamespace.lookup, dns.lookup);
  assert.is(getOriginal('dns', 'lookup'), nodeLookup);
  assert.is(getOriginal('dns', 'promises.lookup'), nodePromiseLookup);
  assert.is((dns.lookup as any)[Symbol.for('gevent-ts.original')], nodeLookup);
});

test('fetch, http.get and dns.promises.lookup go through the patched lookup', async () => {
  patchDns(resolver);
  assert.equal(await dns.promises.lookup(NAME), { address: '127.0.0.1', family: 4 });
  await withHttpServer(async (port) => {
    const response = await fetch(`http://${NAME}:${port}/`);
    assert.is(await response.text(), 'patched');
    const body = await new Promise<string>((resolve, reject) => {
      http
        .get({ host: NAME, port, agent: false }, (res) => {
          let text = '';
          res.on('data', (c) => (text += c));
          res.on('end', () => resolve(text));
        })
        .on('error', reject);
    });
    assert.is(body, 'patched');
  });
});

test('unpatchAll puts Node’s functions back', async () => {
  patchDns(resolver);
  unpatchAll();
  assert.is(dns.lookup, nodeLookup);
  assert.is(dns.promises.lookup, nodePromiseLookup);
  assert.is(dnsNamespace.lookup, nodeLookup);
  assert.not.ok(isModulePatched('dns'));
});

test('patchAll uses the configured resolver; a second call warns like gevent', async () => {
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
  process.on('warning', onWarning);
  try {
    patchAll();
    patchAll();
    await new Promise((r) => setImmediate(r));
    assert.equal(warnings, [
      'MonkeyPatchWarning: Patching more than once will result in the union of all True parameters being patched',
    ]);
    // NAME is only in the test resolver's hosts file: the configured resolver answered.
    setResolver(resolver);
    const address = await new Promise((r) => dns.lookup(NAME, 4, (_e, a) => r(a)));
    assert.is(address, '127.0.0.1');
    assert.is(getResolver(), resolver);
  } finally {
    process.off('warning', onWarning);
    setResolver(null); // the next getResolver() reads the environment again (closes this one)
  }
});

test.run();
