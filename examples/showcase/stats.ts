/**
 * The dashboard's numbers: a sampler greenlet that reads the hub, the ThreadPool, the monitor's
 * reports and the I/O latencies once a second and keeps the last few minutes of samples.
 * Layer: example (examples/showcase).
 */

import { type Greenlet, getHub, sleep, spawn } from '../../core/index.ts';
import type { ThreadPool } from '../../threadpool/index.ts';
import type { BlockLog } from './inspect.ts';
import { percentile } from './report.ts';

/** One sample, taken once a second. */
export interface Sample {
  /** Seconds since the sampler started. */
  t: number;
  greenlets: number;
  switchesPerSecond: number;
  spawned: number;
  spawnedPerSecond: number;
  poolQueued: number;
  poolRunning: number;
  poolThreads: number;
  /** Blocked-hub reports so far, and the longest block in this second (ms, 0 if none). */
  blockedReports: number;
  blockedMs: number;
  ioCount: number;
  ioP50: number;
  ioP99: number;
}

/** What `/stats` answers. */
export interface StatsPayload {
  uptime: number;
  latest: Sample | null;
  history: Sample[];
  /** Blocked-hub reports so far (up to date; the samples lag by up to a second). */
  blockedTotal: number;
  blocks: Array<{ t: number; ms: number; greenlet: string; where: string }>;
}

/** Samples kept (five minutes). */
const KEEP = 300;

/**
 * Samples the runtime once a second. `recordLatency(ms)` feeds the I/O latency figures.
 *
 * @example
 * const stats = new StatsSampler(service.pool, blocks);
 * stats.start();
 * JSON.stringify(stats.payload());
 */
export class StatsSampler {
  private readonly history: Sample[] = [];
  private latencies: number[] = [];
  private readonly started = performance.now();
  private greenlet: Greenlet<void> | null = null;

  constructor(
    private readonly pool: ThreadPool,
    private readonly blocks: BlockLog,
  ) {}

  recordLatency(ms: number): void {
    this.latencies.push(ms);
  }

  /** Starts the sampling greenlet. */
  start(): void {
    this.greenlet = spawn(this.loop.bind(this));
    this.greenlet.name = 'stats-sampler';
  }

  /** Stops it. */
  *stop(): Generator<unknown, void, unknown> {
    if (this.greenlet !== null) yield* this.greenlet.kill();
  }

  /** The `/stats` answer: the newest sample, the last two minutes, the last blocked-hub reports. */
  payload(): StatsPayload {
    return {
      uptime: this.seconds(),
      latest: this.history.at(-1) ?? null,
      history: this.history.slice(-120),
      blockedTotal: this.blocks.total,
      blocks: this.blocks.entries.slice(-10).map((b) => ({
        t: Math.round((b.at - this.started) / 100) / 10,
        ms: Math.round(b.seconds * 1000),
        greenlet: b.greenlet,
        where: b.info.find((line) => line.includes('Blocked for'))?.trim() ?? '',
      })),
    };
  }

  private seconds(): number {
    return (performance.now() - this.started) / 1000;
  }

  private *loop(): Generator<unknown, void, unknown> {
    const hub = getHub();
    let last = { at: performance.now(), switches: hub.switches, spawned: hub.spawnCount };
    let reportsSeen = this.blocks.total;
    for (;;) {
      yield* sleep(1);
      const now = { at: performance.now(), switches: hub.switches, spawned: hub.spawnCount };
      const dt = Math.max(0.001, (now.at - last.at) / 1000);
      const newReports = this.blocks.total - reportsSeen;
      const fresh = newReports > 0 ? this.blocks.entries.slice(-newReports) : [];
      reportsSeen = this.blocks.total;
      const io = this.latencies;
      this.latencies = [];
      const pool = this.pool.statistics();
      this.history.push({
        t: Math.round(this.seconds() * 10) / 10,
        greenlets: hub.greenletCount,
        switchesPerSecond: Math.round((now.switches - last.switches) / dt),
        spawned: now.spawned,
        spawnedPerSecond: Math.round((now.spawned - last.spawned) / dt),
        poolQueued: pool.queued,
        poolRunning: pool.running,
        poolThreads: pool.size,
        blockedReports: this.blocks.total,
        blockedMs: Math.round(Math.max(0, ...fresh.map((b) => b.seconds * 1000))),
        ioCount: io.length,
        ioP50: round1(percentile(io, 50)),
        ioP99: round1(percentile(io, 99)),
      });
      if (this.history.length > KEEP) this.history.shift();
      last = now;
    }
  }
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
