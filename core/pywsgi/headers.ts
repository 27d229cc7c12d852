/**
 * Checks for what an application passes to `startResponse`: the status line and the header
 * list, refused with an error at the call (PEP 3333: "servers should check for errors in the
 * headers at the time start_response is called") rather than deep inside node:http later.
 * CR or LF anywhere is response splitting and raises `HeaderInjectionError`. Layer: io (pywsgi).
 */

import { STATUS_CODES } from 'node:http';
import { describeValue } from '../internal/validators.ts';
import { HeaderInjectionError, InvalidResponseError } from './errors.ts';

/** Response headers: gevent's list of `[name, value]` pairs, or an object. */
export type HeaderList =
  | ReadonlyArray<readonly [string, string | number]>
  | Readonly<Record<string, string | number | ReadonlyArray<string>>>;

/** A validated status line. */
export interface Status {
  code: number;
  reason: string;
}

/** The validated headers, flat (`[name, value, name, value...]`, what node's writeHead takes). */
export interface CheckedHeaders {
  flat: string[];
  /** The Content-Length the application gave, if any. */
  contentLength: string | null;
}

const CR_OR_LF = /[\r\n]/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const BAD_VALUE_CHAR = /[^\t\x20-\x7e\x80-\xff]/;
const STATUS_LINE = /^([1-9]\d\d)(?: (.*))?$/;

/** Statuses already checked (applications use a handful): skips the parse on the hot path. */
const knownStatuses = new Map<string, Status>();
/** Header names already checked. */
const knownNames = new Set<string>();
/** Short header values already checked (`text/plain`, `keep-alive`...: they repeat). */
const knownValues = new Set<string>();
const CACHED_VALUE_LENGTH = 64;
const CACHE_LIMIT = 256;

/**
 * Parses `'200 OK'` (or a bare number) into code and reason.
 *
 * @example
 * checkStatus('404 Not Found'); // { code: 404, reason: 'Not Found' }
 */
export function checkStatus(status: unknown): Status {
  if (typeof status === 'number') {
    if (!Number.isInteger(status) || status < 100 || status > 999) {
      throw new InvalidResponseError(`status must be a code from 100 to 999, got ${status}`);
    }
    return { code: status, reason: STATUS_CODES[status] ?? 'Unknown' };
  }
  if (typeof status !== 'string') {
    throw new TypeError(`status must be a string such as '200 OK', got ${describeValue(status)}`);
  }
  const known = knownStatuses.get(status);
  if (known !== undefined) return known;
  const parsed = parseStatus(status);
  if (knownStatuses.size < CACHE_LIMIT) knownStatuses.set(status, parsed);
  return parsed;
}

function parseStatus(status: string): Status {
  if (CR_OR_LF.test(status)) {
    throw new HeaderInjectionError(
      `carriage return or newline in status: ${JSON.stringify(status)}`,
    );
  }
  const match = STATUS_LINE.exec(status);
  if (match === null || BAD_VALUE_CHAR.test(status)) {
    throw new InvalidResponseError(`status must look like '200 OK', got ${JSON.stringify(status)}`);
  }
  const code = Number(match[1]);
  return { code, reason: match[2] || STATUS_CODES[code] || 'Unknown' };
}

function checkName(name: unknown): string {
  if (typeof name !== 'string') {
    throw new TypeError(`a header name must be a string, got ${describeValue(name)}`);
  }
  if (knownNames.has(name)) return name;
  if (TOKEN.test(name)) {
    if (knownNames.size < CACHE_LIMIT) knownNames.add(name);
    return name;
  }
  if (CR_OR_LF.test(name)) {
    throw new HeaderInjectionError(
      `carriage return or newline in header name: ${JSON.stringify(name)}`,
    );
  }
  throw new InvalidResponseError(`invalid header name ${JSON.stringify(name)}`);
}

function checkValue(name: string, value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string') {
    throw new TypeError(
      `the value of header ${name} must be a string, got ${describeValue(value)}`,
    );
  }
  if (knownValues.has(value)) return value;
  if (!BAD_VALUE_CHAR.test(value)) {
    if (knownValues.size < CACHE_LIMIT && value.length <= CACHED_VALUE_LENGTH)
      knownValues.add(value);
    return value;
  }
  if (CR_OR_LF.test(value)) {
    throw new HeaderInjectionError(
      `carriage return or newline in header value: ${name}: ${JSON.stringify(value)}`,
    );
  }
  throw new InvalidResponseError(
    `invalid character in header value: ${name}: ${JSON.stringify(value)}`,
  );
}

function isContentLength(name: string): boolean {
  return name.length === 14 && name.toLowerCase() === 'content-length';
}

function add(out: CheckedHeaders, name: unknown, value: unknown): void {
  const checkedName = checkName(name);
  const checkedValue = checkValue(checkedName, value);
  if (isContentLength(checkedName)) out.contentLength = checkedValue.trim();
  out.flat.push(checkedName, checkedValue);
}

/**
 * Validates a header list and flattens it.
 *
 * @example
 * checkHeaders([['Content-Type', 'text/plain']]).flat; // ['Content-Type', 'text/plain']
 */
export function checkHeaders(headers: unknown): CheckedHeaders {
  const out: CheckedHeaders = { flat: [], contentLength: null };
  if (headers === undefined || headers === null) return out;
  if (Array.isArray(headers)) {
    for (const pair of headers) {
      if (!Array.isArray(pair) || pair.length !== 2) {
        throw new TypeError(`headers must be [name, value] pairs, got ${describeValue(pair)}`);
      }
      add(out, pair[0], pair[1]);
    }
    return out;
  }
  if (typeof headers !== 'object') {
    throw new TypeError(
      `headers must be an array of pairs or an object, got ${describeValue(headers)}`,
    );
  }
  for (const [name, value] of Object.entries(headers)) {
    if (Array.isArray(value)) for (const item of value) add(out, name, item);
    else add(out, name, value);
  }
  return out;
}
