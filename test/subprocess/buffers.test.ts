/**
 * The read-side buffers: ByteBuffer (chunks, and in-place collection into GrowableBytes past
 * 1 MiB), TextBuffer (decoding with universal newlines), GrowableBytes growth.
 */

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ByteBuffer, TextBuffer } from '../../core/subprocess/buffers.ts';
import { GrowableBytes } from '../../core/subprocess/growable-bytes.ts';

const test = suite('subprocess: buffers');

function bytes(n: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) out[i] = (i * 7 + seed) & 0xff;
  return out;
}

test('ByteBuffer: take spans chunks, lineLength finds a newline across chunks', () => {
  const b = new ByteBuffer();
  b.push(Buffer.from('ab'));
  b.push(Buffer.from('cd\nef'));
  assert.is(b.size, 7);
  assert.is(b.lineLength(), 5);
  assert.is(String(b.take(3)), 'abc');
  assert.is(b.lineLength(), 2);
  assert.is(String(b.take(2)), 'd\n');
  assert.is(b.lineLength(), -1);
  assert.is(String(b.takeAll()), 'ef');
  assert.is(b.size, 0);
});

test('ByteBuffer collecting: past 1 MiB the bytes go in place, takeAll needs no join', () => {
  const b = new ByteBuffer();
  b.collecting = true;
  const parts = Array.from({ length: 40 }, (_, i) => bytes(64 * 1024, i));
  for (const part of parts) b.push(part);
  const expected = Buffer.concat(parts);
  assert.ok(b.peekAll().equals(expected), 'peekAll copies everything');
  const all = b.takeAll();
  assert.ok(all.equals(expected));
  assert.ok((all.buffer as { resizable?: boolean }).resizable, 'a view of the growable store');
  assert.is(b.size, 0);
});

test('ByteBuffer: reads after collection stopped see the collected bytes first, in order', () => {
  const b = new ByteBuffer();
  b.collecting = true;
  const parts = Array.from({ length: 20 }, (_, i) => bytes(100_000, i));
  for (const part of parts) b.push(part);
  b.collecting = false;
  b.push(Buffer.from('\nlast'));
  const expected = Buffer.concat([...parts, Buffer.from('\nlast')]);
  const first = b.take(1_500_000);
  assert.ok(first.equals(expected.subarray(0, 1_500_000)));
  assert.is(b.lineLength(), expected.indexOf(0x0a, 1_500_000) - 1_500_000 + 1);
  assert.ok(b.takeAll().equals(expected.subarray(1_500_000)));
});

test('GrowableBytes: grows past its reservation by moving once, keeps every byte', () => {
  const g = new GrowableBytes(2 * 1024 * 1024);
  const parts = Array.from({ length: 50 }, (_, i) => bytes(100_000, i));
  for (const part of parts) assert.ok(g.append(part));
  assert.is(g.length, 5_000_000);
  assert.ok(g.toBuffer().equals(Buffer.concat(parts)));
  const snapshot = g.toBuffer();
  g.append(Buffer.from('more'));
  assert.is(snapshot.length, 5_000_000, 'an earlier view keeps its length');
});

test('TextBuffer: decodes across chunks, \\r\\n split between chunks reads as one newline', () => {
  const t = new TextBuffer({ encoding: 'utf-8', strict: true });
  t.push(Buffer.from('a\r'));
  assert.is(t.lineLength(), -1, 'a lone \\r is held back until the next chunk');
  t.push(Buffer.from([0x0a, 0xc3]));
  assert.is(t.take(t.lineLength()), 'a\n');
  t.push(Buffer.from([0xa9, 0x0d]));
  t.end();
  assert.is(t.takeAll(), 'é\n');
});

test.run();
