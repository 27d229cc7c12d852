/**
 * Concurrent downloads (gevent's examples/concurrent_download.py): after `patchAll()`, plain
 * `fetch` resolves host names through gevent-ts's resolver; greenlets download several pages at
 * once and print each page's size and first bytes. The pages come from HTTP servers the
 * example starts on 127.0.0.1 (reached as `localhost`, so the patched lookup really runs).
 * Run: node --import tsx examples/concurrent_download.ts
 */
import dns from 'node:dns';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { joinall, run, spawn, until } from '../core/index.ts';
import { patchAll, unpatchAll } from '../core/monkey/index.ts';

patchAll();

/** Starts a loopback HTTP server whose pages are `size` bytes of a repeated phrase. */
async function startSite(phrase: string, size: number): Promise<http.Server> {
  const body = phrase.repeat(Math.ceil(size / phrase.length)).slice(0, size);
  const server = http.createServer((_req, res) => {
    res.setHeader('content-type', 'text/plain');
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

const sites = await Promise.all([
  startSite('<html>gevent-ts</html> ', 12_345),
  startSite('Lorem ipsum dolor sit amet. ', 54_321),
  startSite('{"greenlets": true} ', 2_048),
]);
const urls = sites.map((s) => `http://localhost:${(s.address() as AddressInfo).port}/`);

function* download(url: string) {
  console.log(`Starting ${url}`);
  const response = yield* until(fetch(url));
  const data = Buffer.from(yield* until(response.arrayBuffer()));
  console.log(`${url}: ${data.length} bytes: ${JSON.stringify(data.subarray(0, 24).toString())}`);
  return data.length;
}

try {
  await run(function* main() {
    const jobs = urls.map((url) => spawn(download, url));
    yield* joinall(jobs, { timeout: 10, raiseError: true });
    const total = jobs.reduce((sum, g) => sum + (g.value ?? 0), 0);
    const ours = Symbol.for('gevent-ts.original') in dns.lookup;
    console.log(`${jobs.length} pages, ${total} bytes; dns.lookup was gevent-ts's: ${ours}`);
  });
} finally {
  unpatchAll();
  await Promise.all(sites.map((s) => new Promise((r) => s.close(r))));
}
