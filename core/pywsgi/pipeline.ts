/**
 * Pipelined requests on one connection: at most `PIPELINE_DEPTH` of their applications run at
 * once; later ones are held (their responses go out in request order anyway), and while any is
 * held the connection stops reading. gevent serves one request per connection at a time and so
 * is bounded by its socket buffer; without this, one client writing 20,000 pipelined GETs in
 * one go would start 20,000 applications. Layer: io (pywsgi).
 *
 * Node's http server resumes a socket on its own in a few places (a body read, a drained
 * response), so a pause may let one more read's worth of requests in; past `MAX_HELD` held
 * requests the connection is closed as hostile.
 */

import type { Socket } from 'node:net';

/** Applications of one connection that may run at once. */
export const PIPELINE_DEPTH = 8;
/** Held requests of one connection past which it is closed. */
export const MAX_HELD = 4096;

const GATE = Symbol('gevent-ts.pipelineGate');

interface Gate {
  running: number;
  held: unknown[];
  /** Whether this module paused the socket (and so must resume it). */
  paused: boolean;
}

/** Node's http server's own pause flag (backpressure of the responses): left to Node. */
type GatedSocket = Socket & { [GATE]?: Gate; _paused?: boolean };

/** What `enterConnection` decided for a request. */
export type Admission = 'run' | 'held' | 'refused';

/**
 * Counts a new request against its connection: 'run' when its application may run now; 'held'
 * when it must wait (`leaveConnection` hands it out later); 'refused' when too many are held
 * (the connection is destroyed).
 */
export function enterConnection<R>(socket: Socket, request: R): Admission {
  const s = socket as GatedSocket;
  let gate = s[GATE];
  if (gate === undefined) {
    gate = { running: 0, held: [], paused: false };
    s[GATE] = gate;
  }
  if (gate.running < PIPELINE_DEPTH) {
    gate.running++;
    return 'run';
  }
  if (gate.held.length >= MAX_HELD) {
    socket.destroy();
    return 'refused';
  }
  gate.held.push(request);
  if (!gate.paused) {
    gate.paused = true;
    socket.pause();
  }
  return 'held';
}

/** A request of `socket` is done: returns the held request that runs next in its slot, if any. */
export function leaveConnection<R>(socket: Socket | null): R | undefined {
  const s = socket as GatedSocket | null;
  const gate = s?.[GATE];
  if (gate === undefined) return undefined;
  const next = gate.held.shift() as R | undefined;
  if (next === undefined) gate.running--;
  else if (gate.held.length === 0 && gate.paused) {
    gate.paused = false;
    if (!s!._paused && !s!.destroyed) s!.resume();
  }
  return next;
}

/** Takes every held request of `socket` (a stopping server drops them). */
export function takeHeld<R>(socket: Socket | null): R[] {
  const gate = (socket as GatedSocket | null)?.[GATE];
  if (gate === undefined || gate.held.length === 0) return [];
  const held = gate.held as R[];
  gate.held = [];
  return held;
}
