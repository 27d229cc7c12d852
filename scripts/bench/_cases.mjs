/**
 * The benchmark cases `run-all.mjs` runs: for each, the command of every implementation (ours,
 * real gevent, Effection 4, plain Node), how many fresh processes to measure, and the issue 2
 * target. Layer: scripts/bench (the runner's table of contents).
 *
 * `better: 'higher'` cases report a rate and the ratio ours/baseline; `better: 'lower'` cases
 * report bytes and the ratio baseline/ours ("times smaller"). A target is a minimum of that
 * ratio against gevent.
 *
 * @example
 * import { CASES } from './_cases.mjs';
 * for (const c of CASES) console.log(c.name, c.impls.map((i) => i.impl));
 */

import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const PYTHON = '/usr/bin/python3';

/** A Node benchmark process: fresh, with `--expose-gc` (every script collects after warm-up). */
function node(file, ...args) {
  return [process.execPath, '--expose-gc', `${here}${file}`, ...args];
}

/** The same with a larger heap, for a million parked greenlets. */
function bigNode(file, ...args) {
  return [process.execPath, '--expose-gc', '--max-old-space-size=8192', `${here}${file}`, ...args];
}

/** A real-gevent benchmark process (Debian python3-gevent). */
function python(file, ...args) {
  return [PYTHON, `${here}gevent/${file}`, ...args];
}

/** Implementation labels, in table order. */
export const IMPLS = ['ours', 'gevent', 'effection', 'node'];

export const IMPL_TITLES = {
  ours: 'gevent-ts',
  gevent: 'gevent 22.10',
  effection: 'Effection 4',
  node: 'plain Node',
};

export const CASES = [
  {
    name: 'spawn',
    title: 'spawn + joinall, 100,000 no-op greenlets',
    unit: '/s',
    better: 'higher',
    target: 15,
    runs: 5,
    impls: [
      { impl: 'ours', cmd: node('spawn.mjs', '--n=100000') },
      { impl: 'gevent', cmd: python('spawn.py', '--n=100000') },
      { impl: 'effection', cmd: node('effection/spawn.mjs', '--n=100000'), runs: 3 },
      { impl: 'node', cmd: node('spawn.node.mjs', '--n=100000'), note: 'async fn + Promise.all' },
    ],
  },
  {
    name: 'pingpong-queue',
    title: 'Queue ping-pong, 2 greenlets, 200,000 round trips',
    unit: 'rt/s',
    better: 'higher',
    target: 10,
    runs: 7,
    impls: [
      { impl: 'ours', cmd: node('pingpong.mjs', '--variant=queue', '--n=200000') },
      { impl: 'gevent', cmd: python('pingpong.py', '--variant=queue', '--n=200000') },
      {
        impl: 'effection',
        cmd: node('effection/pingpong.mjs', '--variant=queue', '--n=200000'),
      },
      { impl: 'node', cmd: node('pingpong.node.mjs', '--variant=queue', '--n=200000') },
    ],
  },
  {
    name: 'pingpong-event',
    title: 'Event ping-pong (set/wait/clear), 200,000 round trips',
    unit: 'rt/s',
    better: 'higher',
    target: null,
    runs: 7,
    impls: [
      { impl: 'ours', cmd: node('pingpong.mjs', '--variant=event', '--n=200000') },
      { impl: 'gevent', cmd: python('pingpong.py', '--variant=event', '--n=200000') },
      {
        impl: 'effection',
        cmd: node('effection/pingpong.mjs', '--variant=event', '--n=200000'),
      },
      { impl: 'node', cmd: node('pingpong.node.mjs', '--variant=event', '--n=200000') },
    ],
  },
  {
    name: 'sleep0',
    title: 'sleep(0) in 1,000 greenlets x 200',
    unit: '/s',
    better: 'higher',
    target: 5,
    runs: 7,
    impls: [
      { impl: 'ours', cmd: node('sleep0.mjs', '--greenlets=1000', '--iterations=200') },
      { impl: 'gevent', cmd: python('sleep0.py', '--greenlets=1000', '--iterations=200') },
      {
        impl: 'effection',
        cmd: node('effection/sleep0.mjs', '--greenlets=1000', '--iterations=200'),
      },
      { impl: 'node', cmd: node('sleep0.node.mjs', '--greenlets=1000', '--iterations=200') },
    ],
  },
  {
    name: 'memory',
    title: 'RSS per greenlet, 100,000 parked in sleep(60)',
    unit: 'B',
    better: 'lower',
    target: 5,
    runs: 3,
    impls: [
      { impl: 'ours', cmd: node('memory.mjs', '--n=100000') },
      { impl: 'gevent', cmd: python('memory.py', '--n=100000') },
      { impl: 'effection', cmd: node('effection/memory.mjs', '--n=100000') },
      { impl: 'node', cmd: node('memory.node.mjs', '--n=100000') },
    ],
  },
  {
    name: 'memory-1m',
    title: 'RSS per greenlet, 1,000,000 parked in sleep(60)',
    unit: 'B',
    better: 'lower',
    target: null,
    runs: 3,
    impls: [
      { impl: 'ours', cmd: bigNode('memory.mjs', '--n=1000000') },
      { impl: 'node', cmd: bigNode('memory.node.mjs', '--n=1000000'), runs: 2 },
    ],
  },
  {
    name: 'timeout',
    title: 'Timeout create+start+cancel x 200,000',
    unit: '/s',
    better: 'higher',
    target: 1.5,
    runs: 7,
    impls: [
      { impl: 'ours', cmd: node('timeout.mjs', '--n=200000') },
      { impl: 'gevent', cmd: python('timeout.py', '--n=200000') },
      {
        impl: 'effection',
        cmd: node('effection/timeout.mjs', '--n=10000'),
        runs: 3,
        note: 'race([body, sleep(10 s)]), n=10,000: a task per contender, not like-for-like',
      },
      {
        impl: 'node',
        cmd: node('timeout.node.mjs', '--n=200000'),
        note: 'setTimeout+clearTimeout',
      },
    ],
  },
];
