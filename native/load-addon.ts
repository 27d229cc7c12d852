/**
 * Finding a compiled addon: the same three places for each `.node` file node-gyp builds (the
 * source tree, the compiled package, a Debug build), or one path named by an environment
 * variable. Layer: native (imports nothing of ours).
 */

import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** What `loadAddon` found: the binding, or why each place failed. */
export type AddonLoad<B> =
  | { binding: B; failures?: never }
  | { binding?: never; failures: string[] };

/**
 * Loads `build/<Release|Debug>/<name>.node`, or the file `process.env[overrideEnv]` names.
 *
 * @example
 * const found = loadAddon<Binding>('gevent_native', 'GEVENT_NATIVE_ADDON');
 * if (found.binding === undefined) console.warn(found.failures.join('; '));
 */
export function loadAddon<B>(name: string, overrideEnv: string): AddonLoad<B> {
  const override = process.env[overrideEnv];
  const candidates = override
    ? [override]
    : [
        `./build/Release/${name}.node`,
        `../../native/build/Release/${name}.node`,
        `./build/Debug/${name}.node`,
      ];
  const failures: string[] = [];
  for (const candidate of candidates) {
    try {
      return { binding: require(candidate) as B };
    } catch (error) {
      failures.push(`${candidate}: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  return { failures };
}
