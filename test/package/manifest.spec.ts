/**
 * `package.json` against the code: every package `lib/` imports is declared (as a dependency or a
 * peer, optional when only the testing entry loads it lazily), the main entry loads no optional
 * peer, every `exports` entry has `types` and `default` that exist after a build, and every `bin`
 * is a built file with a node shebang. The same declarations for the test server package
 * (`packages/vault-test-server`: what its `src/` imports, lazily loaded packages as optional peers).
 */
import { existsSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BUILD_TIMEOUT_MS,
  binEntries,
  codeEntries,
  ensureBuilt,
  libSources,
  readPackageJson,
  rel,
  ROOT,
  SERVER_DIR,
  serverSources,
  walk,
} from './support.js';

/** The peers every Nest app has; optional for the manager entry's sake. */
const NEST_FRAMEWORK_PEERS = ['@nestjs/common', '@nestjs/core', 'reflect-metadata', 'rxjs'];

/** How a file refers to a package. */
type ImportKind = 'static' | 'dynamic' | 'type';

interface ImportSite {
  /** Package name (`axios`, `@nestjs/common`). */
  pkg: string;
  /** The specifier as written (`@nestjs/common`, `lodash/fp`). */
  specifier: string;
  kind: ImportKind;
  /** `lib/...:line`. */
  at: string;
}

/** `@scope/name/sub` → `@scope/name`, `name/sub` → `name`; `undefined` for relative, absolute, URL and builtin specifiers. */
function packageName(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('#') || /^[a-z][a-z0-9+.-]*:/i.test(specifier)) {
    return undefined; // relative, absolute, subpath import, or a URL scheme such as node:, data:, file:
  }
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
  return isBuiltin(name) ? undefined : name;
}

/**
 * Every bare import of a file, found with the TypeScript parser (so commented-out code and strings
 * never count): `import ... from`, `import 'x'`, `export ... from`, `import x = require()`,
 * `import('x')` and `typeof import('x')` in types. `import type` and type positions count as `type`.
 */
function importsOf(file: string): ImportSite[] {
  const text = readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const sites: ImportSite[] = [];
  const add = (specifierNode: ts.Node | undefined, kind: ImportKind): void => {
    if (!specifierNode || !ts.isStringLiteralLike(specifierNode)) return;
    const pkg = packageName(specifierNode.text);
    if (pkg === undefined) return;
    const line = source.getLineAndCharacterOfPosition(specifierNode.getStart(source)).line + 1;
    sites.push({ pkg, specifier: specifierNode.text, kind, at: `${rel(file)}:${line}` });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      const typeOnly =
        clause !== undefined &&
        (clause.isTypeOnly ||
          (!clause.name &&
            clause.namedBindings !== undefined &&
            ts.isNamedImports(clause.namedBindings) &&
            clause.namedBindings.elements.length > 0 &&
            clause.namedBindings.elements.every((element) => element.isTypeOnly)));
      add(node.moduleSpecifier, typeOnly ? 'type' : 'static');
    } else if (ts.isExportDeclaration(node)) {
      add(node.moduleSpecifier, node.isTypeOnly ? 'type' : 'static');
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node.moduleReference.expression, node.isTypeOnly ? 'type' : 'static');
    } else if (ts.isImportTypeNode(node)) {
      if (ts.isLiteralTypeNode(node.argument)) add(node.argument.literal, 'type');
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      add(node.arguments[0], 'dynamic');
    } else if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'require') {
      add(node.arguments[0], 'static');
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return sites;
}

/** Whether a `lib/` location belongs to the `nestjs-vault-secrets/testing` entry. */
const inTesting = (at: string): boolean => at.startsWith('lib/testing/');

function describeSites(sites: readonly ImportSite[]): string {
  const shown = sites.slice(0, 3).map((site) => `${site.kind} import at ${site.at}`);
  return sites.length > 3 ? `${shown.join(', ')} (+${sites.length - 3} more)` : shown.join(', ');
}

const sitesByPackage = new Map<string, ImportSite[]>();
for (const file of libSources()) {
  for (const site of importsOf(file)) sitesByPackage.set(site.pkg, [...(sitesByPackage.get(site.pkg) ?? []), site]);
}

