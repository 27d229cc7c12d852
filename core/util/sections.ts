/**
 * Extra sections of `formatRunInfo()`, registered by modules core/ cannot import (the thread
 * pool, the resolver). Layer: os-facing (gevent-ts/util); imports nothing, so registering a
 * section does not load the rest of gevent-ts/util.
 *
 * A section must be cheap and must not create what it reports on: the thread pool's section
 * says "not created" rather than starting a pool just to print it.
 */

/** Returns the lines of one section (without its header). */
export type RunInfoSection = () => string[];

const sections = new Map<string, RunInfoSection>();

/**
 * Registers (or replaces) the section `title` of `formatRunInfo()`.
 *
 * @example
 * registerRunInfoSection('Threadpool', () =>
 *   defaultPool === null ? ['not created'] : [String(defaultPool), JSON.stringify(defaultPool.statistics())],
 * );
 */
export function registerRunInfoSection(title: string, section: RunInfoSection): void {
  if (typeof section !== 'function') {
    throw new TypeError('registerRunInfoSection(title, section): section must be a function');
  }
  sections.set(String(title), section);
}

/**
 * Removes a section; unknown titles are ignored.
 *
 * @example
 * unregisterRunInfoSection('Threadpool');
 */
export function unregisterRunInfoSection(title: string): void {
  sections.delete(title);
}

/**
 * The lines of section `title`, `undefined` when nobody registered it. A section that throws
 * shows its error instead of breaking the report.
 *
 * @example
 * runInfoSection('Threadpool') ?? ['not loaded'];
 */
export function runInfoSection(title: string): string[] | undefined {
  const section = sections.get(title);
  if (section === undefined) return undefined;
  try {
    return section().map(String);
  } catch (error) {
    return [`(this section failed: ${error instanceof Error ? error.message : String(error)})`];
  }
}

/** The titles registered, in registration order. */
export function runInfoSectionTitles(): string[] {
  return [...sections.keys()];
}
