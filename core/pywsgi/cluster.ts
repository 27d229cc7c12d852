/**
 * Scale-out past one process: `workers: N` runs the WSGI server in N processes through
 * node:cluster, all sharing the listening port (gunicorn's `-k gevent` deployment). Layer: io
 * (pywsgi).
 *
 * The same script runs everywhere. In the primary, `start()` forks N workers running the main
 * script (or `workerExec`) and waits until each listens; it serves nothing itself. In a worker,
 * the same `new WSGIServer(...)` listens through the cluster's shared handle (port 0 gives every
 * worker the same free port) and serves. The workers accept on the shared socket themselves and
 * the kernel spreads the connections (`cluster.SCHED_NONE`, as gunicorn's workers do) rather than
 * Node's default on Linux, where the primary accepts every connection and passes it to a worker
 * round-robin: with short connections (`Connection: close`) that primary was the bottleneck, at
 * half the req/s of kernel balancing, for an even spread either way. `NODE_CLUSTER_SCHED_POLICY=rr`
 * keeps Node's round-robin. `stop(timeout)` in the primary asks every worker to stop
 * gracefully, waits for them to exit, and kills what is left. A worker that dies while the
 * server runs is replaced (at most twice per worker per 10 s, then the primary gives up on it).
 */

import cluster, { type Worker } from 'node:cluster';
import type { AddressInfo } from 'node:net';
import { Event } from '../event.ts';
import { spawn } from '../index.ts';
import { until, withTimeout } from '../wait.ts';
import type { LineLog } from './access-log.ts';
import type { ServerSettings } from './options.ts';

/** The IPC message a primary sends to ask a worker for a graceful stop. */
export const STOP_MESSAGE = 'gevent-ts:pywsgi:stop';
/** Seconds a worker has to start listening. */
const START_LIMIT = 60;
const RESPAWN_WINDOW_MS = 10_000;

/** What a cluster worker needs of its server. */
interface StoppableServer {
  stop(timeout?: number | null): Generator<unknown, void, unknown>;
}

let unwire: (() => void) | null = null;

/**
 * In a cluster worker: a stop message from the primary (or losing the primary) stops the server
 * gracefully. The server calls `leaveCluster()` when its stop is done.
 */
export function wireClusterWorker(server: StoppableServer): void {
  const onMessage = (message: unknown) => {
    const m = message as { type?: unknown; timeout?: unknown } | null;
    if (m?.type !== STOP_MESSAGE) return;
    const timeout = typeof m.timeout === 'number' ? m.timeout : undefined;
    spawn(function* stopWorker() {
      yield* server.stop(timeout);
    });
  };
  const onDisconnect = () => {
    spawn(function* stopOrphan() {
      yield* server.stop();
    });
  };
  process.on('message', onMessage);
  process.once('disconnect', onDisconnect);
  unwire = () => {
    process.off('message', onMessage);
    process.off('disconnect', onDisconnect);
  };
}

/** In a cluster worker whose server has stopped: leave the cluster so the process can exit. */
export function leaveCluster(): void {
  if (!cluster.isWorker) return;
  unwire?.();
  unwire = null;
  const worker = cluster.worker;
  if (worker?.isConnected()) worker.disconnect();
}

/** The primary's side: forks, watches and stops the workers. */
export class ClusterSupervisor {
  /** The address the workers listen on (from the first one that did). */
  address: AddressInfo | null = null;
  private readonly workers = new Set<Worker>();
  private readonly allExited = new Event();
  private readonly respawns: number[] = [];
  private stopping = false;
  private readonly errorLog: LineLog | null;

  constructor(private readonly settings: ServerSettings) {
    this.errorLog = settings.errorLog;
  }

  /** The live worker processes' ids. */
  get pids(): number[] {
    return [...this.workers].map((w) => w.process.pid ?? 0);
  }

  /** Forks the workers and waits until every one listens. */
  *start(): Generator<unknown, void, unknown> {
    const s = this.settings;
    if (process.env.NODE_CLUSTER_SCHED_POLICY === undefined)
      cluster.schedulingPolicy = cluster.SCHED_NONE;
    cluster.setupPrimary({
      exec: s.workerExec ?? process.argv[1]!,
      args: s.workerArgs ?? process.argv.slice(2),
    });
    const listening: Promise<AddressInfo>[] = [];
    for (let i = 0; i < s.workers; i++) listening.push(this.fork());
    try {
      const addresses = yield* withTimeout(START_LIMIT, until(Promise.all(listening)));
      this.address = (addresses as AddressInfo[])[0] ?? null;
    } catch (error) {
      this.close();
      throw error;
    }
  }

  /** Asks every worker to stop (graceful within `timeout` seconds) and returns at once. */
  close(timeout?: number): void {
    if (this.stopping) return;
    this.stopping = true;
    for (const worker of this.workers) {
      if (worker.isConnected()) worker.send({ type: STOP_MESSAGE, timeout });
      else worker.kill('SIGTERM');
    }
    if (this.workers.size === 0) this.allExited.set();
  }

  /** Graceful stop of every worker: waits `timeout` seconds (plus a margin), then kills. */
  *stop(timeout: number): Generator<unknown, void, unknown> {
    this.close(timeout);
    if (yield* this.allExited.wait(timeout + 5)) return;
    for (const worker of this.workers) worker.process.kill('SIGKILL');
    yield* this.allExited.wait(5);
  }

  private fork(): Promise<AddressInfo> {
    const worker = cluster.fork();
    this.workers.add(worker);
    const listening = new Promise<AddressInfo>((resolve, reject) => {
      worker.once('listening', (address: AddressInfo) => resolve(address));
      worker.once('exit', (code, signal) =>
        reject(
          new Error(`worker ${worker.process.pid} exited (${signal ?? code}) before listening`),
        ),
      );
    });
    listening.catch(() => {});
    worker.once('exit', (code, signal) => this.onExit(worker, code, signal));
    return listening;
  }

  private onExit(worker: Worker, code: number, signal: string | null): void {
    this.workers.delete(worker);
    if (this.stopping) {
      if (this.workers.size === 0) this.allExited.set();
      return;
    }
    const now = Date.now();
    while (this.respawns.length > 0 && now - this.respawns[0]! > RESPAWN_WINDOW_MS)
      this.respawns.shift();
    if (this.respawns.length >= 2 * this.settings.workers) {
      this.errorLog?.write(
        `worker ${worker.process.pid} exited (${signal ?? code}); too many restarts, not replacing it`,
      );
      return;
    }
    this.respawns.push(now);
    this.errorLog?.write(
      `worker ${worker.process.pid} exited (${signal ?? code}); starting a new one`,
    );
    this.fork().catch(() => {});
  }
}
