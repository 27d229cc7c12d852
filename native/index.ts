/**
 * The only loader of the native DNS addon (`build/Release/gevent_native.node`): loaded lazily on
 * first use; when it cannot load, the JS fallback (Node's dns.lookup on libuv's threadpool)
 * takes over and says so once on stderr. Layer: native (imports nothing of ours).
 *
 * The addon runs blocking getaddrinfo/getnameinfo/gethostbyname/gethostbyaddr on threads it owns
 * — not libuv's 4-thread pool, where DNS would queue behind fs/crypto/zlib work — and reports
 * finished calls in batches through one ThreadSafeFunction.
 *
 * Env: `GEVENT_NATIVE=0` skips the addon (silently) and uses the fallback;
 * `GEVENT_NATIVE_ADDON=/path/to/gevent_native.node` loads the addon from that file instead.
 */

import { FallbackNameService } from './fallback.ts';
import { loadAddon } from './load-addon.ts';
import type { AddrInfo, Done, HostEnt, NameService, NameServiceStats } from './types.ts';

export {
  type AddrInfoPlan,
  expandAddresses,
  type Kind,
  literalAddresses,
  planAddrInfo,
  serviceName,
  servicePort,
  serviceText,
  socketKinds,
} from './addrinfo.ts';
export { FallbackNameService } from './fallback.ts';
export {
  NativeSpawner,
  nativeSpawner,
  nativeSpawnerError,
  type QueuedSpawn,
  SLOT_DEVNULL,
  SLOT_PIPE,
  SPAWN_SETSID,
  type SpawnEvents,
  type SpawnFeatures,
} from './spawn.ts';
export * from './types.ts';

/** The addon's exports (see native/src/addon.cc for the contract). */
interface Binding {
  init(
    deliver: (id: number, status: number, errno: number, result: unknown) => void,
    threads: number,
  ): void;
  lookup(id: number, host: string, family: number, hints: number, order: number): void;
  lookupMany(flat: Array<number | string>): void;
  getaddrinfo(
    id: number,
    host: string | null,
    service: string | null,
    family: number,
    socktype: number,
    protocol: number,
    flags: number,
  ): void;
  getnameinfo(
    id: number,
    host: string,
    port: number,
    flowinfo: number,
    scopeid: number,
    flags: number,
  ): void;
  gethostbyname(id: number, host: string, family: number): void;
  gethostbyaddr(id: number, host: string): void;
  cancel(id: number): boolean;
  stats(): NameServiceStats;
}

/** Where the addon may be, relative to this file (source tree, or dist/native/ after tsc). */

const DEFAULT_THREADS = 8;

/** Turns the addon's flat getaddrinfo array (8 slots per entry) into entries. */
function toAddrInfo(flat: unknown[]): AddrInfo[] {
  const out: AddrInfo[] = [];
  for (let i = 0; i < flat.length; i += 8) {
    out.push({
      family: flat[i] as number,
      socktype: flat[i + 1] as number,
      protocol: flat[i + 2] as number,
      canonname: flat[i + 3] as string,
      address: flat[i + 4] as string,
      port: flat[i + 5] as number,
      flowinfo: flat[i + 6] as number,
      scopeid: flat[i + 7] as number,
    });
  }
  return out;
}

function toHostEnt(pair: unknown): HostEnt {
  const [names, addresses] = pair as [string[], string[]];
  return { name: names[0] ?? '', aliases: names.slice(1), addresses };
}

/**
 * The name service backed by the addon's own threads.
 *
 * @example
 * const ns = addonNameService();
 * ns.lookup('localhost', 0, 0, 0, (status, errno, addresses) => console.log(addresses));
 */
export class AddonNameService implements NameService {
  readonly kind = 'addon' as const;
  private nextId = 0;
  private readonly pending = new Map<number, Done<any>>();
  private batch: Array<number | string> = [];
  private readonly flush = () => {
    const batch = this.batch;
    this.batch = [];
    let kept = batch;
    for (let i = 0; i < batch.length; i += 5) {
      if (this.pending.has(batch[i] as number)) continue;
      kept = batch.filter((_, j) => this.pending.has(batch[j - (j % 5)] as number));
      break;
    }
    if (kept.length > 0) this.binding.lookupMany(kept);
  };

  constructor(
    private readonly binding: Binding,
    threads: number,
  ) {
    binding.init((id, status, errno, result) => this.deliver(id, status, errno, result), threads);
  }

