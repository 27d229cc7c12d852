/**
 * The socket options a cooperative socket understands, kept so they can be applied whenever its
 * Node socket appears (options set before connect or bind still take effect). Layer: io.
 *
 * Node exposes only some options: TCP_NODELAY and SO_KEEPALIVE on stream sockets,
 * SO_BROADCAST and the buffer sizes on datagram sockets. SO_REUSEADDR is recorded only: Node
 * sets it on every listening socket already. Anything else raises ENOPROTOOPT.
 */

import type { Socket as UdpSocket } from 'node:dgram';
import {
  IPPROTO_TCP,
  SO_BROADCAST,
  SO_KEEPALIVE,
  SO_RCVBUF,
  SO_REUSEADDR,
  SO_SNDBUF,
  SOL_SOCKET,
  TCP_NODELAY,
} from './constants.ts';
import { SocketError } from './errors.ts';

const KNOWN = new Set([
  `${IPPROTO_TCP}:${TCP_NODELAY}`,
  `${SOL_SOCKET}:${SO_KEEPALIVE}`,
  `${SOL_SOCKET}:${SO_REUSEADDR}`,
  `${SOL_SOCKET}:${SO_BROADCAST}`,
  `${SOL_SOCKET}:${SO_RCVBUF}`,
  `${SOL_SOCKET}:${SO_SNDBUF}`,
]);

interface TcpLike {
  setNoDelay?(noDelay?: boolean): unknown;
  setKeepAlive?(enable?: boolean): unknown;
}

export class SocketOptions {
  private readonly values = new Map<string, number>();

  set(level: number, option: number, value: number): void {
    const key = `${level}:${option}`;
    if (!KNOWN.has(key)) throw new SocketError('ENOPROTOOPT');
    if (!Number.isFinite(value))
      throw new TypeError(`setsockopt(value) must be a number, got ${value}`);
    this.values.set(key, value);
  }

  get(level: number, option: number): number {
    const key = `${level}:${option}`;
    if (!KNOWN.has(key)) throw new SocketError('ENOPROTOOPT');
    return this.values.get(key) ?? 0;
  }

  /** Whether TCP_NODELAY was set. */
  get noDelay(): boolean {
    return (this.values.get(`${IPPROTO_TCP}:${TCP_NODELAY}`) ?? 0) !== 0;
  }

  /** Applies the stream options to a net/tls socket. */
  applyTo(stream: unknown): void {
    const tcp = stream as TcpLike;
    const noDelay = this.values.get(`${IPPROTO_TCP}:${TCP_NODELAY}`);
    if (noDelay !== undefined) tcp.setNoDelay?.(noDelay !== 0);
    const keepAlive = this.values.get(`${SOL_SOCKET}:${SO_KEEPALIVE}`);
    if (keepAlive !== undefined) tcp.setKeepAlive?.(keepAlive !== 0);
  }

  /** Applies the datagram options to a bound dgram socket. */
  applyToDatagram(udp: UdpSocket): void {
    const broadcast = this.values.get(`${SOL_SOCKET}:${SO_BROADCAST}`);
    if (broadcast !== undefined) udp.setBroadcast(broadcast !== 0);
    const rcv = this.values.get(`${SOL_SOCKET}:${SO_RCVBUF}`);
    if (rcv !== undefined && rcv > 0) udp.setRecvBufferSize(rcv);
    const snd = this.values.get(`${SOL_SOCKET}:${SO_SNDBUF}`);
    if (snd !== undefined && snd > 0) udp.setSendBufferSize(snd);
  }
}
