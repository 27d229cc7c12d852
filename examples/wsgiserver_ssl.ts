/**
 * The WSGI server over HTTPS (gevent's examples/wsgiserver_ssl.py). A self-signed certificate
 * for localhost is generated at run time with the openssl command-line tool into a temporary
 * directory (deleted on exit): no key is ever committed. The example requests its own server,
 * trusting that certificate, and prints the answer.
 * Run: node --import tsx examples/wsgiserver_ssl.ts
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, until } from '../core/index.ts';
import { type Request, type StartResponse, WSGIServer } from '../core/pywsgi/index.ts';

function application(request: Request, startResponse: StartResponse) {
  startResponse('200 OK', [['Content-Type', 'text/plain']]);
  return [`hello over ${request.urlScheme} (${request.environ['wsgi.url_scheme']})`];
}

/** Writes a self-signed EC certificate for localhost/127.0.0.1 into `dir`. */
function makeCertificate(dir: string): { certfile: string; keyfile: string } {
  const certfile = join(dir, 'server.crt');
  const keyfile = join(dir, 'server.key');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyfile,
      '-out',
      certfile,
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  return { certfile, keyfile };
}

function httpsGet(url: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, agent: false }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const dir = mkdtempSync(join(tmpdir(), 'wsgiserver-ssl-'));
try {
  await run(function* main() {
    const files = makeCertificate(dir);
    const server = new WSGIServer(['127.0.0.1', 0], application, { ssl: files, log: null });
    yield* server.start();
    const url = `https://127.0.0.1:${server.serverPort}/`;
    console.log(`Serving on ${url} (certificate made by openssl just now)`);
    const answer = yield* until(httpsGet(url, readFileSync(files.certfile, 'utf8')));
    console.log(`GET / -> ${answer.status} ${answer.body}`);
    yield* server.stop();
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
