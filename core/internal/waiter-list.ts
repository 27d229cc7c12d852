/**
 * A FIFO of parked ops with O(1) push/shift and lazy removal (cancelled waiters leave a hole).
 * Layer: core/internal.
 */

export class WaiterList<W> {
  private items: Array<W | null> = [];
  private head = 0;
  private holes = 0;

  /** Number of live waiters. */
  get size(): number {
    return this.items.length - this.head - this.holes;
  }

  push(waiter: W): void {
    this.items.push(waiter);
  }

  /** The first live waiter, removed; undefined if none. */
  shift(): W | undefined {
    const items = this.items;
    while (this.head < items.length) {
      const waiter = items[this.head];
      items[this.head++] = null;
      if (waiter !== null) {
        this.reclaim();
        return waiter;
      }
      this.holes--;
    }
    this.reclaim();
    return undefined;
  }

  /** The first live waiter, left in place. */
  peek(): W | undefined {
    const items = this.items;
    for (let i = this.head; i < items.length; i++) {
      const waiter = items[i];
      if (waiter !== null) return waiter;
    }
    return undefined;
  }

  remove(waiter: W): void {
    const i = this.items.lastIndexOf(waiter);
    if (i >= this.head) {
      this.items[i] = null;
      this.holes++;
    }
  }

  /** Takes every live waiter out, in order. */
  drain(): W[] {
    const out = this.items.slice(this.head).filter((w): w is W => w !== null);
    this.items = [];
    this.head = 0;
    this.holes = 0;
    return out;
  }

  private reclaim(): void {
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
      this.holes = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
