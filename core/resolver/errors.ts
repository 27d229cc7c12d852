/**
 * Resolver errors in the two shapes callers expect. Layer: io/resolver.
 *
 * - Python's: `gaierror` (getaddrinfo-family failures, `errno` an EAI_* code) and `herror`
 *   (gethostbyname_ex/gethostbyaddr failures, `errno` an h_errno), with Python's messages —
 *   what gevent's resolvers raise.
 * - Node's: the plain `Error` that dns.lookup gives — message `getaddrinfo ENOTFOUND host`, own
 *   properties `errno` (libuv's number), `code` (`ENOTFOUND`, `EAI_AGAIN`, ...), `syscall`,
 *   `hostname` — so code written against dns.lookup sees no difference.
 */

import { getSystemErrorName } from 'node:util';
import { EAI, HERRNO } from '../../native/index.ts';

/** glibc's gai_strerror texts (what Python puts in gaierror). */
const GAI_MESSAGES = new Map<number, string>([
  [EAI.BADFLAGS, 'Bad value for ai_flags'],
  [EAI.NONAME, 'Name or service not known'],
  [EAI.AGAIN, 'Temporary failure in name resolution'],
  [EAI.FAIL, 'Non-recoverable failure in name resolution'],
  [EAI.NODATA, 'No address associated with hostname'],
  [EAI.FAMILY, 'ai_family not supported'],
  [EAI.SOCKTYPE, 'ai_socktype not supported'],
  [EAI.SERVICE, 'Servname not supported for ai_socktype'],
  [EAI.ADDRFAMILY, 'Address family for hostname not supported'],
  [EAI.MEMORY, 'Memory allocation failure'],
  [EAI.SYSTEM, 'System error'],
  [EAI.OVERFLOW, 'Argument buffer too small'],
  [EAI.CANCELED, 'Request canceled'],
]);

const GAI_CODES = new Map<number, string>(
  Object.entries(EAI).map(([name, value]) => [value, `EAI_${name}`]),
);

/** hstrerror texts (what Python puts in herror). */
const H_MESSAGES = new Map<number, string>([
  [HERRNO.NETDB_INTERNAL, 'Resolver internal error'],
  [HERRNO.HOST_NOT_FOUND, 'Unknown host'],
  [HERRNO.TRY_AGAIN, 'Host name lookup failure'],
  [HERRNO.NO_RECOVERY, 'Unknown server error'],
  [HERRNO.NO_DATA, 'No address associated with name'],
]);

const H_CODES = new Map<number, string>(Object.entries(HERRNO).map(([n, v]) => [v, n]));

/**
 * A getaddrinfo-family failure, as Python's `socket.gaierror`: `errno` is the EAI_* code
 * (`-2` for an unknown name), `strerror` its text, `code` its name (`'EAI_NONAME'`).
 *
 * @example
 * try { yield* resolver.gethostbyname('no.such.host.invalid'); }
 * catch (e) { if (e instanceof gaierror && e.errno === EAI.NONAME) console.log('unknown'); }
 */
export class gaierror extends Error {
  readonly errno: number;
  readonly strerror: string;
  readonly code: string;
  /** Python's `args`: `[errno, strerror]`. */
  readonly args: [number, string];
  constructor(errno: number, strerror = GAI_MESSAGES.get(errno) ?? `Unknown error ${errno}`) {
    super(`[Errno ${errno}] ${strerror}`);
    this.name = 'gaierror';
    this.errno = errno;
    this.strerror = strerror;
    this.code = GAI_CODES.get(errno) ?? 'EAI_FAIL';
    this.args = [errno, strerror];
  }
}

/**
 * A gethostbyname_ex/gethostbyaddr failure, as Python's `socket.herror`: `errno` is the
 * h_errno (`1`, "Unknown host", for an address with no name).
 *
 * @example
 * try { yield* resolver.gethostbyaddr('192.0.2.1'); }
 * catch (e) { if (e instanceof herror) console.log(e.errno, e.strerror); }
 */
export class herror extends Error {
  readonly errno: number;
  readonly strerror: string;
  readonly code: string;
  readonly args: [number, string];
  constructor(errno: number, strerror = H_MESSAGES.get(errno) ?? 'Unknown resolver error') {
    super(`[Errno ${errno}] ${strerror}`);
    this.name = 'herror';
    this.errno = errno;
    this.strerror = strerror;
    this.code = H_CODES.get(errno) ?? 'HOST_NOT_FOUND';
    this.args = [errno, strerror];
  }
}

/** glibc EAI_* codes to libuv's UV_EAI_* numbers (what Node puts in err.errno). */
const EAI_TO_UV = new Map<number, number>([
  [EAI.ADDRFAMILY, -3000],
  [EAI.AGAIN, -3001],
  [EAI.BADFLAGS, -3002],
  [EAI.CANCELED, -3003],
  [EAI.FAIL, -3004],
  [EAI.FAMILY, -3005],
  [EAI.MEMORY, -3006],
  [EAI.NODATA, -3007],
  [EAI.NONAME, -3008],
  [EAI.OVERFLOW, -3009],
  [EAI.SERVICE, -3010],
  [EAI.SOCKTYPE, -3011],
]);

/** Node's error for a failed dns.lookup/lookupService, built from the C library's status. */
export function dnsException(
  status: number,
  sysErrno: number,
  syscall: string,
  hostname: string,
): NodeJS.ErrnoException {
  const errno =
    EAI_TO_UV.get(status) ?? (status === EAI.SYSTEM && sysErrno > 0 ? -sysErrno : -3004);
  const code = errno === -3007 || errno === -3008 ? 'ENOTFOUND' : getSystemErrorName(errno);
  const error: NodeJS.ErrnoException = new Error(
    `${syscall} ${code}${hostname ? ` ${hostname}` : ''}`,
  );
  error.errno = errno;
  error.code = code;
  error.syscall = syscall;
  if (hostname) (error as { hostname?: string }).hostname = hostname;
  return error;
}
