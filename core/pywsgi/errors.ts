/**
 * The errors pywsgi raises into an application: a response the server refuses to send, a header
 * carrying CR/LF (response splitting), and a client that went away mid-body. Layer: io (pywsgi).
 *
 * gevent raises AssertionError, ValueError and IOError for these; each has its own class here,
 * with a stable `code`, so an application can tell them apart with `instanceof`.
 */

import { GeventError } from '../errors.ts';

/**
 * The application broke the response protocol: no `startResponse` before the body, a body (or a
 * non-zero Content-Length) on a 204/304 response, a malformed status, a bad body chunk. The
 * request gets a 500 (or its connection is closed if the headers were already sent).
 *
 * @example
 * startResponse('204 No Content', []);
 * write('x'); // throws InvalidResponseError: The 204 response must have no body
 */
export class InvalidResponseError extends GeventError {
  override readonly code: string = 'ERR_WSGI_INVALID_RESPONSE';
}

/**
 * A CR or LF in the status line, a header name or a header value: sending it would let the
 * application (or whoever fed it the text) inject headers or split the response. gevent raises
 * `ValueError('carriage return or newline in header value')`; the message is the same here.
 *
 * @example
 * startResponse('200 OK', [['Location', userInput]]); // throws if userInput has '\r\n'
 */
export class HeaderInjectionError extends InvalidResponseError {
  override readonly code: string = 'ERR_WSGI_HEADER_INJECTION';
}

/**
 * The client closed or reset the connection (or sent a malformed body) before the request body
 * was complete: gevent's IOError "unexpected end of file while reading request". Raised by the
 * body reader. When it escapes the application, the server does not report it as a server error:
 * there is nobody left to answer (gevent's `ignored_socket_errors`).
 *
 * @example
 * try { const body = yield* request.input.read(); } catch (e) { if (e instanceof ClientDisconnected) return; throw e; }
 */
export class ClientDisconnected extends GeventError {
  override readonly code: string = 'ERR_WSGI_CLIENT_DISCONNECTED';
}
