/**
 * `npm run bench`: runs every benchmark case side by side (gevent-ts, real gevent, Effection 4,
 * plain Node), each measurement in a fresh process, rounds interleaved so machine noise hits
 * every implementation alike; prints a table of medians and ratios and writes
 * `results/latest.json`. Layer: scripts/bench (the runner).
 *
 * Usage: node scripts/bench/run-all.mjs [case ...] [--runs=K] [--no-build]
 * A case is a name from `_cases.mjs` or a prefix (`pingpong` runs both ping-pong cases). A run
 * of some cases only writes `results/last-subset.json` and leaves `latest.json` alone.
 * Bounded: each process gets PROCESS_LIMIT_MS, the whole run TOTAL_LIMIT_MS (runs past it are
 * skipped and listed as failures).
 *
 * @example
 * node scripts/bench/run-all.mjs              # everything, ~6-8 minutes
 * node scripts/bench/run-all.mjs timeout --runs=3
 */

import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CASES, IMPL_TITLES } from './_cases.mjs';
import { detailLines, footnotes, markdownTable, summarize } from './_report.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '..', '..');
const PROCESS_LIMIT_MS = 180_000;
const TOTAL_LIMIT_MS = 20 * 60_000;
const startedAt = performance.now();

function parseCli(argv) {
  const options = { names: [], runs: null, build: true };
  for (const arg of argv) {
    if (arg === '--no-build') options.build = false;
    else if (arg.startsWith('--runs=')) options.runs = Number(arg.slice(7));
    else if (arg.startsWith('--')) throw new TypeError(`unknown option ${arg}`);
    else options.names.push(arg);
  }
  if (options.runs !== null && !(Number.isInteger(options.runs) && options.runs > 0)) {
    throw new RangeError('--runs must be a positive integer');
  }
  return options;
}

function selectCases(names) {
  if (names.length === 0) return CASES;
  return names.flatMap((name) => {
    const exact = CASES.filter((c) => c.name === name);
    const found = exact.length > 0 ? exact : CASES.filter((c) => c.name.startsWith(name));
    if (found.length === 0) {
      throw new TypeError(`no case ${name}; cases: ${CASES.map((c) => c.name).join(', ')}`);
    }
    return found;
  });
}

/** Newest modification time (ms) of the files under `dir` ending in `ext`. */
function newestMtime(dir, ext) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith(ext)) continue;
    newest = Math.max(newest, statSync(join(entry.parentPath ?? entry.path, entry.name)).mtimeMs);
  }
  return newest;
}

/** Modification time (ms) of dist/core/index.js, 0 when it is missing. */
function builtAt() {
  try {
    return statSync(join(root, 'dist', 'core', 'index.js')).mtimeMs;
  } catch {
    return 0;
  }
}

/**
 * Builds dist/ (`npm run build`) when it is missing or older than core/. Returns a note for
 * the report: 'fresh' or 'built'; 'built with type errors' (tsc still emits JavaScript, so the
 * code measured is current); or 'stale' (the build emitted nothing or was skipped with
 * --no-build: the numbers are those of the last good build).
 */
function ensureBuilt(allowed) {
  const sources = newestMtime(join(root, 'core'), '.ts');
  if (builtAt() >= sources) return 'fresh';
  if (allowed) {
    process.stderr.write('building dist/ (npm run build)...\n');
    const out = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: ['ignore', 2, 2] });
    if (out.status === 0) return 'built';
    if (builtAt() >= sources) {
      process.stderr.write(
        'WARNING: tsc reported type errors (above); measuring what it emitted\n',
      );
      return 'built with type errors';
    }
  }
  if (builtAt() === 0) throw new Error('dist/core/index.js is missing: run `npm run build`');
  process.stderr.write('WARNING: measuring a dist/ older than core/ (build failed or skipped)\n');
  return 'stale';
}

/** Runs one benchmark process; returns its parsed result line or throws with the reason. */
function measureOnce(cmd) {
  const out = spawnSync(cmd[0], cmd.slice(1), {
    cwd: root,
    encoding: 'utf8',
    timeout: PROCESS_LIMIT_MS,
    maxBuffer: 16 * 2 ** 20,
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
  });
  if (out.error) throw new Error(`${out.error.code ?? out.error.message}`);
  const lines = out.stdout.trim().split('\n');
  const last = lines[lines.length - 1];
  if (out.status !== 0 || !last?.startsWith('{')) {
    const why = (out.stderr || out.stdout || '').trim().split('\n').slice(-3).join(' | ');
    throw new Error(`exit ${out.status ?? out.signal}: ${why}`);
  }
  const result = JSON.parse(last);
  if (typeof result.value !== 'number' || !Number.isFinite(result.value)) {
    throw new Error(`no numeric "value" in ${last}`);
  }
  return result;
}

