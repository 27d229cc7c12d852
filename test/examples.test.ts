/**
 * Smoke test: every runnable example exits by itself with status 0 and prints what it shows.
 */
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const run = promisify(execFile);
const dir = join(import.meta.dirname, '..', 'examples');

/** What each example must print (a line fragment of its stdout). */
const expected: Record<string, RegExp> = {
  'backdoor.ts': /\[ 1, 4, 9 \]\nafter quit\(\) the backdoor closes the connection: true/,
  'concurrent_jobs.ts': /3 of 4 finished within the 2 s timeout/,
  'failing_greenlet.ts': /get\(\) re-raised: TypeError/,
  'greenlet_subclass.ts': /Ticker\("tick"\) finished with 3/,
  'kill_custom_exception.ts': /worker dead: true, exception: Shutdown/,
  'timeout.ts': /raised Empty/,
  'pipeline.ts': /streamed 11 lines through producer \| filter \| consumer/,
  'concurrent_download.ts': /3 pages, 68714 bytes; dns.lookup was gevent-ts's: true/,
  'dns_mass_resolve.ts': /1000\/1000 resolved, 0 failed/,
  'threadpool.ts': /"sleep\(0\.4\)" 4 times with 3 threads/,
  'cpu-endpoint.ts': /4 x \/hash on the ThreadPool: +\/ping p50/,
  'echoserver.ts': /client: after quit the server closes: true/,
  'portforwarder.ts':
    /client: got "target says: HELLO THROUGH THE FORWARDER\\n"\n[\s\S]*forwarder stopped gracefully[\s\S]*Connection refused/,
  'udp_server.ts': /client: "Received 17 bytes"/,
  'udp_client.ts': /reply "Received 25 bytes"/,
  'unixsocket_server.ts': /client: you said "hello"/,
  'unixsocket_client.ts': /answer you said "ping"/,
  'wsgiserver.ts': /GET \/ -> 200 <b>hello world<\/b>\nGET \/missing -> 404/,
  'wsgiserver_ssl.ts': /GET \/ -> 200 hello over https/,
  'webproxy.ts':
    /proxy GET \/about -> 200 .*href="\/http:\/\/127\.0\.0\.1:\d+\/".*about page\n[\s\S]*GET \/missing -> 404[\s\S]*both servers stopped/,
  'processes.ts': /7 commands through a Pool of 3 in \d+ ms/,
};

const test = suite('examples');
const files = readdirSync(dir).filter(
  (name) => name.endsWith('.ts') && name !== 'showcase.ts' && !name.startsWith('_'),
);

test('every example has an expectation', () => {
  assert.equal(
    files.filter((name) => !(name in expected)),
    [],
  );
});

for (const name of files) {
  test(`examples/${name} runs and exits cleanly`, async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', join(dir, name)], {
      timeout: 60_000,
      env: { ...process.env, FORCE_COLOR: '0' },
    });
    const pattern = expected[name];
    assert.ok(pattern?.test(stdout), `unexpected output of ${name}:\n${stdout}`);
  });
}

test.run();
