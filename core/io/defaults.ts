/**
 * The default timeout new sockets start with (Python's `socket.setdefaulttimeout`). Layer: io.
 */

import { validateTimeoutValue } from './validate.ts';

let defaultTimeout: number | null = null;

/**
 * The timeout new sockets start with; null means blocking.
 *
 * @example
 * getdefaulttimeout(); // null unless setdefaulttimeout() was called
 */
export function getdefaulttimeout(): number | null {
  return defaultTimeout;
}

/**
 * Sets the timeout new sockets start with (seconds, or null for blocking).
 *
 * @example
 * setdefaulttimeout(10); // every new socket raises socket.timeout after 10 s of waiting
 */
export function setdefaulttimeout(timeout: number | null): void {
  defaultTimeout = validateTimeoutValue(timeout);
}
