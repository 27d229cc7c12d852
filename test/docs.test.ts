/**
 * The documentation stays true: every relative link in README.md and docs/**\/*.md points at a
 * file or directory that exists, and every code block marked `ts run` in the guides
 * (docs/guides/*.md) runs to completion against this repository's source.
 *
 * A runnable block is a whole program: its `gevent-ts` imports are rewritten to the source files
 * that package.json's "exports" map them to, it is written to a temporary .mts file and run with
 * `node --import tsx` (from the repository root, so tsx resolves) under a time limit; all of them
 * are also typechecked together with the repository's strict tsconfig.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const execFileAsync = promisify(execFile);
const root = resolve(import.meta.dirname, '..');
/** Generated output (typedoc's docs/api, the SVG plots) is not checked. */
const SKIPPED_DIRS = new Set(['api', 'plots']);
const RUN_TIMEOUT_MS = 60_000;

/** README.md and every .md under docs/, as paths relative to the root. */
function markdownFiles(): string[] {
  const out = ['README.md'];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const rel = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) walk(rel);
      } else if (entry.name.endsWith('.md')) out.push(rel);
    }
  };
  walk('docs');
  return out;
}

/** The text with fenced code blocks and inline code blanked out (links there are not links). */
function proseOnly(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** Link targets: inline `[text](target)` / `![alt](target)` and reference definitions. */
function linkTargets(markdown: string): string[] {
  const text = proseOnly(markdown);
  const inline = [...text.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)];
  const references = [...text.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/gm)];
  return [...inline, ...references].map((m) => m[1]!);
}

/** Whether a target is relative (not a URL with a scheme, not a bare #anchor). */
function isRelative(target: string): boolean {
  return !/^[a-z][a-z0-9+.-]*:/i.test(target) && !target.startsWith('#');
}

interface Snippet {
  file: string;
  line: number;
  code: string;
}

/** Code blocks whose info string is `ts run` (or `typescript run`). */
function runnableSnippets(file: string): Snippet[] {
  if (!existsSync(join(root, file))) return [];
  const lines = readFileSync(join(root, file), 'utf8').split('\n');
  const out: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(ts|typescript)\s+run\s*$/.test(lines[i]!)) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !/^```\s*$/.test(lines[end]!)) end++;
    assert.ok(end < lines.length, `${file}:${i + 1}: unterminated code block`);
    out.push({ file, line: i + 1, code: lines.slice(start, end).join('\n') });
    i = end;
  }
  return out;
}

/** Maps each `gevent-ts[/subpath]` specifier to the source file behind its "exports" entry. */
function exportSources(): Map<string, string> {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const map = new Map<string, string>();
  for (const [subpath, target] of Object.entries<any>(pkg.exports)) {
    const built: unknown = typeof target === 'string' ? target : target.default;
    if (typeof built !== 'string' || !built.startsWith('./dist/')) continue;
    const source = join(root, built.slice('./dist/'.length).replace(/\.js$/, '.ts'));
    map.set(subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`, source);
  }
  return map;
}

/** The snippet with its package imports pointing at the repository's source files. */
function rewriteImports(code: string, sources: Map<string, string>): string {
  return code.replace(
    /(from\s+|import\s*\(\s*)(['"])(gevent-ts(?:\/[\w-]+)?)\2/g,
    (_m, pre, q, id) => {
      const source = sources.get(id);
      if (source === undefined) throw new Error(`no "exports" entry for ${id}`);
      return `${pre}${q}${source}${q}`;
    },
  );
}

const links = suite('docs: relative links');
const files = markdownFiles();

links('the guides are among the checked files', () => {
  assert.ok(files.includes(join('docs', 'guides', 'for-gevent-users.md')));
  assert.ok(files.includes(join('docs', 'guides', 'for-node-users.md')));
});

for (const file of files) {
  links(`${file}: every relative link resolves`, () => {
    const broken = linkTargets(readFileSync(join(root, file), 'utf8'))
      .filter(isRelative)
      .map((target) => decodeURI(target.replace(/[#?].*$/, '')))
      .filter((path) => path !== '' && !existsSync(resolve(root, dirname(file), path)));
    assert.equal(broken, [], `${file} links to missing files`);
  });
}

links.run();

const snippets = suite('docs: runnable snippets');
const guides = ['for-gevent-users.md', 'for-node-users.md'].map((n) => join('docs', 'guides', n));
const sources = exportSources();
const workDir = mkdtempSync(join(tmpdir(), 'gevent-ts-docs-'));

/** Where a snippet is written: one .mts file per block, named after its guide and line. */
function snippetPath(snippet: Snippet): string {
  const name = relative('docs', snippet.file).replace(/\W/g, '_');
  return join(workDir, `${name}_${snippet.line}.mts`);
}

snippets.after(() => {
  rmSync(workDir, { recursive: true, force: true });
});

const all = guides.flatMap((guide) => runnableSnippets(guide));
for (const snippet of all)
  writeFileSync(snippetPath(snippet), rewriteImports(snippet.code, sources));

for (const guide of guides) {
  snippets(`${guide} has runnable snippets`, () => {
    assert.ok(runnableSnippets(guide).length >= 3, `${guide}: fewer than 3 \`ts run\` blocks`);
  });
}

for (const snippet of all) {
  const where = `${snippet.file}:${snippet.line}`;
  snippets(`${where} runs and exits 0`, async () => {
    try {
      await execFileAsync(process.execPath, ['--import', 'tsx', snippetPath(snippet)], {
        cwd: root,
        timeout: RUN_TIMEOUT_MS,
        env: { ...process.env, FORCE_COLOR: '0' },
      });
    } catch (error: any) {
      assert.unreachable(
        `${where} failed (code ${error.code}, signal ${error.signal}):\n${error.stdout}\n${error.stderr}`,
      );
    }
  });
}

snippets('the runnable snippets typecheck (strict, as the repository)', async () => {
  const tsconfig = {
    extends: join(root, 'tsconfig.json'),
    compilerOptions: {
      noEmit: true,
      rootDir: '/',
      noUnusedLocals: false,
      rewriteRelativeImportExtensions: false,
      typeRoots: [join(root, 'node_modules', '@types')],
    },
    include: ['*.mts'],
  };
  writeFileSync(join(workDir, 'tsconfig.json'), JSON.stringify(tsconfig));
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    await execFileAsync(process.execPath, [tsc, '-p', workDir], { cwd: root, timeout: 120_000 });
  } catch (error: any) {
    const text = String(error.stdout).replaceAll(workDir, '<snippets>');
    assert.unreachable(`tsc found errors in the guides' snippets:\n${text}${error.stderr}`);
  }
});

snippets.run();
