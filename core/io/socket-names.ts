/**
 * A socket's local and peer addresses (`getsockname`/`getpeername`), from whichever backend the
 * socket has: a connection, a listener, a datagram socket, or only a recorded `bind()`.
 * Layer: io.
 */

import { type Address, emptyAddress, endpointAddress, fromNodeAddress } from './address.ts';
import { AF_UNIX } from './constants.ts';
import { SocketError } from './errors.ts';
import type { socket } from './socket-object.ts';

/** The local address of `sock` (the wildcard address with port 0 when it is not bound yet). */
export function localName(sock: socket): Address {
  const family = sock.family;
  if (sock._stream !== null) {
    if (family === AF_UNIX) return sock._bindTo?.path ?? '';
    return sock._stream.localAddress(family);
  }
  if (sock._acceptor !== null) {
    const info = sock._acceptor.address();
    if (info !== null) return fromNodeAddress(info, family);
  }
  if (sock._dgram !== null) return sock._dgram.address();
  return sock._bindTo === null ? emptyAddress(family) : endpointAddress(sock._bindTo, family);
}

/** The peer address of `sock`; ENOTCONN when it has none. */
export function peerName(sock: socket): Address {
  const channel = sock._stream;
  if (channel === null || !channel.connected) {
    if (sock._dgram !== null) return sock._dgram.peer();
    throw new SocketError('ENOTCONN');
  }
  if (sock.family === AF_UNIX) return '';
  return channel.peerAddress(sock.family);
}
