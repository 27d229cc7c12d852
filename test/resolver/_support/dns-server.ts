/**
 * Test support: a tiny authoritative DNS server on 127.0.0.1 (UDP, port 0) for the `ares`
 * resolver's tests, benchmark and examples, so nothing ever asks the machine's configured name
 * server. Answers A, AAAA and PTR from a zone given in code; NXDOMAIN for other names; names in
 * `silent` get no answer at all (to test timeouts and interruption). Counts queries per name.
 */

import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { once } from 'node:events';

/** One name's records. */
export interface ZoneEntry {
  a?: string[];
  aaaa?: string[];
  /** For reverse zones: the name a PTR query for this address answers. */
  ptr?: string;
  ttl?: number;
}

const TYPE_A = 1;
const TYPE_PTR = 12;
const TYPE_AAAA = 28;

function readName(msg: Buffer, offset: number): [string, number] {
  const labels: string[] = [];
  let i = offset;
  while (i < msg.length && msg[i] !== 0) {
    const len = msg[i]!;
    labels.push(msg.toString('latin1', i + 1, i + 1 + len));
    i += len + 1;
  }
  return [labels.join('.'), i + 1];
}

function encodeName(name: string): Buffer {
  const parts = name.split('.').filter(Boolean);
  return Buffer.concat([
    ...parts.map((p) => Buffer.concat([Buffer.from([p.length]), Buffer.from(p, 'latin1')])),
    Buffer.from([0]),
  ]);
}

function ipv6Bytes(address: string): Buffer {
  const [head, tail] = address.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  for (const [i, g] of groups.entries()) out.writeUInt16BE(Number.parseInt(g || '0', 16), i * 2);
  return out;
}

/** The name a PTR query uses for `address` (IPv4 only: 1.0.0.127.in-addr.arpa). */
export function reverseName(address: string): string {
  return `${address.split('.').reverse().join('.')}.in-addr.arpa`;
}

function record(type: number, ttl: number, rdata: Buffer): Buffer {
  const head = Buffer.alloc(12);
  head.writeUInt16BE(0xc00c, 0); // pointer to the question's name
  head.writeUInt16BE(type, 2);
  head.writeUInt16BE(1, 4); // class IN
  head.writeUInt32BE(ttl, 6);
  head.writeUInt16BE(rdata.length, 10);
  return Buffer.concat([head, rdata]);
}

/**
 * A running test DNS server.
 *
 * @example
 * const server = await DnsTestServer.start({ 'www.gevent.test': { a: ['127.0.0.7'], ttl: 60 } });
 * const resolver = new AresResolver({ servers: [server.address] });
 * server.close();
 */
export class DnsTestServer {
  /** Queries seen, per lower-cased name. */
  readonly queries = new Map<string, number>();

  private constructor(
    private readonly socket: Socket,
    private readonly zone: Map<string, ZoneEntry>,
    private readonly silent: Set<string>,
  ) {
    socket.on('message', (msg, peer) => this.answer(msg, peer));
  }

  static async start(
    zone: Record<string, ZoneEntry>,
    silent: string[] = [],
  ): Promise<DnsTestServer> {
    const socket = createSocket('udp4');
    socket.bind(0, '127.0.0.1');
    await once(socket, 'listening');
    const entries = new Map<string, ZoneEntry>();
    for (const [name, entry] of Object.entries(zone)) {
      entries.set(name.toLowerCase(), entry);
      if (entry.ptr !== undefined)
        entries.set(reverseName(name), { ptr: entry.ptr, ttl: entry.ttl });
    }
    return new DnsTestServer(socket, entries, new Set(silent.map((s) => s.toLowerCase())));
  }

  /** `127.0.0.1:port`, as `setServers` takes it. */
  get address(): string {
    return `127.0.0.1:${this.socket.address().port}`;
  }

  /** Total queries answered or ignored. */
  get total(): number {
    let n = 0;
    for (const count of this.queries.values()) n += count;
    return n;
  }

  /** Lets the process exit while the server still listens (for servers shared by a file). */
  unref(): void {
    this.socket.unref();
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }

  private answer(msg: Buffer, peer: RemoteInfo): void {
    if (msg.length < 12) return;
    const [name, end] = readName(msg, 12);
    if (end + 4 > msg.length) return;
    const type = msg.readUInt16BE(end);
    const key = name.toLowerCase();
    this.queries.set(key, (this.queries.get(key) ?? 0) + 1);
    if (this.silent.has(key)) return;
    const entry = this.zone.get(key);
    const ttl = entry?.ttl ?? 300;
    const answers: Buffer[] = [];
    if (type === TYPE_A)
      for (const a of entry?.a ?? [])
        answers.push(record(TYPE_A, ttl, Buffer.from(a.split('.').map(Number))));
    if (type === TYPE_AAAA)
      for (const a of entry?.aaaa ?? []) answers.push(record(TYPE_AAAA, ttl, ipv6Bytes(a)));
    if (type === TYPE_PTR && entry?.ptr) answers.push(record(TYPE_PTR, ttl, encodeName(entry.ptr)));
    const header = Buffer.alloc(12);
    header.writeUInt16BE(msg.readUInt16BE(0), 0);
    header.writeUInt16BE(0x8180 | (entry === undefined ? 3 : 0), 2); // NXDOMAIN when unknown
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answers.length, 6);
    const question = msg.subarray(12, end + 4);
    this.socket.send(Buffer.concat([header, question, ...answers]), peer.port, peer.address);
  }
}
