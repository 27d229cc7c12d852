import { sleep, spawn } from '../../core/index.ts';
import { assert, greenletSuite } from '../_support/gtest.ts';

const test = greenletSuite('smoke');

test('spawned greenlets interleave at sleep(0)', function* () {
  const log: string[] = [];
  const body = function* (n: number) {
    log.push(`${n}A`);
    yield* sleep(0);
    log.push(`${n}B`);
  };
  const a = spawn(body, 1);
  const b = spawn(body, 2);
  yield* a.join();
  yield* b.join();
  assert.equal(log, ['1A', '2A', '1B', '2B']);
});

test.run();
