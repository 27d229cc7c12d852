/** `HostsFile`: parsing like the C library (aliases, several lines, comments) and reloading. */

import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { HostsFile } from '../../core/resolver/index.ts';

const test = suite('resolver: hosts file');
const dir = mkdtempSync(join(tmpdir(), 'gevent-ts-hosts-'));
const path = join(dir, 'hosts');

test.after(() => rmSync(dir, { recursive: true, force: true }));

test('names, aliases, several lines, IPv6 and comments', () => {
  writeFileSync(
    path,
    [
      '# comment line',
      '127.0.0.1   localhost',
      '127.0.1.1   box.example box   # trailing comment',
      '::1         box.example ip6-box',
      '10.0.0.300  broken.example',
      '127.0.1.2   BOX.example',
    ].join('\n'),
  );
  const hosts = new HostsFile(path);
  assert.equal(hosts.lookup('box', 0), ['127.0.1.1']);
  assert.equal(hosts.lookup('box.example', 0), ['127.0.1.1', '::1', '127.0.1.2']);
  assert.equal(hosts.lookup('Box.Example', 4), ['127.0.1.1', '127.0.1.2']);
  assert.equal(hosts.lookup('box.example', 6), ['::1']);
  assert.is(hosts.lookup('broken.example', 0), null);
  assert.is(hosts.lookup('localhost', 6), null);
  assert.equal(hosts.hostent('box.example', 4), {
    name: 'box.example',
    aliases: ['box'],
    addresses: ['127.0.1.1', '127.0.1.2'],
  });
  assert.equal(hosts.hostent('ip6-box', 6), {
    name: 'box.example',
    aliases: ['ip6-box'],
    addresses: ['::1'],
  });
  assert.equal(hosts.reverse('127.0.1.1'), { name: 'box.example', aliases: ['box'] });
  assert.is(hosts.reverse('127.0.0.9'), null);
});

test('a changed file is read again; a missing file lists nothing', () => {
  writeFileSync(path, '127.0.0.5 first.example\n');
  const hosts = new HostsFile(path, 0);
  assert.equal(hosts.lookup('first.example', 0), ['127.0.0.5']);
  writeFileSync(path, '127.0.0.6 second.example\n');
  utimesSync(path, new Date(), new Date(Date.now() + 5000));
  assert.is(hosts.lookup('first.example', 0), null);
  assert.equal(hosts.lookup('second.example', 0), ['127.0.0.6']);
  assert.is(new HostsFile(join(dir, 'missing')).lookup('localhost', 0), null);
});

test.run();
