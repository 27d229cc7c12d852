/**
 * The clone-safe error form (serializeError/rebuildError), the closure explanation and move(),
 * checked in this thread: what crosses postMessage is exactly what structuredClone keeps.
 */

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { explainClosure, rebuildError, serializeError } from '../../threadpool/errors.ts';
import { move } from '../../threadpool/index.ts';
import { isMoved } from '../../threadpool/move.ts';

const test = suite('threadpool errors');

const roundTrip = (error: Error) => rebuildError(structuredClone(serializeError(error)));

test('built-in kinds keep their class, message, stack and own properties', () => {
  const original = new RangeError('too far') as RangeError & { code: string; limit: number };
  original.code = 'E_FAR';
  original.limit = 10;
  const copy = roundTrip(original) as typeof original;
  assert.instance(copy, RangeError);
  assert.is(copy.message, 'too far');
  assert.is(copy.stack, original.stack);
  assert.is(copy.code, 'E_FAR');
  assert.is(copy.limit, 10);
});

test('a custom class keeps its name; causes and AggregateError members are rebuilt', () => {
  class DbError extends Error {
    override name = 'DbError';
  }
  const original = new AggregateError(
    [new DbError('lost', { cause: new TypeError('socket') }), 'plain'],
    'many',
  );
  const copy = roundTrip(original) as AggregateError;
  assert.instance(copy, AggregateError);
  const first = copy.errors[0] as Error;
  assert.is(first.name, 'DbError');
  assert.instance(first.cause, TypeError);
  assert.is(copy.errors[1], 'plain');
});

test('properties that cannot be cloned become strings', () => {
  const original = new Error('x') as Error & { fn: unknown; sym: unknown };
  original.fn = () => 1;
  original.sym = Symbol('s');
  const copy = roundTrip(original) as typeof original;
  assert.is(typeof copy.fn, 'string');
  assert.is(copy.sym, 'Symbol(s)');
});

test('explainClosure rewrites only "x is not defined" ReferenceErrors', () => {
  const explained = explainClosure(new ReferenceError('limit is not defined'), 'work') as Error & {
    code: string;
  };
  assert.match(explained.message, /^limit is not defined in the worker thread: function work/);
  assert.is(explained.code, 'ERR_TASK_CLOSURE');
  assert.match(String(explained.stack), /^ReferenceError: limit is not defined in the worker/);
  const other = new ReferenceError('Cannot access x before initialization');
  assert.is(explainClosure(other, 'work'), other);
  const notRef = new TypeError('y is not defined');
  assert.is(explainClosure(notRef, 'work'), notRef);
});

test('move() marks buffers, views and ports; refuses what it cannot move', () => {
  const buf = new ArrayBuffer(8);
  const moved = move(buf) as unknown;
  assert.ok(isMoved(moved));
  assert.equal((moved as { transferList: unknown[] }).transferList, [buf]);
  const view = new Uint8Array(buf);
  assert.equal((move(view) as unknown as { transferList: unknown[] }).transferList, [buf]);
  assert.throws(() => move({ a: 1 }), /pass the transferList/);
  assert.throws(() => move(new Int32Array(new SharedArrayBuffer(4))), /SharedArrayBuffer/);
  assert.ok(isMoved(move({ a: buf }, [buf])));
  assert.not.ok(isMoved(buf));
});

test.run();
