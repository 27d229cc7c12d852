/**
 * SSLSocket: a cooperative socket whose stream is a node:tls TLSSocket, client or server side.
 * Layer: io.
 *
 * Wrapping detaches the plain socket's Node stream (with any bytes it had buffered) and puts a
 * TLSSocket on top; from then on the ordinary StreamChannel machinery reads and writes
 * decrypted data. The handshake runs as soon as the socket is read, written or
 * `doHandshake()` is iterated; a failed handshake is raised in the greenlet as `SSLError`,
 * `SSLCertVerificationError` or a `SocketError` (the peer went away).
 */

import { isIP } from 'node:net';
import {
  checkServerIdentity,
  type PeerCertificate,
  TLSSocket,
  connect as tlsConnect,
} from 'node:tls';
import type { Op } from '../greenlet.ts';
import { describeValue } from '../internal/validators.ts';
import { MUST_WAIT, WaitOp } from '../internal/wait-op.ts';
import type { Address } from './address.ts';
import { SOCK_STREAM } from './constants.ts';
import { badFileError, SocketError, SocketTimeout } from './errors.ts';
import { socket } from './socket-object.ts';
import { CERT_NONE, CERT_REQUIRED, toSSLError } from './ssl-constants.ts';
import type { SSLContext } from './ssl-context.ts';
import { type NodeStream, StreamChannel } from './stream-channel.ts';

/** Options of `SSLContext.wrapSocket`. */
export interface WrapOptions {
  /** Act as the TLS server (default: client). */
  serverSide?: boolean;
  /** The name to send (SNI) and check the certificate against (client side). */
  serverHostname?: string;
  /** After `connect()` on the wrapped socket, do the handshake before returning. Default true. */
  doHandshakeOnConnect?: boolean;
}

/**
 * A TLS socket. Made by `SSLContext.wrapSocket` / `ssl.wrapSocket`.
 *
 * @example
 * const ctx = createDefaultContext();
 * const tlsSock = ctx.wrapSocket(yield* createConnection([host, 443]), { serverHostname: host });
 * yield* tlsSock.doHandshake();
 * console.log(tlsSock.version(), tlsSock.getpeercert()?.subject);
 */
export class SSLSocket extends socket {
  /** The context it was wrapped with. */
  context!: SSLContext;
  serverSide = false;
  serverHostname: string | undefined;
  /** @internal */ _handshakeDone = false;
  private doHandshakeOnConnect = true;
  private tls: TLSSocket | null = null;

  /** Runs (or waits for) the TLS handshake. Raises its failure; `SocketTimeout` past the socket's timeout. */
  doHandshake(): Op<void> {
    if (this.closed) throw badFileError();
    if (this._stream === null) throw new SocketError('ENOTCONN');
    return new HandshakeOp(this, this._stream, this.gettimeout());
  }

  /** Connects, starts TLS and (unless `doHandshakeOnConnect` was false) completes the handshake. */
  override connect(address: Address): Op<void> {
    if (this.tls !== null) throw new SocketError('EISCONN');
    const connecting = super.connect(address);
    const self = this;
    return (function* connectTls(): Generator<unknown, void, unknown> {
      yield* connecting;
      self._startTls(self._takeStream()!);
      if (self.doHandshakeOnConnect) yield* self.doHandshake();
    })();
  }

  /** The peer's certificate (Node's object; `{}` if it sent none), or its DER bytes with `binaryForm`. */
  getpeercert(binaryForm = false): PeerCertificate | Buffer | null {
    const tls = this.requireTls();
    if (!this._handshakeDone) throw new RangeError('handshake not done yet');
    const cert = tls.getPeerCertificate();
    if (binaryForm) return cert?.raw ?? null;
    return cert ?? null;
  }

  /** `[name, protocol, bits]` of the negotiated cipher. */
  cipher(): [string, string, number] | null {
    const info = this.requireTls().getCipher();
    if (!info) return null;
    const bits = /(?:AES|CAMELLIA|ARIA)_?(\d{3})|CHACHA20/.exec(info.standardName ?? info.name);
    return [info.name, info.version, bits === null ? 0 : bits[1] ? Number(bits[1]) : 256];
  }

  /** The negotiated protocol version ('TLSv1.3'), null before the handshake. */
  version(): string | null {
    return this.requireTls().getProtocol();
  }

  /** The ALPN protocol agreed on, or null. */
  selectedAlpnProtocol(): string | null {
    const chosen = this.requireTls().alpnProtocol;
    return typeof chosen === 'string' ? chosen : null;
  }

  /** Decrypted bytes received and not yet read. */
  pending(): number {
    return this._stream?.buffered ?? 0;
  }

