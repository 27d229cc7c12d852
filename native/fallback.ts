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
import { isIP } from 'node:net';
import { planAddrInfo, serviceText } from './addrinfo.ts';
import {
  type AddrInfo,
  AF_INET6,
  AI_ADDRCONFIG,
  AI_ALL,
  AI_V4MAPPED,
  type Done,
  EAI,
  HERRNO,
  type HostEnt,
  type NameService,
  type NameServiceStats,
  NI_NAMEREQD,
  NI_NUMERICHOST,
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
    const plan = planAddrInfo(host, service, family, socktype, protocol, flags);
    if (plan.lookupFamily === undefined) {
      this.later(id, plan.status, plan.answer ?? undefined);
      return id;
    }
    const options = {
      family: plan.lookupFamily,
      hints: flags & (AI_ADDRCONFIG | AI_V4MAPPED | AI_ALL),
      all: true as const,
      order: 'verbatim' as const,
    };
    unpatched(dns.lookup)(host!, options, (error, found) => {
      if (error) this.fail(id, error);
      else this.finish(id, plan.expand(found.map((a) => a.address)));
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
