/**
 * `npm start`: the showcase's tour. An HTTP service mixing I/O and CPU work (CPU on the
 * ThreadPool), mass DNS resolution through a Pool, a subprocess pipeline, the greenlet tree
 * printed mid-run, the hub monitor's reports, and a summary. Exits by itself.
 * Layer: example (examples/showcase).
 */

import { Greenlet, getcurrent, spawn } from '../../core/index.ts';
import { getResolver } from '../../core/resolver/index.ts';
import { DNS_POOL_SIZE, type DnsResults, dnsPhase } from './dns-phase.ts';
import { BlockLog, treeLines } from './inspect.ts';
import { CPU_CLIENTS, IO_CLIENTS, type LoadResults, loadPhase } from './load-phase.ts';
import { type PipelineResults, pipelinePhase } from './pipeline-phase.ts';
import { formatLatency, phase, printTable } from './report.ts';
import { CPU_THREADS, startService } from './service.ts';

const PHASES = 4;

/** Runs `body` in a child greenlet named `name` and waits for its result (nests the tree). */
function* inGreenlet<T>(
  name: string,
  body: () => Generator<unknown, T, unknown>,
): Generator<unknown, T, unknown> {
  const g: Greenlet<T> = spawn(body);
  g.name = name;
  return yield* g.get();
}

function printTree(): void {
  console.log('\n  -- the greenlet tree, mid-run (while CPU requests run on the ThreadPool):');
  for (const line of treeLines()) console.log(`  ${line}`);
  console.log('  -- end of tree\n');
}

function summaryRows(
  load: LoadResults,
  dns: DnsResults,
  pipe: PipelineResults,
  blocks: BlockLog,
): Array<[string, string]> {
  return [
    ['HTTP /io alone', formatLatency(load.idle)],
    [
      'HTTP /io + CPU on ThreadPool',
      `${formatLatency(load.pooled)}, ${load.pooled.cpuJobs} CPU jobs`,
    ],
    [
      'HTTP /io + CPU inline on hub',
      `${formatLatency(load.inline)}, ${load.inline.cpuJobs} CPU jobs`,
    ],
    [
      `DNS via Pool(${DNS_POOL_SIZE})`,
      `${dns.resolved}/${dns.total} resolved, ${dns.failed} failed, ${Math.round(dns.perSecond)}/s`,
    ],
    [
      'subprocess pipeline',
      `${pipe.command} = ${pipe.count} (${pipe.count === pipe.expected ? 'correct' : `WRONG, expected ${pipe.expected}`})`,
    ],
    [
      'hub monitor',
      `${blocks.total} blocked-hub reports (threshold ${blocks.monitor.maxBlockingTime * 1000} ms)`,
    ],
  ];
}

/**
 * The tour; returns true when every check passed (the pipeline's answer).
 *
 * @example
 * const ok = await run(() => tour(calibrateRounds(200)));
 */
export function* tour(rounds: number): Generator<unknown, boolean, unknown> {
  const main = getcurrent();
  if (main instanceof Greenlet) main.name = 'showcase';
  const blocks = yield* BlockLog.start();
  const service = yield* startService({ port: 0, rounds, routes: {} });
  try {
    phase(
      1,
      PHASES,
      `HTTP service on ${service.base}: /io sleeps 5 ms, /cpu runs pbkdf2 on a ThreadPool(${CPU_THREADS})`,
    );
    console.log(
      `  ${IO_CLIENTS} clients hammer /io; then ${CPU_CLIENTS} clients add CPU requests (${rounds} rounds each)`,
    );
    const load = yield* inGreenlet('phase 1: http load', () => loadPhase(service, printTree));

    phase(2, PHASES, `mass DNS resolution: names of this machine through a Pool(${DNS_POOL_SIZE})`);
    const dns = yield* inGreenlet('phase 2: dns', dnsPhase);
    console.log(
      `  ${dns.resolved}/${dns.total} resolved, ${dns.failed} failed in ${dns.seconds.toFixed(2)} s: ${Math.round(dns.perSecond)} names/s`,
    );
    getResolver().close();

    phase(3, PHASES, 'subprocess pipeline through Popen pipes');
    const pipe = yield* inGreenlet('phase 3: pipeline', pipelinePhase);
    const verdict = pipe.count === pipe.expected ? 'correct' : `WRONG, expected ${pipe.expected}`;
    console.log(
      `  ${pipe.command} = ${pipe.count} (${verdict}); exit statuses ${pipe.statuses.join(', ')}; a heartbeat greenlet ticked ${pipe.heartbeats}x meanwhile`,
    );

    phase(4, PHASES, 'the hub monitor: blocked-hub reports');
    const lines = blocks.describe();
    for (const line of lines.length > 0 ? lines : ['no blocked-hub reports'])
      console.log(`  ${line}`);

    printTable('summary', summaryRows(load, dns, pipe, blocks));
    return pipe.count === pipe.expected;
  } finally {
    yield* service.stop();
    yield* blocks.close();
  }
}
