/**
 * gevent-ts/ssl: Python's `ssl` module, cooperative, over node:tls — SSLContext, SSLSocket,
 * `wrapSocket`, `createDefaultContext`, constants and errors. Layer: io.
 *
 * @example
 * import { createConnection } from 'gevent-ts/socket';
 * import { createDefaultContext } from 'gevent-ts/ssl';
 * const ctx = createDefaultContext();
 * const sock = ctx.wrapSocket(yield* createConnection(['example.com', 443]), { serverHostname: 'example.com' });
 * yield* sock.doHandshake();
 * yield* sock.sendall('GET / HTTP/1.0\r\nHost: example.com\r\n\r\n');
 */

import type { socket } from './socket-object.ts';
import { CERT_NONE, PROTOCOL_TLS_CLIENT, PROTOCOL_TLS_SERVER, Purpose } from './ssl-constants.ts';
import { SSLContext } from './ssl-context.ts';
import type { SSLSocket } from './ssl-socket.ts';

export * from './ssl-constants.ts';
export { SSLContext } from './ssl-context.ts';
export { SSLSocket, type WrapOptions } from './ssl-socket.ts';

/**
 * A context with secure defaults (Python's `ssl.create_default_context`): for
 * `Purpose.SERVER_AUTH` (the default) a client context that verifies the server against the
 * system roots and `cafile`/`cadata`; for `Purpose.CLIENT_AUTH` a server context.
 *
 * @example
 * const ctx = createDefaultContext(Purpose.SERVER_AUTH, { cadata: testCaPem });
 */
export function createDefaultContext(
  purpose: (typeof Purpose)[keyof typeof Purpose] = Purpose.SERVER_AUTH,
  options: { cafile?: string; capath?: string; cadata?: string | Buffer } = {},
): SSLContext {
  const server = purpose === Purpose.CLIENT_AUTH;
  const ctx = new SSLContext(server ? PROTOCOL_TLS_SERVER : PROTOCOL_TLS_CLIENT);
  if (!server) ctx.loadDefaultCerts();
  if (
    options.cafile !== undefined ||
    options.capath !== undefined ||
    options.cadata !== undefined
  ) {
    ctx.loadVerifyLocations(options);
  }
  return ctx;
}

/** Options of the legacy module-level `wrapSocket` (Python's `ssl.wrap_socket`). */
export interface LegacyWrapOptions {
  keyfile?: string;
  certfile?: string;
  serverSide?: boolean;
  /** CERT_NONE (default), CERT_OPTIONAL or CERT_REQUIRED. */
  certReqs?: number;
  caCerts?: string;
  ciphers?: string;
  serverHostname?: string;
  doHandshakeOnConnect?: boolean;
}

/**
 * Python's `ssl.wrap_socket(sock, keyfile, certfile, server_side, cert_reqs, ca_certs, ...)`:
 * builds a context from the options (no host name check, as the legacy call never did one)
 * and wraps `sock`.
 *
 * @example
 * const tlsSock = wrapSocket(sock, { certfile: 'server.crt', keyfile: 'server.key', serverSide: true });
 */
export function wrapSocket(sock: socket, options: LegacyWrapOptions = {}): SSLSocket {
  const serverSide = options.serverSide ?? false;
  const ctx = new SSLContext(serverSide ? PROTOCOL_TLS_SERVER : PROTOCOL_TLS_CLIENT);
  ctx.checkHostname = false;
  ctx.verifyMode = options.certReqs ?? CERT_NONE;
  if (options.certfile !== undefined) ctx.loadCertChain(options.certfile, options.keyfile);
  if (options.caCerts !== undefined) ctx.loadVerifyLocations({ cafile: options.caCerts });
  if (options.ciphers !== undefined) ctx.setCiphers(options.ciphers);
  return ctx.wrapSocket(sock, {
    serverSide,
    serverHostname: options.serverHostname,
    doHandshakeOnConnect: options.doHandshakeOnConnect,
  });
}
