/**
 * Helpers for the io tests: loopback listeners and connected pairs, a self-signed certificate
 * made at run time with node:crypto (no key is ever committed), open file descriptor counts,
 * and memory readings.
 */

import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { AF_INET, AF_INET6, socket } from '../../../core/io/socket.ts';

/** A listening socket on 127.0.0.1 (or ::1), any free port. */
export function* listener(family = AF_INET): Generator<unknown, socket, unknown> {
  const sock = new socket(family);
  yield* sock.bind([family === AF_INET6 ? '::1' : '127.0.0.1', 0]);
  yield* sock.listen();
  return sock;
}

/** A connected pair over TCP loopback: [client, server side]. */
export function* tcpPair(family = AF_INET): Generator<unknown, [socket, socket], unknown> {
  const l = yield* listener(family);
  try {
    const client = new socket(family);
    const connecting = client.connect(l.getsockname());
    const [server] = yield* l.accept();
    yield* connecting;
    return [client, server];
  } finally {
    l.close();
  }
}

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
}

const seq = (...items: Buffer[]) => tlv(0x30, ...items);
const set = (...items: Buffer[]) => tlv(0x31, ...items);

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const out = [parts[0]! * 40 + parts[1]!];
  for (const part of parts.slice(2)) {
    const group: number[] = [part & 0x7f];
    for (let v = part >> 7; v > 0; v >>= 7) group.unshift((v & 0x7f) | 0x80);
    out.push(...group);
  }
  return tlv(0x06, Buffer.from(out));
}

/** A DER INTEGER from big-endian bytes: minimal (no leading zeros), positive. */
function positiveInteger(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const minimal = bytes.subarray(start);
  return tlv(0x02, minimal[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), minimal]) : minimal);
}

function utcTime(date: Date): Buffer {
  const text = date.toISOString().replace(/[-:T]/g, '').slice(2, 14);
  return tlv(0x17, Buffer.from(`${text}Z`));
}

function name(commonName: string): Buffer {
  return seq(set(seq(oid('2.5.4.3'), tlv(0x0c, Buffer.from(commonName)))));
}

/**
 * A self-signed certificate (EC P-256, valid one day) for `localhost` and 127.0.0.1, with its
 * key, as PEM strings. It is its own CA, so a client trusts it via `cadata`.
 */
export function makeSelfSignedCert(commonName = 'localhost'): { cert: string; key: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const ecdsaSha256 = seq(oid('1.2.840.10045.4.3.2'));
  const now = Date.now();
  const altNames = seq(tlv(0x82, Buffer.from('localhost')), tlv(0x87, Buffer.from([127, 0, 0, 1])));
  const extensions = tlv(
    0xa3,
    seq(
      seq(oid('2.5.29.19'), tlv(0x04, seq(tlv(0x01, Buffer.from([0xff]))))),
      seq(oid('2.5.29.17'), tlv(0x04, altNames)),
    ),
  );
  const tbs = seq(
    tlv(0xa0, positiveInteger(Buffer.from([2]))),
    positiveInteger(randomBytes(8)),
    ecdsaSha256,
    name(commonName),
    seq(utcTime(new Date(now - 3600_000)), utcTime(new Date(now + 86400_000))),
    name(commonName),
    spki,
    extensions,
  );
  const signature = sign('sha256', tbs, privateKey);
  const der = seq(tbs, ecdsaSha256, tlv(0x03, Buffer.from([0]), signature));
  const body = der
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n');
  return {
    cert: `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`,
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
  };
}

/** Number of open file descriptors of this process (Linux). */
export function openFdCount(): number {
  return readdirSync('/proc/self/fd').length;
}

/** Resident set size in bytes. */
export function rss(): number {
  return process.memoryUsage.rss();
}
