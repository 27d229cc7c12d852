/**
 * A drop-in for `dns.lookup` and `dns.promises.lookup` over any resolver backend. Layer:
 * io/resolver.
 *
 * Same arguments (family as 0/4/6 or 'IPv4'/'IPv6', hints, all, order, verbatim), same results,
 * same errors (`getaddrinfo ENOTFOUND host` with errno/code/syscall/hostname), and the same
 * shortcuts: a numeric address or an empty name is answered without a query. Invalid arguments
 * are handed to Node's own function, so the TypeError thrown is exactly Node's.
 */

import dns from 'node:dns';
import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import { promisify } from 'node:util';
import { AI_ADDRCONFIG, AI_ALL, AI_V4MAPPED, ORDER } from '../../native/index.ts';
import { dnsException } from './errors.ts';

/** One answer of a lookup with `all: true`. */
export interface LookupAddress {
  address: string;
  family: number;
}

/** The part of a resolver that `lookup` needs: one getaddrinfo-for-addresses call. */
export type AddressQuery = (
  host: string,
  family: number,
  hints: number,
  order: number,
  done: (status: number, errno: number, addresses: string[] | null) => void,
) => void;

/** A function with dns.lookup's signature. */
export type LookupFunction = typeof dns.lookup;

/** A function with dns.promises.lookup's signature. */
export type PromiseLookupFunction = typeof dns.promises.lookup;

const ORIGINAL = Symbol.for('gevent-ts.original');
const VALID_HINTS = AI_ADDRCONFIG | AI_ALL | AI_V4MAPPED;

interface Parsed {
  family: number;
  hints: number;
  all: boolean;
  order: number;
}

function nodeLookup(): LookupFunction {
  return (dns.lookup as any)[ORIGINAL] ?? dns.lookup;
}

function nodePromiseLookup(): PromiseLookupFunction {
  return (dns.promises.lookup as any)[ORIGINAL] ?? dns.promises.lookup;
}

function orderOf(name: unknown): number | null {
  return name === 'verbatim' || name === 'ipv4first' || name === 'ipv6first' ? ORDER[name] : null;
}

/** Node 20's option rules; null where Node would throw (it is then left to throw). */
function parseOptions(options: unknown): Parsed | null {
  const parsed: Parsed = {
    family: 0,
    hints: 0,
    all: false,
    order: orderOf(dns.getDefaultResultOrder()) ?? ORDER.verbatim,
  };
  if (typeof options === 'number') {
    if (options !== 0 && options !== 4 && options !== 6) return null;
    parsed.family = options;
    return parsed;
  }
  if (options === undefined || options === null) return parsed;
  if (typeof options !== 'object') return null;
  const o = options as Record<string, unknown>;
  if (o.hints != null) {
    if (typeof o.hints !== 'number' || ((o.hints >>> 0) & ~VALID_HINTS) !== 0) return null;
    parsed.hints = o.hints >>> 0;
  }
  if (o.family != null) {
    const f = o.family === 'IPv4' ? 4 : o.family === 'IPv6' ? 6 : o.family;
    if (f !== 0 && f !== 4 && f !== 6) return null;
    parsed.family = f;
  }
  if (o.all != null) {
    if (typeof o.all !== 'boolean') return null;
    parsed.all = o.all;
  }
  if (o.verbatim != null) {
    if (typeof o.verbatim !== 'boolean') return null;
    parsed.order = o.verbatim ? ORDER.verbatim : ORDER.ipv4first;
  }
  if (o.order != null) {
    const order = orderOf(o.order);
    if (order === null) return null;
    parsed.order = order;
  }
  return parsed;
}

let warnedEmptyHostname = false;

function warnEmptyHostname(hostname: unknown): void {
  if (warnedEmptyHostname) return;
  warnedEmptyHostname = true;
  process.emitWarning(
    `The provided hostname "${String(hostname)}" is not a valid hostname, and is supported in ` +
      'the dns module solely for compatibility.',
    'DeprecationWarning',
    'DEP0118',
  );
}

/** The name as getaddrinfo should see it (IDNA, as libuv does). */
export function asciiName(hostname: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ASCII range check
  if (/^[\x00-\x7f]*$/.test(hostname)) return hostname;
  return domainToASCII(hostname) || hostname;
}

function familyOf(address: string): number {
  return address.includes(':') ? 6 : 4;
}

type AnswerCallback = (error: Error | null, address?: any, family?: number) => void;

/** Answers `parsed` for `hostname` through `query`; the callback always runs asynchronously. */
function answer(query: AddressQuery, hostname: unknown, p: Parsed, callback: AnswerCallback) {
  if (!hostname) {
    warnEmptyHostname(hostname);
    if (p.all) process.nextTick(callback, null, []);
    else process.nextTick(callback, null, null, p.family === 6 ? 6 : 4);
    return;
  }
  const name = hostname as string;
  const literal = isIP(name);
  if (literal !== 0) {
    if (p.all) process.nextTick(callback, null, [{ address: name, family: literal }]);
    else process.nextTick(callback, null, name, literal);
    return;
  }
  query(asciiName(name), p.family, p.hints, p.order, (status, errno, addresses) => {
    if (status !== 0 || addresses === null || addresses.length === 0) {
      callback(dnsException(status || -5, errno, 'getaddrinfo', name));
    } else if (p.all) {
      callback(
        null,
        addresses.map((address) => ({ address, family: p.family || familyOf(address) })),
      );
    } else {
      callback(null, addresses[0], p.family || familyOf(addresses[0]!));
    }
  });
}

/**
 * Builds a `dns.lookup` drop-in over `query`; usable as the `lookup` option of net, http, https
 * and undici, and with `util.promisify`.
 *
 * @example
 * const lookup = createLookup(query);
 * http.get({ host: 'localhost', port, lookup }, onResponse);
 */
export function createLookup(query: AddressQuery): LookupFunction {
  function lookup(...args: unknown[]): object {
    const [hostname, options, callback] = args;
    let cb = callback;
    let opts = options;
    if (typeof options === 'function') {
      cb = options;
      opts = undefined;
    }
    const parsed =
      (hostname && typeof hostname !== 'string') || typeof cb !== 'function'
        ? null
        : parseOptions(opts);
    if (parsed === null) return (nodeLookup() as Function).apply(dns, args);
    answer(query, hostname, parsed, cb as AnswerCallback);
    return {};
  }
  Object.defineProperty(lookup, promisify.custom, {
    value: createPromiseLookup(query),
    enumerable: false,
  });
  return lookup as unknown as LookupFunction;
}

/**
 * Builds a `dns.promises.lookup` drop-in over `query`.
 *
 * @example
 * const { address } = await createPromiseLookup(query)('localhost');
 */
export function createPromiseLookup(query: AddressQuery): PromiseLookupFunction {
  function lookup(...args: unknown[]): Promise<unknown> {
    const [hostname, options] = args;
    const parsed = hostname && typeof hostname !== 'string' ? null : parseOptions(options);
    if (parsed === null) return (nodePromiseLookup() as Function).apply(dns.promises, args);
    return new Promise((resolve, reject) => {
      answer(query, hostname, parsed, (error, address, family) => {
        if (error) reject(error);
        else resolve(parsed.all ? address : { address, family });
      });
    });
  }
  return lookup as unknown as PromiseLookupFunction;
}
