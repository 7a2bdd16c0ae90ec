#!/usr/bin/env node
/**
 * secrets-fallback: create and inspect the encrypted fallback files of nestjs-vault-secrets.
 *
 *   secrets-fallback encrypt  --in plain.json --out secrets.enc.json (--key-env NAME | --key-file PATH)
 *   secrets-fallback decrypt  --in secrets.enc.json (--key-env NAME | --key-file PATH) [--out plain.json]
 *   secrets-fallback keygen
 *   secrets-fallback snapshot --out lkg.enc.json (--key-env NAME | --key-file PATH)
 *                             [--secrets-path secret/data/app] [--kv-version 1|2|auto]
 *
 * Key text is read by the passphrase rule: 44 characters of base64 (32 bytes, as `keygen` prints)
 * is a raw AES-256 key, anything else a passphrase (at least 12 characters) stretched with scrypt.
 * `snapshot` reads every secret under the secrets path from Vault (VAULT_ADDR, VAULT_TOKEN or
 * ~/.vault-token, VAULT_NAMESPACE, VAULT_CACERT, VAULT_SKIP_VERIFY) and writes them encrypted, as a
 * last-known-good file. Files are written atomically with mode 0600.
 *
 * Exit codes: 0 done, 1 error (one line on stderr, never a secret), 2 usage error.
 */
import { realpath } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { SecretsLogger } from '../util/secrets-logger.js';
import { FallbackFileError } from '../errors/fallback-file.error.js';
import { sanitizeCause } from '../errors/secrets.error.js';
import { decryptFallback, encryptFallback, isFallbackEnvelope } from '../fallback/encrypted-file.js';
import { readFallbackFile } from '../fallback/fallback-file-read.js';
import { FallbackKey, generateFallbackKey } from '../fallback/fallback-key.js';
import { parseFallbackSecrets, parseJsonSafely, type FallbackSecrets } from '../fallback/fallback-secrets.js';
import type { KvVersion } from '../options/vault-config.js';
import { SecretsManager } from '../core/secrets.manager.js';
import { redactText } from '../util/redact.js';
import { writePrivateFile } from './write-private-file.js';

/** The program's name, used in messages (and the package `bin` name). */
export const CLI_NAME = 'secrets-fallback';

/** Exit codes of {@link runCli}. */
export const CliExitCode = {
  /** Done. */
  Ok: 0,
  /** Failed; one line on stderr says why (never a secret). */
  Error: 1,
  /** Bad command line; the usage is printed on stderr. */
  Usage: 2,
} as const;

/** Where {@link runCli} writes and what environment it reads. */
export interface CliIo {
  /** Receives data and results (already ending with a newline). */
  stdout(text: string): void;
  /** Receives warnings and errors (already ending with a newline). */
  stderr(text: string): void;
  /** Environment for `--key-env` and the Vault variables of `snapshot`. */
  readonly env: NodeJS.ProcessEnv;
}

/** The usage text printed by `--help` and on usage errors. */
export const CLI_USAGE = `Usage:
  ${CLI_NAME} encrypt  --in plain.json --out secrets.enc.json (--key-env NAME | --key-file PATH)
  ${CLI_NAME} decrypt  --in secrets.enc.json (--key-env NAME | --key-file PATH) [--out plain.json]
  ${CLI_NAME} keygen
  ${CLI_NAME} snapshot --out lkg.enc.json (--key-env NAME | --key-file PATH) [--secrets-path secret/data/app] [--kv-version 1|2|auto]

Commands:
  encrypt   encrypt a plain JSON file { "<key>": { ...fields } } into an envelope (AES-256-GCM)
  decrypt   decrypt an envelope; prints the JSON on stdout unless --out is given
  keygen    print a new random key (base64 of 32 bytes)
  snapshot  read every secret under --secrets-path from Vault (VAULT_ADDR, VAULT_TOKEN, ...) and
            write them encrypted, as a last-known-good fallback file

Key: --key-env names an environment variable, --key-file a file, holding either a key printed by
keygen (44 characters of base64) or a passphrase of at least 12 characters (stretched with scrypt).
Files are written with mode 0600. Exit codes: 0 done, 1 error, 2 usage error.
`;

type Command = 'encrypt' | 'decrypt' | 'keygen' | 'snapshot';