describe('package.json declares what lib/ imports', () => {
  it('finds the imports (sanity check of the parser)', () => {
    expect([...sitesByPackage.keys()]).toEqual(expect.arrayContaining(['@nestjs/common', 'axios', 'ws']));
    expect(sitesByPackage.get('@nestjs/config')?.some((site) => site.kind === 'dynamic')).toBe(true);
    expect(packageName('@nestjs/common/decorators')).toBe('@nestjs/common');
    expect(packageName('lodash/fp')).toBe('lodash');
    expect(packageName('node:fs/promises')).toBeUndefined();
    expect(packageName('fs')).toBeUndefined();
    expect(packageName('./x.js')).toBeUndefined();
  });

  it('every imported package is in dependencies or peerDependencies', () => {
    const pkg = readPackageJson();
    const declared = { ...pkg.peerDependencies, ...pkg.dependencies };
    const problems = [...sitesByPackage]
      .filter(([name]) => declared[name] === undefined)
      .map(([name, sites]) => {
        const where = pkg.devDependencies?.[name] !== undefined ? 'only in devDependencies' : 'not declared at all';
        return `${name} (${where}): ${describeSites(sites)}`;
      });
    expect(problems, `lib/ imports packages a user would not get:\n  ${problems.join('\n  ')}`).toEqual([]);
  });

  it('packages only the testing entry loads lazily are optional peers (so users do not have to install them)', () => {
    const pkg = readPackageJson();
    const peers = pkg.peerDependencies ?? {};
    const meta = pkg.peerDependenciesMeta ?? {};
    // Required peers of our required peers are installed anyway (npm 7+ installs peers), so being a
    // required peer is fine for them (reflect-metadata: @nestjs/common and @nestjs/core need it).
    const requiredTransitively = new Set<string>();
    for (const peer of Object.keys(peers).filter((name) => meta[name]?.optional !== true)) {
      const manifest = join(ROOT, 'node_modules', peer, 'package.json');
      if (!existsSync(manifest)) continue;
      const peerPkg = JSON.parse(readFileSync(manifest, 'utf8')) as {
        peerDependencies?: object;
        peerDependenciesMeta?: Record<string, { optional?: boolean }>;
      };
      for (const name of Object.keys(peerPkg.peerDependencies ?? {})) {
        if (peerPkg.peerDependenciesMeta?.[name]?.optional !== true) requiredTransitively.add(name);
      }
    }
    const lazyTestingOnly = [...sitesByPackage]
      .filter(([, sites]) => sites.every((site) => inTesting(site.at) && site.kind !== 'static'))
      .filter(([name]) => pkg.dependencies?.[name] === undefined);
    const wanted: Record<string, string> = {};
    const problems: string[] = [];
    for (const [name, sites] of lazyTestingOnly) {
      const optional = meta[name]?.optional === true;
      if (peers[name] !== undefined && (optional || requiredTransitively.has(name))) continue;
      const range = peers[name] ?? pkg.devDependencies?.[name] ?? '*';
      wanted[name] = range;
      problems.push(`${name}: ${peers[name] === undefined ? 'not a peer' : 'a required peer'} (${describeSites(sites)})`);
    }
    const fix = {
      peerDependencies: wanted,
      peerDependenciesMeta: Object.fromEntries(Object.keys(wanted).map((name) => [name, { optional: true }])),
    };
    expect(
      problems,
      `Packages that only nestjs-vault-secrets/testing loads lazily must be optional peers:\n  ${problems.join('\n  ')}\n` +
        `Add to package.json (keep the devDependencies entries):\n${JSON.stringify(fix, null, 2)}`,
    ).toEqual([]);
  });

  it('every dependency is used by lib/ (devDependencies are for the rest)', () => {
    const pkg = readPackageJson();
    const unused = Object.keys(pkg.dependencies ?? {}).filter((name) => !sitesByPackage.has(name));
    expect(unused, `dependencies that lib/ never imports (move them to devDependencies or remove them): ${unused.join(', ')}`).toEqual([]);
  });
});

