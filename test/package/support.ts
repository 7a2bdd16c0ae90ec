/**
 * Shared helpers of the package-quality tests (`test/package/*.spec.ts`): the repository root,
 * `package.json`, a child-process runner and {@link ensureBuilt}, which builds `dist/` once
 * (with a cross-process lock, because Vitest runs these files in parallel forks).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, watch } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of the repository root (the directory that holds `package.json`). */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url)).replace(/[\\/]$/, '');

/** Absolute path of the workspace package `@nestjs-vault-secrets/vault-test-server`. */
export const SERVER_DIR = join(ROOT, 'packages', 'vault-test-server');

/** The test server package's name, as users install and import it. */
export const SERVER_PACKAGE = '@nestjs-vault-secrets/vault-test-server';

/** Hook timeout for `beforeAll(ensureBuilt)`: four `tsc` runs (library and test server) take ~40 s, more on a busy machine. */
export const BUILD_TIMEOUT_MS = 180_000;

/** The build script (`npm run build`): tsc for the ESM build, then for the CommonJS build. */
const BUILD = join(ROOT, 'scripts', 'build.mjs');

/** The fields of `package.json` these tests read. */
export interface PackageJson {
  name: string;
  version: string;
  type?: string;
  main?: string;
  types?: string;
  exports?: Record<string, string | Record<'import' | 'require', Record<'types' | 'default', string>>>;
  bin?: string | Record<string, string>;
  files?: string[];
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

/** `package.json` of the library (or of the package in `dir`), read fresh (others may edit it while the suite runs). */
export function readPackageJson(dir = ROOT): PackageJson {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;
}

/** `bin` as a map, whatever form `package.json` uses. */
export function binEntries(pkg: PackageJson): Record<string, string> {
  if (pkg.bin === undefined) return {};
  return typeof pkg.bin === 'string' ? { [pkg.name]: pkg.bin } : pkg.bin;
}

/** Every file under `dir` (recursively), as absolute paths. */
export function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

/** The TypeScript sources `tsconfig.build.json` compiles: `lib/**\/*.ts` without specs. */
export function libSources(): string[] {
  return walk(join(ROOT, 'lib'))
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.spec.ts') && !file.endsWith('.d.ts'))
    .sort();
}

/** The TypeScript sources of the test server package: `packages/vault-test-server/src/**\/*.ts`. */
export function serverSources(): string[] {
  return walk(join(SERVER_DIR, 'src'))
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.spec.ts') && !file.endsWith('.d.ts'))
    .sort();
}

/** POSIX-style path relative to the repository root (`lib/cli/secrets-fallback.ts`). */
export function rel(file: string): string {
  return relative(ROOT, file).split(sep).join('/');
}

/**
 * Maps a `dist/` file to the `lib/` source it was compiled from (`dist/a/b.js`, `.d.ts` or
 * `.js.map` → `lib/a/b.ts`), or `undefined` for a file tsc does not emit.
 */
export function sourceOfDistFile(distPath: string): string | undefined {
  const match = /^dist\/(?:cjs\/)?(.+?)(\.d\.ts|\.js\.map|\.js)$/.exec(distPath);
  return match ? `lib/${match[1]}.ts` : undefined;
}

/** Sources the CommonJS build leaves out (the CLIs: their bins run the ESM build; they use `import.meta`). */
export const ESM_ONLY_SOURCES: readonly string[] = ['lib/cli/'];

/** Files the build writes besides tsc's output: `dist/cjs/package.json` (`"type": "commonjs"`). */
export const BUILD_EXTRA_FILES: readonly string[] = ['dist/cjs/package.json'];

/** Result of {@link run}: exit code and the whole output. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program without a shell; never rejects on a non-zero exit (the caller asserts). */
export function run(
  file: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { cwd: options.cwd ?? ROOT, env: options.env ?? process.env, timeout: options.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          reject(new Error(`${file} ${args.join(' ')} failed to run: ${error.message}\n${stderr}`, { cause: error }));
          return;
        }
        resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
      },
    );
  });
}