const OPTIONS = {
  in: { type: 'string' },
  out: { type: 'string' },
  'key-env': { type: 'string' },
  'key-file': { type: 'string' },
  'secrets-path': { type: 'string' },
  'kv-version': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type OptionName = keyof typeof OPTIONS;

const ALLOWED: Record<Command, readonly OptionName[]> = {
  encrypt: ['in', 'out', 'key-env', 'key-file'],
  decrypt: ['in', 'out', 'key-env', 'key-file'],
  keygen: [],
  snapshot: ['out', 'key-env', 'key-file', 'secrets-path', 'kv-version'],
};

const REQUIRED: Record<Command, readonly OptionName[]> = {
  encrypt: ['in', 'out'],
  decrypt: ['in'],
  keygen: [],
  snapshot: ['out'],
};

/** A bad command line: exit code 2 and the usage. */
class UsageError extends Error {}

type ParsedValues = Partial<Record<OptionName, string | boolean>>;

interface Invocation {
  readonly command: Command | 'help';
  readonly values: Readonly<Record<Exclude<OptionName, 'help'>, string | undefined>>;
}

function parseCommandLine(argv: readonly string[]): Invocation {
  let parsed: { values: ParsedValues; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error: unknown) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help === true) return { command: 'help', values: pickStrings(values) };
  const [command, ...extra] = positionals;
  if (command === undefined) throw new UsageError('a command is required: encrypt, decrypt, keygen or snapshot');
  if (!Object.hasOwn(ALLOWED, command)) throw new UsageError(`unknown command "${command}": use encrypt, decrypt, keygen or snapshot`);
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  const name = command as Command;
  for (const option of Object.keys(values) as OptionName[]) {
    if (option !== 'help' && !ALLOWED[name].includes(option)) throw new UsageError(`${name} does not take --${option}`);
  }
  for (const option of REQUIRED[name]) {
    if (values[option] === undefined || values[option] === '') throw new UsageError(`${name} needs --${option}`);
  }
  if (ALLOWED[name].includes('key-env')) {
    const given = (values['key-env'] === undefined ? 0 : 1) + (values['key-file'] === undefined ? 0 : 1);
    if (given !== 1) throw new UsageError(`${name} needs exactly one of --key-env NAME or --key-file PATH`);
  }
  return { command: name, values: pickStrings(values) };
}

function pickStrings(values: ParsedValues): Invocation['values'] {
  const get = (name: OptionName): string | undefined => (typeof values[name] === 'string' ? values[name] : undefined);
  return {
    in: get('in'),
    out: get('out'),
    'key-env': get('key-env'),
    'key-file': get('key-file'),
    'secrets-path': get('secrets-path'),
    'kv-version': get('kv-version'),
  };
}

function parseKvVersion(value: string | undefined): KvVersion | undefined {
  if (value === undefined) return undefined;
  if (value === '1') return 1;
  if (value === '2') return 2;
  if (value === 'auto') return 'auto';
  throw new UsageError(`--kv-version must be 1, 2 or auto, got "${value}"`);
}

function loadKey(values: Invocation['values'], env: NodeJS.ProcessEnv): Promise<FallbackKey> {
  return FallbackKey.fromOptions({ keyEnv: values['key-env'], keyFile: values['key-file'] }, env);
}

function count(secrets: FallbackSecrets): string {
  const n = Object.keys(secrets).length;
  return `${n} secret${n === 1 ? '' : 's'}`;
}

async function writeOutput(file: string, content: string): Promise<void> {
  try {
    await writePrivateFile(file, content);
  } catch (error: unknown) {
    const code = (error as { code?: string }).code ?? 'error';
    const hint = code === 'ENOENT' ? ': its directory does not exist' : code === 'EACCES' ? ': permission denied' : ` (${code})`;
    throw new Error(`cannot write ${file}${hint}`, { cause: error });
  }
}

function envelopeText(envelope: unknown): string {
  return `${JSON.stringify(envelope, null, 2)}\n`;
}

async function encryptCommand(values: Invocation['values'], io: CliIo): Promise<void> {
  const input = values.in!;
  const output = values.out!;
  const key = await loadKey(values, io.env);
  const { text } = await readFallbackFile(input, 'plain fallback file');
  const parsed = parseJsonSafely(text);
  if (parsed.ok && isFallbackEnvelope(parsed.value)) {
    throw new FallbackFileError('bad-json', 'is already encrypted; give the plain JSON file { "<key>": { ...fields } }', { file: input });
  }
  const secrets = parseFallbackSecrets(text, input);
  const envelope = await encryptFallback(secrets, key);
  await writeOutput(output, envelopeText(envelope));
  io.stdout(`Encrypted ${count(secrets)} from ${input} into ${output} (kdf ${envelope.kdf}, mode 0600).\n`);
  if (input !== output) io.stderr(`${CLI_NAME}: note: ${input} still holds the secrets in clear; delete it when it is no longer needed\n`);
}

