/**
 * The built package as a user gets it: `npm pack` → extracted into a throw-away project's
 * `node_modules/nestjs-vault-secrets`, next to links to its dependencies, required peers and NestJS only
 * (no devDependencies, no optional peers, no hoisted leftovers), and to the built test server
 * package (`@nestjs-vault-secrets/vault-test-server`, which users add as a devDependency). A child Node process then imports
 * it by name, from ESM (the `import` build) and from CommonJS (the `require` build, `dist/cjs/`).
 * A third project without any `@nestjs/*` package uses `nestjs-vault-secrets/manager`. A second
 * project that also has the optional peers imports and requires every `exports` subpath, loads
 * both builds at once (the dual-package guard), and TypeScript type-checks an ESM and a CommonJS
 * consumer there against the published `.d.ts` files of each condition.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, sep } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILD_TIMEOUT_MS, ensureBuilt, npm, readPackageJson, ROOT, run, SERVER_DIR, SERVER_PACKAGE, type RunResult } from './support.js';

/** Scratch directory: the tarball and the consumer projects. */
let scratch: string;
/** A project with the dependencies and the **required** peers only (what `npm install` gives). */
let project: string;
/** The same plus every optional peer this repository has installed. */
let fullProject: string;
/** Dependencies only: no `@nestjs/*` package and no `reflect-metadata` (the `./manager` entry's users). */
let nestFreeProject: string;

/** A child `node` in a consumer project, with a clean environment (no VAULT_*, no NODE_OPTIONS from the runner). */
function node(args: readonly string[], cwd = project): Promise<RunResult> {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: cwd, TMPDIR: tmpdir(), NO_COLOR: '1' };
  return run(process.execPath, args, { cwd, env, timeoutMs: 60_000 });
}

/** The `RESULT {...}` line a child script prints (its other output is logs or warnings). */
function resultOf(output: RunResult): Record<string, unknown> {
  const line = output.stdout.split('\n').find((text) => text.startsWith('RESULT '));
  expect(line, `no RESULT line (exit ${output.code})\nstdout:\n${output.stdout}\nstderr:\n${output.stderr}`).toBeDefined();
  return JSON.parse(line!.slice('RESULT '.length)) as Record<string, unknown>;
}

/**
 * A throw-away project: `node_modules/nestjs-vault-secrets` extracted from the tarball, and links to
 * this repository's copies of the packages a user would have installed next to it.
 */
async function consumerProject(name: string, tarball: string, packages: readonly string[]): Promise<string> {
  const dir = join(scratch, name);
  const installed = join(dir, 'node_modules', 'nestjs-vault-secrets');
  mkdirSync(installed, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `consumer-${name}`, private: true, type: 'module' }, null, 2));
  const untar = await run('tar', ['-xzf', tarball, '-C', installed, '--strip-components=1']);
  expect(untar.code, `tar failed:\n${untar.stderr}`).toBe(0);
  for (const pkgName of new Set(packages)) {
    const target = join(ROOT, 'node_modules', ...pkgName.split('/'));
    if (!existsSync(target)) continue;
    const link = join(dir, 'node_modules', ...pkgName.split('/'));
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(target, link, process.platform === 'win32' ? 'junction' : 'dir');
  }
  return dir;
}

