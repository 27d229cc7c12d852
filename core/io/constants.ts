/**
 * Socket constants with Python's (Linux) values: address families, socket types, shutdown modes
 * and the socket options this module understands. Layer: io (imports nothing of ours).
 *
 * The numbers match Linux so code ported from Python that prints or compares them reads the same;
 * only their identity matters to this module.
 */

/** IPv4 address family. */
export const AF_INET = 2;
/** IPv6 address family. */
export const AF_INET6 = 10;
/** Unix-domain (path) sockets. */
export const AF_UNIX = 1;
/** Any family (for getaddrinfo). */
export const AF_UNSPEC = 0;

/** A byte stream (TCP, or a stream Unix socket). */
export const SOCK_STREAM = 1;
/** Datagrams (UDP). */
export const SOCK_DGRAM = 2;

export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const SOL_SOCKET = 1;

/** `shutdown(how)`: no more reads. */
export const SHUT_RD = 0;
/** `shutdown(how)`: no more writes (sends FIN). */
export const SHUT_WR = 1;
/** `shutdown(how)`: both. */
export const SHUT_RDWR = 2;

export const SO_REUSEADDR = 2;
export const SO_BROADCAST = 6;
export const SO_SNDBUF = 7;
export const SO_RCVBUF = 8;
export const SO_KEEPALIVE = 9;
export const TCP_NODELAY = 1;

/** getaddrinfo flags (only passed through). */
export const AI_PASSIVE = 1;
export const AI_CANONNAME = 2;
export const AI_NUMERICHOST = 4;

/** getnameinfo flags. */
export const NI_NUMERICHOST = 1;
export const NI_NUMERICSERV = 2;

/** The default listen backlog (Python's `socket.SOMAXCONN` here). */
export const SOMAXCONN = 4096;

/** Python's errno numbers for the codes this module raises itself. */
export const ERRNO: Readonly<Record<string, number>> = Object.freeze({
  EPERM: 1,
  ENOENT: 2,
  EINTR: 4,
  EBADF: 9,
  EAGAIN: 11,
  EWOULDBLOCK: 11,
  ENOMEM: 12,
  EACCES: 13,
  EINVAL: 22,
  EPIPE: 32,
  ENOTSOCK: 88,
  EDESTADDRREQ: 89,
  EMSGSIZE: 90,
  ENOPROTOOPT: 92,
  EAFNOSUPPORT: 97,
  EADDRINUSE: 98,
  EADDRNOTAVAIL: 99,
  ENETUNREACH: 101,
  ECONNABORTED: 103,
  ECONNRESET: 104,
  EISCONN: 106,
  ENOTCONN: 107,
  ETIMEDOUT: 110,
  ECONNREFUSED: 111,
  EHOSTUNREACH: 113,
  EALREADY: 114,
  EINPROGRESS: 115,
});

/** Human text for the errno codes above (as `os.strerror` gives them on Linux). */
export const STRERROR: Readonly<Record<string, string>> = Object.freeze({
  EBADF: 'Bad file descriptor',
  EAGAIN: 'Resource temporarily unavailable',
  EINVAL: 'Invalid argument',
  EPIPE: 'Broken pipe',
  ENOTSOCK: 'Socket operation on non-socket',
  EDESTADDRREQ: 'Destination address required',
  ENOPROTOOPT: 'Protocol not available',
  EAFNOSUPPORT: 'Address family not supported by protocol',
  EADDRINUSE: 'Address already in use',
  EADDRNOTAVAIL: 'Cannot assign requested address',
  ECONNRESET: 'Connection reset by peer',
  EISCONN: 'Transport endpoint is already connected',
  ENOTCONN: 'Transport endpoint is not connected',
  ETIMEDOUT: 'Connection timed out',
  ECONNREFUSED: 'Connection refused',
  EHOSTUNREACH: 'No route to host',
  ENOENT: 'No such file or directory',
  EACCES: 'Permission denied',
});
