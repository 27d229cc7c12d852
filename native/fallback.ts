/**
 * The JS fallback for the native addon: the same `NameService` calls built on Node's own
 * `dns.lookup` and `dns.lookupService`, which run on libuv's threadpool (so they queue behind
 * fs/crypto/zlib work — the reason the addon exists). Used when the addon cannot load, and by
 * the `block` resolver. Layer: native (imports nothing of ours).
 *
 * Where Node has no equivalent call, the C library's behaviour is rebuilt here: socket types
 * expanded per address, services read from /etc/services, the loopback and wildcard answers
 * for a null host. `gethostbyname`'s official name and aliases cannot be recovered through
 * dns.lookup, so the fallback reports the queried name with no aliases.
 */

import dns from 'node:dns';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import {
  type AddrInfo,
  AF_INET,
  AF_INET6,
  AI_ADDRCONFIG,
  AI_ALL,
  AI_CANONNAME,
  AI_NUMERICHOST,
  AI_NUMERICSERV,
  AI_PASSIVE,
  AI_V4MAPPED,
  type Done,
  EAI,
  HERRNO,
  type HostEnt,
  type NameService,
  type NameServiceStats,
  NI_DGRAM,
  NI_NAMEREQD,
  NI_NUMERICHOST,
  NI_NUMERICSERV,
  SOCK_DGRAM,
  SOCK_RAW,
  SOCK_STREAM,
} from './types.ts';

/** Marks a patched function with the one it replaced (set by gevent-ts/monkey). */
const ORIGINAL = Symbol.for('gevent-ts.original');

/** Node's own function even after `patchDns()` replaced the property. */
function unpatched<F extends Function>(fn: F): F {
  return ((fn as any)[ORIGINAL] as F | undefined) ?? fn;
}

/** libuv's EAI error numbers (err.errno of Node's DNS errors) to glibc's EAI codes. */
const UV_TO_EAI = new Map<number, number>([
  [-3000, EAI.ADDRFAMILY],
  [-3001, EAI.AGAIN],
  [-3002, EAI.BADFLAGS],
  [-3003, EAI.CANCELED],
  [-3004, EAI.FAIL],
  [-3005, EAI.FAMILY],
  [-3006, EAI.MEMORY],
  [-3007, EAI.NODATA],
  [-3008, EAI.NONAME],
  [-3009, EAI.OVERFLOW],
  [-3010, EAI.SERVICE],
  [-3011, EAI.SOCKTYPE],
  [-3013, EAI.BADFLAGS],
]);

/** A Node DNS error as `[status, errno]` in the C library's terms. */
function statusOf(error: NodeJS.ErrnoException): [number, number] {
  const uv = typeof error.errno === 'number' ? error.errno : -3008;
  const eai = UV_TO_EAI.get(uv);
  return eai === undefined ? [EAI.SYSTEM, -uv] : [eai, 0];
}

// ---- /etc/services ---------------------------------------------------------------------------

interface ServiceTable {
  ports: Map<string, number>; // "name/proto" -> port
  names: Map<string, string>; // "port/proto" -> name
}

let services: ServiceTable | null = null;

