/**
 * `GreenletTree`: the live greenlets arranged by who spawned whom, as stable text (gevent's
 * `util.GreenletTree`). Layer: os-facing (gevent-ts/util).
 *
 * The tree is built from the hub's list of live greenlets and each greenlet's
 * `spawningGreenlet`. Its root stands for the hub and plain code: greenlets created outside
 * any greenlet (`run()` roots, spawns from callbacks) hang under it. A live greenlet whose
 * spawner has died still shows under that spawner, marked dead; a dead spawner whose own
 * spawner is dead too hangs under the root, so long chains of finished greenlets are not
 * printed. The text layout follows gevent's: children under `+---` heads, `|` joining
 * siblings, and `:` continuation lines for a node's details.
 */

import type { Greenlet } from '../greenlet.ts';
import { getHub } from '../hub.ts';

/** Options of `GreenletTree.format()`. */
export interface TreeFormatOptions {
  /** Add detail lines under each node (default true): where it was spawned. */
  details?: boolean;
  /** With details: the whole captured spawn stack instead of its first frame (default false). */
  fullSpawnStacks?: boolean;
}

interface Line {
  text: string;
  /** A detail line (continued with `:` in the root's column) rather than a node head. */
  data: boolean;
}

/** Nesting deeper than this is summarized in one line (and keeps the formatter iterative-safe). */
const MAX_DEPTH = 100;
const ROOT_LABEL = '<Hub>';

/**
 * A node of the greenlet tree: one greenlet (or, at the root, the hub) and the trees of the
 * greenlets it spawned, in start order.
 *
 * @example
 * const tree = GreenletTree.currentTree();
 * console.log(tree.format());
 * // <Hub>
 * //  +--- <Greenlet "main" at 0x1: main()>; running
 * //  :          Spawned at: file:///app/server.ts:12:3
 * //       +--- <Greenlet "Greenlet-2" at 0x2: worker()>; parked: waiting on <Queue qsize=0 getters=1 putters=0>
 * //             Spawned at: file:///app/server.ts:20:5
 */
export class GreenletTree {
  /** The trees of the greenlets this one spawned (that are alive or have live descendants). */
  readonly children: GreenletTree[] = [];

  /** @param greenlet The greenlet of this node; null for the root (the hub / plain code). */
  constructor(readonly greenlet: Greenlet | null) {}

  /**
   * The tree of every live greenlet of this thread, rooted at the hub.
   *
   * @example
   * GreenletTree.currentTree().children.length; // greenlets spawned from plain code
   */
  static currentTree(): GreenletTree {
    const root = new GreenletTree(null);
    const nodes = new Map<Greenlet, GreenletTree>();
    for (const g of getHub().greenlets()) attach(g, root, nodes);
    return root;
  }

  /**
   * One tree per thread, as gevent's `forest()`: here only this thread's (a worker thread runs
   * its own hub, which reports its own tree).
   *
   * @example
   * const [tree] = GreenletTree.forest();
   */
  static forest(): GreenletTree[] {
    return [GreenletTree.currentTree()];
  }

  /**
   * The subtree of `greenlet` (depth-first search), or undefined if it is not in this tree.
   *
   * @example
   * console.log(GreenletTree.currentTree().find(getcurrent()!)?.format());
   */
  find(greenlet: Greenlet<any>): GreenletTree | undefined {
    const stack: GreenletTree[] = [this];
    while (stack.length > 0) {
      const node = stack.pop()!;
      if (node.greenlet === greenlet) return node;
      for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]!);
    }
    return undefined;
  }

  /** True for the root node (the hub / plain code). */
  get root(): boolean {
    return this.greenlet === null;
  }

  /**
   * The tree as text lines.
   *
   * @example
   * for (const line of GreenletTree.currentTree().formatLines({ details: false })) console.log(line);
   */
  formatLines(options: TreeFormatOptions = {}): string[] {
    const resolved = { details: options.details ?? true, full: options.fullSpawnStacks ?? false };
    return render(this, 0, resolved).map((line) => line.text);
  }

  /**
   * The tree as one string (lines joined by newlines).
   *
   * @example
   * console.log(GreenletTree.currentTree().format({ details: false }));
   */
  format(options: TreeFormatOptions = {}): string {
    return this.formatLines(options).join('\n');
  }

  /** The short form: the tree without detail lines. */
  toString(): string {
    return this.format({ details: false });
  }
}