  lookup(host: string, family: number, hints: number, order: number, done: Done<string[]>): number {
    const id = this.track(done);
    // Lookups made in one turn of the loop go to the addon together (one call, one lock).
    if (this.batch.length === 0) queueMicrotask(this.flush);
    this.batch.push(id, host, family, hints, order);
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
    const id = this.track((status, errno, flat: unknown[] | null) =>
      done(status, errno, flat === null ? null : toAddrInfo(flat)),
    );
    this.binding.getaddrinfo(id, host, service, family, socktype, protocol, flags);
    return id;
  }

  getnameinfo(
    host: string,
    port: number,
    flowinfo: number,
    scopeid: number,
    flags: number,
    done: Done<[string, string]>,
  ): number {
    const id = this.track(done);
    this.binding.getnameinfo(id, host, port, flowinfo, scopeid, flags);
    return id;
  }

  gethostbyname(host: string, family: number, done: Done<HostEnt>): number {
    const id = this.track((status, errno, pair) =>
      done(status, errno, pair === null ? null : toHostEnt(pair)),
    );
    this.binding.gethostbyname(id, host, family);
    return id;
  }

  gethostbyaddr(address: string, done: Done<HostEnt>): number {
    const id = this.track((status, errno, pair) =>
      done(status, errno, pair === null ? null : toHostEnt(pair)),
    );
    this.binding.gethostbyaddr(id, address);
    return id;
  }

  cancel(id: number): boolean {
    if (!this.pending.delete(id)) return false;
    return this.binding.cancel(id);
  }

  stats(): NameServiceStats {
    return this.binding.stats();
  }

  private track(done: Done<any>): number {
    const id = (this.nextId = (this.nextId + 1) >>> 0 || 1);
    this.pending.set(id, done);
    return id;
  }

  /** Called by the addon, once per finished call, in batches. */
  private deliver(id: number, status: number, errno: number, result: unknown): void {
    const done = this.pending.get(id);
    if (done === undefined) return; // cancelled while it ran
    this.pending.delete(id);
    try {
      done(status, errno, result);
    } catch (error) {
      // As with Node's own DNS callbacks, an exception escapes as an uncaught exception; it must
      // not stop the rest of the batch from being delivered.
      process.nextTick(() => {
        throw error;
      });
    }
  }
}

let addon: AddonNameService | null = null;
let addonError: Error | null = null;
let chosen: NameService | null = null;
let warned = false;

/**
 * The addon's name service, loading the addon on first call. Throws when it cannot load.
 * `threads` (default 8) applies to the first call only: the addon starts once per process.
 *
 * @example
 * const ns = addonNameService({ threads: 4 });
 */
export function addonNameService(options: { threads?: number } = {}): AddonNameService {
  if (addon !== null) return addon;
  if (addonError !== null) throw addonError;
  const found = loadAddon<Binding>('gevent_native', 'GEVENT_NATIVE_ADDON');
  if (found.binding !== undefined) {
    return (addon = new AddonNameService(found.binding, options.threads ?? DEFAULT_THREADS));
  }
  addonError = new Error(`the native DNS addon could not be loaded (${found.failures.join('; ')})`);
  throw addonError;
}

let fallback: FallbackNameService | null = null;

/**
 * The JS fallback name service (Node's dns.lookup / dns.lookupService).
 *
 * @example
 * fallbackNameService().lookup('localhost', 4, 0, 0, (status, _errno, found) => {});
 */
export function fallbackNameService(): FallbackNameService {
  return (fallback ??= new FallbackNameService());
}

/**
 * The name service to use: the addon if it loads, else the fallback — after one line on stderr
 * saying why. `GEVENT_NATIVE=0` picks the fallback without a word.
 *
 * @example
 * const ns = nameService();
 * console.log(ns.kind); // 'addon' once `npm install` has built it
 */
export function nameService(options: { threads?: number } = {}): NameService {
  if (chosen !== null) return chosen;
  if (process.env.GEVENT_NATIVE === '0') return (chosen = fallbackNameService());
  try {
    return (chosen = addonNameService(options));
  } catch (error) {
    if (!warned) {
      warned = true;
      process.stderr.write(
        `gevent-ts: ${(error as Error).message}; DNS falls back to dns.lookup on libuv's ` +
          'threadpool. Build the addon with: npx node-gyp rebuild --directory native\n',
      );
    }
    return (chosen = fallbackNameService());
  }
}