function serviceTable(): ServiceTable {
  if (services !== null) return services;
  const table: ServiceTable = { ports: new Map(), names: new Map() };
  let text = '';
  try {
    text = readFileSync('/etc/services', 'latin1');
  } catch {
    // No services file: only numeric services resolve.
  }
  for (const raw of text.split('\n')) {
    const [name, portProto, ...aliases] = raw.replace(/#.*/, '').trim().split(/\s+/);
    const match = /^(\d+)\/(\w+)$/.exec(portProto ?? '');
    if (!name || !match) continue;
    const port = Number(match[1]);
    const proto = match[2]!;
    if (!table.names.has(`${port}/${proto}`)) table.names.set(`${port}/${proto}`, name);
    for (const n of [name, ...aliases]) {
      if (!table.ports.has(`${n}/${proto}`)) table.ports.set(`${n}/${proto}`, port);
    }
  }
  return (services = table);
}

/**
 * The port of a named service for `proto` ('tcp' or 'udp'), as getservbyname(3) reads it.
 *
 * @example
 * servicePort('http', 'tcp'); // 80
 */
export function servicePort(name: string, proto: string): number | undefined {
  return serviceTable().ports.get(`${name}/${proto}`);
}

/**
 * The service name of a port for `proto`, as getservbyport(3) reads it.
 *
 * @example
 * serviceName(22, 'tcp'); // 'ssh'
 */
export function serviceName(port: number, proto: string): string | undefined {
  return serviceTable().names.get(`${port}/${proto}`);
}

/**
 * getnameinfo's service text for `port`: its name from /etc/services (udp with NI_DGRAM), or
 * the number with NI_NUMERICSERV or when it has no name.
 *
 * @example
 * serviceText(80, 0); // 'http'
 */
export function serviceText(port: number, flags: number): string {
  if (flags & NI_NUMERICSERV) return String(port);
  return serviceName(port, flags & NI_DGRAM ? 'udp' : 'tcp') ?? String(port);
}

// ---- getaddrinfo pieces ----------------------------------------------------------------------

const KINDS: ReadonlyArray<readonly [socktype: number, protocol: number, proto: string | null]> = [
  [SOCK_STREAM, 6, 'tcp'],
  [SOCK_DGRAM, 17, 'udp'],
  [SOCK_RAW, 0, null],
];

export type Kind = { socktype: number; protocol: number; port: number };

/** The (socktype, protocol, port) triples getaddrinfo would return per address, or a status. */
export function socketKinds(
  service: string | null,
  socktype: number,
  protocol: number,
  flags: number,
): Kind[] | number {
  if (socktype < 0 || socktype > SOCK_RAW) return EAI.SOCKTYPE;
  const numeric = service === null ? 0 : /^\d+$/.test(service) ? Number(service) & 0xffff : null;
  if (service !== null && numeric === null) {
    if (/^-\d+$/.test(service)) return EAI.SERVICE;
    if (flags & AI_NUMERICSERV) return EAI.NONAME;
  }
  const kinds: Kind[] = [];
  for (const [st, pr, proto] of KINDS) {
    if (socktype !== 0 && socktype !== st) continue;
    if (protocol !== 0 && protocol !== pr && st !== SOCK_RAW) continue;
    if (socktype === 0 && protocol !== 0 && st === SOCK_RAW) continue;
    let port = numeric;
    if (port === null) port = proto === null ? null : (servicePort(service!, proto) ?? null);
    if (port === null) continue;
    kinds.push({ socktype: st, protocol: st === SOCK_RAW ? protocol : pr, port });
  }
  return kinds.length === 0 ? EAI.SERVICE : kinds;
}

/** Addresses for a null or numeric host without asking anyone; null when a lookup is needed. */
export function literalAddresses(
  host: string | null,
  family: number,
  flags: number,
): string[] | number | null {
  if (host === null) {
    const pair = flags & AI_PASSIVE ? ['0.0.0.0', '::'] : ['::1', '127.0.0.1'];
    return pair.filter((a) => family === 0 || (isIP(a) === 4 ? AF_INET : AF_INET6) === family);
  }
  if (host === '') return EAI.NONAME;
  const version = isIP(host);
  if (version === 4) {
    if (family !== AF_INET6) return [host];
    return flags & AI_V4MAPPED ? [`::ffff:${host}`] : EAI.ADDRFAMILY;
  }
  if (version === 6) return family === AF_INET ? EAI.ADDRFAMILY : [host];
  return flags & AI_NUMERICHOST ? EAI.NONAME : null;
}

/** getaddrinfo's entries: every address with every socket kind; canonname on the first. */
export function expandAddresses(addresses: string[], kinds: Kind[], canonname: string): AddrInfo[] {
  const out: AddrInfo[] = [];
  for (const address of addresses) {
    const family = address.includes(':') ? AF_INET6 : AF_INET;
    for (const k of kinds) {
      out.push({
        family,
        socktype: k.socktype,
        protocol: k.protocol,
        canonname: out.length === 0 ? canonname : '',
        address,
        port: k.port,
        flowinfo: 0,
        scopeid: 0,
      });
    }
  }
  return out;
}

// ---- the NameService -------------------------------------------------------------------------

const ORDER_NAMES = ['verbatim', 'ipv4first', 'ipv6first'] as const;
const H_ERRNO_OF = new Map<number, number>([
  [EAI.AGAIN, HERRNO.TRY_AGAIN],
  [EAI.FAIL, HERRNO.NO_RECOVERY],
]);

/**
 * The fallback name service: Node's dns.lookup / dns.lookupService underneath.
 *
 * @example
 * const ns = new FallbackNameService();
 * ns.lookup('localhost', 0, 0, 0, (status, errno, addresses) => console.log(addresses));
 */
export class FallbackNameService implements NameService {
  readonly kind = 'fallback' as const;
  private nextId = 0;
  private readonly pending = new Map<number, Done<any>>();

  lookup(host: string, family: number, hints: number, order: number, done: Done<string[]>): number {
    const id = this.track(done);
    const options = { family, hints, all: true as const, order: ORDER_NAMES[order] ?? 'verbatim' };
    unpatched(dns.lookup)(host, options, (error, found) => {
      if (error) this.fail(id, error);
      else
        this.finish(
          id,
          found.map((a) => a.address),
        );
    });
    return id;
  }

  getaddrinfo(
    host: string | null,
    service: string | null,
    family: number,
    socktype: number,
    protocol: number,
    flags: number,
    done: Done<AddrInfo[]>,
  ): number {
    const id = this.track(done);
    const kinds = socketKinds(service, socktype, protocol, flags);
    const canon = flags & AI_CANONNAME && host !== null ? host : '';
    const literal =
      family !== 0 && family !== AF_INET && family !== AF_INET6
        ? EAI.FAMILY
        : typeof kinds === 'number'
          ? kinds
          : literalAddresses(host, family, flags);
    if (literal !== null) {
      if (typeof literal === 'number') this.later(id, literal);
      else this.later(id, 0, expandAddresses(literal, kinds as Kind[], canon));
      return id;
    }
    const options = {
      family: family === AF_INET ? 4 : family === AF_INET6 ? 6 : 0,
      hints: flags & (AI_ADDRCONFIG | AI_V4MAPPED | AI_ALL),
      all: true as const,
      order: 'verbatim' as const,
    };
    unpatched(dns.lookup)(host!, options, (error, found) => {
      if (error) this.fail(id, error);
      else
        this.finish(
          id,
          expandAddresses(
            found.map((a) => a.address),
            kinds as Kind[],
            canon,
          ),
        );
    });
    return id;
  }

  getnameinfo(
    host: string,
    port: number,
    _flowinfo: number,
    _scopeid: number,
    flags: number,
    done: Done<[string, string]>,
  ): number {
    const id = this.track(done);
    if (isIP(host) === 0) {
      this.later(id, EAI.NONAME);
      return id;
    }
    const p = port & 0xffff;
    const service = serviceText(p, flags);
    if (flags & NI_NUMERICHOST) {
      this.later(id, 0, [host, service]);
      return id;
    }
    unpatched(dns.lookupService)(host, p, (error, hostname) => {
      if (!error) this.finish(id, [hostname, service]);
      else if (flags & NI_NAMEREQD || statusOf(error)[0] !== EAI.NONAME) this.fail(id, error);
      else this.finish(id, [host, service]);
    });
    return id;
  }

  gethostbyname(host: string, family: number, done: Done<HostEnt>): number {
    const id = this.track(done);
    const version = family === AF_INET6 ? 6 : 4;
    if (isIP(host) !== 0) {
      if (isIP(host) === version) this.later(id, 0, { name: host, aliases: [], addresses: [host] });
      else this.later(id, HERRNO.HOST_NOT_FOUND);
      return id;
    }
    unpatched(dns.lookup)(host, { family: version, all: true }, (error, found) => {
      if (error) this.failHost(id, error);
      else this.finish(id, { name: host, aliases: [], addresses: found.map((a) => a.address) });
    });
    return id;
  }

  gethostbyaddr(address: string, done: Done<HostEnt>): number {
    const id = this.track(done);
    if (isIP(address) === 0) {
      this.later(id, HERRNO.HOST_NOT_FOUND);
      return id;
    }
    unpatched(dns.lookupService)(address, 0, (error, hostname) => {
      if (error) this.failHost(id, error);
      else this.finish(id, { name: hostname, aliases: [], addresses: [address] });
    });
    return id;
  }

  cancel(id: number): boolean {
    this.pending.delete(id);
    return false;
  }

  stats(): NameServiceStats {
    return { threads: 0, idle: 0, queued: 0, outstanding: this.pending.size };
  }

  private track(done: Done<any>): number {
    const id = (this.nextId = (this.nextId + 1) >>> 0 || 1);
    this.pending.set(id, done);
    return id;
  }

  private take(id: number): Done<any> | undefined {
    const done = this.pending.get(id);
    this.pending.delete(id);
    return done;
  }

  private finish(id: number, result: unknown): void {
    this.take(id)?.(0, 0, result);
  }

  private fail(id: number, error: NodeJS.ErrnoException): void {
    const [status, errno] = statusOf(error);
    this.take(id)?.(status, errno, null);
  }

  private failHost(id: number, error: NodeJS.ErrnoException): void {
    const status = H_ERRNO_OF.get(statusOf(error)[0]) ?? HERRNO.HOST_NOT_FOUND;
    this.take(id)?.(status, 0, null);
  }

  /** Answers on a later tick: callbacks never run inside the call that started them. */
  private later(id: number, status: number, result: unknown = null): void {
    process.nextTick(() => this.take(id)?.(status, 0, result));
  }
}