beforeAll(async () => {
  await ensureBuilt();
  scratch = mkdtempSync(join(tmpdir(), 'nvs-consumer-'));
  const packed = await npm(['pack', '--json', '--ignore-scripts', '--pack-destination', scratch], { cwd: ROOT });
  expect(packed.code, `npm pack failed:\n${packed.stderr}`).toBe(0);
  const [{ filename }] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as [{ filename: string }];
  const tarball = join(scratch, filename);

  const pkg = readPackageJson();
  const peers = Object.keys(pkg.peerDependencies ?? {});
  const requiredPeers = peers.filter((name) => pkg.peerDependenciesMeta?.[name]?.optional !== true);
  const dependencies = Object.keys(pkg.dependencies ?? {});
  // NestJS itself is an optional peer (for the manager's users), but every Nest app has it.
  const nestApp = ['@nestjs/common', '@nestjs/core', 'reflect-metadata', 'rxjs'];
  // Every project also has the test server package (its build, linked from the workspace).
  project = await consumerProject('plain', tarball, [...dependencies, ...requiredPeers, ...nestApp, SERVER_PACKAGE]);
  nestFreeProject = await consumerProject('nest-free', tarball, [...dependencies, SERVER_PACKAGE]);
  // @types/node: what a TypeScript user has anyway (for the type check).
  fullProject = await consumerProject('full', tarball, [...dependencies, ...peers, '@types/node', SERVER_PACKAGE]);
}, BUILD_TIMEOUT_MS);

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const ESM_SCRIPT = `
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { SecretsModule, SecretsService, SecretsManager, OnSecretRotated } from 'nestjs-vault-secrets';
import { SecretsTestingModule } from 'nestjs-vault-secrets/testing';
import { VaultTestServer } from '${SERVER_PACKAGE}';

const quiet = { log() {}, error() {}, warn() {}, debug() {}, verbose() {} };
const result = {
  exports: {
    SecretsModule: typeof SecretsModule,
    SecretsService: typeof SecretsService,
    SecretsManager: typeof SecretsManager,
    OnSecretRotated: typeof OnSecretRotated,
    VaultTestServer: typeof VaultTestServer,
    SecretsTestingModule: typeof SecretsTestingModule,
  },
};
const server = await VaultTestServer.start();
try {
  await server.admin.kvPut('secret', 'consumer/database', { username: 'app', password: 'pw-1' });
  const config = { address: server.address, token: server.rootToken, secretsPath: 'secret/data/consumer' };

  const manager = await new SecretsManager(config, { logger: quiet, env: {} }).start();
  try {
    const secret = await manager.fetchSecret('database');
    const withMetadata = await manager.fetchSecretWithMetadata('database');
    result.manager = { secret, frozen: Object.isFrozen(secret), version: withMetadata.version };
  } finally {
    await manager.stop();
  }

  const app = await NestFactory.createApplicationContext(SecretsModule.forRoot(config), { logger: false });
  try {
    result.module = await app.get(SecretsService).fetchSecret('database');
  } finally {
    await app.close();
  }

  const testing = await NestFactory.createApplicationContext(
    SecretsTestingModule.forRoot({ secrets: { database: { password: 'in-memory' } } }),
    { logger: false },
  );
  try {
    result.testingModule = await testing.get(SecretsService).fetchSecret('database');
  } finally {
    await testing.close();
  }
} finally {
  await server.stop();
}
process.stdout.write('RESULT ' + JSON.stringify(result) + '\\n');
`;

const CJS_SCRIPT = `
require('reflect-metadata');
const main = require('nestjs-vault-secrets');
const testing = require('nestjs-vault-secrets/testing');
const { VaultTestServer } = require('${SERVER_PACKAGE}');

(async () => {
  const server = await VaultTestServer.start();
  try {
    await server.admin.kvPut('secret', 'cjs/app', { answer: '42' });
    const quiet = { log() {}, error() {}, warn() {} };
    const builds = [require.resolve('nestjs-vault-secrets'), require.resolve('nestjs-vault-secrets/testing'), require.resolve('${SERVER_PACKAGE}')];
    const manager = await new main.SecretsManager(
      { address: server.address, token: server.rootToken, secretsPath: 'secret/data/cjs' },
      { logger: quiet, env: {} },
    ).start();
    try {
      const secret = await manager.fetchSecret('app');
      process.stdout.write('RESULT ' + JSON.stringify({
        SecretsModule: typeof main.SecretsModule,
        OnSecretRotated: typeof main.OnSecretRotated,
        SecretsTestingModule: typeof testing.SecretsTestingModule,
        cjsBuild: builds.every((file) => file.includes('/dist/cjs/')),
        esModules: Object.keys(require.cache).filter((file) => file.includes('nestjs-vault-secrets') && file.endsWith('.mjs')).length,
        secret,
      }) + '\\n');
    } finally {
      await manager.stop();
    }
  } finally {
    await server.stop();
  }
})().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
`;

