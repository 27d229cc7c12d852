/**
 * A FIFO of parked ops with O(1) push/shift and O(1) amortized removal. Layer: core/internal.
 *
 * Slots are reused in place: when the list empties, head and tail go back to 0 without
 * truncating the array (setting `array.length` is a slow runtime call in V8, and a wait list
 * empties on nearly every hand-off).
 *
 * A removed waiter (cancelled, timed out) at either end just moves that end; one in the middle
 * leaves a null hole. Holes are counted and squeezed out, in order, once they outnumber the live
 * waiters, and the live run slides back to slot 0 before the array would grow past a dead
 * prefix, so the array stays within a small factor of the live waiters. No
 * method calls out while it walks the slots, so removal never races a walk.
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
    if (this.head !== 0 && this.tail === this.items.length) this.slideToFront();
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

  /** Removes `waiter` if it is in the list (newest first: a timed-out waiter is usually last). */
  remove(waiter: W): void {
    const items = this.items;
    for (let i = this.tail - 1; i >= this.head; i--) {
      if (items[i] !== waiter) continue;
      items[i] = null;
      if (i === this.tail - 1) this.trimTail();
      else if (i === this.head) this.trimHead();
      else this.holes++;
      if (this.holes !== 0 && this.holes * 2 > this.tail - this.head) this.squeeze();
      return;
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

  /** The last slot was just emptied: drops it and the holes before it. */
  private trimTail(): void {
    const items = this.items;
    this.tail--;
    while (this.tail > this.head && items[this.tail - 1] === null) {
      this.tail--;
      this.holes--;
    }
    if (this.head === this.tail) this.reset();
  }

  /** The first slot was just emptied: drops it and the holes after it. */
  private trimHead(): void {
    const items = this.items;
    this.head++;
    while (this.head < this.tail && items[this.head] === null) {
      this.head++;
      this.holes--;
    }
    if (this.head === this.tail) this.reset();
  }

  /** Moves the live waiters, in order, to slots 0..size-1. */
  private squeeze(): void {
    const items = this.items;
    let live = 0;
    for (let i = this.head; i < this.tail; i++) {
      const waiter = items[i];
      items[i] = null;
      if (waiter !== null && waiter !== undefined) items[live++] = waiter;
    }
    this.head = 0;
    this.tail = live;
    this.holes = 0;
    // Squeezing is already O(slots): also give back the slots of a burst of dead waiters.
    if (items.length > 2 * live + 8) items.length = live;
  }

  /**
   * Before growing the array: squeezes the live waiters to the front when holes dominate or the
   * dead prefix is half the array; otherwise growing is cheaper.
   */
  private slideToFront(): void {
    if (this.holes * 2 > this.tail - this.head || this.head * 2 >= this.items.length) {
      this.squeeze();
    }
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
