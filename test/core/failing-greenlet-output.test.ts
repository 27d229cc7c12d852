/**
 * The printout of a greenlet that fails, as gevent prints it: the stack, then
 * `<timestamp> <Greenlet ...> failed with TypeError` on stderr; the process keeps running.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const run = promisify(execFile);
const test = suite('failing greenlet printout');

test('stderr has the stack and the "failed with" line; exit status 0', async () => {
  const script = join(import.meta.dirname, '..', '..', 'examples', 'failing_greenlet.ts');
  const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', script], {
    timeout: 30_000,
  });
  assert.match(stderr, /TypeError: Cannot read properties of undefined/);
  assert.match(stderr, /at Greenlet\.parse/);
  assert.match(
    stderr,
    /^\d{4}-\d\d-\d\dT[\d:.]+Z <Greenlet at 0x[0-9a-f]+: parse\("\{\}"\)> failed with TypeError$/m,
  );
  assert.match(stdout, /the process is still running/);
});

test.run();
