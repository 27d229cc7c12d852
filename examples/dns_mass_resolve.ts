/**
 * Mass DNS resolution (gevent's examples/dns_mass_resolve.py): resolve 1000 names through a
 * Pool(10) of greenlets and stop after 2 seconds with a Timeout, however many are left. The
 * names are this machine's /etc/hosts entries and numeric addresses, so the example never
 * bothers a real name server. Pick the backend with GEVENT_RESOLVER=thread|ares|block.
 * Run: node --import tsx examples/dns_mass_resolve.ts
 */
import { readFileSync } from 'node:fs';
import { Pool, run, Timeout } from '../core/index.ts';
import { gaierror, getResolver } from '../core/resolver/index.ts';

const N = 1000;

/** Names listed in /etc/hosts (only 'localhost' if it cannot be read). */
function hostsNames(): string[] {
  let text = '';
  try {
    text = readFileSync('/etc/hosts', 'utf8');
  } catch {}
  const names = text
    .split('\n')
    .flatMap((line) => line.replace(/#.*/, '').trim().split(/\s+/).slice(1))
    .filter(Boolean);
  return names.length > 0 ? [...new Set(names)] : ['localhost'];
}

const names = hostsNames();
const jobs = Array.from({ length: N }, (_, i) =>
  i % 3 === 0 ? `127.0.${(i >> 8) & 255}.${i & 255}` : names[i % names.length]!,
);

await run(function* main() {
  const resolver = getResolver();
  const pool = new Pool(10);
  let resolved = 0;
  let failed = 0;
  const job = function* (name: string) {
    try {
      yield* resolver.gethostbyname(name);
      resolved++;
    } catch (error) {
      if (!(error instanceof gaierror)) throw error;
      failed++;
    }
  };
  const start = performance.now();
  const timeout = Timeout.startNew(2);
  try {
    for (const name of jobs) yield* pool.spawn(job, name);
    yield* pool.join();
  } catch (error) {
    if (error !== timeout) throw error;
    yield* pool.kill();
  } finally {
    timeout.cancel();
  }
  const seconds = ((performance.now() - start) / 1000).toFixed(2);
  console.log(
    `finished within ${seconds} s: ${resolved}/${N} resolved, ${failed} failed ` +
      `(resolver: ${process.env.GEVENT_RESOLVER || 'thread'}, names from /etc/hosts: ${names.join(', ')})`,
  );
  resolver.close();
});
