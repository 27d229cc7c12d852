/**
 * The access log and error log of the WSGI server: where lines go (a stream, a function, or
 * nowhere) and gevent's access-line format. Layer: io (pywsgi).
 *
 * gevent writes one line per request:
 * `127.0.0.1 - - [2024-05-01 12:00:00] "GET / HTTP/1.1" 200 5 0.000321`
 * (client address, local time to the second, request line, status code, body bytes or `-`,
 * seconds taken). The timestamp is formatted once per second, not once per request.
 */

/** Where log lines go: a stream-like object (`process.stderr`), a function, or null (off). */
export type LogTarget = { write(text: string): unknown } | ((line: string) => void);

/** A normalized log: `write(line)` takes a line without its trailing newline. */
export interface LineLog {
  write(line: string): void;
}

/**
 * Turns a `log`/`errorLog` option into a line writer, or null when logging is off.
 *
 * @example
 * const log = toLineLog(process.stderr, 'options.log'); // log?.write('hello')
 */
export function toLineLog(target: LogTarget | null | undefined, name: string): LineLog | null {
  if (target === null) return null;
  if (target === undefined) return new BatchedLog(process.stderr);
  if (typeof target === 'function') return { write: (line) => target(line) };
  if (typeof target === 'object' && typeof target.write === 'function') {
    return new BatchedLog(target);
  }
  throw new TypeError(
    `${name} must be a stream with write(), a function, or null, got ${typeof target}`,
  );
}

const unflushed = new Set<BatchedLog>();
let exitHookInstalled = false;

/**
 * Lines for a stream, written together once per event-loop turn (or every 256 lines) instead of
 * one write per request: for a file or a pipe each write is a system call. Whatever is pending
 * is written when the process exits.
 */
class BatchedLog implements LineLog {
  private pending: string[] = [];
  private readonly flushSoon = () => this.flush();

  constructor(private readonly stream: { write(text: string): unknown }) {}

  write(line: string): void {
    if (this.pending.length === 0) {
      setImmediate(this.flushSoon);
      unflushed.add(this);
      if (!exitHookInstalled) {
        exitHookInstalled = true;
        process.once('exit', () => {
          for (const log of unflushed) log.flush();
        });
      }
    }
    this.pending.push(line);
    if (this.pending.length >= 256) this.flush();
  }

  flush(): void {
    if (this.pending.length === 0) return;
    const text = `${this.pending.join('\n')}\n`;
    this.pending = [];
    unflushed.delete(this);
    this.stream.write(text);
  }
}

let cachedSecond = -1;
let cachedStamp = '';

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** Local time as `YYYY-MM-DD HH:MM:SS` (Python's `str(datetime.now().replace(microsecond=0))`). */
export function logTimestamp(now = Date.now()): string {
  const second = Math.floor(now / 1000);
  if (second !== cachedSecond) {
    const d = new Date(second * 1000);
    cachedStamp =
      `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
      `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
    cachedSecond = second;
  }
  return cachedStamp;
}

/**
 * One access-log line in gevent's format. `length` 0 prints `-`, as gevent does; `seconds` null
 * (the request never finished) prints `-`.
 *
 * @example
 * formatAccessLine('127.0.0.1', 'GET / HTTP/1.1', 200, 5, 0.0003);
 * // '127.0.0.1 - - [2024-05-01 12:00:00] "GET / HTTP/1.1" 200 5 0.000300'
 */
export function formatAccessLine(
  client: string | undefined,
  requestLine: string,
  status: number | string,
  length: number,
  seconds: number | null,
): string {
  const delta = seconds === null ? '-' : seconds.toFixed(6);
  return `${client || '-'} - - [${logTimestamp()}] "${requestLine}" ${status} ${length || '-'} ${delta}`;
}