describe('the test server package declares what its src/ imports', () => {
  const serverSites = new Map<string, ImportSite[]>();
  for (const file of serverSources()) {
    for (const site of importsOf(file)) serverSites.set(site.pkg, [...(serverSites.get(site.pkg) ?? []), site]);
  }

  it('imports nothing from the library', () => {
    expect(serverSites.get('nestjs-vault-secrets') ?? []).toEqual([]);
    const relative = serverSources().flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/from '((?:\.\.\/)+[^']*)'/g)]
        .map((match) => match[1]!)
        .filter((specifier) => !resolve(dirname(file), specifier).startsWith(join(SERVER_DIR, 'src')))
        .map((specifier) => `${rel(file)}: ${specifier}`),
    );
    expect(relative).toEqual([]);
  });

  it('every imported package is in dependencies or peerDependencies; packages it only loads lazily are optional peers', () => {
    const pkg = readPackageJson(SERVER_DIR);
    expect([...serverSites.keys()]).toEqual(expect.arrayContaining(['ws', 'pg', '@peculiar/x509']));
    const meta = pkg.peerDependenciesMeta ?? {};
    const problems = [...serverSites].flatMap(([name, sites]) => {
      if (pkg.dependencies?.[name] !== undefined) return [];
      if (pkg.peerDependencies?.[name] === undefined) return [`${name} (not declared): ${describeSites(sites)}`];
      const lazy = sites.every((site) => site.kind !== 'static');
      return lazy && meta[name]?.optional !== true ? [`${name} (loaded lazily, but a required peer): ${describeSites(sites)}`] : [];
    });
    expect(problems, problems.join('\n')).toEqual([]);
    const unused = Object.keys(pkg.dependencies ?? {}).filter((name) => !serverSites.has(name));
    expect(unused, `dependencies that src/ never imports: ${unused.join(', ')}`).toEqual([]);
  });
});

/**
 * The packages an entry point loads when it is imported: static imports of the **built** JS (tsc
 * drops imports only used as types, so `dist/` is the truth), followed through relative imports.
 * @returns package name → the dist files that import it.
 */
function packagesLoadedBy(entryFile: string): Map<string, string[]> {
  const loaded = new Map<string, string[]>();
  const seen = new Set<string>();
  const queue = [entryFile];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file) || !existsSync(file)) continue;
    seen.add(file);
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false, ts.ScriptKind.JS);
    for (const statement of source.statements) {
      const specifier =
        (ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) &&
        statement.moduleSpecifier &&
        ts.isStringLiteral(statement.moduleSpecifier)
          ? statement.moduleSpecifier.text
          : undefined;
      if (specifier === undefined) continue;
      if (specifier.startsWith('.')) queue.push(resolve(dirname(file), specifier));
      const pkg = packageName(specifier);
      if (pkg !== undefined) loaded.set(pkg, [...(loaded.get(pkg) ?? []), rel(file)]);
    }
  }
  return loaded;
}