/** Puts `g` in the tree under its spawner, creating the spawner's node when needed. */
function attach(g: Greenlet, root: GreenletTree, nodes: Map<Greenlet, GreenletTree>): GreenletTree {
  const known = nodes.get(g);
  if (known !== undefined) return known;
  const node = new GreenletTree(g);
  nodes.set(g, node);
  parentNodeOf(g, root, nodes).children.push(node);
  return node;
}

/**
 * The node `g` hangs under: its spawner's, or the root when it has none. A dead spawner is
 * shown (so its live children stay grouped), but only one dead level: a dead greenlet whose
 * spawner is dead as well hangs under the root.
 */
function parentNodeOf(
  g: Greenlet,
  root: GreenletTree,
  nodes: Map<Greenlet, GreenletTree>,
): GreenletTree {
  const spawner = g.spawningGreenlet;
  if (spawner === null || spawner === g) return root;
  if (g.dead && spawner.dead) return root;
  return attach(spawner, root, nodes);
}

function render(
  node: GreenletTree,
  depth: number,
  options: { details: boolean; full: boolean },
): Line[] {
  const lines: Line[] = [{ text: labelOf(node.greenlet), data: false }];
  if (options.details && node.greenlet !== null) {
    const marker = depth === 0 ? ':' : ' ';
    for (const detail of detailsOf(node.greenlet, options.full)) {
      lines.push({ text: ` ${marker}    ${detail}`, data: true });
    }
  }
  if (depth >= MAX_DEPTH && node.children.length > 0) {
    lines.push({ text: ` +--- (${countBelow(node)} more greenlets, nested deeper)`, data: false });
    return lines;
  }
  node.children.forEach((child, i) => {
    const last = i === node.children.length - 1;
    const [head, ...rest] = render(child, depth + 1, options);
    lines.push({ text: ` +--- ${head!.text}`, data: false });
    for (const line of rest) lines.push(indentChildLine(line, depth, last));
  });
  return lines;
}

/** A line of a child's block, shifted under its `+---` head. */
function indentChildLine(line: Line, depth: number, last: boolean): Line {
  if (line.data)
    return { text: ` ${depth === 0 && !last ? ':' : ' '}    ${line.text}`, data: true };
  return { text: ` ${last ? ' ' : '|'}   ${line.text}`, data: false };
}

function countBelow(node: GreenletTree): number {
  let n = 0;
  const stack = [...node.children];
  while (stack.length > 0 && n < 1_000_000) {
    n++;
    stack.push(...stack.pop()!.children);
  }
  return n;
}

/** `<Greenlet "name" at 0x..: fn(args)>; state` (the name is shown even when never set). */
function labelOf(g: Greenlet | null): string {
  if (g === null) return ROOT_LABEL;
  let text = String(g);
  const quoted = `"${g.name}"`;
  if (!text.includes(quoted)) text = text.replace(/^<(\S+)/, (head) => `${head} ${quoted}`);
  return `${text}; ${stateOf(g)}`;
}

/** running / parked: waiting on X / scheduled / not started / dead. */
function stateOf(g: Greenlet): string {
  if (g.dead) {
    const error = g.exception;
    if (error === undefined) return 'dead';
    return `dead (failed with ${error instanceof Error ? error.name : String(error)})`;
  }
  if (getHub().current === g) return 'running';
  const waiting = g.waitingOn();
  if (waiting !== null) return `parked: waiting on ${waiting}`;
  return g.started ? 'scheduled' : 'not started';
}

function detailsOf(g: Greenlet, full: boolean): string[] {
  const frames = spawnFrames(g);
  if (frames.length === 0) return [];
  if (!full) return [`Spawned at: ${frames[0]}`];
  return ['Spawned at:', ...frames.map((frame) => `  ${frame}`)];
}

/** The captured spawn stack as frames without their `at ` prefix. */
function spawnFrames(g: Greenlet): string[] {
  const stack = g.spawningStack;
  if (stack === undefined || stack === '') return [];
  return stack
    .split('\n')
    .map((line) => line.trim().replace(/^at /, ''))
    .filter((line) => line !== '');
}