const CONSUMER_TS = `
import 'reflect-metadata';
import { SecretsModule, SecretsManager, SecretNotFoundError, type VaultConfig, type TokenInfo } from 'nestjs-vault-secrets';
import { SecretsTestingModule } from 'nestjs-vault-secrets/testing';
import { VaultTestServer, type VaultTestServerOptions } from '${SERVER_PACKAGE}';

const config: VaultConfig = { address: 'http://127.0.0.1:8200', secretsPath: 'secret/data/app' };
export const secretsModule = SecretsModule.forRoot({ ...config, isGlobal: true });
export const testingModule = SecretsTestingModule.forRoot({ secrets: { database: { password: 'x' } } });
const serverOptions: VaultTestServerOptions = { devMounts: true };

export async function readPassword(): Promise<string> {
  const server = await VaultTestServer.start(serverOptions);
  const manager = await new SecretsManager({ address: server.address, token: server.rootToken }).start();
  try {
    const info: TokenInfo | undefined = manager.tokenInfo();
    const value = await manager.fetchSecret<{ password: string }>('database');
    return value.password + String(info?.expiresAt);
  } catch (error) {
    if (error instanceof SecretNotFoundError) return '';
    throw error;
  } finally {
    await manager.stop();
    await server.stop();
  }
}
`;