  override _mapError(): (error: unknown) => Error {
    return toSSLError;
  }

  /** @internal Configures the wrap (called by `wrapWithContext`). */
  _configure(context: SSLContext, options: WrapOptions): void {
    this.context = context;
    this.serverSide = options.serverSide ?? false;
    this.serverHostname = options.serverHostname;
    this.doHandshakeOnConnect = options.doHandshakeOnConnect ?? true;
    if (
      !this.serverSide &&
      context.checkHostname &&
      context.verifyMode !== CERT_NONE &&
      !this.serverHostname
    ) {
      throw new RangeError('wrapSocket: checkHostname requires serverHostname');
    }
  }

  /** @internal Puts TLS on top of a connected (or connecting) Node stream. */
  _startTls(stream: NodeStream): void {
    const ctx = this.context;
    const secureContext = ctx._secureContext();
    const common = { secureContext, ALPNProtocols: ctx.alpnProtocols };
    let tls: TLSSocket;
    if (this.serverSide) {
      tls = new TLSSocket(stream as never, {
        ...common,
        isServer: true,
        requestCert: ctx.verifyMode !== CERT_NONE,
        rejectUnauthorized: ctx.verifyMode === CERT_REQUIRED,
      });
      tls.once('secure', this.onSecure);
    } else {
      const name = this.serverHostname;
      tls = tlsConnect({
        ...common,
        socket: stream as never,
        ...(name !== undefined && isIP(name) === 0 ? { servername: name } : {}),
        ...(name !== undefined ? { host: name } : {}),
        rejectUnauthorized: ctx.verifyMode !== CERT_NONE,
        checkServerIdentity: ctx.checkHostname ? checkServerIdentity : () => undefined,
      });
      tls.once('secureConnect', this.onSecure);
    }
    this.tls = tls;
    this._stream = new StreamChannel(tls, { connected: true, mapError: toSSLError });
  }

  private readonly onSecure = (): void => {
    this._handshakeDone = true;
    this._stream?.connector?.wakeWith(undefined);
  };

  private requireTls(): TLSSocket {
    if (this.tls === null) throw new SocketError('ENOTCONN');
    return this.tls;
  }
}

function handshakeEof(): SocketError {
  return new SocketError(
    'ECONNRESET',
    'EOF occurred in violation of protocol (during the TLS handshake)',
  );
}

/** Waits for the handshake of an SSLSocket's channel. */
class HandshakeOp extends WaitOp<void> {
  constructor(
    private readonly sock: SSLSocket,
    private readonly channel: StreamChannel,
    timeout: number | null,
  ) {
    super();
    this.timeoutSeconds = timeout;
  }
  protected tryNow(): void | typeof MUST_WAIT {
    if (this.sock._handshakeDone) return;
    const channel = this.channel;
    if (channel.released) throw badFileError();
    if (channel.error !== null) throw channel.error;
    if (channel.eof) throw handshakeEof();
    channel.startReading();
    return MUST_WAIT;
  }
  protected enlist(): void {
    this.channel.connector = this;
  }
  protected delist(): void {
    if (this.channel.connector === this) this.channel.connector = null;
  }
  protected override onTimeout(): void {
    this.raiseWith(new SocketTimeout('The handshake operation timed out'));
  }
  protected override resumed(): void {
    this.delist();
    if (!this.sock._handshakeDone) throw this.channel.error ?? handshakeEof();
  }
  protected describe(): string {
    return `TLS handshake on ${String(this.sock)}`;
  }
}

/** @internal `SSLContext.wrapSocket`: detaches `sock` and returns the SSLSocket over its stream. */
export function wrapWithContext(
  context: SSLContext,
  sock: socket,
  options: WrapOptions,
): SSLSocket {
  if (!(sock instanceof socket) || sock.type !== SOCK_STREAM) {
    throw new TypeError(
      `wrapSocket(sock) must be a SOCK_STREAM socket, got ${describeValue(sock)}`,
    );
  }
  if (sock.closed) throw badFileError();
  if (sock._acceptor !== null)
    throw new SocketError('EINVAL', 'wrapSocket: cannot wrap a listening socket');
  const wrapped = new SSLSocket(sock.family);
  wrapped._configure(context, options);
  wrapped.settimeout(sock.gettimeout());
  context._secureContext(); // A bad certificate or key raises here, before `sock` is touched.
  const stream = sock._takeStream();
  sock._markDetached();
  if (stream !== null) {
    try {
      wrapped._startTls(stream);
    } catch (error) {
      stream.destroy();
      throw error;
    }
  }
  return wrapped;
}
