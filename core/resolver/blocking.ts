/**
 * The `block` resolver: Node's own dns.lookup / dns.lookupService (libuv's threadpool). Layer:
 * io/resolver.
 *
 * gevent's `block` resolver calls the C functions directly and blocks the whole loop; Node has
 * no blocking lookup, so this is the closest honest equivalent: the plain Node calls, with no
 * threads of ours. Useful as a baseline and where the native addon must not be loaded.
 */

import { fallbackNameService } from '../../native/index.ts';
import { BaseResolver, type ResolverOptions } from './base.ts';

/**
 * Resolves with Node's dns.lookup.
 *
 * @example
 * const resolver = new BlockingResolver();
 * const [[family, , , , [address]]] = yield* resolver.getaddrinfo('localhost', 80);
 */
export class BlockingResolver extends BaseResolver {
  constructor(options: ResolverOptions = {}) {
    super(fallbackNameService(), options);
  }
}