describe('the packed package, installed in a fresh project', () => {
  it('contains the build, not the sources', () => {
    const installed = join(project, 'node_modules', 'nestjs-vault-secrets');
    expect(existsSync(join(installed, 'dist', 'index.js'))).toBe(true);
    expect(existsSync(join(installed, 'lib'))).toBe(false);
  });

  it('imports by name from ESM without optional peers, reads a secret from a VaultTestServer (SecretsManager, SecretsModule, SecretsTestingModule)', async () => {
    const output = await node(['--input-type=module', '-e', ESM_SCRIPT]);
    const result = resultOf(output);
    expect(output.code, output.stderr).toBe(0);
    expect(result).toEqual({
      exports: {
        SecretsModule: 'function',
        SecretsService: 'function',
        SecretsManager: 'function',
        OnSecretRotated: 'function',
        VaultTestServer: 'function',
        SecretsTestingModule: 'function',
      },
      manager: { secret: { username: 'app', password: 'pw-1' }, frozen: true, version: 1 },
      module: { username: 'app', password: 'pw-1' },
      testingModule: { password: 'in-memory' },
    });
  }, 60_000);

  it('require()s by name from a .cjs script: the CommonJS build, no require(esm), no warning', async () => {
    writeFileSync(join(project, 'consumer.cjs'), CJS_SCRIPT);
    const output = await node(['consumer.cjs']);
    const result = resultOf(output);
    expect(output.code, output.stderr).toBe(0);
    expect(result).toEqual({
      SecretsModule: 'function',
      OnSecretRotated: 'function',
      SecretsTestingModule: 'function',
      cjsBuild: true,
      esModules: 0,
      secret: { answer: '42' },
    });
    expect(output.stderr.trim(), output.stderr).toBe('');
  }, 60_000);

  it('nestjs-vault-secrets/manager works in a project without any @nestjs package, from ESM and CommonJS', async () => {
    const body = (load: (specifier: string) => string): string => `
      const { SecretsManager, SecretNotFoundError, SecretsEvents } = ${load('nestjs-vault-secrets/manager')};
      const { VaultTestServer } = ${load(SERVER_PACKAGE)};
      const server = await VaultTestServer.start();
      const warnings = [];
      const logger = { log() {}, warn: (m) => warnings.push(m), error: (m) => warnings.push(m) };
      try {
        await server.admin.kvPut('secret', 'free/app', { answer: '42' });
        const manager = await new SecretsManager({ address: server.address, token: server.rootToken, secretsPath: 'secret/data/free' }, { logger, env: {} }).start();
        try {
          const secret = await manager.fetchSecret('app');
          const missing = await manager.fetchSecret('nope').catch((error) => error instanceof SecretNotFoundError);
          process.stdout.write('RESULT ' + JSON.stringify({ secret, missing, rotated: SecretsEvents.Rotated, warnings }) + '\\n');
        } finally {
          await manager.stop();
        }
      } finally {
        await server.stop();
      }`;
    // The test server package needs no @nestjs package either.
    const esm = body((specifier) => `await import('${specifier}')`);
    const cjs = `(async () => {${body((specifier) => `require('${specifier}')`)}})().catch((error) => { console.error(error); process.exitCode = 1; });`;
    writeFileSync(join(nestFreeProject, 'free.cjs'), cjs);
    for (const args of [['--input-type=module', '-e', esm], ['free.cjs']]) {
      const output = await node(args, nestFreeProject);
      const result = resultOf(output);
      expect(output.code, output.stderr).toBe(0);
      expect(result).toEqual({ secret: { answer: '42' }, missing: true, rotated: 'secrets.rotated', warnings: [] });
    }
  }, 60_000);

  it('loading both builds in one process shares the injection tokens and warns once (dual-package hazard)', async () => {
    const script = `
      import { createRequire } from 'node:module';
      import 'reflect-metadata';
      const warnings = [];
      process.on('warning', (w) => warnings.push(w.code));
      const esm = await import('nestjs-vault-secrets');
      const cjs = createRequire(import.meta.url)('nestjs-vault-secrets');
      await new Promise((resolve) => setImmediate(resolve));
      process.stdout.write('RESULT ' + JSON.stringify({
        twoCopies: esm.SecretsService !== cjs.SecretsService,
        config: esm.SECRETS_CONFIG === cjs.SECRETS_CONFIG,
        warnings,
      }) + '\\n');`;
    const output = await node(['--input-type=module', '-e', script], fullProject);
    const result = resultOf(output);
    expect(output.code, output.stderr).toBe(0);
    expect(result).toEqual({
      twoCopies: true,
      config: true,
      warnings: ['NESTJS_VAULT_SECRETS_DUAL_PACKAGE'],
    });
  }, 60_000);

  it('imports every exports subpath by name (with the optional peers installed)', async () => {
    const subpaths = Object.entries(readPackageJson().exports ?? {})
      .filter(([, target]) => typeof target === 'object')
      .map(([subpath]) => (subpath === '.' ? 'nestjs-vault-secrets' : `nestjs-vault-secrets/${subpath.slice(2)}`));
    const script =
      `import 'reflect-metadata';\nconst result = {};\n` +
      subpaths
        .map((specifier) => `result[${JSON.stringify(specifier)}] = Object.keys(await import(${JSON.stringify(specifier)})).length;`)
        .join('\n') +
      `\nprocess.stdout.write('RESULT ' + JSON.stringify(result) + '\\n');`;
    const output = await node(['--input-type=module', '-e', script], fullProject);
    const result = resultOf(output);
    expect(output.code, output.stderr).toBe(0);
    expect(Object.keys(result).sort()).toEqual([...subpaths].sort());
    for (const specifier of subpaths) expect(result[specifier], `${specifier} exports nothing`).toBeGreaterThan(0);

    // The same names through require(): the CommonJS build exports exactly what the ESM build does.
    const cjsScript =
      `import { createRequire } from 'node:module';\nimport 'reflect-metadata';\nconst require = createRequire(import.meta.url);\nconst result = {};\n` +
      subpaths
        .map(
          (specifier) =>
            `result[${JSON.stringify(specifier)}] = { esm: Object.keys(await import(${JSON.stringify(specifier)})).sort(), cjs: Object.keys(require(${JSON.stringify(specifier)})).filter((k) => k !== '__esModule').sort() };`,
        )
        .join('\n') +
      `\nprocess.stdout.write('RESULT ' + JSON.stringify(result) + '\\n');`;
    const both = await node(['--input-type=module', '-e', cjsScript], fullProject);
    const names = resultOf(both) as Record<string, { esm: string[]; cjs: string[] }>;
    expect(both.code, both.stderr).toBe(0);
    for (const specifier of subpaths) expect(names[specifier]!.cjs, specifier).toEqual(names[specifier]!.esm);
  }, 60_000);

  it('type-checks a NodeNext consumer against the published .d.ts files (exports "types" conditions)', () => {
    const file = join(fullProject, 'consumer.ts');
    // Plus a namespace import of every exports subpath, so each entry's declarations get checked.
    const subpaths = Object.entries(readPackageJson().exports ?? {}).filter(([, target]) => typeof target === 'object');
    const namespaces = subpaths.map(([subpath], index) => `import * as entry${index} from 'nestjs-vault-secrets${subpath.slice(1)}';`);
    writeFileSync(
      file,
      `${CONSUMER_TS}\n${namespaces.join('\n')}\nexport const entries = [${subpaths.map((_, index) => `entry${index}`).join(', ')}];\n`,
    );
    const program = ts.createProgram([file], {
      target: ts.ScriptTarget.ES2023,
      lib: ['lib.es2024.d.ts', 'lib.esnext.disposable.d.ts'],
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      strict: true,
      noEmit: true,
      types: ['node'],
    });
    const ours = `${sep}node_modules${sep}nestjs-vault-secrets${sep}`.split(sep).join('/');
    const server = `${SERVER_DIR}${sep}dist${sep}`.split(sep).join('/');
    const checked = program
      .getSourceFiles()
      .filter(
        (source) => source.fileName === file.split(sep).join('/') || source.fileName.includes(ours) || source.fileName.startsWith(server),
      );
    expect(checked.some((source) => source.fileName.endsWith('/dist/testing/index.d.ts'))).toBe(true);
    expect(checked.some((source) => source.fileName === `${server}index.d.ts`)).toBe(true);
    const diagnostics = [
      ...program.getOptionsDiagnostics(),
      ...checked.flatMap((source) => [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)]),
    ];
    const host: ts.FormatDiagnosticsHost = {
      getCanonicalFileName: (name) => name,
      getCurrentDirectory: () => fullProject,
      getNewLine: () => '\n',
    };
    expect(diagnostics, ts.formatDiagnostics(diagnostics, host)).toEqual([]);
  }, 60_000);

  it('type-checks a CommonJS consumer (.cts, NodeNext) against the require condition: dist/cjs/*.d.ts', () => {
    const file = join(fullProject, 'consumer-cjs.cts');
    writeFileSync(
      file,
      CONSUMER_TS.replace(
        /^import 'reflect-metadata';$/m,
        "import 'reflect-metadata';\nimport { SecretsManager as Standalone } from 'nestjs-vault-secrets/manager';\nexport const standalone = Standalone;",
      ),
    );
    const program = ts.createProgram([file], {
      target: ts.ScriptTarget.ES2023,
      lib: ['lib.es2024.d.ts', 'lib.esnext.disposable.d.ts'],
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      strict: true,
      noEmit: true,
      types: ['node'],
    });
    const ours = program.getSourceFiles().filter((source) => source.fileName.includes('/node_modules/nestjs-vault-secrets/'));
    expect(ours.some((source) => source.fileName.endsWith('/dist/cjs/index.d.ts'))).toBe(true);
    expect(ours.some((source) => source.fileName.endsWith('/dist/cjs/manager.d.ts'))).toBe(true);
    expect(ours.filter((source) => !source.fileName.includes('/dist/cjs/')).map((source) => source.fileName)).toEqual([]);
    // The test server package's declarations, through its require condition too.
    const server = `${SERVER_DIR}${sep}dist${sep}`.split(sep).join('/');
    const serverFiles = program.getSourceFiles().filter((source) => source.fileName.startsWith(server));
    expect(serverFiles.map((source) => source.fileName)).toContain(`${server}cjs/index.d.ts`);
    expect(serverFiles.filter((source) => !source.fileName.startsWith(`${server}cjs/`)).map((source) => source.fileName)).toEqual([]);
    const checked = [program.getSourceFile(file)!, ...ours, ...serverFiles];
    const diagnostics = [
      ...program.getOptionsDiagnostics(),
      ...checked.flatMap((source) => [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)]),
    ];
    const host: ts.FormatDiagnosticsHost = {
      getCanonicalFileName: (name) => name,
      getCurrentDirectory: () => fullProject,
      getNewLine: () => '\n',
    };
    expect(diagnostics, ts.formatDiagnostics(diagnostics, host)).toEqual([]);
  }, 60_000);
});
