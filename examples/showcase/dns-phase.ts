/**
 * Showcase phase 2: mass DNS resolution through a Pool of greenlets. Every name resolves on
 * this machine (localhost, /etc/hosts names, numeric addresses): no name server is asked.
 * Layer: example (examples/showcase).
 */

import { readFileSync } from 'node:fs';
import { Pool } from '../../core/index.ts';
import { gaierror, getResolver } from '../../core/resolver/index.ts';
import { progress } from './report.ts';

/** Names to resolve and greenlets resolving at once. */
export const DNS_NAMES = 500;
export const DNS_POOL_SIZE = 20;

/** What phase 2 measured. */
export interface DnsResults {
  total: number;
  resolved: number;
  failed: number;
  seconds: number;
  perSecond: number;
}

/** The names listed in /etc/hosts, plus 'localhost'. */
function localNames(): string[] {
  let text = '';
  try {
    text = readFileSync('/etc/hosts', 'utf8');
  } catch {}
  const names = text
    .split('\n')
    .flatMap((line) => line.replace(/#.*/, '').trim().split(/\s+/).slice(1))
    .filter((name) => name !== '' && !name.includes(':'));
  return [...new Set(['localhost', ...names])];
}

/** `count` local names: every third a numeric 127.x address, the others from /etc/hosts. */
function namesToResolve(count: number): string[] {
  const names = localNames();
  return Array.from({ length: count }, (_, i) =>
    i % 3 === 0 ? `127.0.${(i >> 8) & 255}.${i & 255}` : names[i % names.length]!,
  );
}

/**
 * Phase 2: resolves DNS_NAMES names through a Pool(DNS_POOL_SIZE), printing progress.
 *
 * @example
 * const dns = yield* dnsPhase();
 * console.log(`${dns.resolved} resolved at ${dns.perSecond}/s`);
 */
export function* dnsPhase(): Generator<unknown, DnsResults, unknown> {
  const resolver = getResolver();
  const pool = new Pool(DNS_POOL_SIZE);
  const names = namesToResolve(DNS_NAMES);
  let resolved = 0;
  let failed = 0;
  const resolveOne = function* (name: string) {
    try {
      yield* resolver.gethostbyname(name);
      resolved++;
    } catch (error) {
      if (!(error instanceof gaierror)) throw error;
      failed++;
    }
  };
  const start = performance.now();
  for (const [i, name] of names.entries()) {
    const g = yield* pool.spawn(resolveOne, name);
    g.name = `resolve ${name}`;
    if ((i + 1) % 125 === 0) progress(`DNS: ${i + 1} of ${names.length} lookups started`);
  }
  yield* pool.join();
  const seconds = (performance.now() - start) / 1000;
  return { total: names.length, resolved, failed, seconds, perSecond: names.length / seconds };
}
