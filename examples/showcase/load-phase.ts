/**
 * Showcase phase 1: I/O latency of the HTTP service alone, with CPU requests on the ThreadPool,
 * and with the same CPU requests done inline on the hub. Layer: example (examples/showcase).
 */

import { sleep } from '../../core/index.ts';
import { type Clients, startClients, timedGet } from './clients.ts';
import { formatLatency, type LatencySummary, progress, summarize } from './report.ts';
import type { Service } from './service.ts';

/** I/O clients hammering `/io` in every window. */
export const IO_CLIENTS = 10;
/** Clients sending CPU requests in the CPU windows. */
export const CPU_CLIENTS = 2;

/** One measurement window's figures. */
export interface WindowResult extends LatencySummary {
  cpuJobs: number;
}

/** The three windows of phase 1. */
export interface LoadResults {
  idle: WindowResult;
  pooled: WindowResult;
  inline: WindowResult;
}

interface WindowPlan {
  label: string;
  seconds: number;
  cpuPath: '/cpu' | '/cpu-inline' | null;
  /** Runs once, halfway through the window (the greenlet tree printout). */
  midway?: () => void;
}

function cpuCount(service: Service, path: WindowPlan['cpuPath']): number {
  if (path === '/cpu') return service.cpuDone.pool;
  if (path === '/cpu-inline') return service.cpuDone.inline;
  return 0;
}

/** Runs one window: CPU clients (if any) next to the I/O clients, progress every 0.5 s. */
function* measureWindow(
  service: Service,
  io: Clients,
  plan: WindowPlan,
): Generator<unknown, WindowResult, unknown> {
  const cpu =
    plan.cpuPath === null
      ? null
      : startClients(service.base, plan.cpuPath, CPU_CLIENTS, { name: 'cpu-client' });
  yield* sleep(0.2); // let the CPU load settle in before measuring
  io.takeLatencies();
  const cpuBefore = cpuCount(service, plan.cpuPath);
  const samples: number[] = [];
  const start = performance.now();
  let midwayDone = plan.midway === undefined;
  for (let tick = 1; tick <= Math.round(plan.seconds / 0.5); tick++) {
    yield* sleep(0.5);
    samples.push(...io.takeLatencies());
    const now = summarize(samples, (performance.now() - start) / 1000);
    const jobs = cpuCount(service, plan.cpuPath) - cpuBefore;
    progress(
      `${plan.label}: ${now.count} I/O requests, p99 so far ${now.p99.toFixed(1)} ms, ${jobs} CPU jobs`,
    );
    if (!midwayDone && tick * 0.5 >= plan.seconds / 2) {
      midwayDone = true;
      plan.midway!();
    }
  }
  const result = summarize(samples, (performance.now() - start) / 1000);
  const cpuJobs = cpuCount(service, plan.cpuPath) - cpuBefore;
  if (cpu !== null) yield* cpu.stop();
  return { ...result, cpuJobs };
}

/**
 * Phase 1. `midway` runs halfway through the ThreadPool window, when the most greenlets are live.
 *
 * @example
 * const results = yield* loadPhase(service, () => printTree());
 */
export function* loadPhase(
  service: Service,
  midway: () => void,
): Generator<unknown, LoadResults, unknown> {
  yield* timedGet(`${service.base}/cpu`); // start the pool's thread (not measured)
  const io = startClients(service.base, '/io', IO_CLIENTS, { name: 'io-client' });
  try {
    const idle = yield* measureWindow(service, io, {
      label: 'I/O alone',
      seconds: 2,
      cpuPath: null,
    });
    console.log(`  I/O alone:                  ${formatLatency(idle)}`);
    const pooled = yield* measureWindow(service, io, {
      label: 'I/O + CPU on the ThreadPool',
      seconds: 2.5,
      cpuPath: '/cpu',
      midway,
    });
    console.log(
      `  I/O + CPU on the ThreadPool: ${formatLatency(pooled)}, ${pooled.cpuJobs} CPU jobs`,
    );
    const inline = yield* measureWindow(service, io, {
      label: 'I/O + CPU inline on the hub',
      seconds: 1.5,
      cpuPath: '/cpu-inline',
    });
    console.log(
      `  I/O + CPU inline on the hub: ${formatLatency(inline)}, ${inline.cpuJobs} CPU jobs`,
    );
    return { idle, pooled, inline };
  } finally {
    yield* io.stop();
  }
}
