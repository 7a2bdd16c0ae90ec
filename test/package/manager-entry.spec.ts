/**
 * `nestjs-vault-secrets/manager` is the framework-free entry: loading it must not load any
 * `@nestjs/*` package, in either published format. Walks the BUILT import graph (tsc drops
 * type-only imports, so `dist/` is what Node loads) from `dist/manager.js` and
 * `dist/cjs/manager.js`: static `import`/`export ... from`, `require()` and dynamic `import()`,
 * following relative files. A child process then loads each build and lists what Node loaded.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { BUILD_TIMEOUT_MS, ensureBuilt, readPackageJson, rel, ROOT, run } from './support.js';

/** These tests start Node twice; under a loaded machine (the whole suite on 2 cores) that took over 20 s. */
const SPAWN_TIMEOUT_MS = 60_000;

/** Every bare specifier the graph from `entry` reaches, with the dist files that use it. */
function bareImportsReachedFrom(entry: string): { files: Set<string>; bare: Map<string, string[]> } {
  const files = new Set<string>();
  const bare = new Map<string, string[]>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (files.has(file)) continue;
    expect(existsSync(file), `${rel(file)} is imported but does not exist`).toBe(true);
    files.add(file);
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
    const found = (specifier: string): void => {
      if (specifier.startsWith('.')) queue.push(resolve(dirname(file), specifier));
      else if (!specifier.startsWith('node:')) bare.set(specifier, [...(bare.get(specifier) ?? []), rel(file)]);
    };
    const visit = (node: ts.Node): void => {
      if (
        (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
        node.moduleSpecifier &&
        ts.isStringLiteral(node.moduleSpecifier)
      ) {
        found(node.moduleSpecifier.text);
      } else if (
        ts.isCallExpression(node) &&
        (node.expression.kind === ts.SyntaxKind.ImportKeyword ||
          (ts.isIdentifier(node.expression) && node.expression.text === 'require')) &&
        node.arguments[0] !== undefined &&
        ts.isStringLiteralLike(node.arguments[0])
      ) {
        found(node.arguments[0].text);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return { files, bare };
}

const nestImports = (bare: Map<string, string[]>): string[] =>
  [...bare]
    .filter(([specifier]) => specifier.startsWith('@nestjs/') || specifier === 'reflect-metadata')
    .map(([specifier, by]) => `${specifier} (from ${by.join(', ')})`);

beforeAll(ensureBuilt, BUILD_TIMEOUT_MS);

describe('nestjs-vault-secrets/manager loads no @nestjs/* package', () => {
  it.each([
    ['ESM', 'dist/manager.js'],
    ['CommonJS', 'dist/cjs/manager.js'],
  ])('%s build: the import graph from %s reaches no @nestjs/* module and no reflect-metadata', (_format, entry) => {
    const { files, bare } = bareImportsReachedFrom(join(ROOT, entry));
    // The walk really covers the manager and its core (guards against a walker that sees nothing).
    const reached = [...files].map(rel);
    expect(reached.some((file) => file.endsWith('/secrets-core.js'))).toBe(true);
    expect(reached.some((file) => file.endsWith('/token.manager.js'))).toBe(true);
    expect(bare.has('axios')).toBe(true);
    expect(nestImports(bare)).toEqual([]);
  });

  it('the same walk does find @nestjs/* from the root entry (the check can fail)', () => {
    for (const entry of ['dist/index.js', 'dist/cjs/index.js']) {
      expect(nestImports(bareImportsReachedFrom(join(ROOT, entry)).bare).length, entry).toBeGreaterThan(0);
    }
  });

  it(
    'at run time, neither build makes Node load a file of an @nestjs/* package',
    async () => {
      const cjs = await run(process.execPath, [
        '-e',
        `require(${JSON.stringify(join(ROOT, 'dist', 'cjs', 'manager.js'))});` +
          `console.log(JSON.stringify(Object.keys(require.cache).filter((f) => f.includes('@nestjs'))));` +
          `console.log(Object.keys(require.cache).filter((f) => /[\\\\/]secrets-core\\.js$/.test(f)).length);`,
      ]);
      expect(cjs.code, cjs.stderr).toBe(0);
      expect(cjs.stdout.trim().split('\n')).toEqual(['[]', '1']);

      // ESM: a resolve hook fails the import if anything asks for @nestjs/*.
      const hook = `data:text/javascript,export async function resolve(s, c, next) { if (s.startsWith('@nestjs/')) throw new Error('loaded ' + s + ' from ' + c.parentURL); return next(s, c); }`;
      const esm = await run(process.execPath, [
        '--input-type=module',
        '-e',
        `import { register } from 'node:module'; register(${JSON.stringify(hook)});` +
          `const m = await import(${JSON.stringify(join(ROOT, 'dist', 'manager.js'))}); console.log(typeof m.SecretsManager);` +
          `await import(${JSON.stringify(join(ROOT, 'dist', 'index.js'))}).then(() => console.log('root loaded'), (e) => console.log(e.message.split(' from ')[0]));`,
      ]);
      expect(esm.code, esm.stderr).toBe(0);
      // The manager loads; the root entry (which needs Nest) trips the same hook, so the hook works.
      expect(esm.stdout.trim().split('\n')).toEqual(['function', expect.stringMatching(/^loaded @nestjs\//)]);
    },
    SPAWN_TIMEOUT_MS,
  );

  // Failed before: options/vault-config.js imported reflect-metadata (class-transformer's @Type needs it).
  it(
    'without reflect-metadata installed, both builds load, validate nested options and refuse bad ones',
    async () => {
      const script = (load: string): string =>
        `${load}` +
        `const options = { address: 'http://127.0.0.1:9', token: 't', secretsPath: 'secret/app', watch: { enabled: false }, cache: { ttlMs: 1000 } };` +
        `const manager = new m.SecretsManager(options);` +
        `let refused = ''; try { new m.SecretsManager({ ...options, cache: { ttlMs: -5 } }); } catch (e) { refused = e.code + ' ' + e.message; }` +
        `console.log(typeof Reflect.getMetadata, manager.constructor.name, refused.startsWith('SECRETS_INVALID_OPTIONS') && refused.includes('cache.ttlMs'));` +
        `void manager.close();`;
      const block = `data:text/javascript,export async function resolve(s, c, next) { if (s === 'reflect-metadata') throw new Error('loaded reflect-metadata from ' + c.parentURL); return next(s, c); }`;
      const esm = await run(process.execPath, [
        '--input-type=module',
        '-e',
        script(
          `import { register } from 'node:module'; register(${JSON.stringify(block)}); const m = await import(${JSON.stringify(join(ROOT, 'dist', 'manager.js'))});`,
        ),
      ]);
      expect(esm.code, esm.stderr).toBe(0);
      expect(esm.stdout.trim()).toBe('undefined SecretsManager true');
      const cjs = await run(process.execPath, [
        '-e',
        `const Module = require('node:module'); const original = Module._resolveFilename;` +
          `Module._resolveFilename = function (request, ...rest) { if (request === 'reflect-metadata') throw new Error('loaded reflect-metadata'); return original.call(this, request, ...rest); };` +
          script(`const m = require(${JSON.stringify(join(ROOT, 'dist', 'cjs', 'manager.js'))});`),
      ]);
      expect(cjs.code, cjs.stderr).toBe(0);
      expect(cjs.stdout.trim()).toBe('undefined SecretsManager true');
    },
    SPAWN_TIMEOUT_MS,
  );

  // Failed before: @nestjs/common and @nestjs/core were required peers, so npm installed NestJS for manager users.
  it('NestJS and reflect-metadata are optional peers, so installing the package for the manager does not install them', () => {
    const pkg = readPackageJson();
    for (const name of ['@nestjs/common', '@nestjs/core', 'reflect-metadata', 'rxjs']) {
      expect(pkg.peerDependencies?.[name], name).toBeDefined();
      expect(pkg.peerDependenciesMeta?.[name]?.optional, name).toBe(true);
    }
  });
});
