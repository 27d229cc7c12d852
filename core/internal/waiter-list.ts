/**
 * A FIFO of parked ops with O(1) push/shift and lazy removal (cancelled waiters leave a hole).
 * Layer: core/internal.
 *
 * Slots are reused in place: when the list empties, head and tail go back to 0 without
 * truncating the array (setting `array.length` is a slow runtime call in V8, and a wait list
 * empties on nearly every hand-off).
 */

export class WaiterList<W> {
  private items: Array<W | null> = [];
  private head = 0;
  private tail = 0;
  private holes = 0;

  /** Number of live waiters. */
  get size(): number {
    return this.tail - this.head - this.holes;
  }

  push(waiter: W): void {
    this.items[this.tail++] = waiter;
  }

  /** The first live waiter, removed; undefined if none. */
  shift(): W | undefined {
    const items = this.items;
    while (this.head < this.tail) {
      const waiter = items[this.head];
      items[this.head++] = null;
      if (waiter !== null && waiter !== undefined) {
        if (this.head === this.tail) this.reset();
        return waiter;
      }
      this.holes--;
    }
    this.reset();
    return undefined;
  }

  /** The first live waiter, left in place. */
  peek(): W | undefined {
    const items = this.items;
    for (let i = this.head; i < this.tail; i++) {
      const waiter = items[i];
      if (waiter !== null && waiter !== undefined) return waiter;
    }
    return undefined;
  }

  remove(waiter: W): void {
    const items = this.items;
    for (let i = this.tail - 1; i >= this.head; i--) {
      if (items[i] === waiter) {
        items[i] = null;
        this.holes++;
        if (this.holes === this.tail - this.head) this.reset();
        return;
      }
    }
  }

  /** Takes every live waiter out, in order. */
  drain(): W[] {
    const out: W[] = [];
    for (let i = this.head; i < this.tail; i++) {
      const waiter = this.items[i];
      if (waiter !== null && waiter !== undefined) out.push(waiter);
      this.items[i] = null;
    }
    this.reset();
    return out;
  }

  private reset(): void {
    for (let i = this.head; i < this.tail; i++) this.items[i] = null;
    this.head = 0;
    this.tail = 0;
    this.holes = 0;
    // Give memory back after a burst, but rarely (truncating is slow).
    if (this.items.length > 4096) this.items = [];
  }
}
