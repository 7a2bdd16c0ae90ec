/**
 * What `npm pack` would publish: only the build (`dist/**`), `README.md`, `LICENSE` and
 * `package.json`. Sources, tests, the sample app, CI files and leftovers stay out.
 *
 * Source maps: allowed only when they are usable from the tarball, i.e. every source they name is
 * either inside the package or inlined (`sourcesContent`). A map that points at `../lib/*.ts`,
 * which is not published, only adds weight and sends debuggers to files that do not exist.
 */
import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BUILD_EXTRA_FILES,
  BUILD_TIMEOUT_MS,
  binEntries,
  ensureBuilt,
  ESM_ONLY_SOURCES,
  libSources,
  npm,
  readPackageJson,
  rel,
  ROOT,
  sourceOfDistFile,
} from './support.js';

interface PackedFile {
  path: string;
  size: number;
  mode: number;
}

interface PackResult {
  name: string;
  version: string;
  size: number;
  unpackedSize: number;
  entryCount: number;
  files: PackedFile[];
}

/** Top-level files npm adds on its own or that `files` lists, besides `dist/`. */
const TOP_LEVEL = new Set(['package.json', 'README.md', 'LICENSE']);
/** What tsc emits into `dist/`. */
const DIST_FILE = /^dist\/.+(\.js|\.d\.ts|\.js\.map)$/;
/** Directories that must never be published (listed to make a failure obvious). */
const FORBIDDEN = [
  'lib/',
  'packages/',
  'test/',
  'sample-app/',
  '.ci/',
  'bench/',
  'node_modules/',
  '.sample-dist/',
  '.tsc-out/',
  'coverage/',
  '.git/',
];

let packed: PackResult;
let paths: string[];

beforeAll(async () => {
  await ensureBuilt();
  const result = await npm(['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT });
  expect(result.code, `npm pack --dry-run failed:\n${result.stderr}`).toBe(0);
  // npm prints notices on stderr; stdout is the JSON array (one entry per packed package).
  const start = result.stdout.indexOf('[');
  const parsed = JSON.parse(result.stdout.slice(start)) as PackResult[];
  expect(parsed).toHaveLength(1);
  packed = parsed[0]!;
  paths = packed.files.map((file) => file.path).sort();
}, BUILD_TIMEOUT_MS);

describe('npm pack', () => {
  it('packs this package', () => {
    const pkg = readPackageJson();
    expect(packed.name).toBe(pkg.name);
    expect(packed.version).toBe(pkg.version);
    expect(packed.entryCount).toBe(paths.length);
  });

  it('holds only dist/**, README.md, LICENSE and package.json', () => {
    const unexpected = paths.filter((path) => !TOP_LEVEL.has(path) && !DIST_FILE.test(path) && !BUILD_EXTRA_FILES.includes(path));
    const forbidden = paths.filter((path) => FORBIDDEN.some((dir) => path.startsWith(dir)));
    expect(forbidden, `source or development files would be published:\n  ${forbidden.join('\n  ')}`).toEqual([]);
    expect(unexpected, `files other than the build and README/LICENSE/package.json:\n  ${unexpected.join('\n  ')}`).toEqual([]);
    for (const required of TOP_LEVEL) expect(paths, `${required} is missing from the package`).toContain(required);
  });

  it('publishes no tests, specs or fixtures inside dist/', () => {
    const testFiles = paths.filter((path) => /(\.spec|\.test)\.(js|d\.ts|js\.map)$|\/(__tests__|fixtures)\//.test(path));
    expect(testFiles, testFiles.join('\n')).toEqual([]);
  });

  it('publishes exactly the current build: one .js and one .d.ts per lib/ source in each format, nothing left over', () => {
    const sources = new Set(libSources().map(rel));
    const leftovers = paths.filter(
      (path) => path.startsWith('dist/') && !BUILD_EXTRA_FILES.includes(path) && !sources.has(sourceOfDistFile(path) ?? ''),
    );
    expect(leftovers, `dist/ files without a lib/ source (rebuild from a clean dist/):\n  ${leftovers.join('\n  ')}`).toEqual([]);
    const missing = [...sources].flatMap((source) => {
      const base = source.replace(/^lib\//, 'dist/').replace(/\.ts$/, '');
      const cjs = source.replace(/^lib\//, 'dist/cjs/').replace(/\.ts$/, '');
      const esmOnly = ESM_ONLY_SOURCES.some((prefix) => source.startsWith(prefix));
      return [`${base}.js`, `${base}.d.ts`, ...(esmOnly ? [] : [`${cjs}.js`, `${cjs}.d.ts`])].filter((file) => !paths.includes(file));
    });
    expect(missing, `lib/ sources without published output:\n  ${missing.join('\n  ')}`).toEqual([]);
  });

  it('includes every exports target, main, types and bin', () => {
    const pkg = readPackageJson();
    const targets = [
      ...Object.values(pkg.exports ?? {}).flatMap((target) =>
        typeof target === 'string' ? [target] : Object.values(target).flatMap((t) => (typeof t === 'string' ? [t] : Object.values(t))),
      ),
      ...(pkg.main ? [pkg.main] : []),
      ...(pkg.types ? [pkg.types] : []),
      ...Object.values(binEntries(pkg)),
    ].map((target) => posix.normalize(target));
    const missing = [...new Set(targets)].filter((target) => !paths.includes(target));
    expect(missing, `entry points missing from the package: ${missing.join(', ')}`).toEqual([]);
  });

  it('ships source maps only if they are usable without the repository (sources inlined or published)', () => {
    const maps = paths.filter((path) => path.endsWith('.map'));
    const broken: string[] = [];
    for (const map of maps) {
      const parsed = JSON.parse(readFileSync(join(ROOT, map), 'utf8')) as { sources?: string[]; sourcesContent?: (string | null)[] };
      const sources = parsed.sources ?? [];
      const dangling = sources.filter((source, index) => {
        if (typeof parsed.sourcesContent?.[index] === 'string') return false;
        return !paths.includes(posix.normalize(posix.join(posix.dirname(map), source)));
      });
      if (dangling.length > 0) broken.push(`${map} -> ${dangling.join(', ')}`);
    }
    const weight = packed.files.filter((file) => file.path.endsWith('.map')).reduce((sum, file) => sum + file.size, 0);
    expect(
      broken.length,
      `${broken.length} of ${maps.length} source maps (${Math.round(weight / 1024)} KiB of ${Math.round(packed.unpackedSize / 1024)} KiB unpacked) ` +
        `name sources that are not in the package, e.g.\n  ${broken.slice(0, 3).join('\n  ')}\n` +
        `Either inline the sources ("inlineSources": true in tsconfig.build.json) or leave the maps out ` +
        `("files": ["dist", "!dist/**/*.map", ...] in package.json, or "sourceMap": false in tsconfig.build.json).`,
    ).toBe(0);
  });
});
