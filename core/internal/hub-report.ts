/**
 * The hub's reports: the `LoopExit` message naming what every blocked greenlet waits on, and the
 * default printer of errors nobody caught. Layer: base (used by core/hub.ts).
 */

import { deadlockMessage } from '../errors.ts';
import type { Runnable } from './hub-contract.ts';

/** The part of the hub a deadlock report reads. */
interface HubView {
  greenlets(): Iterable<Runnable & { readonly name: string }>;
  readonly greenletCount: number;
  toString(): string;
}

/** LoopExit's message: what the root waits on, then every other parked greenlet (bounded). */
export function describeDeadlock(hub: HubView, root: Runnable): string {
  const parked: Array<{ name: string; text: string; waitingOn: string }> = [];
  for (const g of hub.greenlets()) {
    if (g !== root && g._park !== null) {
      parked.push({ name: g.name, text: String(g), waitingOn: describeWaitOf(g) });
    }
  }
  return deadlockMessage(
    String(hub),
    String(root),
    describeWaitOf(root),
    parked,
    hub.greenletCount,
  );
}

function describeWaitOf(g: Runnable): string {
  return g._park?.describeWait?.() ?? 'something nothing can set';
}

/** The default `hub.handleError`: the stack, then "<context> failed with <kind>", to stderr. */
export function printError(context: unknown, error: unknown): void {
  const stack = error instanceof Error ? (error.stack ?? String(error)) : String(error);
  const kind = error instanceof Error ? error.name : error === null ? 'null' : typeof error;
  process.stderr.write(
    `${stack}\n${new Date().toISOString()} ${String(context)} failed with ${kind}\n\n`,
  );
}
