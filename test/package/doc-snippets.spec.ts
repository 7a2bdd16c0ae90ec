/**
 * Every TypeScript block of the documentation (README.md, CONTRIBUTING.md, docs/**) type-checks
 * against the library as published: `nestjs-vault-secrets` and its subpaths (`/manager`, `/testing`,
 * `/health`) resolve to the sources of the entries `package.json` exports, with the project's strict
 * compiler options. A snippet is a module of its own; a first line `// name.ts` names its file, so
 * another block of the same page may import it (`./name.js`). A fragment gets what it leaves out
 * (an injected service, the user's `AppModule`) from an HTML comment right above it:
 * `<!-- snippet-context declare const secrets: SecretsService; -->`, which readers do not see.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeBlocks, documentationFiles } from './markdown.js';
import { readPackageJson, rel, ROOT } from './support.js';

const TS_LANGS = new Set(['ts', 'typescript']);
const CHECK_TIMEOUT_MS = 180_000;

/** One TypeScript block, written as a file of its page's directory. */
interface Snippet {
  /** `docs/testing.md:42`: where a reader finds it. */
  where: string;
  /** The Markdown line of the block's first code line. */
  line: number;
  /** Lines of hidden context put before the code. */
  contextLines: number;
  file: string;
  text: string;
}

/** The snippets of one Markdown page, as files under `dir`. */
function snippetsOf(doc: string, markdown: string, dir: string): Snippet[] {
  const snippets = codeBlocks(markdown)
    .filter((block) => TS_LANGS.has(block.lang))
    .map((block) => {
      const name = /^\/\/ ([\w.-]+\.ts)\b/.exec(block.code)?.[1] ?? `snippet-L${block.line}.ts`;
      const context = block.context ? `${block.context}\n` : '';
      return {
        where: `${doc}:${block.line}`,
        line: block.line,
        contextLines: context ? context.split('\n').length - 1 : 0,
        file: join(dir, name),
        // `export {}` makes every block a module: its own scope, top-level await allowed.
        text: `${context}${block.code}\nexport {};\n`,
      };
    });
  const files = snippets.map((s) => s.file);
  const repeated = files.find((file, i) => files.indexOf(file) !== i);
  if (repeated) throw new Error(`${doc}: two snippets name their file ${rel(repeated)}`);
  return snippets;
}

/** `paths` that send `nestjs-vault-secrets[/subpath]` to the TypeScript source of each exported entry. */
function entryPaths(): Record<string, string[]> {
  const pkg = readPackageJson();
  const paths: Record<string, string[]> = {};
  for (const [subpath, target] of Object.entries(pkg.exports ?? {})) {
    if (typeof target !== 'object') continue;
    const source = target.import.types.replace(/^\.\/dist\//, 'lib/').replace(/\.d\.ts$/, '.ts');
    paths[subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`] = [join(ROOT, source)];
  }
  return paths;
}

/** The project's compiler options (tsconfig.json), for a type check of the snippets only. */
function compilerOptions(): ts.CompilerOptions {
  const configFile = join(ROOT, 'tsconfig.json');
  const { config, error } = ts.readConfigFile(configFile, ts.sys.readFile);
  if (error) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, '\n'));
  const parsed = ts.parseJsonConfigFileContent(config, ts.sys, ROOT, undefined, configFile);
  return {
    ...parsed.options,
    noEmit: true,
    declaration: false,
    sourceMap: false,
    incremental: false,
    // Snippets of test files use Jest/Vitest globals (`it`, `expect`, `beforeAll`).
    types: ['node', 'vitest/globals'],
    paths: entryPaths(),
  };
}

/** Type-checks the snippets in one program; one line per problem: `docs/x.md:12: message`. */
function typeCheck(snippets: readonly Snippet[]): string[] {
  for (const snippet of snippets) writeFileSync(snippet.file, snippet.text);
  const program = ts.createProgram(
    snippets.map((s) => s.file),
    compilerOptions(),
  );
  const byFile = new Map(snippets.map((s) => [s.file, s]));
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file !== undefined && byFile.has(d.file.fileName))
    .map((d) => {
      const snippet = byFile.get(d.file!.fileName)!;
      const { line } = d.file!.getLineAndCharacterOfPosition(d.start ?? 0);
      const where =
        line < snippet.contextLines
          ? `${snippet.where} (snippet-context)`
          : `${snippet.where.replace(/:\d+$/, '')}:${snippet.line + line - snippet.contextLines}`;
      return `${where}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
    });
}

/** A page made up for the test: a snippet that type-checks and one that cannot. */
const SELF_TEST_PAGE = [
  '# Self-test',
  '',
  '<!-- snippet-context',
  "import type { SecretsService } from 'nestjs-vault-secrets';",
  'declare const secrets: SecretsService;',
  '-->',
  '',
  '```ts',
  "const value: Record<string, unknown> = await secrets.fetchSecret('database');",
  '```',
  '',
  '```ts',
  "import { SecretsManager } from 'nestjs-vault-secrets/manager';",
  "const port: number = new SecretsManager({ address: 'http://127.0.0.1:8200' }).status().state;",
  '```',
  '',
].join('\n');

describe('documentation snippets', () => {
  let dir: string;
  let problems: string[];
  let checked: Snippet[];

  beforeAll(() => {
    mkdirSync(join(ROOT, 'node_modules', '.cache'), { recursive: true });
    dir = mkdtempSync(join(ROOT, 'node_modules', '.cache', 'doc-snippets-'));
    checked = documentationFiles().flatMap((file) => {
      const pageDir = join(dir, rel(file).replace(/\.md$/, '').replace(/\//g, '__'));
      mkdirSync(pageDir);
      return snippetsOf(rel(file), readFileSync(file, 'utf8'), pageDir);
    });
    const selfTestDir = join(dir, '__self-test');
    mkdirSync(selfTestDir);
    problems = typeCheck([...checked, ...snippetsOf('self-test.md', SELF_TEST_PAGE, selfTestDir)]);
  }, CHECK_TIMEOUT_MS);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('catches a snippet that does not type-check, at its Markdown line (the check can fail)', () => {
    const selfTest = problems.filter((p) => p.startsWith('self-test.md'));
    expect(selfTest).toHaveLength(1);
    expect(selfTest[0]).toMatch(/^self-test\.md:14: Type '.*' is not assignable to type 'number'/);
  });

  it('type-check against the published entries, every TypeScript block of README.md, CONTRIBUTING.md and docs/', () => {
    expect(problems.filter((p) => !p.startsWith('self-test.md'))).toEqual([]);
    const pages = new Set(checked.map((s) => s.where.replace(/:\d+$/, '')));
    expect(pages.has('README.md')).toBe(true);
    expect([...pages].filter((page) => page.startsWith('docs/')).length).toBeGreaterThanOrEqual(5);
  });
});
