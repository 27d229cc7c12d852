/**
 * The name-service calls answered by c-ares (Node's `dns.Resolver`) after the hosts file, for
 * the `ares` resolver. Layer: io/resolver.
 *
 * c-ares runs on the event loop (non-blocking sockets), not on any thread pool, and knows each
 * answer's TTL, which the lookup cache uses. Queries for both families run in parallel and
 * answer IPv4 first, then IPv6. c-ares errors map to getaddrinfo's: no such name/no data →
 * EAI_NONAME (`ENOTFOUND` from lookup), timeouts/refusals/server failures → EAI_AGAIN.
 */

import { Resolver as CaresResolver } from 'node:dns';
import { isIP } from 'node:net';
import {
  type AddrInfo,
  AF_INET6,
  AI_V4MAPPED,
  type Done,
  EAI,
  HERRNO,
  type HostEnt,
  type NameService,
  type NameServiceStats,
  NI_NAMEREQD,
  NI_NOFQDN,
  NI_NUMERICHOST,
  ORDER,
  planAddrInfo,
  serviceText,
} from '../../native/index.ts';
import type { HostsFile } from './hosts-file.ts';

/** c-ares settings; `timeout` in seconds. */
export interface AresSettings {
  servers?: string[];
  timeout?: number;
  tries?: number;
}

type Answer = { addresses: string[]; ttl: number | undefined };
type TtlDone = (status: number, errno: number, addresses: string[] | null, ttl?: number) => void;

const NAME_ERRORS = new Set(['ENOTFOUND', 'ENODATA', 'ENONAME', 'EBADNAME', 'EBADQUERY']);
const RETRY_ERRORS = new Set(['ETIMEOUT', 'ECONNREFUSED', 'ESERVFAIL', 'EREFUSED', 'EOF']);

/** A c-ares error code as an EAI_* status. */
export function aresStatus(code: string | undefined): number {
  if (code === undefined || NAME_ERRORS.has(code)) return EAI.NONAME;
  if (RETRY_ERRORS.has(code)) return EAI.AGAIN;
  if (code === 'ECANCELLED' || code === 'EDESTRUCTION') return EAI.CANCELED;
  if (code === 'ENOMEM') return EAI.MEMORY;
  return EAI.FAIL;
}

function hostStatus(status: number): number {
  if (status === EAI.AGAIN) return HERRNO.TRY_AGAIN;
  if (status === EAI.NONAME) return HERRNO.HOST_NOT_FOUND;
  return HERRNO.NO_RECOVERY;
}

function ordered(addresses: string[], order: number): string[] {
  if (order === ORDER.verbatim) return addresses;
  const v4 = addresses.filter((a) => !a.includes(':'));
  const v6 = addresses.filter((a) => a.includes(':'));
  return order === ORDER.ipv4first ? [...v4, ...v6] : [...v6, ...v4];
}

/**
 * c-ares behind the NameService contract.
 *
 * @example
 * const ns = new AresNameService(new HostsFile(), { servers: ['127.0.0.1:5353'] });
 */
export class AresNameService implements NameService {
  readonly kind = 'ares';
  readonly cares: CaresResolver;
  private nextId = 0;
  private readonly pending = new Map<number, Done<any>>();

  constructor(
    readonly hosts: HostsFile,
    settings: AresSettings = {},
  ) {
    const timeout = settings.timeout === undefined ? -1 : Math.round(settings.timeout * 1000);
    this.cares = new CaresResolver({ timeout, tries: settings.tries ?? 4 });
    if (settings.servers !== undefined) this.cares.setServers(settings.servers);
  }

