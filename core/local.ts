/**
 * local(): an object whose properties are separate for each greenlet (gevent.local). Layer:
 * primitives.
 */

import type { Greenlet } from './greenlet.ts';
import { getHub } from './hub.ts';

const hub = getHub();
/** The values seen outside any greenlet (plain code, hub callbacks, async continuations). */
const outsideGreenlets = new WeakMap<object, Record<PropertyKey, unknown>>();

/**
 * Creates an object whose properties are per greenlet: each greenlet sees only what it set.
 * `init`, if given, makes each greenlet's starting values the first time it touches the object
 * (gevent runs a `local` subclass's `__init__` again in each greenlet; this is that hook). A
 * greenlet's values are dropped when it dies.
 *
 * @example
 * const ctx = local<{ requestId?: string }>();
 * spawn(function* () { ctx.requestId = 'a'; yield* sleep(0); console.log(ctx.requestId); }); // 'a'
 * spawn(function* () { console.log(ctx.requestId); }); // undefined
 */
export function local<T extends object = Record<string, any>>(init?: () => T): T {
  if (init !== undefined && typeof init !== 'function') {
    throw new TypeError(
      'local(init): Initialization arguments are not supported; pass a function returning the starting values',
    );
  }
  const key = {};
  const valuesHere = (): Record<PropertyKey, unknown> => {
    const g = hub.current as Greenlet<unknown> | null;
    const store = g === null ? outsideGreenlets : g._locals();
    let values = store.get(key);
    if (values === undefined) {
      values = init === undefined ? {} : { ...init() };
      store.set(key, values);
    }
    return values;
  };
  return new Proxy({} as T, {
    get: (_target, name) => valuesHere()[name],
    set: (_target, name, value) => {
      valuesHere()[name] = value;
      return true;
    },
    has: (_target, name) => name in valuesHere(),
    deleteProperty: (_target, name) => delete valuesHere()[name],
    ownKeys: () => Reflect.ownKeys(valuesHere()),
    getOwnPropertyDescriptor: (_target, name) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(valuesHere(), name);
      if (descriptor !== undefined) descriptor.configurable = true;
      return descriptor;
    },
  });
}
