/**
 * getaddrinfo(3)'s answer rebuilt from plain addresses: socket kinds per address, services read
 * from /etc/services, the loopback and wildcard answers for a null host, numeric hosts answered
 * without asking anyone. Shared by the JS fallback and the ares resolver, which both get bare
 * addresses from Node and must shape them as the C library would. Layer: native (imports
 * nothing of ours).
 */

import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import {
  type AddrInfo,
  AF_INET,
  AF_INET6,
  AI_CANONNAME,
  AI_NUMERICHOST,
  AI_NUMERICSERV,
  AI_PASSIVE,
  AI_V4MAPPED,
  EAI,
  NI_DGRAM,
  NI_NUMERICSERV,
  SOCK_DGRAM,
  SOCK_RAW,
  SOCK_STREAM,
} from './types.ts';

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

/** What a getaddrinfo call needs: an answer now, or a lookup of `host` whose addresses `expand` shapes. */
export type AddrInfoPlan =
  | { readonly status: number; readonly answer: AddrInfo[] | null; readonly lookupFamily?: never }
  | { readonly lookupFamily: 0 | 4 | 6; expand(addresses: string[]): AddrInfo[] };

/**
 * Plans getaddrinfo(host, service, family, socktype, protocol, flags): bad arguments and numeric
 * or null hosts are answered at once (`status`, `answer`); a name needs a lookup in
 * `lookupFamily` (0, 4 or 6), whose addresses `expand` turns into getaddrinfo's entries.
 *
 * @example
 * const plan = planAddrInfo('localhost', '80', 0, SOCK_STREAM, 0, 0);
 * if (plan.lookupFamily === undefined) done(plan.status, plan.answer);
 * else dns.lookup('localhost', { all: true, family: plan.lookupFamily }, (e, found) =>
 *   done(0, plan.expand(found.map((a) => a.address))));
 */
export function planAddrInfo(
  host: string | null,
  service: string | null,
  family: number,
  socktype: number,
  protocol: number,
  flags: number,
): AddrInfoPlan {
  if (family !== 0 && family !== AF_INET && family !== AF_INET6) {
    return { status: EAI.FAMILY, answer: null };
  }
  // getaddrinfo(3) needs a host or a service: with neither it fails with EAI_NONAME.
  if (host === null && service === null) return { status: EAI.NONAME, answer: null };
  const kinds = socketKinds(service, socktype, protocol, flags);
  if (typeof kinds === 'number') return { status: kinds, answer: null };
  const canon = flags & AI_CANONNAME && host !== null ? host : '';
  const expand = (addresses: string[]) => expandAddresses(addresses, kinds, canon);
  const literal = literalAddresses(host, family, flags);
  if (typeof literal === 'number') return { status: literal, answer: null };
  if (literal !== null) return { status: 0, answer: expand(literal) };
  return { lookupFamily: family === AF_INET ? 4 : family === AF_INET6 ? 6 : 0, expand };
}
