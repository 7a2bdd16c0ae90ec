#!/usr/bin/env node
/**
 * vault-test-server: run the Vault API test double on its own, like `vault server -dev`.
 *
 *   vault-test-server [--port 8200] [--root-token root] [--seed seed.json]
 *                     [--vault-version 1.17|1.16] [--no-dev-mounts] [--tls]
 *
 * Listens on 127.0.0.1 (default port 8200), prints
 *   VAULT_ADDR=http://127.0.0.1:8200
 *   VAULT_TOKEN=<root token>
 * on stdout, and stops cleanly on SIGINT/SIGTERM. The clock follows real time.
 *
 * With `--tls` it serves HTTPS with a certificate for `localhost` and `127.0.0.1` issued by a CA
 * generated at start, writes that CA to a new temporary file and also prints
 *   VAULT_CACERT=/tmp/vault-test-server-XXXXXX/ca.pem
 * (VAULT_ADDR is then https://127.0.0.1:8200).
 *
 * Seed file format (JSON): mount path → secret path → data.
 *
 *   {
 *     "secret": { "app/db": { "password": "x" }, "app/api": { "key": "y" } },
 *     "legacy": { "$version": "1", "app/config": { "url": "https://example" } }
 *   }
 *
 * A mount that does not exist yet is enabled as KV v2, or as KV v1 when its object has
 * `"$version": "1"`. Existing mounts (e.g. the dev `secret/`, KV v2) keep their version.
 * Everything is written through Vault's HTTP API with the root token.
 */
import { mkdtemp, readFile, realpath, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { VaultTestServer } from './vault-test-server.js';

/** What `vault-test-server --help` prints (to stdout, exit code 0). */
export const USAGE = `Usage: vault-test-server [options]

Runs the Vault API test double (a test double of HashiCorp Vault's HTTP API, not Vault) on
127.0.0.1, prints VAULT_ADDR and VAULT_TOKEN (and VAULT_CACERT with --tls), and stops on
SIGINT/SIGTERM. The clock follows real time.

Options:
  --port <n>               port to listen on (default 8200; 0 picks a free one)
  --root-token <token>     the root token (default: generated; printed either way)
  --seed <file.json>       KV data to write at start: { "<mount>": { "<path>": { ...fields } } };
                           a new mount is KV v2, or KV v1 with "$version": "1"
  --vault-version <v>      1.17 (default) or 1.16: the Vault version whose behaviour is imitated
  --no-dev-mounts          start without the dev server's secret/ (KV v2) mount
  --tls                    serve HTTPS with a certificate from a CA generated at start
  -h, --help               print this help and exit
`;

/** Whether the arguments ask for the usage text. */
export function wantsHelp(argv: readonly string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}

/** Parsed command line. */
export interface CliOptions {
  readonly port: number;
  readonly rootToken: string | undefined;
  readonly seedFile: string | undefined;
  readonly vaultVersion: '1.16' | '1.17';
  readonly devMounts: boolean;
  /** `--tls`: serve HTTPS (present only when given). */
  readonly tls?: true;
}

/** Parses the command-line arguments (without `node` and the script). */
export function parseCliArgs(argv: readonly string[]): CliOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      port: { type: 'string', default: '8200' },
      'root-token': { type: 'string' },
      seed: { type: 'string' },
      'vault-version': { type: 'string', default: '1.17' },
      'no-dev-mounts': { type: 'boolean', default: false },
      tls: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid --port ${values.port}`);
  const version = values['vault-version'];
  if (version !== '1.16' && version !== '1.17') throw new Error(`invalid --vault-version ${version} (1.16 or 1.17)`);
  return {
    port,
    rootToken: values['root-token'],
    seedFile: values.seed,
    vaultVersion: version,
    devMounts: !values['no-dev-mounts'],
    ...(values.tls ? { tls: true as const } : {}),
  };
}

/** Seeds KV data through the admin API (format in the file header). */
export async function seedServer(server: VaultTestServer, seed: unknown): Promise<void> {
  if (typeof seed !== 'object' || seed === null || Array.isArray(seed)) throw new Error('seed file must contain a JSON object');
  const mounts = await server.admin.listSecretsEngines();
  for (const [mountName, content] of Object.entries(seed)) {
    if (typeof content !== 'object' || content === null || Array.isArray(content)) {
      throw new Error(`seed: mount "${mountName}" must map secret paths to objects`);
    }
    const mount = mountName.replace(/^\/+|\/+$/g, '');
    const entries = Object.entries(content as Record<string, unknown>);
    const requested = entries.find(([key]) => key === '$version')?.[1];
    const existing = mounts[`${mount}/`];
    let version: string;
    if (existing) {
      version = existing.options?.['version'] === '2' ? '2' : '1';
    } else {
      version = String(requested ?? '2');
      await server.admin.enableSecretsEngine(mount, 'kv', { version });
    }
    for (const [path, data] of entries) {
      if (path === '$version') continue;
      if (typeof data !== 'object' || data === null || Array.isArray(data)) {
        throw new Error(`seed: "${mount}/${path}" must be an object of key/value pairs`);
      }
      if (version === '2') await server.admin.kvPut(mount, path, data as Record<string, unknown>);
      else await server.admin.kvV1Put(mount, path, data as Record<string, unknown>);
    }
  }
}

/** Starts a server from command-line arguments, seeds it, and prints the env lines. */
export async function runCli(
  argv: readonly string[],
  out: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Promise<VaultTestServer> {
  const options = parseCliArgs(argv);
  const server = await VaultTestServer.start({
    port: options.port,
    vaultVersion: options.vaultVersion,
    devMounts: options.devMounts,
    clockMode: 'realtime',
    ...(options.rootToken !== undefined ? { rootToken: options.rootToken } : {}),
    ...(options.tls ? { tls: true } : {}),
  });
  let caFile: string | undefined;
  try {
    if (options.seedFile !== undefined) {
      await seedServer(server, JSON.parse(await readFile(options.seedFile, 'utf8')) as unknown);
    }
    if (server.caCertPem !== undefined) {
      caFile = join(await mkdtemp(join(tmpdir(), 'vault-test-server-')), 'ca.pem');
      await writeFile(caFile, server.caCertPem, { mode: 0o644 });
    }
  } catch (error: unknown) {
    await server.stop();
    throw error;
  }
  out(`VAULT_ADDR=${server.address}`);
  out(`VAULT_TOKEN=${server.rootToken}`);
  if (caFile !== undefined) out(`VAULT_CACERT=${caFile}`);
  return server;
}

async function main(): Promise<void> {
  if (wantsHelp(process.argv.slice(2))) {
    process.stdout.write(USAGE);
    return;
  }
  const server = await runCli(process.argv.slice(2));
  const shutdown = (): void => {
    process.off('SIGINT', shutdown);
    process.off('SIGTERM', shutdown);
    void server.stop();
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

async function isEntryPoint(): Promise<boolean> {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return import.meta.url === pathToFileURL(await realpath(script)).href;
  } catch {
    return false;
  }
}

if (await isEntryPoint()) {
  main().catch((error: unknown) => {
    console.error(`vault-test-server: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  });
}
