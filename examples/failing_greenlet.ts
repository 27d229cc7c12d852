/**
 * A greenlet that fails does not crash the process: its stack and
 * `<Greenlet ...> failed with TypeError` go to stderr, its links run, and get() re-raises.
 * Run: node --import tsx examples/failing_greenlet.ts
 */
import { run, spawn } from '../core/index.ts';

await run(function* main() {
  const bad = spawn(function* parse(text: string) {
    return (JSON.parse(text) as { missing: { field: string } }).missing.field; // TypeError
  }, '{}');
  bad.linkException((g) => console.log(`link saw the failure: ${g.exception}`));
  yield* bad.join(); // join() never raises
  console.log(`successful(): ${bad.successful()}`);
  try {
    yield* bad.get(); // get() re-raises
  } catch (error) {
    console.log(`get() re-raised: ${(error as Error).name}`);
  }
  console.log('the process is still running');
});
