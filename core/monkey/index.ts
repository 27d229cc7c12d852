/**
 * gevent-ts/monkey: swap the runtime's cooperative implementations in for Node's built-ins, as
 * gevent's `monkey.patch_all()` does for Python's standard library. Layer: monkey (top; nothing
 * imports it).
 *
 * What exists to patch today is DNS: `patchDns()` replaces `dns.lookup` and
 * `dns.promises.lookup` with the configured resolver's drop-in, so `net`, `http`, `https` and
 * `fetch` (which all look names up through `dns.lookup`) use it. ESM named imports of
 * `node:dns` see the change too (`syncBuiltinESMExports`). Each replaced function carries the
 * original under `Symbol.for('gevent-ts.original')`, which the resolver's own fallbacks use so
 * they never call themselves.
 *
 * @module gevent-ts/monkey
 */

import dns from 'node:dns';
import { syncBuiltinESMExports } from 'node:module';
import { type BaseResolver, getResolver } from '../resolver/index.ts';

const ORIGINAL = Symbol.for('gevent-ts.original');

interface Saved {
  target: Record<string, unknown>;
  property: string;
  original: unknown;
}

/** Per patched module name, what was replaced. */
const saved = new Map<string, Saved[]>();
let patchAllCalls = 0;

function replace(module: string, target: object, property: string, replacement: Function): void {
  const t = target as Record<string, unknown>;
  const original = t[property];
  Object.defineProperty(replacement, ORIGINAL, { value: original, enumerable: false });
  t[property] = replacement;
  let list = saved.get(module);
  if (list === undefined) saved.set(module, (list = []));
  list.push({ target: t, property, original });
}

/**
 * Makes `dns.lookup` and `dns.promises.lookup` (and so net, http, https, fetch) resolve through
 * `resolver`, or by default the configured one at each call (`getResolver()`: `GEVENT_RESOLVER`,
 * or what `setResolver()` set last). Patching again first restores Node's functions, so the
 * last resolver given wins.
 *
 * @example
 * patchDns();
 * http.get(`http://localhost:${port}/`); // looked up on the resolver's threads
 */
export function patchDns(resolver?: BaseResolver): void {
  unpatchModule('dns');
  // Without a resolver given, every lookup asks for the configured one, so a later
  // setResolver() is seen (gevent's patched socket reads hub.resolver per call).
  const chosen = resolver === undefined ? getResolver : () => resolver;
  const drop = chosen().lookup;
  const patchedLookup = function lookup(this: unknown, ...args: unknown[]) {
    return (chosen().lookup as Function).apply(this, args);
  };
  for (const symbol of Object.getOwnPropertySymbols(drop)) {
    Object.defineProperty(patchedLookup, symbol, { value: (drop as any)[symbol] });
  }
  const patchedPromiseLookup = function lookup(this: unknown, ...args: unknown[]) {
    return (chosen().promiseLookup as Function).apply(this, args);
  };
  replace('dns', dns, 'lookup', patchedLookup);
  replace('dns', dns.promises, 'lookup', patchedPromiseLookup);
  syncBuiltinESMExports();
}

/**
 * Patches everything that has a cooperative replacement (today: dns). Calling it again warns,
 * as gevent does, and patches again.
 *
 * @example
 * import { patchAll } from 'gevent-ts/monkey';
 * patchAll();
 */
export function patchAll(options: { dns?: boolean } = {}): void {
  if (++patchAllCalls > 1) {
    process.emitWarning(
      'Patching more than once will result in the union of all True parameters being patched',
      'MonkeyPatchWarning',
    );
  }
  if (options.dns !== false) patchDns();
}

function unpatchModule(module: string): void {
  const list = saved.get(module);
  if (list === undefined) return;
  for (const { target, property, original } of list.reverse()) target[property] = original;
  saved.delete(module);
}

/**
 * Puts every patched function back.
 *
 * @example
 * patchAll();
 * unpatchAll(); // dns.lookup is Node's again
 */
export function unpatchAll(): void {
  for (const module of [...saved.keys()]) unpatchModule(module);
  patchAllCalls = 0;
  syncBuiltinESMExports();
}

/**
 * Whether `name` (such as 'dns') is currently patched.
 *
 * @example
 * patchDns();
 * isModulePatched('dns'); // true
 */
export function isModulePatched(name: string): boolean {
  return saved.has(name);
}

/**
 * The function Node had before patching (`getOriginal('dns', 'lookup')`), as gevent's
 * `get_original`. Returns the current one when nothing patched it.
 *
 * @example
 * const nodeLookup = getOriginal('dns', 'lookup') as typeof dns.lookup;
 */
export function getOriginal(module: string, name: string): unknown {
  const parts = name.split('.');
  const property = parts.pop()!;
  const owner: unknown = parts.length > 0 ? dns.promises : dns;
  for (const entry of saved.get(module) ?? []) {
    if (entry.property === property && entry.target === owner) return entry.original;
  }
  if (module !== 'dns')
    throw new RangeError(`getOriginal: unknown module ${JSON.stringify(module)}`);
  return (owner as Record<string, unknown>)[property];
}
