/**
 * Runtime events (gevent's `gevent.events`): a list of subscribers every event is given to, the
 * event classes the monitor and the greenlets emit, their node:diagnostics_channel channels, and
 * the switch trace hook. Layer: scheduler.
 *
 * Events are cheap when nobody listens: `GreenletSpawned` is only built when `subscribers` is
 * non-empty or its channel has subscribers, and the switch trace costs the hub one branch per
 * step while unset.
 */

import diagnosticsChannel from 'node:diagnostics_channel';
import type { Greenlet } from './greenlet.ts';
import { getHub, type SwitchTrace } from './hub.ts';

export type { SwitchTrace } from './hub.ts';

/**
 * Any event this runtime emits.
 *
 * @example
 * const log: RuntimeEvent[] = [];
 * subscribe((event) => log.push(event));
 */
export type RuntimeEvent =
  | EventLoopBlocked
  | MemoryUsageThresholdExceeded
  | MemoryUsageUnderThreshold
  | GreenletSpawned;

/**
 * A subscriber: called synchronously with each event, in hub context or the emitting code.
 *
 * @example
 * const onEvent: Subscriber = (event) => console.log(event.constructor.name);
 */
export type Subscriber = (event: RuntimeEvent) => void;

/**
 * Every event is passed to each of these, in order (gevent's `gevent.events.subscribers`). An
 * exception from a subscriber propagates to the emitter and skips the remaining subscribers, as
 * in gevent; the monitor reports such an error through `hub.handleError`.
 *
 * @example
 * subscribers.push((event) => console.log(event.constructor.name));
 */
export const subscribers: Subscriber[] = [];

/**
 * The diagnostics_channel names each event is also published on (both memory events share one).
 *
 * @example
 * import diagnosticsChannel from 'node:diagnostics_channel';
 * diagnosticsChannel.subscribe(CHANNELS.eventLoopBlocked, (e) => log((e as EventLoopBlocked).info));
 */
export const CHANNELS = {
  eventLoopBlocked: 'gevent-ts:event-loop-blocked',
  memoryThreshold: 'gevent-ts:memory-threshold',
  greenletSpawned: 'gevent-ts:greenlet-spawned',
} as const;

const blockedChannel = diagnosticsChannel.channel(CHANNELS.eventLoopBlocked);
const memoryChannel = diagnosticsChannel.channel(CHANNELS.memoryThreshold);
const spawnedChannel = diagnosticsChannel.channel(CHANNELS.greenletSpawned);

/**
 * Adds `fn` to `subscribers`; returns the function that removes it.
 *
 * @example
 * const unsubscribe = subscribe((event) => {
 *   if (event instanceof EventLoopBlocked) console.warn(`${event.greenlet} blocked the hub`);
 * });
 * // ... later
 * unsubscribe();
 */
export function subscribe(fn: Subscriber): () => void {
  if (typeof fn !== 'function') {
    throw new TypeError(`subscribe(fn): fn must be a function, got ${typeof fn}`);
  }
  subscribers.push(fn);
  return () => {
    const i = subscribers.indexOf(fn);
    if (i >= 0) subscribers.splice(i, 1);
  };
}

/**
 * Gives `event` to every subscriber, then publishes it on its diagnostics channel.
 *
 * @example
 * notify(new EventLoopBlocked(null, 0.25, ['blocked in a timer callback']));
 */
export function notify(event: RuntimeEvent): void {
  for (const fn of subscribers.slice()) fn(event);
  const channel = channelOf(event);
  if (channel.hasSubscribers) channel.publish(event);
}

function channelOf(event: RuntimeEvent): diagnosticsChannel.Channel {
  if (event instanceof EventLoopBlocked) return blockedChannel;
  if (event instanceof GreenletSpawned) return spawnedChannel;
  return memoryChannel;
}

/** @internal Whether anyone would see a `GreenletSpawned` (checked by each `start()`). */
export function spawnWatched(): boolean {
  return subscribers.length !== 0 || spawnedChannel.hasSubscribers;
}

/**
 * The hub went `blockingTime` seconds without a switch: `greenlet` ran all that time (null: plain
 * code outside any greenlet, such as a timer callback). `info` holds the printed report's lines.
 *
 * @example
 * subscribe((e) => { if (e instanceof EventLoopBlocked) metrics.blocked(e.greenlet?.name); });
 */
export class EventLoopBlocked {
  constructor(
    readonly greenlet: Greenlet<unknown> | null,
    /** Seconds the hub went without a switch (measured; at least `config.maxBlockingTime`). */
    readonly blockingTime: number,
    readonly info: string[],
  ) {}
}

/**
 * Process memory (`memUsage`, resident bytes) rose above `maxAllowed`. Emitted on the crossing
 * only; `memoryInfo` is `process.memoryUsage()` at that moment.
 *
 * @example
 * subscribe((e) => { if (e instanceof MemoryUsageThresholdExceeded) cache.clear(); });
 */
export class MemoryUsageThresholdExceeded {
  constructor(
    readonly memUsage: number,
    readonly maxAllowed: number,
    readonly memoryInfo: NodeJS.MemoryUsage,
  ) {}
}

/**
 * Process memory fell back to `maxAllowed` or below after exceeding it; `maxMemoryUsage` is the
 * highest usage seen while above.
 *
 * @example
 * subscribe((e) => { if (e instanceof MemoryUsageUnderThreshold) console.log(e.maxMemoryUsage); });
 */
export class MemoryUsageUnderThreshold {
  constructor(
    readonly memUsage: number,
    readonly maxAllowed: number,
    readonly maxMemoryUsage: number,
    readonly memoryInfo: NodeJS.MemoryUsage,
  ) {}
}

/**
 * A greenlet was started (`start()`/`startLater()`). Built only while someone listens.
 *
 * @example
 * subscribe((e) => { if (e instanceof GreenletSpawned) console.log('spawned', e.greenlet.name); });
 */
export class GreenletSpawned {
  constructor(readonly greenlet: Greenlet<unknown>) {}
}

/**
 * Sets the switch trace (gevent's `greenlet.settrace`), or removes it with null; returns the
 * previous one. It is called before every greenlet step, in hub context, so keep it short and
 * non-blocking; one that throws is removed and its error reported through `hub.handleError`.
 *
 * @example
 * const steps = new Map<string, number>();
 * setSwitchTrace((event, g) => steps.set(g.name, (steps.get(g.name) ?? 0) + 1));
 * // ... later
 * setSwitchTrace(null);
 */
export function setSwitchTrace(trace: SwitchTrace | null): SwitchTrace | null {
  if (trace !== null && typeof trace !== 'function') {
    throw new TypeError(
      `setSwitchTrace(trace): trace must be a function or null, got ${typeof trace}`,
    );
  }
  return getHub()._setSwitchTrace(trace);
}
