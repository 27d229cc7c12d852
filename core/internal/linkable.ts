/**
 * `Linkable`: the link list that Greenlet, Event, AsyncResult and Semaphore share (gevent's
 * `AbstractLinkable`). Layer: core/internal.
 *
 * A link is either a waiting op (`LinkWaiter`: a parked greenlet, woken at once without a
 * switch) or a callback, run once in hub context with the source as its argument, in
 * registration order. An error in one callback is reported and does not stop the others; an
 * `unlink` made before a queued callback ran stops it.
 *
 * Removing a link (an unlink, a wait that timed out or was cancelled) pops it when it is last,
 * else leaves a null hole; holes are counted and squeezed out, in order, once they outnumber
 * the live links, so a list polled with timeouts stays as long as its live links. A
 * notification walks the array in place, so squeezing waits until no walk is under way.
 */

import { getHub } from '../hub.ts';

const hub = getHub();

/** A parked op waiting on a Linkable. */
export interface LinkWaiter {
  linkReady(source: unknown): void;
}

export type LinkCallback<S> = (source: S) => void;

type Link = LinkWaiter | LinkCallback<any> | null;

/** Calls a callback that was queued by a notification, unless it was unlinked meanwhile. */
function runQueuedLink(pair: [Linkable, LinkCallback<any>]): void {
  const [source, cb] = pair;
  const firing = source._firing;
  const i = firing === null ? -1 : firing.indexOf(cb);
  if (i < 0) return;
  firing!.splice(i, 1);
  cb(source);
}

/** Whether `link` is `callback`, or a wrapper whose `target` is it. */
function isLinkFor(link: Link, callback: LinkCallback<any>): boolean {
  return link === callback || (link as { target?: unknown } | null)?.target === callback;
}

export abstract class Linkable {
  /** @internal Registered links, in order; null entries are removed links (holes). */
  _links: Link[] | null = null;
  /** @internal Callbacks queued by a notification that have not run yet. */
  _firing: LinkCallback<any>[] | null = null;
  /** @internal Number of null holes in `_links` left by removals (walked slots not counted). */
  _linkHoles = 0;
  /** @internal Notifications under way (they can nest); holes are not squeezed meanwhile. */
  _linkWalks = 0;

  /** Whether waiting on this object would return at once. */
  abstract ready(): boolean;

  /**
   * Registers `callback(this)` to run once, in the hub, when this object becomes ready (at the
   * next turn if it already is).
   */
  rawlink(callback: LinkCallback<this>): void {
    if (typeof callback !== 'function') {
      throw new TypeError(`rawlink(callback): callback must be a function, got ${typeof callback}`);
    }
    if (this.ready()) this.queueLink(callback);
    else (this._links ??= []).push(callback);
  }

  /** Removes a callback registered with `rawlink`; unknown callbacks are ignored. */
  unlink(callback: LinkCallback<any> | null | undefined): void {
    if (callback === null || callback === undefined) return;
    const links = this._links;
    if (links !== null) {
      for (let i = 0; i < links.length; i++) {
        if (isLinkFor(links[i]!, callback)) {
          this.dropLinkAt(links, i);
          return;
        }
      }
    }
    const firing = this._firing;
    const i = firing === null ? -1 : firing.indexOf(callback);
    if (i >= 0) firing!.splice(i, 1);
  }

  /** Removes every link. */
  unlinkAll(): void {
    this._links = null;
    this._firing = null;
    this._linkHoles = 0;
  }

  /**
   * Number of registered links. O(1) outside a notification (the holes are counted), so a
   * description of thousands of greenlets waiting on one Event stays linear.
   */
  linkCount(): number {
    const queued = this._firing?.length ?? 0;
    const links = this._links;
    if (links === null) return queued;
    if (this._linkWalks === 0) return queued + links.length - this._linkHoles;
    let n = queued; // mid-walk, notified slots are emptied without being counted as holes
    for (const link of links) if (link !== null) n++;
    return n;
  }

