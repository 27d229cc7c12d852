/**
 * Small predicates and formatting for what greenlet bodies take and return. Layer: base.
 */

/** Whether a body's return value is an iterator to run as the greenlet's steps. */
export function isIterator(value: unknown): value is Iterator<unknown, unknown, unknown> {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as Iterator<unknown>).next === 'function' &&
    typeof (value as Iterator<unknown>).throw === 'function'
  );
}

/** A short form of a body argument for a greenlet's repr: `"abc"`, `fn`, `Array(3)`. */
export function shortRepr(value: unknown): string {
  if (typeof value === 'string')
    return JSON.stringify(value.length > 20 ? `${value.slice(0, 20)}…` : value);
  if (typeof value === 'function') return value.name || 'function';
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? `Array(${value.length})` : (value.constructor?.name ?? 'Object');
}