/** Runs one case: `runs` rounds; each round measures every implementation once, order rotated. */
function runCase(caseDef, runsOverride) {
  const samples = {};
  const failures = [];
  const roundsOf = (def) => runsOverride ?? def.runs ?? caseDef.runs;
  const rounds = Math.max(...caseDef.impls.map(roundsOf));
  for (let round = 0; round < rounds; round++) {
    const order = caseDef.impls.filter((def) => round < roundsOf(def));
    const shift = round % order.length;
    for (const def of [...order.slice(shift), ...order.slice(0, shift)]) {
      if (performance.now() - startedAt > TOTAL_LIMIT_MS) {
        failures.push({ impl: def.impl, round, error: 'skipped: total time limit reached' });
        continue;
      }
      const t0 = performance.now();
      try {
        const result = measureOnce(def.cmd);
        (samples[def.impl] ??= []).push({ round, value: result.value, result });
        progress(caseDef, def.impl, round, rounds, result.value, t0);
      } catch (error) {
        failures.push({ impl: def.impl, round, error: error.message });
        process.stderr.write(
          `[${caseDef.name}] ${def.impl} round ${round + 1}: ${error.message}\n`,
        );
      }
    }
  }
  return summarize(caseDef, samples, failures);
}

function progress(caseDef, impl, round, rounds, value, t0) {
  const took = ((performance.now() - t0) / 1000).toFixed(1);
  const shown = value >= 1000 ? `${(value / 1000).toFixed(1)}k` : value.toFixed(0);
  process.stderr.write(
    `[${caseDef.name}] round ${round + 1}/${rounds} ${IMPL_TITLES[impl]}: ` +
      `${shown} ${caseDef.unit} (${took} s)\n`,
  );
}

/** Versions and load of this machine, recorded beside the numbers. */
function machineNotes() {
  const py = spawnSync(
    '/usr/bin/python3',
    [
      '-c',
      'import sys,gevent,greenlet;print(sys.version.split()[0],gevent.__version__,greenlet.__version__)',
    ],
    { encoding: 'utf8' },
  );
  const [python, gevent, greenlet] = (py.stdout ?? '').trim().split(' ');
  const effection = JSON.parse(
    readFileSync(join(root, 'node_modules', 'effection', 'package.json'), 'utf8'),
  ).version;
  return {
    node: process.version,
    python,
    gevent,
    greenlet,
    effection,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: os.release(),
    loadavgAtStart: os.loadavg().map((x) => Number(x.toFixed(2))),
  };
}

function main() {
  const options = parseCli(process.argv.slice(2));
  const cases = selectCases(options.names);
  const build = ensureBuilt(options.build);
  const machine = { ...machineNotes(), build };
  const summaries = cases.map((c) => runCase(c, options.runs));
  machine.loadavgAtEnd = os.loadavg().map((x) => Number(x.toFixed(2)));
  const command = ['node scripts/bench/run-all.mjs', ...process.argv.slice(2)].join(' ');
  const durationSeconds = Math.round((performance.now() - startedAt) / 1000);
  const report = {
    date: new Date().toISOString(),
    command,
    durationSeconds,
    machine,
    cases: summaries,
  };
  const resultsDir = join(here, 'results');
  mkdirSync(resultsDir, { recursive: true });
  const file =
    options.names.length === 0 && options.runs === null ? 'latest.json' : 'last-subset.json';
  writeFileSync(join(resultsDir, file), `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(
    `\n${markdownTable(summaries)}\n${footnotes(summaries)}${detailLines(summaries)}\n` +
      `command: ${command} (${durationSeconds} s); node ${machine.node}, python ${machine.python}, ` +
      `gevent ${machine.gevent}, effection ${machine.effection}; ${machine.cpus} CPUs; ` +
      `load ${machine.loadavgAtStart.join(' ')} -> ${machine.loadavgAtEnd.join(' ')}\n` +
      `written: scripts/bench/results/${file}\n`,
  );
  if (summaries.some((s) => s.failures.length > 0)) process.exitCode = 1;
}

try {
  main();
} catch (error) {
  process.stderr.write(`run-all: ${error.message}\n`);
  process.exitCode = 2;
}
