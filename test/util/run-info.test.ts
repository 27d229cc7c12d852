import { Event, type Greenlet, getcurrent, getHub, sleep, spawn } from '../../core/index.ts';
import {
  formatRunInfo,
  printRunInfo,
  registerRunInfoSection,
  runInfoSection,
  unregisterRunInfoSection,
} from '../../core/util/index.ts';
import { assert, greenletSuite } from '../_support/gtest.ts';

const test = greenletSuite('util.formatRunInfo');

/** The lines of section `title` (between its header and the next). */
function sectionOf(lines: string[], title: string): string[] {
  const start = lines.indexOf(`* ${title}`);
  assert.ok(start > 0, `section ${title} present`);
  const rest = lines.slice(start + 2);
  const end = rest.findIndex((line, i) => line.startsWith('****') && rest[i + 1]?.startsWith('* '));
  return end < 0 ? rest : rest.slice(0, end);
}

test('the header gives process facts and the hub counters', function* () {
  const stop = new Event();
  const workers = [spawn(() => stop.wait()), spawn(() => stop.wait())];
  yield* sleep(0);
  const hub = getHub();
  const lines = formatRunInfo();
  assert.is(lines[0], '*'.repeat(80));
  const processLines = sectionOf(lines, 'Process');
  assert.ok(processLines.includes(`pid: ${process.pid}`));
  assert.ok(processLines.some((line) => line.startsWith(`node: ${process.version}`)));
  assert.ok(processLines.some((line) => /^rss: \d+\.\d MiB/.test(line)));
  assert.ok(processLines.some((line) => /^uptime: \d+\.\d s$/.test(line)));
  const hubLines = sectionOf(lines, 'Hub');
  assert.ok(hubLines.includes(`greenletCount: ${hub.greenletCount}`), hubLines.join('\n'));
  assert.ok(hubLines.includes(`spawnCount: ${hub.spawnCount}`));
  assert.ok(hubLines.includes(`run queue pending: ${hub.pendingCount}`));
  assert.ok(hubLines.includes(`timers: ${hub.timers.size}`));
  assert.ok(hubLines.some((line) => /^switches: \d+$/.test(line)));
  assert.ok(hubLines.includes(`current: ${String(getcurrent())}`));
  assert.ok(hub.greenletCount >= 3, 'the test body and its two workers are live');
  stop.set();
  for (const g of workers) yield* g.join();
});

test('the greenlet tree closes the report', function* () {
  const me = getcurrent() as Greenlet<unknown>;
  me.name = 'reporter';
  const greenlets = sectionOf(formatRunInfo({ greenletStacks: false }), 'Greenlets');
  assert.is(greenlets[0], '<Hub>');
  assert.ok(
    greenlets.some((line) => line.includes('"reporter"') && line.endsWith('; running')),
    greenlets.join('\n'),
  );
});

test('the thread pool section: "not loaded" unless a section reports it', function* () {
  const registered = runInfoSection('Threadpool');
  const lines = sectionOf(formatRunInfo(), 'Threadpool');
  assert.equal(lines, registered ?? ['not loaded']);
  assert.not.ok(
    formatRunInfo({ currentThreadOnly: true }).includes('* Threadpool'),
    'currentThreadOnly leaves out other threads',
  );
});

test('modules can add sections; a failing section does not break the report', function* () {
  registerRunInfoSection('Test section', () => ['line one', 'line two']);
  registerRunInfoSection('Broken section', () => {
    throw new Error('cannot report');
  });
  try {
    const lines = formatRunInfo();
    assert.equal(sectionOf(lines, 'Test section'), ['line one', 'line two']);
    assert.equal(sectionOf(lines, 'Broken section'), ['(this section failed: cannot report)']);
  } finally {
    unregisterRunInfoSection('Test section');
    unregisterRunInfoSection('Broken section');
  }
  assert.not.ok(formatRunInfo().includes('* Test section'));
});

test('printRunInfo writes the same lines to the given stream', function* () {
  let written = '';
  printRunInfo({ greenletStacks: false }, { write: (text: string) => (written += text) });
  assert.ok(written.endsWith('\n'));
  const lines = written.trimEnd().split('\n');
  assert.ok(
    lines.includes('* Process') && lines.includes('* Hub') && lines.includes('* Greenlets'),
  );
});

test.run();
