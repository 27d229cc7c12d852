/**
 * Answers to requests that never reach the application: what node:http's parser (llhttp)
 * rejected, what timed out, and the limits checked once the head is parsed. Each gets a short
 * canned response with `Connection: close` (when nothing was sent on the connection yet), then
 * the connection is closed. Layer: io (pywsgi).
 *
 * | cause                                        | status |
 * |----------------------------------------------|--------|
 * | garbage, bad method/version/URL, bad chunk, bad Content-Length | 400 |
 * | head or request not complete in time (slowloris) | 408 |
 * | request line over `maxRequestLine`           | 414    |
 * | headers too many or too large                | 431    |
 */

import type { Socket } from 'node:net';
import { formatAccessLine, type LineLog } from './access-log.ts';

/** Statuses and reasons of the canned answers. */
export const REASONS: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  413: 'Payload Too Large',
  414: 'Request URI Too Long',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
};

/**
 * The raw bytes of a canned answer.
 *
 * @example
 * socket.end(cannedResponse(414));
 */
export function cannedResponse(status: number): Buffer {
  return Buffer.from(
    `HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
    'latin1',
  );
}

interface ParserError extends Error {
  code?: string;
  bytesParsed?: number;
  rawPacket?: Buffer;
}

/**
 * Whether a header overflow happened inside the request line rather than the header fields: the
 * line the parser stopped in (as far as the current packet shows) starts with `METHOD SP`.
 */
function overflowInRequestLine(error: ParserError): boolean {
  const packet = error.rawPacket;
  if (!Buffer.isBuffer(packet)) return false;
  const end = Math.min(error.bytesParsed ?? packet.length, packet.length);
  const lineStart = packet.lastIndexOf(10, end - 1) + 1;
  const head = packet.subarray(lineStart, Math.min(lineStart + 24, end)).toString('latin1');
  return /^[A-Z]+ \S/.test(head);
}

/**
 * The status for a client error node:http reported, or null when there is nobody to answer
 * (the client reset the connection).
 *
 * @example
 * server.on('clientError', (err, socket) => { const status = statusForClientError(err); ... });
 */
export function statusForClientError(error: ParserError): number | null {
  switch (error.code) {
    case 'ECONNRESET':
    case 'EPIPE':
      return null;
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return 408;
    case 'HPE_HEADER_OVERFLOW':
      return overflowInRequestLine(error) ? 414 : 431;
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return 413;
    default:
      return 400;
  }
}

/** What the server needs to answer and log a client error. */
export interface ClientErrorLogs {
  accessLog: LineLog | null;
  errorLog: LineLog | null;
}

/**
 * Answers a client error on `socket` (when nothing of a response went out yet), logs it, and
 * closes the connection.
 */
export function answerClientError(error: ParserError, socket: Socket, logs: ClientErrorLogs): void {
  const status = statusForClientError(error);
  if (status === null || !socket.writable) {
    socket.destroy();
    return;
  }
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (inFlight === undefined || inFlight === null || !inFlight.headersSent) {
    socket.end(cannedResponse(status));
  }
  socket.destroySoon();
  const client = socket.remoteAddress;
  logs.errorLog?.write(`${client ?? '-'}: Invalid request: ${error.code ?? ''} ${error.message}`);
  logs.accessLog?.write(formatAccessLine(client, firstLine(error.rawPacket), status, 0, null));
}

/** The start of the offending packet, for the log: its first line, printable, at most 80 chars. */
function firstLine(packet: Buffer | undefined): string {
  if (!Buffer.isBuffer(packet)) return '-';
  const text = packet.subarray(0, 200).toString('latin1');
  const end = text.search(/[\r\n]/);
  const line = (end < 0 ? text : text.slice(0, end)).slice(0, 80);
  return line.replace(/[^\x20-\x7e]/g, '?').replace(/"/g, "'") || '-';
}
