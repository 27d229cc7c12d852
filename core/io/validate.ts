/**
 * Argument checks for the socket API; each error names the argument. Layer: io.
 */

// Imported rather than the global: a global `Buffer` is a property load on every use.
import { Buffer } from 'node:buffer';
import { describeValue } from '../internal/validators.ts';

/** The bytes of `data`: a Buffer as is, another Uint8Array viewed without copying, a string as UTF-8. */
export function bytesOf(data: unknown, name: string): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (data instanceof Uint8Array) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  throw new TypeError(`${name} must be a Buffer, Uint8Array or string, got ${describeValue(data)}`);
}

/** A buffer size: an integer >= 0. */
export function validateSize(value: unknown, name: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new TypeError(`${name} must be an integer, got ${describeValue(value)}`);
  }
  if (value < 0) throw new RangeError(`${name} must be >= 0, got ${value}`);
}

/** A socket timeout: null/undefined (blocking) or seconds >= 0. */
export function validateTimeoutValue(value: unknown, name = 'timeout'): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(`${name} must be a number of seconds or null, got ${describeValue(value)}`);
  }
  if (value < 0 || !Number.isFinite(value)) {
    throw new RangeError(`${name} must be a finite number of seconds >= 0, got ${value}`);
  }
  return value;
}
