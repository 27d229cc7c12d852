#!/usr/bin/env node
// Launcher for the `gevent-ts` bin: the compiled CLI when the package is built (dist/) and the
// build is not older than the source, else the TypeScript source through tsx (a development
// checkout, where an edit must not run yesterday's build).
import { existsSync, statSync } from 'node:fs';

const built = new URL('../dist/bin/cli.js', import.meta.url);
const source = new URL('./cli.ts', import.meta.url);
const fresh = (file) => !existsSync(source) || statSync(file).mtimeMs >= statSync(source).mtimeMs;
let cli;
if (existsSync(built) && fresh(built)) {
  cli = await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import(source.href);
}
try {
  process.exitCode = await cli.main(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exitCode = 1;
}
