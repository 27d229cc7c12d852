/**
 * `npm start -- --serve --port 0`: the showcase serves its live dashboard; headless Chromium
 * (Debian's /usr/bin/chromium, driven by playwright-core) loads the page, which must show a live
 * greenlet count, plot at least two samples, and show the monitor's report once the page's
 * button has blocked the hub; then SIGTERM stops the showcase cleanly.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const test = suite('examples/showcase.ts --serve (dashboard)');
const SHOWCASE = join(import.meta.dirname, '..', 'examples', 'showcase.ts');
const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = '/tmp/gevent-ts-dashboard.png';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Resolves with the port once the showcase prints its dashboard URL. */
function dashboardPort(child: ChildProcess, deadlineMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(
      () => reject(new Error(`no dashboard URL within ${deadlineMs} ms:\n${seen}`)),
      deadlineMs,
    );
    child.stdout!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const match = /dashboard: http:\/\/127\.0\.0\.1:(\d+)\//.exec(seen);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the showcase exited with ${code} before serving:\n${seen}`));
    });
  });
}

/** Waits (bounded) for the child to exit; its exit code, or the signal that ended it. */
function exited(child: ChildProcess, deadlineMs: number): Promise<number | string> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`still running after ${deadlineMs} ms`)),
      deadlineMs,
    );
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? String(signal));
    });
  });
}

test('the dashboard plots live stats and blocked-hub reports in headless Chromium; SIGTERM stops it', async () => {
  assert.ok(
    existsSync(CHROMIUM),
    `${CHROMIUM} is missing: this test needs Debian's Chromium (apt-get install -y chromium)`,
  );
  const child = spawn(process.execPath, ['--import', 'tsx', SHOWCASE, '--serve', '--port', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  // Listening from the start: the URL may be printed while Chromium is still launching.
  // Generous: a cold start compiles the showcase through tsx and calibrates its CPU work.
  const serving = dashboardPort(child, 60_000);
  serving.catch(() => {}); // awaited below; a failed launch must not leave it unhandled
  const browser = await chromium
    .launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS })
    .catch((error) => {
      child.kill('SIGKILL');
      throw error;
    });
  try {
    const port = await serving;
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`http://127.0.0.1:${port}/`, { timeout: 10_000 });
    // Evaluated in the page: a live greenlet count, and at least two samples plotted.
    await page.waitForFunction(
      `Number(document.getElementById('greenlets')?.textContent) > 0 &&
       Number(document.getElementById('points')?.textContent) >= 2`,
      undefined,
      { timeout: 20_000, polling: 200 },
    );
    const switches = Number((await page.textContent('#switches'))?.replace(/\D/g, ''));
    assert.ok(switches > 0, `switches/s shown: ${switches}`);
    assert.match((await page.textContent('#status')) ?? '', /live/);
    // The page's button blocks the hub for 200 ms: the monitor's report reaches the page.
    await page.click('#block');
    await page.waitForFunction(
      `Number(document.getElementById('blocked')?.textContent) >= 1 &&
       document.querySelector('#reports li')?.textContent.includes('GET /block')`,
      undefined,
      { timeout: 20_000, polling: 200 },
    );
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  } finally {
    await browser.close();
    child.kill('SIGTERM');
  }
  const code = await exited(child, 15_000).catch((error) => {
    child.kill('SIGKILL');
    throw error;
  });
  assert.is(code, 0, `exit ${code}; output:\n${output}`);
  assert.match(output, /SIGTERM: stopping/);
  assert.match(output, /stopped cleanly/);
});

test.run();
