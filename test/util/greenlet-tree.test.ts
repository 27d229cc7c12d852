import {
  config,
  Event,
  type Greenlet,
  Greenlet as GreenletClass,
  getcurrent,
  Lock,
  Queue,
  sleep,
  spawn,
} from '../../core/index.ts';
import { GreenletTree } from '../../core/util/index.ts';
import { assert, greenletSuite } from '../_support/gtest.ts';

const test = greenletSuite('util.GreenletTree');

/** The running greenlet (a test body always runs in one). */
function me(): Greenlet<any> {
  const g = getcurrent();
  assert.instance(g, GreenletClass);
  return g as Greenlet<any>;
}

/** The tree under the current greenlet, with object addresses made stable. */
function myTree(details: boolean): string[] {
  const node = GreenletTree.currentTree().find(me());
  assert.ok(node, 'the current greenlet is in the tree');
  return node.formatLines({ details }).map((line) => line.replace(/at 0x[0-9a-f]+/g, 'at X'));
}

function named<G extends Greenlet<any>>(g: G, name: string): G {
  g.name = name;
  return g;
}

test('nested spawns: parents above children, siblings joined by |', function* () {
  named(me(), 'main');
  const stop = new Event();
  const parent = named(
    spawn(function* parentBody() {
      named(
        spawn(function* leaf() {
          yield* stop.wait();
        }),
        'leaf-1',
      );
      named(
        spawn(function* leaf() {
          yield* stop.wait();
        }),
        'leaf-2',
      );
      yield* stop.wait();
    }),
    'parent',
  );
  named(
    spawn(function* sibling() {
      yield* stop.wait();
    }),
    'sibling',
  );
  yield* sleep(0); // every spawned greenlet runs to its wait (FIFO run queue)
  yield* sleep(0);
  const waiting = 'parked: waiting on <Event clear waiters=4>';
  assert.equal(myTree(false), [
    '<Greenlet "main" at X: <anonymous>()>; running',
    ` +--- <Greenlet "parent" at X: parentBody()>; ${waiting}`,
    ` |    +--- <Greenlet "leaf-1" at X: leaf()>; ${waiting}`,
    ` |    +--- <Greenlet "leaf-2" at X: leaf()>; ${waiting}`,
    ` +--- <Greenlet "sibling" at X: sibling()>; ${waiting}`,
  ]);
  assert.equal(String(GreenletTree.currentTree().find(parent)).split('\n').length, 3);
  stop.set();
  yield* parent.join();
  yield* sleep(0);
  assert.equal(myTree(false), ['<Greenlet "main" at X: <anonymous>()>; running']);
});

test('details show where each greenlet was spawned, with : continuation lines', function* () {
  const tracking = config.trackSpawnSites;
  config.trackSpawnSites = true;
  const stop = new Event();
  try {
    named(me(), 'main');
    const outer = named(
      spawn(function* outerBody() {
        named(
          spawn(() => stop.wait()),
          'inner',
        );
        yield* stop.wait();
      }),
      'outer',
    );
    named(
      spawn(() => stop.wait()),
      'last',
    );
    yield* sleep(0);
    yield* sleep(0);
    const lines = myTree(true);
    const site = 'Spawned at: .*greenlet-tree\\.test\\.ts:\\d+:\\d+';
    assert.is(lines.length, 7, lines.join('\n'));
    assert.match(lines[1]!, /^ \+--- <Greenlet "outer" at X: outerBody\(\)>; parked/);
    assert.match(lines[2]!, new RegExp(`^ :          ${site}`));
    assert.match(lines[3]!, /^ \| {4}\+--- <Greenlet "inner" at X: <anonymous>\(\)>; parked/);
    assert.match(lines[4]!, new RegExp(`^ :                ${site}`));
    assert.match(lines[5]!, /^ \+--- <Greenlet "last" at X: <anonymous>\(\)>; parked/);
    // The last child's details are not continued with ':' (nothing follows it).
    assert.match(lines[6]!, new RegExp(`^            ${site}`));
    const full = GreenletTree.currentTree().find(outer)!.formatLines({ fullSpawnStacks: true });
    assert.match(full[1]!, /^ : {4}Spawned at:$/);
    assert.match(full[2]!, /^ : {6}.*greenlet-tree\.test\.ts:\d+:\d+/);
  } finally {
    config.trackSpawnSites = tracking;
    stop.set();
  }
  yield* sleep(0);
});

test('parked greenlets show what they wait on; states are named', function* () {
  named(me(), 'main');
  const queue = new Queue<number>();
  const lock = new Lock();
  yield* lock.acquire();
  named(
    spawn(() => queue.get()),
    'getter',
  );
  named(
    spawn(() => lock.acquire()),
    'locker',
  );
  const sleeper = named(
    spawn(() => sleep(30)),
    'sleeper',
  );
  yield* sleep(0);
  const fresh = named(
    spawn(() => queue.get()),
    'fresh',
  ); // started, has not run yet
  const lines = myTree(false);
  assert.equal(lines.slice(1), [
    ' +--- <Greenlet "getter" at X: <anonymous>()>; parked: waiting on <Queue qsize=0 getters=1 putters=0>',
    ' +--- <Greenlet "locker" at X: <anonymous>()>; parked: waiting on <Lock counter=0 waiters=1>',
    ' +--- <Greenlet "sleeper" at X: <anonymous>()>; parked: waiting on sleep(30)',
    ' +--- <Greenlet "fresh" at X: <anonymous>()>; scheduled',
  ]);
  yield* sleep(0);
  queue.putNowait(1);
  queue.putNowait(2);
  lock.release();
  yield* sleeper.kill();
  yield* fresh.join();
});

test('a dead parent with live children still appears, marked dead', function* () {
  named(me(), 'main');
  const stop = new Event();
  const orphans: Greenlet<any>[] = [];
  const parent = named(
    spawn(function* shortLived() {
      orphans.push(
        named(
          spawn(() => stop.wait()),
          'orphan',
        ),
      );
    }),
    'gone',
  );
  yield* parent.join();
  yield* sleep(0);
  assert.equal(myTree(false), [
    '<Greenlet "main" at X: <anonymous>()>; running',
    ' +--- <Greenlet "gone" at X: shortLived()>; dead',
    '      +--- <Greenlet "orphan" at X: <anonymous>()>; parked: waiting on <Event clear waiters=1>',
  ]);

  // A dead spawner whose own spawner is dead too hangs under the root.
  let middle: Greenlet<any> | null = null;
  const top = spawn(function* () {
    middle = named(
      spawn(function* () {
        yield* sleep(0);
        named(
          spawn(() => stop.wait()),
          'grandchild',
        );
      }),
      'middle',
    );
  });
  yield* top.join();
  yield* middle!.join();
  const tree = GreenletTree.currentTree();
  const middleNode = tree.children.find((node) => node.greenlet === middle);
  assert.ok(middleNode, 'the dead middle greenlet is a top-level node');
  assert.match(middleNode.format({ details: false }), /; dead\n +\+--- <Greenlet "grandchild"/);
  assert.is(tree.find(top), undefined, 'a dead greenlet without live children is not shown');
  stop.set();
  yield* sleep(0);
});

test('the root stands for the hub; run() roots hang under it', function* () {
  const tree = GreenletTree.currentTree();
  assert.ok(tree.root);
  assert.is(tree.greenlet, null);
  assert.is(tree.formatLines()[0], '<Hub>');
  const self = me();
  const node = tree.children.find((child) => child.greenlet === self);
  assert.ok(node, 'the test body (a run() root) is a child of the root');
  assert.equal(GreenletTree.forest().length, 1);
});

test.run();
