/**
 * Runtime settings, each with its environment key in one place (as gevent's `_config.py`).
 * Layer: core/internal.
 */

function secondsFromEnv(key: string, fallback: number): number {
  const raw = process.env[key];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${key} must be a positive number of seconds, got ${JSON.stringify(raw)}`);
  }
  return value;
}

/** gevent's boolean settings: 1/true/on/yes and 0/false/off/no (any case); unset is the fallback. */
function booleanFromEnv(key: string, fallback: boolean): boolean {
  const raw = process.env[key];
  if (raw === undefined || raw === '') return fallback;
  const word = raw.trim().toLowerCase();
  if (['1', 'true', 'on', 'yes'].includes(word)) return true;
  if (['0', 'false', 'off', 'no'].includes(word)) return false;
  throw new RangeError(`${key} must be a boolean (1/0, true/false, on/off, yes/no), got ${raw}`);
}

function bytesFromEnv(key: string): number | null {
  const raw = process.env[key];
  if (raw === undefined || raw === '') return null;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new RangeError(
      `${key} must be a positive whole number of bytes, got ${JSON.stringify(raw)}`,
    );
  }
  return value;
}

export const config = {
  /**
   * How long (seconds) the hub may run greenlets back to back before it lets Node's event loop
   * turn, so timers and sockets are never starved by a switching loop. gevent's `switch_interval`.
   * Env: `GEVENT_SWITCH_INTERVAL`.
   */
  switchInterval: secondsFromEnv('GEVENT_SWITCH_INTERVAL', 0.005),
  /**
   * Record where each greenlet is created (`greenlet.spawningStack`), and append it to the stack
   * of the error a greenlet fails with. Off by default: `Error.captureStackTrace` costs several
   * microseconds, which made spawn + joinall about 5x slower (scripts/bench/spawn.mjs). Read at
   * each greenlet's creation, so it can be switched on for a part of a program.
   * Env: `GEVENT_TRACK_SPAWN_SITES`.
   */
  trackSpawnSites: booleanFromEnv('GEVENT_TRACK_SPAWN_SITES', false),
  /**
   * Start the hub monitor (a watcher on its own worker thread, see `startMonitor`) when the
   * runtime loads. gevent's `monitor_thread`. Env: `GEVENT_MONITOR_THREAD_ENABLE`.
   */
  monitorThread: booleanFromEnv('GEVENT_MONITOR_THREAD_ENABLE', false),
  /**
   * Seconds the hub may go without a switch before the monitor reports it blocked. gevent's
   * `max_blocking_time`. Env: `GEVENT_MAX_BLOCKING_TIME`.
   */
  maxBlockingTime: secondsFromEnv('GEVENT_MAX_BLOCKING_TIME', 0.1),
  /**
   * Resident memory (bytes) above which the monitor emits `MemoryUsageThresholdExceeded`; null:
   * no memory monitoring. gevent's `max_memory_usage`. Env: `GEVENT_MAX_MEMORY_USAGE`.
   */
  maxMemoryUsage: bytesFromEnv('GEVENT_MAX_MEMORY_USAGE'),
  /**
   * Seconds between the monitor's memory samples. gevent's `memory_monitor_period`.
   * Env: `GEVENT_MEMORY_MONITOR_PERIOD`.
   */
  memoryMonitorPeriod: secondsFromEnv('GEVENT_MEMORY_MONITOR_PERIOD', 5),
};
