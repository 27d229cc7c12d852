#!/usr/bin/env node
// Launcher for the `gevent-ts` bin: the compiled CLI when the package is built (dist/), else
// the TypeScript source through tsx (a development checkout).
import { existsSync } from 'node:fs';

const built = new URL('../dist/bin/cli.js', import.meta.url);
let cli;
if (existsSync(built)) {
  cli = await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import(new URL('./cli.ts', import.meta.url).href);
}
try {
  process.exitCode = await cli.main(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exitCode = 1;
}
