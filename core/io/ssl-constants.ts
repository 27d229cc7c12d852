/**
 * The ssl module's constants and errors, and the mapping of Node's TLS errors onto them.
 * Layer: io.
 */

import { SocketError, toSocketError } from './errors.ts';

export const CERT_NONE = 0;
export const CERT_OPTIONAL = 1;
export const CERT_REQUIRED = 2;
/** Either side; no verification by default. */
export const PROTOCOL_TLS = 2;
/** Client side: verifies the server's certificate and host name by default. */
export const PROTOCOL_TLS_CLIENT = 16;
/** Server side. */
export const PROTOCOL_TLS_SERVER = 17;

/** `createDefaultContext(purpose)`: SERVER_AUTH makes a client context, CLIENT_AUTH a server one. */
export const Purpose = Object.freeze({
  SERVER_AUTH: 'SERVER_AUTH',
  CLIENT_AUTH: 'CLIENT_AUTH',
} as const);

/**
 * A TLS failure (Python's `ssl.SSLError`); `code` is Node's, e.g. 'ERR_SSL_WRONG_VERSION_NUMBER'.
 *
 * @example
 * try { yield* tlsSock.doHandshake(); } catch (e) { if (e instanceof SSLError) console.log(e.code); }
 */
export class SSLError extends SocketError {}
/**
 * The peer's certificate failed verification (Python's `ssl.SSLCertVerificationError`).
 *
 * @example
 * catch (e) { if (e instanceof SSLCertVerificationError) console.log('untrusted:', e.code); }
 */
export class SSLCertVerificationError extends SSLError {}

const VERIFY_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** Maps an error from a TLS socket to SSLError / SSLCertVerificationError / SocketError. */
export function toSSLError(error: unknown): Error {
  const code = (error as { code?: unknown })?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (typeof code === 'string' && VERIFY_CODES.has(code)) {
    return new SSLCertVerificationError(code, `certificate verify failed: ${message}`, {
      cause: error,
    });
  }
  if (typeof code === 'string' && /^ERR_(SSL|TLS|OSSL)/.test(code)) {
    return new SSLError(code, message, { cause: error });
  }
  if (error instanceof Error && /SSL|TLS/.test(message) && code === undefined) {
    return new SSLError('ERR_SSL', message, { cause: error });
  }
  return toSocketError(error);
}