/** `npm` as a child process (`npm.cmd` on Windows). */
export function npm(args: readonly string[], options: { cwd?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  const env = { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };
  return run(process.platform === 'win32' ? 'npm.cmd' : 'npm', args, { ...options, env });
}

/**
 * Why `dist/` must be rebuilt, or `undefined` when it is up to date: `dist/index.js` missing or
 * older than the newest source or tsconfig, a source without output, or an output without source
 * (left over from a renamed or deleted file; it would be published).
 */
export function distStaleness(): string | undefined {
  const marker = join(ROOT, 'dist', 'index.js');
  if (!existsSync(marker)) return 'dist/index.js is missing';
  const builtAt = statSync(marker).mtimeMs;
  const inputs = [
    ...libSources(),
    join(ROOT, 'tsconfig.json'),
    join(ROOT, 'tsconfig.build.json'),
    join(ROOT, 'tsconfig.cjs.json'),
    join(ROOT, 'scripts', 'build.mjs'),
  ];
  const newer = inputs.filter((file) => statSync(file).mtimeMs > builtAt);
  if (newer.length > 0) return `${newer.length} input(s) newer than dist/index.js, e.g. ${rel(newer[0]!)}`;
  const sources = new Set(libSources().map(rel));
  const outputs = walk(join(ROOT, 'dist')).map(rel);
  const orphan = outputs.find((file) => {
    if (BUILD_EXTRA_FILES.includes(file)) return false;
    const source = sourceOfDistFile(file);
    return source === undefined || !sources.has(source);
  });
  if (orphan) return `${orphan} has no source in lib/`;
  const built = new Set(outputs.filter((file) => file.endsWith('.js')).map((file) => sourceOfDistFile(file)));
  const unbuilt = [...sources].find((source) => !built.has(source));
  if (unbuilt) return `${unbuilt} has no output in dist/`;
  const cjs = new Set(outputs.filter((file) => file.startsWith('dist/cjs/') && file.endsWith('.js')).map((file) => sourceOfDistFile(file)));
  const noCjs = [...sources].find((source) => !ESM_ONLY_SOURCES.some((prefix) => source.startsWith(prefix)) && !cjs.has(source));
  if (noCjs) return `${noCjs} has no output in dist/cjs/`;
  for (const extra of BUILD_EXTRA_FILES) if (!existsSync(join(ROOT, extra))) return `${extra} is missing`;
  return undefined;
}

/**
 * Why the test server package's `dist/` must be rebuilt, or `undefined`: its `dist/index.js` or
 * `dist/cjs/package.json` missing, or older than a source, a tsconfig or the build script.
 * (The library's tests import its sources; the packed-package tests use its build.)
 */
export function serverDistStaleness(): string | undefined {
  const marker = join(SERVER_DIR, 'dist', 'index.js');
  if (!existsSync(marker)) return 'packages/vault-test-server/dist/index.js is missing';
  if (!existsSync(join(SERVER_DIR, 'dist', 'cjs', 'package.json'))) return 'packages/vault-test-server/dist/cjs/package.json is missing';
  const builtAt = statSync(marker).mtimeMs;
  const inputs = [
    ...serverSources(),
    ...['tsconfig.json', 'tsconfig.build.json', 'tsconfig.cjs.json'].map((name) => join(SERVER_DIR, name)),
    join(ROOT, 'tsconfig.json'),
    BUILD,
  ];
  const newer = inputs.find((file) => statSync(file).mtimeMs > builtAt);
  return newer === undefined ? undefined : `${rel(newer)} is newer than packages/vault-test-server/dist/index.js`;
}

const LOCK_DIR = join(tmpdir(), `nestjs-vault-secrets-build-${createHash('sha256').update(ROOT).digest('hex').slice(0, 12)}.lock`);
const LOCK_STALE_MS = 150_000;

/**
 * Resolves when the build lock directory is removed (an `fs.watch` event on its parent), or after
 * `maxMs` milliseconds at the latest, so that the caller checks staleness and its deadline again.
 */
function lockReleased(maxMs: number): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      watcher.close();
      resolve();
    };
    const watcher = watch(dirname(LOCK_DIR), (_event, name) => {
      if (name === basename(LOCK_DIR) && !existsSync(LOCK_DIR)) done();
    });
    const timer = setTimeout(done, maxMs);
    if (!existsSync(LOCK_DIR)) done(); // released before the watch started
  });
}

async function withBuildLock<T>(action: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + BUILD_TIMEOUT_MS - 5_000;
  for (;;) {
    try {
      mkdirSync(LOCK_DIR);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const age = Date.now() - (statSync(LOCK_DIR, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > LOCK_STALE_MS) {
        rmSync(LOCK_DIR, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for the build lock ${LOCK_DIR}`, { cause: error });
      await lockReleased(5_000);
    }
  }
  try {
    return await action();
  } finally {
    rmSync(LOCK_DIR, { recursive: true, force: true });
  }
}

/** Deletes `dir/dist` and runs `scripts/build.mjs` in `dir`; on failure deletes the partial `dist/` and throws tsc's output. */
async function buildIn(dir: string, reason: string): Promise<void> {
  rmSync(join(dir, 'dist'), { recursive: true, force: true });
  const result = await run(process.execPath, [BUILD], { cwd: dir, timeoutMs: (BUILD_TIMEOUT_MS - 10_000) / 2 });
  if (result.code !== 0) {
    rmSync(join(dir, 'dist'), { recursive: true, force: true });
    throw new Error(
      `Building ${rel(join(dir, 'dist'))}/ (${reason}) failed: node scripts/build.mjs exited ${result.code}\n${result.stdout}${result.stderr}`,
    );
  }
}

/**
 * Makes sure `dist/` is a clean, current build of `lib/`, and `packages/vault-test-server/dist/` of
 * the test server package (the packed-package tests install it next to the library): when
 * {@link serverDistStaleness} or {@link distStaleness} says so, deletes that `dist/` and runs
 * `scripts/build.mjs` there (ESM then CommonJS, ~30 s for the library). Safe to call from several test
 * files (and several Vitest processes) at once: one builds, the others wait and then find it fresh.
 * @throws Error with tsc's output when a build fails (and deletes the partial `dist/`).
 */
export async function ensureBuilt(): Promise<void> {
  if (serverDistStaleness() === undefined && distStaleness() === undefined) return;
  await withBuildLock(async () => {
    const serverReason = serverDistStaleness();
    if (serverReason !== undefined) await buildIn(SERVER_DIR, serverReason);
    const reason = distStaleness();
    if (reason !== undefined) await buildIn(ROOT, reason);
  });
}

/** The code entries of `exports` (`.`, `./testing`, ...) with their built ESM and CommonJS files (absolute) and types (relative). */
export function codeEntries(): { subpath: string; import: ExportTarget; require: ExportTarget }[] {
  return Object.entries(readPackageJson().exports ?? {}).flatMap(([subpath, target]) =>
    typeof target === 'object' ? [{ subpath, import: target.import, require: target.require }] : [],
  );
}

/** One condition's target: `{ types, default }` (paths as written in package.json, `./dist/...`). */
export type ExportTarget = Record<'types' | 'default', string>;
