/**
 * One Node timer for all of the hub's deadlines: a binary min-heap ordered by (deadline, creation
 * order), re-arming a single `setTimeout` for the earliest entry. Layer: core/internal.
 *
 * Why not a Node timer per sleep or Timeout: a heap entry is one small object, cancelling is a
 * flag (lazy deletion, compacted when the dead outnumber the live), and entries with equal
 * deadlines fire in the order they were created, as gevent guarantees.
 */

export interface TimerEntry {
  /** Deadline, in `performance.now()` milliseconds. */
  at: number;
  /** Creation order: breaks ties between equal deadlines. */
  seq: number;
  /** Set by `cancel`; a cancelled entry is skipped and dropped. */
  cancelled: boolean;
  /** Whether this entry keeps the process alive (Node's ref/unref). */
  ref: boolean;
  fire(): void;
}

const earlier = (a: TimerEntry, b: TimerEntry) => a.at < b.at || (a.at === b.at && a.seq < b.seq);

export class TimerHeap {
  private heap: TimerEntry[] = [];
  private seq = 0;
  private dead = 0;
  private refs = 0;
  private nodeTimer: NodeJS.Timeout | null = null;
  private armedAt = Number.POSITIVE_INFINITY;
  private readonly onTimer = () => this.fireDue();

  /** Number of live (not cancelled) entries. */
  get size(): number {
    return this.heap.length - this.dead;
  }

  /** Adds `entry` to fire `seconds` from now. */
  add(entry: TimerEntry, seconds: number): void {
    entry.at = performance.now() + seconds * 1000;
    entry.seq = this.seq++;
    entry.cancelled = false;
    const heap = this.heap;
    let i = heap.length;
    heap.push(entry);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!earlier(entry, heap[parent]!)) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = entry;
    if (entry.ref && this.refs++ === 0 && this.nodeTimer) this.nodeTimer.ref();
    if (entry.at < this.armedAt) this.arm(entry.at);
  }

  /** Marks `entry` cancelled; it is dropped lazily. */
  cancel(entry: TimerEntry): void {
    if (entry.cancelled) return;
    entry.cancelled = true;
    this.dead++;
    if (entry.ref && --this.refs === 0 && this.nodeTimer) this.nodeTimer.unref();
    if (this.dead > 512 && this.dead * 2 > this.heap.length) this.compact();
  }

  private arm(at: number): void {
    if (this.nodeTimer) clearTimeout(this.nodeTimer);
    this.armedAt = at;
    this.nodeTimer = setTimeout(this.onTimer, Math.max(1, Math.ceil(at - performance.now())));
    if (this.refs === 0) this.nodeTimer.unref();
  }

  private fireDue(): void {
    this.nodeTimer = null;
    this.armedAt = Number.POSITIVE_INFINITY;
    const now = performance.now();
    const heap = this.heap;
    while (heap.length > 0 && heap[0]!.at <= now) {
      const entry = this.pop();
      if (entry.cancelled) {
        this.dead--;
        continue;
      }
      entry.cancelled = true; // a fired entry counts as finished
      if (entry.ref) this.refs--;
      entry.fire();
    }
    this.dropCancelledTop();
    if (heap.length > 0) this.arm(heap[0]!.at);
  }

  private dropCancelledTop(): void {
    while (this.heap.length > 0 && this.heap[0]!.cancelled) {
      this.pop();
      this.dead--;
    }
  }

  private pop(): TimerEntry {
    const heap = this.heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) this.siftDown(last, 0);
    return top;
  }

  private siftDown(entry: TimerEntry, i: number): void {
    const heap = this.heap;
    const n = heap.length;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && earlier(heap[child + 1]!, heap[child]!)) child++;
      if (!earlier(heap[child]!, entry)) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = entry;
  }

  /** Rebuilds the heap without its cancelled entries (Floyd's heapify, O(n)). */
  private compact(): void {
    const live = this.heap.filter((entry) => !entry.cancelled);
    this.heap = live;
    this.dead = 0;
    for (let i = (live.length >> 1) - 1; i >= 0; i--) this.siftDown(live[i]!, i);
    if (live.length === 0 && this.nodeTimer) {
      clearTimeout(this.nodeTimer);
      this.nodeTimer = null;
      this.armedAt = Number.POSITIVE_INFINITY;
    }
  }
}
