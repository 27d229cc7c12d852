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

export const config = {
  /**
   * How long (seconds) the hub may run greenlets back to back before it lets Node's event loop
   * turn, so timers and sockets are never starved by a switching loop. gevent's `switch_interval`.
   * Env: `GEVENT_SWITCH_INTERVAL`.
   */
  switchInterval: secondsFromEnv('GEVENT_SWITCH_INTERVAL', 0.005),
};