async function decryptCommand(values: Invocation['values'], io: CliIo): Promise<void> {
  const input = values.in!;
  const key = await loadKey(values, io.env);
  const { text } = await readFallbackFile(input, 'encrypted fallback file');
  const parsed = parseJsonSafely(text);
  if (!parsed.ok) throw new FallbackFileError('bad-json', `is not valid JSON${parsed.where}`, { file: input });
  const secrets = await decryptFallback(parsed.value, key, input);
  const plain = `${JSON.stringify(secrets, null, 2)}\n`;
  if (values.out !== undefined) {
    await writeOutput(values.out, plain);
    io.stdout(`Decrypted ${count(secrets)} from ${input} into ${values.out} (mode 0600); it holds the secrets in clear.\n`);
    return;
  }
  io.stderr(`${CLI_NAME}: warning: writing decrypted secrets to stdout; use --out FILE to write a file of mode 0600 instead\n`);
  io.stdout(plain);
}

/** Keeps the manager's warnings and errors, to print after a successful snapshot (a failure prints one line only). */
function collectingLogger(lines: string[]): SecretsLogger {
  const keep = (level: string) => (message: unknown) => void lines.push(`${CLI_NAME}: ${level}: ${oneLine(String(message))}\n`);
  return {
    log: () => undefined,
    debug: () => undefined,
    warn: keep('warning'),
    error: keep('error'),
  };
}

async function snapshotCommand(values: Invocation['values'], io: CliIo): Promise<void> {
  const output = values.out!;
  const kvVersion = parseKvVersion(values['kv-version']);
  const key = await loadKey(values, io.env); // before contacting Vault: fail fast
  const logged: string[] = [];
  const manager = new SecretsManager(
    {
      ...(values['secrets-path'] === undefined ? {} : { secretsPath: values['secrets-path'] }),
      ...(kvVersion === undefined ? {} : { kvVersion }),
      renewToken: false,
      watch: { enabled: false },
    },
    { env: io.env, logger: collectingLogger(logged) },
  );
  let secrets: FallbackSecrets;
  try {
    await manager.start();
    secrets = await manager.getAllSecrets();
  } finally {
    await manager.stop();
  }
  const where = values['secrets-path'] ?? 'the default secrets path';
  if (Object.keys(secrets).length === 0) {
    throw new Error(`no secrets found under ${where}; ${output} was not written (an empty snapshot would replace a good one)`);
  }
  const envelope = await encryptFallback(secrets, key);
  await writeOutput(output, envelopeText(envelope));
  for (const line of logged) io.stderr(line);
  io.stdout(`Snapshot of ${count(secrets)} under ${where} written to ${output} (kdf ${envelope.kdf}, mode 0600).\n`);
}

/** Redacted, on one line: `Problems:\n  - a\n  - b` becomes `Problems: a; b`. */
function oneLine(text: string): string {
  const lines = redactText(text)
    .split(/\r?\n/)
    .map((l) => l.trim().replace(/^- /, ''))
    .filter((l) => l !== '');
  return lines.reduce((out, line, i) => (i === 0 ? line : `${out}${out.endsWith(':') ? ' ' : '; '}${line}`), '');
}

/**
 * Runs the CLI (what the `secrets-fallback` bin calls with `process.argv.slice(2)`).
 *
 * @param argv - the arguments after the program name, e.g. `['encrypt', '--in', 'a.json', '--out', 'b.json', '--key-env', 'K']`.
 * @param io - where output goes and which environment is read; default the process's stdout, stderr and `process.env`.
 * @returns the exit code: 0 done, 1 error (one line on stderr, never a secret), 2 usage error (usage on stderr).
 *   Never throws.
 */
export async function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  let invocation: Invocation;
  try {
    invocation = parseCommandLine(argv);
  } catch (error: unknown) {
    io.stderr(`${CLI_NAME}: ${oneLine(error instanceof Error ? error.message : String(error))}\n\n${CLI_USAGE}`);
    return CliExitCode.Usage;
  }
  try {
    switch (invocation.command) {
      case 'help':
        io.stdout(CLI_USAGE);
        break;
      case 'keygen':
        io.stdout(`${generateFallbackKey()}\n`);
        break;
      case 'encrypt':
        await encryptCommand(invocation.values, io);
        break;
      case 'decrypt':
        await decryptCommand(invocation.values, io);
        break;
      case 'snapshot':
        await snapshotCommand(invocation.values, io);
        break;
    }
    return CliExitCode.Ok;
  } catch (error: unknown) {
    if (error instanceof UsageError) {
      io.stderr(`${CLI_NAME}: ${oneLine(error.message)}\n\n${CLI_USAGE}`);
      return CliExitCode.Usage;
    }
    io.stderr(`${CLI_NAME}: ${oneLine(sanitizeCause(error).message)}\n`);
    return CliExitCode.Error;
  }
}

/** The real process's stdout, stderr and environment. */
export function processIo(): CliIo {
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    env: process.env,
  };
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
  process.exitCode = await runCli(process.argv.slice(2));
}
