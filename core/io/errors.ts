/**
 * Socket errors: Python's `OSError` family as raised by `socket` (`error`, `timeout`), built from
 * Node's system errors (`gaierror`/`herror` come from core/resolver). Layer: io.
 *
 * Node's shape is kept (`code` such as `'ECONNREFUSED'`, `syscall`, the original error as
 * `cause`); `errno` is Python's positive number (`e.errno === 111`), not Node's negative one, so
 * ported code that compares errno values keeps working.
 */

import { constants as osConstants } from 'node:os';
import { getSystemErrorMap } from 'node:util';
import { ERRNO, STRERROR } from './constants.ts';

const errnoByCode = osConstants.errno as Record<string, number>;
let systemMessages: Map<number, [string, string]> | null = null;

/** The errno number for a code such as 'ECONNRESET', or undefined if it is not an OS code. */
export function errnoOf(code: string): number | undefined {
  return ERRNO[code] ?? errnoByCode[code];
}

/** The OS text for a code ('Connection refused'), falling back to the code itself. */
export function strerror(code: string): string {
  const known = STRERROR[code];
  if (known !== undefined) return known;
  const errno = errnoByCode[code];
  if (errno === undefined) return code;
  systemMessages ??= getSystemErrorMap();
  return systemMessages.get(-errno)?.[1] ?? code;
}

/**
 * Python's `OSError` as raised by sockets (`socket.error`). `code` is Node's error code, `errno`
 * Python's number (undefined for errors that are not OS errors).
 *
 * @example
 * try { yield* createConnection(['127.0.0.1', 1]); }
 * catch (e) { if (e instanceof SocketError && e.code === 'ECONNREFUSED') console.log(e.errno); } // 111
 */
export class SocketError extends Error {
  /** Node's code: 'ECONNREFUSED', 'EBADF', 'ERR_SSL_...'. */
  code: string;
  /** Python's errno (positive), if this is an OS error. */
  errno: number | undefined;
  /** The system call that failed, when known ('connect', 'read'). */
  syscall: string | undefined;

  constructor(code: string, message?: string, options?: ErrorOptions & { syscall?: string }) {
    const errno = errnoOf(code);
    const text = message ?? strerror(code);
    super(errno === undefined ? text : `[Errno ${errno}] ${text}`, options);
    this.name = new.target.name;
    this.code = code;
    this.errno = errno;
    this.syscall = options?.syscall;
  }
}

/**
 * A socket operation did not finish within the socket's timeout (Python's `socket.timeout`, an
 * alias of `TimeoutError`). Its message is `'timed out'`, as in Python.
 *
 * @example
 * sock.settimeout(0.5);
 * try { yield* sock.recv(1024); } catch (e) { if (e instanceof SocketTimeout) console.log('idle'); }
 */
export class SocketTimeout extends SocketError {
  constructor(message = 'timed out') {
    super('ETIMEDOUT', message);
    this.name = 'TimeoutError';
    this.message = message;
    this.errno = undefined;
  }
}

/**
 * What a greenlet blocked on a socket gets when another greenlet closes that socket
 * (gevent's `cancel_wait_ex`).
 */
export function cancelWaitError(): SocketError {
  return new SocketError('EBADF', 'File descriptor was closed in another greenlet');
}

/** An operation on a closed socket. */
export function badFileError(): SocketError {
  return new SocketError('EBADF');
}

/** Turns an error Node emitted on a socket into a `SocketError` (kept as is if it already is one). */
export function toSocketError(error: unknown): SocketError {
  if (error instanceof SocketError) return error;
  if (!(error instanceof Error)) return new SocketError('EIO', String(error));
  const nodeError = error as NodeJS.ErrnoException;
  const code = typeof nodeError.code === 'string' ? nodeError.code : 'EIO';
  const isOsError = errnoOf(code) !== undefined;
  const message = isOsError ? `${strerror(code)}${describeNodeError(nodeError)}` : error.message;
  return new SocketError(code, message, { cause: error, syscall: nodeError.syscall });
}

function describeNodeError(error: NodeJS.ErrnoException & { address?: string; port?: number }) {
  if (error.address === undefined) return '';
  const where = error.port === undefined ? error.address : `${error.address}:${error.port}`;
  return ` (${error.syscall ?? 'socket'} ${where})`;
}