  lookup(host: string, family: number, hints: number, order: number, done: TtlDone): number {
    const id = this.track(done);
    this.addresses(host, family, hints, (status, answer) => {
      if (status !== 0) this.settle(id, status, null);
      else this.settle(id, 0, ordered(answer!.addresses, order), answer!.ttl);
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
      process.nextTick(() => this.settle(id, plan.status, plan.answer));
      return id;
    }
    this.addresses(host!, plan.lookupFamily, flags, (status, answer) => {
      if (status !== 0) this.settle(id, status, null);
      else this.settle(id, 0, plan.expand(answer!.addresses));
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
    const service = serviceText(port & 0xffff, flags);
    const finish = (name: string | null) => {
      if (name !== null) {
        const shown = flags & NI_NOFQDN ? name.split('.')[0]! : name;
        this.settle(id, 0, [shown, service]);
      } else if (flags & NI_NAMEREQD) this.settle(id, EAI.NONAME, null);
      else this.settle(id, 0, [host, service]);
    };
    if (isIP(host) === 0) {
      process.nextTick(() => this.settle(id, EAI.NONAME, null));
    } else if (flags & NI_NUMERICHOST) {
      process.nextTick(() => this.settle(id, 0, [host, service]));
    } else {
      this.reverse(host, (he) => finish(he === null ? null : he.name));
    }
    return id;
  }

  gethostbyname(host: string, family: number, done: Done<HostEnt>): number {
    const id = this.track(done);
    const version = family === AF_INET6 ? 6 : 4;
    const local = isIP(host) !== 0 ? null : this.hosts.hostent(host, version);
    if (isIP(host) !== 0 || local !== null) {
      const literal =
        isIP(host) === version ? { name: host, aliases: [], addresses: [host] } : null;
      const answer = local ?? literal;
      process.nextTick(() =>
        answer === null ? this.settle(id, HERRNO.HOST_NOT_FOUND, null) : this.settle(id, 0, answer),
      );
      return id;
    }
    this.query(host, version, false, (status, answer) => {
      if (status !== 0) this.settle(id, hostStatus(status), null);
      else this.settle(id, 0, { name: host, aliases: [], addresses: answer!.addresses });
    });
    return id;
  }

  gethostbyaddr(address: string, done: Done<HostEnt>): number {
    const id = this.track(done);
    this.reverse(address, (he) =>
      he === null ? this.settle(id, HERRNO.HOST_NOT_FOUND, null) : this.settle(id, 0, he),
    );
    return id;
  }

  cancel(id: number): boolean {
    this.pending.delete(id);
    return false;
  }

  stats(): NameServiceStats {
    return { threads: 0, idle: 0, queued: 0, outstanding: this.pending.size };
  }

  /** Cancels every query in flight (they fail with EAI_CANCELED). */
  close(): void {
    this.cares.cancel();
  }

  /** The hosts file (no TTL), else DNS; always answers on a later tick. */
  private addresses(
    host: string,
    family: number,
    hints: number,
    done: (status: number, answer: Answer | null) => void,
  ): void {
    const local = this.hosts.lookup(host, family);
    if (local !== null) process.nextTick(done, 0, { addresses: local, ttl: undefined });
    else this.query(host, family, (hints & AI_V4MAPPED) !== 0, done);
  }

  /** A/AAAA queries for `family` (0: both, in parallel), with the smallest TTL seen. */
  private query(
    host: string,
    family: number,
    v4mapped: boolean,
    done: (status: number, answer: Answer | null) => void,
  ): void {
    const families = family === 0 ? [4, 6] : [family];
    const answers: Array<Answer | number> = [];
    let left = families.length;
    families.forEach((f, index) => {
      const method = f === 4 ? 'resolve4' : 'resolve6';
      this.cares[method](host, { ttl: true }, (error, records) => {
        answers[index] = error
          ? aresStatus(error.code)
          : {
              addresses: records.map((r) => r.address),
              ttl: Math.min(...records.map((r) => r.ttl)),
            };
        if (--left === 0) this.combine(host, family, v4mapped, answers, done);
      });
    });
  }

  private combine(
    host: string,
    family: number,
    v4mapped: boolean,
    answers: Array<Answer | number>,
    done: (status: number, answer: Answer | null) => void,
  ): void {
    const found = answers.filter((a): a is Answer => typeof a !== 'number');
    if (found.length > 0) {
      const ttl = Math.min(...found.map((a) => a.ttl ?? Number.POSITIVE_INFINITY));
      done(0, { addresses: found.flatMap((a) => a.addresses), ttl });
      return;
    }
    if (family === 6 && v4mapped) {
      this.query(host, 4, false, (status, answer) => {
        if (status !== 0) done(status, null);
        else done(0, { addresses: answer!.addresses.map((a) => `::ffff:${a}`), ttl: answer!.ttl });
      });
      return;
    }
    const statuses = answers as number[];
    done(statuses.includes(EAI.AGAIN) ? EAI.AGAIN : statuses[0]!, null);
  }

  /** The hosts file, then a PTR query. */
  private reverse(address: string, done: (he: HostEnt | null) => void): void {
    const local = isIP(address) === 0 ? null : this.hosts.reverse(address);
    if (isIP(address) === 0 || local !== null) {
      process.nextTick(() => done(local === null ? null : { ...local, addresses: [address] }));
      return;
    }
    this.cares.reverse(address, (error, names) => {
      if (error || names.length === 0) done(null);
      else done({ name: names[0]!, aliases: names.slice(1), addresses: [address] });
    });
  }

  private track(done: Done<any>): number {
    const id = (this.nextId = (this.nextId + 1) >>> 0 || 1);
    this.pending.set(id, done);
    return id;
  }

  private settle(id: number, status: number, result: unknown, ttl?: number): void {
    const done = this.pending.get(id);
    if (done === undefined) return;
    this.pending.delete(id);
    (done as TtlDone)(status, 0, result as string[] | null, ttl);
  }
}
