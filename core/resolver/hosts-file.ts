/**
 * `/etc/hosts`, read the way the C library reads it, for the `ares` resolver (c-ares asks DNS
 * servers only; gevent's ares resolver consults the hosts file first, and so does ours).
 * Layer: io/resolver.
 *
 * The file is re-read when its modification time or size changes, checked at most once every
 * `checkInterval` seconds, so a lookup costs no system call in the common case.
 */

import { readFileSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import type { HostEnt } from '../../native/index.ts';

interface NameRecord {
  canonical: string;
  aliases: string[];
  addresses: string[];
}

interface Parsed {
  byName: Map<string, NameRecord>;
  byAddress: Map<string, { name: string; aliases: string[] }>;
}

function parse(text: string): Parsed {
  const byName = new Map<string, NameRecord>();
  const byAddress = new Map<string, { name: string; aliases: string[] }>();
  for (const raw of text.split('\n')) {
    const [address, canonical, ...aliases] = raw.replace(/#.*/, '').trim().split(/\s+/);
    if (!address || !canonical || isIP(address) === 0) continue;
    if (!byAddress.has(address)) byAddress.set(address, { name: canonical, aliases });
    for (const name of [canonical, ...aliases]) {
      const key = name.toLowerCase();
      let record = byName.get(key);
      if (record === undefined) {
        record = { canonical, aliases, addresses: [] };
        byName.set(key, record);
      }
      if (!record.addresses.includes(address)) record.addresses.push(address);
    }
  }
  return { byName, byAddress };
}

function ofFamily(addresses: string[], family: number): string[] {
  if (family === 0) return addresses.slice();
  return addresses.filter((a) => isIP(a) === family);
}

/**
 * A hosts file, parsed and kept fresh.
 *
 * @example
 * const hosts = new HostsFile();
 * hosts.lookup('localhost', 4); // ['127.0.0.1']
 */
export class HostsFile {
  private parsed: Parsed = { byName: new Map(), byAddress: new Map() };
  private nextCheck = 0;
  private signature = '';

  constructor(
    readonly path = '/etc/hosts',
    readonly checkInterval = 5,
  ) {}

  /** The addresses of `name` (family 0, 4 or 6), in file order; null when it is not listed. */
  lookup(name: string, family: number): string[] | null {
    const record = this.current().byName.get(name.toLowerCase());
    if (record === undefined) return null;
    const found = ofFamily(record.addresses, family);
    return found.length > 0 ? found : null;
  }

  /** gethostbyname's answer from the file (family 4 or 6), or null. */
  hostent(name: string, family: number): HostEnt | null {
    const record = this.current().byName.get(name.toLowerCase());
    if (record === undefined) return null;
    const addresses = ofFamily(record.addresses, family);
    if (addresses.length === 0) return null;
    return { name: record.canonical, aliases: record.aliases.slice(), addresses };
  }

  /** The name listed first for `address`, with that line's aliases; null when not listed. */
  reverse(address: string): { name: string; aliases: string[] } | null {
    const found = this.current().byAddress.get(address);
    return found === undefined ? null : { name: found.name, aliases: found.aliases.slice() };
  }

  private current(): Parsed {
    const now = performance.now();
    if (now < this.nextCheck) return this.parsed;
    this.nextCheck = now + this.checkInterval * 1000;
    let signature = 'missing';
    try {
      const st = statSync(this.path);
      signature = `${st.mtimeMs}:${st.size}`;
    } catch {
      // A missing file lists nothing.
    }
    if (signature !== this.signature) {
      this.signature = signature;
      let text = '';
      try {
        text = readFileSync(this.path, 'utf8');
      } catch {
        text = '';
      }
      this.parsed = parse(text);
    }
    return this.parsed;
  }
}
