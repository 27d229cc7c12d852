/**
 * Fixture for the killOnExit test: starts children that must not outlive this process, prints
 * their pids, then ends as the test asks (`exit`: process.exit; `signal`: waits to be killed).
 * Run: node --import tsx test/subprocess/_support/orphan-parent.ts exit|signal
 */

import { writeSync } from 'node:fs';
import { run } from '../../../core/index.ts';
import { PIPE, Popen } from '../../../core/subprocess/index.ts';

const mode = process.argv[2];

await run(function* () {
  const direct = new Popen(['sleep', '30'], { killOnExit: true });
  // A group leader whose own child must go too.
  const leader = new Popen(['sh', '-c', 'sleep 30 & echo $!; wait'], {
    killOnExit: 'SIGKILL',
    startNewSession: true,
    stdout: PIPE,
  });
  const grandchild = String(yield* leader.stdout!.readline()).trim();
  writeSync(1, `direct ${direct.pid}\nleader ${leader.pid}\ngrandchild ${grandchild}\n`);
  if (mode === 'exit') process.exit(0);
  yield* leader.wait();
});
