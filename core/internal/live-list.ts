/**
 * The hub's list of live greenlets: an intrusive, circular, doubly linked list through two
 * fields of each greenlet, so that starting and dying cost a few pointer writes (no Set, no
 * hashing, no allocation) and `formatRunInfo()` and `LoopExit` can still walk every greenlet.
 * Layer: base (imports nothing).
 */

/** A link of the list: the two fields each greenlet carries. */
export interface LiveNode {
  _prevLive: LiveNode | null;
  _nextLive: LiveNode | null;
}

/**
 * Live greenlets in start order, with the counts the hub reports.
 *
 * @example
 * const live = new LiveList<Greenlet>();
 * live.link(g);        // at start
 * live.unlink(g);      // at death (a second unlink does nothing)
 * [...live.items()];   // [] again
 */
export class LiveList<T extends LiveNode> {
  /** Links ever made: greenlets started since the hub was created. */
  linked = 0;
  /** Links in the list now: greenlets started and not dead. */
  size = 0;
  // A sentinel closes the circle, so link and unlink never test for an empty list.
  private readonly head: LiveNode = { _prevLive: null, _nextLive: null };

  constructor() {
    this.head._prevLive = this.head._nextLive = this.head;
  }

  /** Appends `node`. O(1). */
  link(node: T): void {
    const head = this.head;
    const tail = head._prevLive!;
    node._prevLive = tail;
    node._nextLive = head;
    tail._nextLive = node;
    head._prevLive = node;
    this.linked++;
    this.size++;
  }

  /** Removes `node` if it is in the list. O(1). */
  unlink(node: T): void {
    const next = node._nextLive;
    if (next === null) return;
    const prev = node._prevLive!;
    prev._nextLive = next;
    next._prevLive = prev;
    node._prevLive = node._nextLive = null;
    this.size--;
  }

  /** A snapshot of the list in order (safe to iterate while greenlets start and die). */
  items(): T[] {
    const out: T[] = [];
    for (let node = this.head._nextLive!; node !== this.head; node = node._nextLive!) {
      out.push(node as T);
    }
    return out;
  }
}