describe('package.json entry points', () => {
  beforeAll(ensureBuilt, BUILD_TIMEOUT_MS);

  it('every code entry has an import and a require condition, each with types (first) and default that exist after a build', () => {
    const pkg = readPackageJson();
    expect(pkg.type).toBe('module');
    expect(pkg.exports, 'package.json has no exports map').toBeDefined();
    const problems: string[] = [];
    for (const [subpath, target] of Object.entries(pkg.exports ?? {})) {
      if (typeof target === 'string') {
        // A plain string is fine for non-code files such as ./package.json; code needs conditions.
        if (!target.endsWith('.json')) problems.push(`${subpath}: "${target}" is a string; code entries need { import, require }`);
        else if (!existsSync(join(ROOT, target))) problems.push(`${subpath}: ${target} does not exist`);
        continue;
      }
      const outer = Object.keys(target);
      if (outer.join(',') !== 'import,require')
        problems.push(`${subpath}: conditions must be exactly import, require; got ${outer.join(', ')}`);
      for (const [condition, expectedDir] of [
        ['import', './dist/'],
        ['require', './dist/cjs/'],
      ] as const) {
        const inner = target[condition];
        if (inner === undefined) continue;
        const keys = Object.keys(inner);
        if (keys.join(',') !== 'types,default')
          problems.push(`${subpath}.${condition}: must be { types, default } in that order, got ${keys.join(', ')}`);
        for (const key of ['types', 'default'] as const) {
          const file = inner[key];
          if (file === undefined) continue;
          if (!file.startsWith(expectedDir)) problems.push(`${subpath}.${condition}.${key}: ${file} is not under ${expectedDir}`);
          if (condition === 'import' && file.startsWith('./dist/cjs/'))
            problems.push(`${subpath}.import.${key}: ${file} is the CommonJS build`);
          if (!existsSync(join(ROOT, file))) problems.push(`${subpath}.${condition}.${key}: ${file} does not exist after a build`);
        }
        if (inner.types !== inner.default.replace(/\.js$/, '.d.ts')) {
          problems.push(`${subpath}.${condition}: types ${inner.types} is not the declaration file of ${inner.default}`);
        }
      }
    }
    expect(problems, problems.join('\n')).toEqual([]);
  });

  it('dist/cjs/ is marked CommonJS, so Node and TypeScript read its .js and .d.ts as CommonJS', () => {
    expect(JSON.parse(readFileSync(join(ROOT, 'dist', 'cjs', 'package.json'), 'utf8'))).toEqual({ type: 'commonjs' });
  });

  it('main and types (for resolvers without exports) point at the CommonJS build of exports["."]', () => {
    const pkg = readPackageJson();
    const root = pkg.exports?.['.'];
    expect(typeof root).toBe('object');
    const conditions = root as Exclude<typeof root, string | undefined>;
    expect(pkg.main).toBe(conditions.require.default);
    expect(pkg.types).toBe(conditions.require.types);
  });

  it('every bin is a built file under dist/ that starts with #!/usr/bin/env node', () => {
    const bins = binEntries(readPackageJson());
    expect(Object.keys(bins).length).toBeGreaterThan(0);
    const problems: string[] = [];
    for (const [name, file] of Object.entries(bins)) {
      const path = join(ROOT, file);
      if (!file.replace(/^\.\//, '').startsWith('dist/')) problems.push(`${name}: ${file} is not under dist/ (only dist/ is published)`);
      if (!existsSync(path)) {
        problems.push(`${name}: ${file} does not exist after a build`);
        continue;
      }
      const firstLine = readFileSync(path, 'utf8').split('\n', 1)[0];
      if (firstLine !== '#!/usr/bin/env node')
        problems.push(`${name}: ${file} starts with ${JSON.stringify(firstLine)}, not #!/usr/bin/env node`);
    }
    expect(problems, problems.join('\n')).toEqual([]);
  });

  it('the main entry loads no optional peer but NestJS itself (a plain Nest app without them must import fine)', () => {
    const pkg = readPackageJson();
    // NestJS and what it needs are optional only so that `nestjs-vault-secrets/manager` users do not install
    // them (manager-entry.spec.ts); every app importing the main entry is a Nest app and has them.
    const optional = new Set(
      Object.keys(pkg.peerDependenciesMeta ?? {}).filter(
        (name) => pkg.peerDependenciesMeta?.[name]?.optional === true && !NEST_FRAMEWORK_PEERS.includes(name),
      ),
    );
    const entries = codeEntries().map(({ subpath, import: esm }) => [subpath, join(ROOT, esm.default)] as const);
    const main = entries.find(([subpath]) => subpath === '.');
    expect(main, 'exports has no "." entry').toBeDefined();
    const problems = [...packagesLoadedBy(main![1])]
      .filter(([name]) => optional.has(name))
      .map(([name, files]) => `${name}: imported statically by ${files.join(', ')}`);
    // Subpath entries (./testing, ./health, ...) are opt-in: they may load an optional peer that
    // their users install on purpose, as long as it is declared (checked above).
    expect(
      problems,
      `import 'nestjs-vault-secrets' would fail without these optional peers (use a subpath entry or await import()):\n  ${problems.join('\n  ')}`,
    ).toEqual([]);
    for (const [subpath, file] of entries) {
      const undeclared = [...packagesLoadedBy(file).keys()].filter(
        (name) => pkg.dependencies?.[name] === undefined && pkg.peerDependencies?.[name] === undefined,
      );
      expect(undeclared, `exports["${subpath}"] loads undeclared packages`).toEqual([]);
    }
  });

  it('the published .d.ts files only reference declared packages', () => {
    const pkg = readPackageJson();
    const declared = { ...pkg.peerDependencies, ...pkg.dependencies };
    const problems: string[] = [];
    for (const file of walk(join(ROOT, 'dist')).filter((path) => path.endsWith('.d.ts'))) {
      for (const site of importsOf(file)) {
        if (declared[site.pkg] === undefined) problems.push(`${site.pkg}: ${site.kind} reference at ${site.at}`);
      }
    }
    expect(problems, `Consumers' type checking would need undeclared packages:\n  ${problems.join('\n  ')}`).toEqual([]);
  });
});
