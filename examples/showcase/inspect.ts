/**
 * Looking inside the running showcase: the hub monitor's blocked-hub reports, collected through
 * the events API (`subscribe` + `EventLoopBlocked`), and the live greenlet tree (gevent-ts/util).
 * Layer: example (examples/showcase).
 */

import {
  EventLoopBlocked,
  type Greenlet,
  getHub,
  type HubMonitor,
  type RuntimeEvent,
  startMonitor,
  subscribe,
  until,
  withTimeout,
} from '../../core/index.ts';
import { GreenletTree } from '../../core/util/index.ts';

/** One blocked-hub report, as the showcase keeps it. */
export interface BlockEntry {
  /** performance.now() when it was reported. */
  at: number;
  seconds: number;
  greenlet: string;
  /** The monitor's report, without its banner line. */
  info: string[];
}

/**
 * The hub monitor's reports as they come (it is started if it is not running): the last 50,
 * and a running total.
 *
 * @example
 * const blocks = yield* BlockLog.start();
 * // ... later
 * for (const line of blocks.describe()) console.log(line);
 * yield* blocks.close();
 */
export class BlockLog {
  readonly entries: BlockEntry[] = [];
  total = 0;
  private readonly unsubscribe: () => void;

  private constructor(
    readonly monitor: HubMonitor,
    private readonly ownsMonitor: boolean,
  ) {
    this.unsubscribe = subscribe((event: RuntimeEvent) => {
      if (event instanceof EventLoopBlocked) this.add(event);
    });
  }

  /**
   * Starts the monitor with the default threshold (`config.maxBlockingTime`, 0.1 s), its printed
   * reports off (the showcase prints its own), and waits (at most 5 s) until its thread
   * watches.
   */
  static *start(): Generator<unknown, BlockLog, unknown> {
    const running = getHub().monitor;
    const monitor = running ?? startMonitor({ output: null });
    const watching = yield* withTimeout(5, until(monitor.ready.then(() => true)), {
      timeoutValue: false,
    });
    if (!watching)
      console.error('the hub monitor did not start within 5 s: no blocked-hub reports');
    return new BlockLog(monitor, running === null);
  }

  private add(event: EventLoopBlocked): void {
    this.total++;
    this.entries.push({
      at: performance.now(),
      seconds: event.blockingTime,
      greenlet: event.greenlet === null ? '(the hub itself)' : describeGreenlet(event.greenlet),
      info: event.info.filter((line) => !/^=+$/.test(line)),
    });
    if (this.entries.length > 50) this.entries.shift();
  }

  /**
   * One line per report (at most `limit`), the first one followed by the monitor's own report
   * (a few lines of it).
   */
  describe(limit = 10, infoLines = 4): string[] {
    const lines = this.entries
      .slice(0, limit)
      .flatMap((b, i) => [
        `hub blocked for ${(b.seconds * 1000).toFixed(0)} ms by ${b.greenlet}`,
        ...(i === 0 ? b.info.slice(0, infoLines).map((line) => `    | ${line.trim()}`) : []),
      ]);
    if (this.total > limit) lines.push(`... and ${this.total - limit} more`);
    return lines;
  }

  /** Unsubscribes, and stops the monitor if this log started it. */
  *close(): Generator<unknown, void, unknown> {
    this.unsubscribe();
    if (this.ownsMonitor) yield* until(this.monitor.stop());
  }
}

/**
 * `"GET /cpu-inline" (Greenlet-12)`: the name, with the default label when a name was set.
 *
 * @example
 * describeGreenlet(spawn(work)); // 'Greenlet-5'
 */
export function describeGreenlet(g: Greenlet<any>): string {
  const fallback = `Greenlet-${g.minimalIdent}`;
  return g.name === fallback ? fallback : `"${g.name}" (${fallback})`;
}

/**
 * The live greenlet tree (gevent-ts/util's GreenletTree), without detail lines.
 *
 * @example
 * for (const line of treeLines()) console.log(line);
 */
export function treeLines(): string[] {
  return GreenletTree.currentTree().formatLines({ details: false });
}
