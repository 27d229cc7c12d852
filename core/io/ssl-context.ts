/**
 * SSLContext: Python's `ssl.SSLContext` over node:tls — certificates, verification mode and
 * protocol settings, turned into one Node `SecureContext` shared by every socket it wraps.
 * Layer: io.
 */

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createSecureContext,
  rootCertificates,
  type SecureContext,
  type SecureContextOptions,
} from 'node:tls';
import { describeValue } from '../internal/validators.ts';
import type { socket } from './socket-object.ts';
import {
  CERT_NONE,
  CERT_REQUIRED,
  PROTOCOL_TLS,
  PROTOCOL_TLS_CLIENT,
  PROTOCOL_TLS_SERVER,
  toSSLError,
} from './ssl-constants.ts';
import { type SSLSocket, type WrapOptions, wrapWithContext } from './ssl-socket.ts';

type PemSource = string | Buffer;

function readPem(source: PemSource, name: string): Buffer {
  if (Buffer.isBuffer(source)) return source;
  if (typeof source !== 'string')
    throw new TypeError(`${name} must be a file path or a Buffer, got ${describeValue(source)}`);
  return readFileSync(source);
}

/**
 * Settings for TLS connections: certificates, what to verify, protocol versions.
 *
 * @example
 * const ctx = new SSLContext(PROTOCOL_TLS_SERVER);
 * ctx.loadCertChain('server.crt', 'server.key');
 * const tlsSock = ctx.wrapSocket(sock, { serverSide: true });
 * yield* tlsSock.doHandshake();
 */
export class SSLContext {
  readonly protocol: number;
  /** CERT_NONE, CERT_OPTIONAL or CERT_REQUIRED. */
  verifyMode: number;
  /** Whether the client checks the server's name against its certificate. */
  checkHostname: boolean;
  /** Lowest/highest protocol version, Node's names ('TLSv1.2', 'TLSv1.3'). */
  minimumVersion: SecureContextOptions['minVersion'];
  maximumVersion: SecureContextOptions['maxVersion'];
  /** ALPN protocols offered/accepted. */
  alpnProtocols: string[] | undefined;
  private readonly settings: SecureContextOptions = {};
  private built: SecureContext | null = null;

  constructor(protocol: number = PROTOCOL_TLS) {
    if (
      protocol !== PROTOCOL_TLS &&
      protocol !== PROTOCOL_TLS_CLIENT &&
      protocol !== PROTOCOL_TLS_SERVER
    ) {
      throw new RangeError(
        `SSLContext(protocol) must be PROTOCOL_TLS, PROTOCOL_TLS_CLIENT or PROTOCOL_TLS_SERVER, got ${describeValue(protocol)}`,
      );
    }
    this.protocol = protocol;
    const client = protocol === PROTOCOL_TLS_CLIENT;
    this.verifyMode = client ? CERT_REQUIRED : CERT_NONE;
    this.checkHostname = client;
  }

  /** Loads this side's certificate (chain) and private key: file paths, or PEM Buffers. */
  loadCertChain(certfile: PemSource, keyfile?: PemSource, password?: string): void {
    const cert = readPem(certfile, 'loadCertChain(certfile)');
    this.settings.cert = cert;
    this.settings.key = keyfile === undefined ? cert : readPem(keyfile, 'loadCertChain(keyfile)');
    if (password !== undefined) this.settings.passphrase = password;
    this.built = null;
  }

  /** Adds trusted CA certificates: a file, a directory of PEM files, or PEM data. */
  loadVerifyLocations(options: { cafile?: string; capath?: string; cadata?: PemSource }): void {
    const cas = this.caList();
    if (options.cafile !== undefined)
      cas.push(readPem(options.cafile, 'loadVerifyLocations(cafile)'));
    if (options.capath !== undefined) {
      for (const name of readdirSync(options.capath))
        cas.push(readFileSync(join(options.capath, name)));
    }
    if (options.cadata !== undefined) cas.push(Buffer.from(options.cadata));
    this.settings.ca = cas;
    this.built = null;
  }

  /** Trusts the system's (Node's bundled) root certificates as well. */
  loadDefaultCerts(): void {
    this.settings.ca = [...this.caList(), ...rootCertificates];
    this.built = null;
  }

  /** OpenSSL cipher list. */
  setCiphers(ciphers: string): void {
    this.settings.ciphers = ciphers;
    this.built = null;
  }

  setAlpnProtocols(protocols: string[]): void {
    this.alpnProtocols = [...protocols];
  }

  /**
   * Wraps a socket (connected, or to be connected through the result) in TLS. The handshake
   * runs on the first read or write, or explicitly with `yield* tls.doHandshake()`; its errors
   * are raised there. The original socket is detached (closed) and must not be used again.
   */
  wrapSocket(sock: socket, options: WrapOptions = {}): SSLSocket {
    return wrapWithContext(this, sock, options);
  }

  /** @internal The Node SecureContext (built once, rebuilt after a change). */
  _secureContext(): SecureContext {
    if (this.built === null) {
      try {
        this.built = createSecureContext({
          ...this.settings,
          minVersion: this.minimumVersion,
          maxVersion: this.maximumVersion,
        });
      } catch (error) {
        throw toSSLError(error);
      }
    }
    return this.built;
  }

  toString(): string {
    return `<SSLContext protocol=${this.protocol} verifyMode=${this.verifyMode}>`;
  }

  private caList(): Array<string | Buffer> {
    const ca = this.settings.ca;
    if (ca === undefined) return [];
    return Array.isArray(ca) ? [...ca] : [ca];
  }
}
