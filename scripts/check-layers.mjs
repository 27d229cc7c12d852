#!/usr/bin/env node
// Layer check (run by CI): every import goes to the same or a lower layer, there are no import
// cycles, nothing imports monkey/, core/ never imports threadpool/, native/ imports nothing of ours.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');

/** Layers from the bottom up; the first matching pattern gives a file's layer. */
const layers = [
  [
    'base',
    /^core\/(errors|config|op)\.ts$|^core\/internal\/(validators|timer-heap|waiter-list|live-list|hub-services|hub-contract|hub-report|body-values)\.ts$/,
  ],
  ['hub', /^core\/hub\.ts$/],
  ['waiting', /^core\/internal\//],
  [
    'scheduler',
    /^core\/(greenlet|greenlet-waits|spawn|timeout|sleep|wait|events|monitor|monitor-worker)\.ts$/,
  ],
  ['primitives', /^core\/(event|queue|lock|pool|imap|local|signal)\.ts$/],
  ['root-api', /^core\/index\.ts$/],
  ['native', /^native\//],
  ['os-facing', /^core\/(io|resolver|subprocess|pywsgi|util)\/|^core\/backdoor\.ts$/],
  ['threadpool', /^threadpool\//],
  ['monkey', /^core\/monkey\//],
];

function layerOf(file) {
  const i = layers.findIndex(([, pattern]) => pattern.test(file));
  return i < 0 ? null : i;
}

function sourceFiles(dir) {
  const out = [];
  for (const name of readdirSync(join(root, dir))) {
    const rel = join(dir, name);
    if (statSync(join(root, rel)).isDirectory()) out.push(...sourceFiles(rel));
    else if (/\.(ts|mts)$/.test(name) && !name.endsWith('.d.ts')) out.push(rel);
  }
  return out;
}

// Type-only imports are erased at build time, so they cannot form a runtime cycle.
const importPattern = /(?:^|\n)\s*(?:import|export)\s(?!type\s)[^;]*?from\s+['"](\.[^'"]+)['"]/g;
const files = ['core', 'threadpool', 'native'].flatMap((dir) => {
  try {
    return sourceFiles(dir);
  } catch {
    return [];
  }
});
const graph = new Map();
const problems = [];

for (const file of files) {
  const text = readFileSync(join(root, file), 'utf8');
  const targets = [...text.matchAll(importPattern)].map((m) =>
    relative(root, resolve(root, dirname(file), m[1])),
  );
  graph.set(file, targets);
  const from = layerOf(file);
  if (from === null)
    problems.push(`${file}: not in any layer (add it to scripts/check-layers.mjs)`);
  for (const target of targets) {
    const to = layerOf(target);
    if (target.startsWith('core/monkey/') && !file.startsWith('core/monkey/'))
      problems.push(`${file} imports ${target}: nothing may import monkey/`);
    if (
      file.startsWith('core/') &&
      target.startsWith('threadpool/') &&
      !file.startsWith('core/monkey/')
    ) {
      problems.push(`${file} imports ${target}: core/ must not import threadpool/`);
    }
    if (file.startsWith('native/') && !target.startsWith('native/'))
      problems.push(`${file} imports ${target}: native/ imports nothing of ours`);
    if (
      from !== null &&
      to !== null &&
      to > from &&
      !(layers[from][0] === 'os-facing' && layers[to][0] === 'threadpool')
    ) {
      problems.push(
        `${file} (${layers[from][0]}) imports ${target} (${layers[to][0]}): an upward import`,
      );
    }
  }
}

// Cycles: depth-first search over the import graph.
const state = new Map();
function visit(file, path) {
  if (state.get(file) === 'done') return;
  if (state.get(file) === 'active') {
    problems.push(`import cycle: ${[...path.slice(path.indexOf(file)), file].join(' -> ')}`);
    return;
  }
  state.set(file, 'active');
  for (const target of graph.get(file) ?? []) visit(target, [...path, file]);
  state.set(file, 'done');
}
for (const file of graph.keys()) visit(file, []);

if (problems.length > 0) {
  console.error(
    `layer check: ${problems.length} problem(s)\n${problems.map((p) => `  - ${p}`).join('\n')}`,
  );
  process.exit(1);
}
console.log(`layer check: ${files.length} files, no upward imports, no cycles`);
