/**
 * gevent-ts: gevent's greenlets, hub and primitives for TypeScript on Node.js.
 *
 * Layers (each imports only those above it):
 *   internal/ (timer heap, link list, wait op, validators), errors, config
 *   scheduler: hub, greenlet, timeout, sleep, wait
 *   primitives: event, queue, lock, pool, local
 *
 * @example
 * import { run, spawn, joinall, sleep } from 'gevent-ts';
 * await run(function* () {
 *   const jobs = [1, 2, 3].map((n) => spawn(function* () { yield* sleep(0.1 * n); return n; }));
 *   yield* joinall(jobs, { timeout: 2 });
 *   console.log(jobs.map((g) => g.value));
 * });
 *
 * @module gevent-ts
 */

export { config } from './config.ts';
export {
  BlockingSwitchOutError,
  ConcurrentObjectUseError,
  Empty,
  Full,
  GeventError,
  GreenletExit,
  LoopExit,
  PoolFull,
} from './errors.ts';
export { AsyncResult, type AsyncResultStatistics, Event, type EventStatistics } from './event.ts';
export {
  CHANNELS,
  EventLoopBlocked,
  GreenletSpawned,
  MemoryUsageThresholdExceeded,
  MemoryUsageUnderThreshold,
  notify,
  type RuntimeEvent,
  type Subscriber,
  type SwitchTrace,
  setSwitchTrace,
  subscribe,
  subscribers,
} from './events.ts';
export {
  type AnyFn,
  type BodyResult,
  Greenlet,
  type GreenletLinkTarget,
  type Op,
  type OpLike,
} from './greenlet.ts';
export { type ErrorHandler, getHub, Hub } from './hub.ts';
export type { LinkCallback } from './internal/linkable.ts';
export { local } from './local.ts';
export {
  type AcquireOptions,
  BoundedSemaphore,
  DummySemaphore,
  Lock,
  RLock,
  type RLockStatistics,
  Semaphore,
  type SemaphoreStatistics,
} from './lock.ts';
export {
  HubMonitor,
  type MonitoringFunction,
  type MonitorOptions,
  startMonitor,
} from './monitor.ts';
export { BaseGroup, Group, type GroupStatistics, type OpIterator, Pool } from './pool.ts';
export {
  type BlockOptions,
  Channel,
  type Compare,
  JoinableQueue,
  LifoQueue,
  PriorityQueue,
  Queue,
  type QueueStatistics,
  SimpleQueue,
  StopIteration,
  type StopMarker,
} from './queue.ts';
export { SignalHandler, signalHandler } from './signal.ts';
export { idle, sleep } from './sleep.ts';
export { getcurrent, kill, spawn, spawnLater, spawnRaw } from './spawn.ts';
export { Timeout, type TimeoutException } from './timeout.ts';
export {
  IWait,
  iwait,
  type JoinallOptions,
  joinall,
  killall,
  run,
  until,
  type Waitable,
  type WaitOptions,
  wait,
  withTimeout,
} from './wait.ts';
