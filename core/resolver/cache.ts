/**
 * An optional TTL-respecting cache in front of a resolver's address queries (what the npm
 * package cacheable-lookup does for dns.lookup). Layer: io/resolver.
 *
 * Answers are kept for their DNS TTL (the `ares` backend knows it), capped by `maxTtl`; answers
 * without a TTL (getaddrinfo does not report one: `thread`, `block`, /etc/hosts) are kept for
 * `fallbackTtl`. Failures are kept for `errorTtl`, so a burst of lookups of a dead name makes
 * one query. Concurrent lookups of the same name share one query. Entries expire lazily: the
 * cache holds no timers.
 */

import { validateTimeout } from '../internal/validators.ts';

/** Settings of a `LookupCache`; all durations in seconds. */
export interface LookupCacheOptions {
  /** Upper bound on how long any answer is kept. Default: no bound beyond the TTL. */
  maxTtl?: number;
  /** How long to keep answers that carry no TTL. Default 60. 0 keeps none. */
  fallbackTtl?: number;
  /** How long to keep a failure. Default 0.15. */
  errorTtl?: number;
  /** Most entries kept; the oldest goes first. Default 10,000. */
  maxEntries?: number;
}

/** A query that may report the answer's TTL (seconds); undefined when it does not know. */
export type TtlQuery = (
  host: string,
  family: number,
  hints: number,
  order: number,
  done: (status: number, errno: number, addresses: string[] | null, ttl?: number) => void,
) => void;

type Done = Parameters<TtlQuery>[4];

interface Entry {
  expires: number;
  status: number;
  errno: number;
  addresses: string[] | null;
}

function seconds(value: number | undefined, name: string, fallback: number): number {
  const checked = validateTimeout(value, `LookupCacheOptions.${name}`);
  return checked === undefined || checked === null ? fallback : checked;
}

/**
 * Caches address lookups by (name, family, hints, order).
 *
 * @example
 * const resolver = new ThreadResolver({ cache: { maxTtl: 30 } });
 * http.get({ host: 'localhost', port, lookup: resolver.lookup }); // repeated gets hit the cache
 * resolver.cache?.clear();
 */
export class LookupCache {
  readonly maxTtl: number;
  readonly fallbackTtl: number;
  readonly errorTtl: number;
  readonly maxEntries: number;
  /** Answers served from the cache / queries made, for tests and tuning. */
  hits = 0;
  misses = 0;
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, Done[]>();

  constructor(options: LookupCacheOptions = {}) {
    this.maxTtl = seconds(options.maxTtl, 'maxTtl', Number.POSITIVE_INFINITY);
    this.fallbackTtl = seconds(options.fallbackTtl, 'fallbackTtl', 60);
    this.errorTtl = seconds(options.errorTtl, 'errorTtl', 0.15);
    const max = options.maxEntries ?? 10_000;
    if (!Number.isInteger(max) || max < 1) {
      throw new RangeError(`LookupCacheOptions.maxEntries must be an integer >= 1, got ${max}`);
    }
    this.maxEntries = max;
  }

  /** Wraps `query` so that its answers are cached. */
  wrap(query: TtlQuery): TtlQuery {
    return (host, family, hints, order, done) => {
      const key = `${family}|${hints}|${order}|${host.toLowerCase()}`;
      const entry = this.entries.get(key);
      if (entry !== undefined && entry.expires > performance.now()) {
        this.hits++;
        const { status, errno, addresses } = entry;
        process.nextTick(done, status, errno, addresses === null ? null : addresses.slice());
        return;
      }
      const waiting = this.inflight.get(key);
      if (waiting !== undefined) {
        this.hits++;
        waiting.push(done);
        return;
      }
      this.misses++;
      this.inflight.set(key, [done]);
      query(host, family, hints, order, (status, errno, addresses, ttl) => {
        this.store(key, status, errno, addresses, ttl);
        const callbacks = this.inflight.get(key) ?? [];
        this.inflight.delete(key);
        for (const cb of callbacks)
          cb(status, errno, addresses === null ? null : addresses.slice());
      });
    };
  }

  /** Number of entries held (expired ones included until they are next looked at). */
  get size(): number {
    return this.entries.size;
  }

  /** Forgets everything (or one host name). */
  clear(host?: string): void {
    if (host === undefined) {
      this.entries.clear();
      return;
    }
    const suffix = `|${host.toLowerCase()}`;
    for (const key of this.entries.keys()) if (key.endsWith(suffix)) this.entries.delete(key);
  }

  private store(
    key: string,
    status: number,
    errno: number,
    addresses: string[] | null,
    ttl: number | undefined,
  ): void {
    const keep = status !== 0 ? this.errorTtl : Math.min(ttl ?? this.fallbackTtl, this.maxTtl);
    if (!(keep > 0)) return;
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, { expires: performance.now() + keep * 1000, status, errno, addresses });
  }
}
