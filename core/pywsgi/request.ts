/**
 * `Request`: what the application learns about a request — gevent's WSGI `environ`, in two
 * forms: typed camelCase properties read straight from node:http's parsed request (cheap, the
 * fast path), and `request.environ`, the CGI/WSGI dictionary, built on first use for code ported
 * from Python. Layer: io (pywsgi).
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import { Input } from './input.ts';

/** Server-wide facts every request shares (built once per server). */
export interface ServerFacts {
  serverName: string;
  serverPort: string;
  urlScheme: 'http' | 'https';
  multiprocess: boolean;
  baseEnviron: Record<string, unknown> | null;
  /** Read the client's address when the request starts (the access log needs it later). */
  keepPeer: boolean;
  errors: { write(text: string): unknown };
}

/** The WSGI environ: CGI variables, `HTTP_*` headers and the `wsgi.*` keys. */
export type Environ = Record<string, unknown>;

const SOFTWARE = 'gevent-ts/0.1 node';

/** `%XX` escapes decoded byte for byte, as latin-1 (gevent's `unquote_latin1`). */
function unquoteLatin1(path: string): string {
  if (!path.includes('%')) return path;
  return path.replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) =>
    String.fromCharCode(Number.parseInt(hex, 16)),
  );
}

/**
 * One HTTP request, as the application sees it.
 *
 * @example
 * function* app(request: Request, startResponse: StartResponse) {
 *   if (request.method === 'POST') {
 *     const body = yield* request.input.read();
 *     startResponse('200 OK', [['Content-Type', 'text/plain']]);
 *     return [`${request.path}: ${body.length} bytes from ${request.remoteAddr}`];
 *   }
 *   startResponse('200 OK', [['Content-Type', 'text/plain']]);
 *   return [request.environ.HTTP_USER_AGENT as string ?? '-'];
 * }
 */
export class Request {
  private bodyReader: Input | null = null;
  private builtEnviron: Environ | null = null;
  /** @internal Set when the client sent `Expect: 100-continue` and nothing was read yet. */
  _expectsContinue: boolean;
  private peerAddr: string | undefined;
  private peerPort: number | undefined;

  constructor(
    /** The underlying node:http request (headers parsed by node's llhttp). */
    readonly raw: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly facts: ServerFacts,
    expectsContinue: boolean,
  ) {
    this._expectsContinue = expectsContinue;
    // Node forgets the peer once the connection closes; the access log needs it at the end.
    if (facts.keepPeer) this.peer();
  }

  /** The client's IP address. */
  get remoteAddr(): string {
    return this.peerAddr ?? this.peer()[0];
  }

  /** The client's port. */
  get remotePort(): number {
    return this.peerPort ?? this.peer()[1];
  }

  private peer(): [string, number] {
    const socket = this.raw.socket;
    this.peerAddr = socket.remoteAddress ?? '';
    this.peerPort = socket.remotePort ?? 0;
    return [this.peerAddr, this.peerPort];
  }

  /** `GET`, `POST`... */
  get method(): string {
    return this.raw.method ?? 'GET';
  }

  /** The request target as sent: path and query, still percent-encoded. */
  get url(): string {
    return this.raw.url ?? '/';
  }

  /** The path part of `url` (percent-encoded; `environ.PATH_INFO` is the decoded form). */
  get path(): string {
    const url = this.url;
    const q = url.indexOf('?');
    return q < 0 ? url : url.slice(0, q);
  }

  /** The query string, without `?` (`''` when none). */
  get query(): string {
    const url = this.url;
    const q = url.indexOf('?');
    return q < 0 ? '' : url.slice(q + 1);
  }

  /** `HTTP/1.1` or `HTTP/1.0`. */
  get protocol(): string {
    return `HTTP/${this.raw.httpVersion}`;
  }

  /** Header fields by lower-case name (node's joining rules: repeated fields joined with `, `). */
  get headers(): IncomingMessage['headers'] {
    return this.raw.headers;
  }

  /** The request line, as it appears in the access log. */
  get requestLine(): string {
    return `${this.method} ${this.url} ${this.protocol}`;
  }

  /** `'http'` or `'https'`. */
  get urlScheme(): 'http' | 'https' {
    return this.facts.urlScheme;
  }

  /** The body reader (`wsgi.input`). The first read sends `100 Continue` if the client asked. */
  get input(): Input {
    if (this.bodyReader === null) {
      const res = this.res;
      const sendContinue = this._expectsContinue
        ? () => {
            this._expectsContinue = false;
            if (!res.headersSent && !res.destroyed) res.writeContinue();
          }
        : null;
      this.bodyReader = new Input(this.raw, sendContinue);
    }
    return this.bodyReader;
  }

  /** @internal The reader if the application made one. */
  get _inputIfUsed(): Input | null {
    return this.bodyReader;
  }

  /** The WSGI environ (built once, on first use). */
  get environ(): Environ {
    this.builtEnviron ??= this.buildEnviron();
    return this.builtEnviron;
  }

  toString(): string {
    return `<Request "${this.requestLine}" from ${this.remoteAddr}:${this.remotePort}>`;
  }

  private buildEnviron(): Environ {
    const facts = this.facts;
    const env: Environ = {
      GATEWAY_INTERFACE: 'CGI/1.1',
      SERVER_SOFTWARE: SOFTWARE,
      SERVER_NAME: facts.serverName,
      SERVER_PORT: facts.serverPort,
      ...facts.baseEnviron,
      REQUEST_METHOD: this.method,
      SCRIPT_NAME: '',
      PATH_INFO: unquoteLatin1(this.path),
      QUERY_STRING: this.query,
      SERVER_PROTOCOL: this.protocol,
      REMOTE_ADDR: this.remoteAddr,
      REMOTE_PORT: String(this.remotePort),
    };
    const headers = this.raw.headers;
    if (headers['content-type'] !== undefined) env.CONTENT_TYPE = headers['content-type'];
    if (headers['content-length']) env.CONTENT_LENGTH = headers['content-length'];
    addHeaderVariables(env, this.raw.rawHeaders);
    env['wsgi.version'] = [1, 0];
    env['wsgi.url_scheme'] = facts.urlScheme;
    env['wsgi.input'] = this.input;
    env['wsgi.input_terminated'] = true;
    env['wsgi.errors'] = facts.errors;
    env['wsgi.multithread'] = false;
    env['wsgi.multiprocess'] = facts.multiprocess;
    env['wsgi.run_once'] = false;
    return env;
  }
}

/**
 * Adds `HTTP_*` keys as gevent does: a field name with `_` is dropped (it could spoof a `-`
 * name), repeated fields are joined with `,` (Cookie with `; `), Content-Type/Length are skipped.
 */
function addHeaderVariables(env: Environ, rawHeaders: string[]): void {
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (name.includes('_')) continue;
    const key = name.replace(/-/g, '_').toUpperCase();
    if (key === 'CONTENT_TYPE' || key === 'CONTENT_LENGTH') continue;
    const value = rawHeaders[i + 1]!.trim();
    const variable = `HTTP_${key}`;
    const previous = env[variable];
    if (previous === undefined) env[variable] = value;
    else env[variable] = `${previous}${key === 'COOKIE' ? '; ' : ','}${value}`;
  }
}
