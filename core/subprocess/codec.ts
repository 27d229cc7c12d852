/**
 * Text mode for subprocess pipes: which encoding, streaming decode with Python's universal
 * newlines (`\r\n` and `\r` read as `\n`), and encoding of text written to a child.
 * Layer: os-facing (core/subprocess).
 */

import { TextDecoder } from 'node:util';
import { describeValue } from '../internal/validators.ts';
import { UnicodeDecodeError } from './errors.ts';

/** The text-mode options shared by Popen and run(). */
export interface TextOptions {
  /** Text mode: pipes read and write strings (decoded with `encoding`, default UTF-8). */
  text?: boolean;
  /** Python's older name for `text`. */
  universalNewlines?: boolean;
  /** Implies text mode: 'utf-8' (default), 'utf-16le' or 'latin1'. */
  encoding?: string;
  /** Implies text mode: 'strict' (default: bad bytes raise UnicodeDecodeError) or 'replace'. */
  errors?: 'strict' | 'replace';
}

/** A resolved text mode. */
export interface Codec {
  readonly encoding: 'utf-8' | 'utf-16le' | 'latin1';
  readonly strict: boolean;
}

const ENCODINGS: Record<string, Codec['encoding']> = {
  'utf-8': 'utf-8',
  utf8: 'utf-8',
  'utf-16le': 'utf-16le',
  utf16le: 'utf-16le',
  latin1: 'latin1',
  'latin-1': 'latin1',
  'iso-8859-1': 'latin1',
};

const BUFFER_ENCODING: Record<Codec['encoding'], BufferEncoding> = {
  'utf-8': 'utf8',
  'utf-16le': 'utf16le',
  latin1: 'latin1',
};

/** The codec the options ask for, or null for binary mode. Validates each option by name. */
export function resolveCodec(options: TextOptions, where: string): Codec | null {
  const { text, universalNewlines, encoding, errors } = options;
  for (const [name, value] of [
    ['text', text],
    ['universalNewlines', universalNewlines],
  ] as const) {
    if (value !== undefined && value !== null && typeof value !== 'boolean') {
      throw new TypeError(
        `${where}: options.${name} must be a boolean, got ${describeValue(value)}`,
      );
    }
  }
  if (errors !== undefined && errors !== null && errors !== 'strict' && errors !== 'replace') {
    throw new RangeError(
      `${where}: options.errors must be 'strict' or 'replace', got ${describeValue(errors)}`,
    );
  }
  let resolved: Codec['encoding'] = 'utf-8';
  if (encoding !== undefined && encoding !== null) {
    const known = typeof encoding === 'string' ? ENCODINGS[encoding.toLowerCase()] : undefined;
    if (known === undefined) {
      throw new RangeError(
        `${where}: options.encoding must be one of ${Object.keys(ENCODINGS).join(', ')}; ` +
          `got ${describeValue(encoding)}`,
      );
    }
    resolved = known;
  }
  const textMode =
    text === true ||
    universalNewlines === true ||
    (encoding !== undefined && encoding !== null) ||
    (errors !== undefined && errors !== null);
  return textMode ? { encoding: resolved, strict: errors !== 'replace' } : null;
}

/**
 * Decodes a byte stream chunk by chunk into text with universal newlines. A `\r` at the end of a
 * chunk is held back until the next one shows whether a `\n` follows.
 */
export class StreamDecoder {
  private readonly decoder: TextDecoder | null;
  private pendingCR = false;

  constructor(private readonly codec: Codec) {
    this.decoder =
      codec.encoding === 'latin1' ? null : new TextDecoder(codec.encoding, { fatal: codec.strict });
  }

  /** Text for the next chunk of bytes (raises UnicodeDecodeError on bad bytes in strict mode). */
  decode(chunk: Uint8Array): string {
    return this.translate(this.decodeRaw(chunk, true), false);
  }

  /** The text still held back at the end of the stream. */
  end(): string {
    return this.translate(this.decodeRaw(new Uint8Array(0), false), true);
  }

  private decodeRaw(chunk: Uint8Array, stream: boolean): string {
    if (this.decoder === null) return Buffer.from(chunk).toString('latin1');
    try {
      return this.decoder.decode(chunk, { stream });
    } catch (error) {
      throw new UnicodeDecodeError(this.codec.encoding, error);
    }
  }

  private translate(text: string, final: boolean): string {
    if (this.pendingCR) {
      text = `\r${text}`;
      this.pendingCR = false;
    }
    if (!final && text.endsWith('\r')) {
      text = text.slice(0, -1);
      this.pendingCR = true;
    }
    return text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
  }
}

/** Decodes a whole output at once (what `communicate` does with captured bytes). */
export function decodeAll(codec: Codec, bytes: Uint8Array): string {
  const decoder = new StreamDecoder(codec);
  return decoder.decode(bytes) + decoder.end();
}

/**
 * The bytes to send for `data`: strings only in text mode (encoded with the codec), bytes
 * (Buffer or Uint8Array) only in binary mode, as Python insists.
 */
export function encodeInput(codec: Codec | null, data: unknown, where: string): Buffer {
  if (codec !== null) {
    if (typeof data !== 'string') {
      throw new TypeError(`${where}: text mode needs a string, got ${describeValue(data)}`);
    }
    return Buffer.from(data, BUFFER_ENCODING[codec.encoding]);
  }
  if (Buffer.isBuffer(data)) return data;
  if (data instanceof Uint8Array) return Buffer.from(data.buffer, data.byteOffset, data.length);
  throw new TypeError(
    `${where}: binary mode needs a Buffer or Uint8Array, got ${describeValue(data)}` +
      (typeof data === 'string' ? ' (pass text: true for strings)' : ''),
  );
}