  /** Whether any link (or waiter) is registered: gevent's `has_links()`. */
  hasLinks(): boolean {
    return this.linkCount() > 0;
  }

  /** @internal Adds a parked op. */
  _addWaiter(waiter: LinkWaiter): void {
    (this._links ??= []).push(waiter);
  }

  /** @internal Removes a parked op (cancelled or timed out); absent ones are ignored. */
  _removeWaiter(waiter: LinkWaiter): void {
    const links = this._links;
    if (links === null) return;
    const i = links.lastIndexOf(waiter);
    if (i >= 0) this.dropLinkAt(links, i);
  }

  /**
   * @internal Notifies every current link once and forgets them. Waiters wake at once; callbacks
   * run now when `inHub` (the caller is the hub itself), else are queued to run after the caller
   * yields.
   */
  _notifyLinks(inHub: boolean): void {
    const links = this._links;
    if (links === null) return;
    // The list stays in place while it is walked, so a callback may unlink a later one; links
    // added meanwhile (the object became un-ready again) wait for the next notification.
    const count = links.length;
    if (count === 1) {
      // The common case (one waiter): detach the list, so nothing walks it.
      this._links = null;
      this._linkHoles = 0;
      const link = links[0];
      if (link !== null && link !== undefined) this.notifyLink(link, inHub);
      return;
    }
    this._linkWalks++;
    try {
      for (let i = 0; i < count; i++) {
        const link = links[i];
        if (link === null || link === undefined) continue;
        links[i] = null;
        this.notifyLink(link, inHub);
      }
    } finally {
      this._linkWalks--;
    }
    if (this._links === links) this.keepLinksAfter(links, count);
    else if (this._linkWalks === 0) this.squeezeIfSparse();
  }

  private notifyLink(link: LinkWaiter | LinkCallback<any>, inHub: boolean): void {
    if (typeof link !== 'function') link.linkReady(this);
    else if (inHub) this.callLink(link);
    else this.queueLink(link);
  }

  /** After a walk of `links[0, count)`: keeps only the live links added during it. */
  private keepLinksAfter(links: Link[], count: number): void {
    this._linkHoles = 0;
    if (links.length === count) {
      this._links = null;
      return;
    }
    const rest = links.slice(count).filter((link) => link !== null);
    this._links = rest.length > 0 ? rest : null;
  }

  /** Removes `links[i]`: pops it (and the holes before it) when last, else leaves a hole. */
  private dropLinkAt(links: Link[], i: number): void {
    if (this._linkWalks > 0 || i !== links.length - 1) {
      links[i] = null;
      this._linkHoles++;
      if (this._linkWalks === 0) this.squeezeIfSparse();
      return;
    }
    links.pop();
    while (links.length > 0 && links[links.length - 1] === null) {
      links.pop();
      this._linkHoles--;
    }
    if (this._linkHoles !== 0) this.squeezeIfSparse();
  }

  /** Squeezes the holes out of `_links`, keeping order, once they outnumber live links. */
  private squeezeIfSparse(): void {
    const links = this._links;
    const holes = this._linkHoles;
    if (links === null || holes * 2 <= links.length) return;
    this._linkHoles = 0;
    if (holes === links.length) {
      this._links = null;
      return;
    }
    let live = 0;
    for (let i = 0; i < links.length; i++) {
      const link = links[i];
      if (link !== null && link !== undefined) links[live++] = link;
    }
    links.length = live;
  }

  private callLink(callback: LinkCallback<this>): void {
    try {
      callback(this);
    } catch (error) {
      hub.reportError(this, error);
    }
  }

  private queueLink(callback: LinkCallback<this>): void {
    (this._firing ??= []).push(callback);
    hub.callback(runQueuedLink, [this, callback] as [Linkable, LinkCallback<any>]);
  }
}
