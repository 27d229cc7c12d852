/**
 * Services the hub hands out but cannot import, because they live in higher layers (the
 * resolver, the thread pool): each registers a factory when its module loads, and the hub makes
 * the instance on first use. Layer: base (imports nothing).
 */

/** The services `getHub()` knows by name. */
export type ServiceName = 'resolver' | 'threadpool';

const factories = new Map<ServiceName, () => unknown>();
const modules: Record<ServiceName, string> = {
  resolver: 'gevent-ts/resolver',
  threadpool: 'gevent-ts/threadpool',
};

/**
 * @internal Called by gevent-ts/resolver and gevent-ts/threadpool when they load.
 *
 * @example
 * registerHubService('threadpool', getDefaultThreadPool);
 */
export function registerHubService(name: ServiceName, factory: () => unknown): void {
  factories.set(name, factory);
}

/**
 * The service `name`, made by its registered factory; a clear error when its module was never
 * imported (the hub does not load higher layers itself).
 *
 * @example
 * const pool = hubService('threadpool');
 */
export function hubService(name: ServiceName): unknown {
  const factory = factories.get(name);
  if (factory === undefined) {
    throw new Error(
      `getHub().${name} is provided by ${modules[name]}: import it first ` +
        `(the hub does not load higher layers itself)`,
    );
  }
  return factory();
}
