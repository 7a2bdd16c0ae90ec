import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CliExitCode, runCli, type CliIo } from '../../lib/cli/secrets-fallback.js';
import { decryptFallback } from '../../lib/fallback/encrypted-file.js';
import { VaultTestServer } from '@nestjs-vault-secrets/vault-test-server';
import { expectNoSecretIn } from '../support/leak-check.js';

const SECRET = 'cli-S3cr3t-pa55-5e7a';
const DATA = { database: { username: 'app', password: SECRET }, 'kafka/producer': { sasl: 'sasl-cli-S3cr3t' } };
const SECRETS = [SECRET, 'sasl-cli-S3cr3t'];
const posix = process.platform !== 'win32';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), env };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

async function mode(file: string): Promise<number> {
  return (await stat(file)).mode & 0o777;
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fallback-cli-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('secrets-fallback CLI', () => {
  it('keygen prints a base64 32-byte key', async () => {
    const run = await cli(['keygen']);
    expect(run.code).toBe(CliExitCode.Ok);
    expect(run.stdout).toMatch(/^[A-Za-z0-9+/]{43}=\n$/);
    expect(Buffer.from(run.stdout.trim(), 'base64')).toHaveLength(32);
  });

  it('encrypts and decrypts with a key from an env var; files are 0600', async () => {
    const key = (await cli(['keygen'])).stdout.trim();
    const env = { FB_KEY: key };
    const plain = join(dir, 'plain.json');
    const enc = join(dir, 'secrets.enc.json');
    await writeFile(plain, JSON.stringify(DATA));
    await writeFile(enc, 'old content', { mode: 0o644 }); // replaced, and its mode does not survive

    const encrypt = await cli(['encrypt', '--in', plain, '--out', enc, '--key-env', 'FB_KEY'], env);
    expect(encrypt.code).toBe(CliExitCode.Ok);
    expect(encrypt.stdout).toContain('Encrypted 2 secrets');
    expect(encrypt.stderr).toContain('still holds the secrets in clear');
    const envelopeText = await readFile(enc, 'utf8');
    expectNoSecretIn([envelopeText, encrypt.stdout, encrypt.stderr], [...SECRETS, key]);
    if (posix) expect(await mode(enc)).toBe(0o600);
    expect(await decryptFallback(JSON.parse(envelopeText), key)).toEqual(DATA);

    const toStdout = await cli(['decrypt', '--in', enc, '--key-env', 'FB_KEY'], env);
    expect(toStdout.code).toBe(CliExitCode.Ok);
    expect(JSON.parse(toStdout.stdout)).toEqual(DATA);
    expect(toStdout.stderr).toContain('warning: writing decrypted secrets to stdout');
    expectNoSecretIn([toStdout.stderr], SECRETS);

    const out = join(dir, 'back.json');
    const toFile = await cli(['decrypt', '--in', enc, '--key-env', 'FB_KEY', '--out', out], env);
    expect(toFile.code).toBe(CliExitCode.Ok);
    expect(JSON.parse(await readFile(out, 'utf8'))).toEqual(DATA);
    if (posix) expect(await mode(out)).toBe(0o600);
    expectNoSecretIn([toFile.stdout, toFile.stderr], SECRETS);
  });

  it('round-trips with a passphrase in a key file', async () => {
    const keyFile = join(dir, 'pass.txt');
    await writeFile(keyFile, 'my fallback passphrase\n', { mode: 0o600 });
    await chmod(keyFile, 0o600);
    const plain = join(dir, 'plain.json');
    const enc = join(dir, 'p.enc.json');
    await writeFile(plain, JSON.stringify(DATA));
    const encrypt = await cli(['encrypt', '--in', plain, '--out', enc, '--key-file', keyFile]);
    expect(encrypt.code).toBe(CliExitCode.Ok);
    expect(encrypt.stdout).toContain('kdf scrypt');
    const decrypt = await cli(['decrypt', '--in', enc, '--key-file', keyFile]);
    expect(JSON.parse(decrypt.stdout)).toEqual(DATA);
  });

  it('fails with exit 1 and one line, never a secret, for a wrong key or a bad input', async () => {
    const key = (await cli(['keygen'])).stdout.trim();
    const other = (await cli(['keygen'])).stdout.trim();
    const plain = join(dir, 'plain.json');
    const enc = join(dir, 'e.json');
    await writeFile(plain, JSON.stringify(DATA));
    await cli(['encrypt', '--in', plain, '--out', enc, '--key-env', 'K'], { K: key });

    const wrong = await cli(['decrypt', '--in', enc, '--key-env', 'K'], { K: other });
    expect(wrong.code).toBe(CliExitCode.Error);
    expect(wrong.stdout).toBe('');
    expect(wrong.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(wrong.stderr).toContain('wrong');
    expectNoSecretIn([wrong.stderr], [...SECRETS, key, other]);

    await writeFile(plain, `{"database": {"password": ${SECRET}}}`);
    const bad = await cli(['encrypt', '--in', plain, '--out', join(dir, 'x.json'), '--key-env', 'K'], { K: key });
    expect(bad.code).toBe(CliExitCode.Error);
    expect(bad.stderr).toContain('not valid JSON');
    expectNoSecretIn([bad.stderr], [...SECRETS, key]);

    const noKey = await cli(['decrypt', '--in', enc, '--key-env', 'UNSET']);
    expect(noKey.code).toBe(CliExitCode.Error);
    expect(noKey.stderr).toContain('UNSET is not set');

    const noDir = await cli(['encrypt', '--in', plain.replace('plain', 'x'), '--out', enc, '--key-env', 'K'], { K: key });
    expect(noDir.code).toBe(CliExitCode.Error);
    await writeFile(plain, JSON.stringify(DATA));
    const noOutDir = await cli(['encrypt', '--in', plain, '--out', join(dir, 'missing', 'x.json'), '--key-env', 'K'], { K: key });
    expect(noOutDir.stderr).toBe(`secrets-fallback: cannot write ${join(dir, 'missing', 'x.json')}: its directory does not exist\n`);

    const again = await cli(['encrypt', '--in', enc, '--out', join(dir, 'y.json'), '--key-env', 'K'], { K: key });
    expect(again.code).toBe(CliExitCode.Error);
    expect(again.stderr).toContain('already encrypted');
  });

  it('exits 2 on usage errors', async () => {
    for (const argv of [
      [],
      ['nope'],
      ['keygen', '--in', 'x'],
      ['encrypt', '--in', 'a'],
      ['encrypt', '--in', 'a', '--out', 'b'],
      ['encrypt', '--in', 'a', '--out', 'b', '--key-env', 'K', '--key-file', 'f'],
      ['decrypt', '--in', 'a', '--key-env'],
      ['decrypt', '--in', 'a', '--key-env', 'K', '--bogus'],
      ['snapshot', '--out', 'a', '--key-env', 'K', '--kv-version', '3'],
      ['keygen', 'extra'],
      ['toString'],
    ]) {
      const run = await cli(argv, { K: 'a long enough passphrase' });
      expect({ argv, code: run.code }).toEqual({ argv, code: CliExitCode.Usage });
      expect(run.stderr).toContain('Usage:');
    }
    const help = await cli(['--help']);
    expect(help.code).toBe(CliExitCode.Ok);
    expect(help.stdout).toContain('secrets-fallback snapshot');
  });
});

describe('secrets-fallback snapshot', () => {
  let server: VaultTestServer;
  beforeAll(async () => {
    server = await VaultTestServer.start();
    await server.admin.kvPut('secret', 'app/db', { username: 'app', password: SECRET });
    await server.admin.kvPut('secret', 'app/kafka/producer', { sasl: 'sasl-cli-S3cr3t' });
  });
  afterAll(async () => {
    await server.stop();
  });

  it('writes every secret under the path, encrypted, as a 0600 last-known-good file', async () => {
    const key = (await cli(['keygen'])).stdout.trim();
    const env = { VAULT_ADDR: server.address, VAULT_TOKEN: server.rootToken, LKG_KEY: key };
    const out = join(dir, 'lkg.enc.json');
    const run = await cli(['snapshot', '--out', out, '--key-env', 'LKG_KEY', '--secrets-path', 'secret/data/app'], env);
    expect(run).toMatchObject({ code: CliExitCode.Ok, stderr: '' });
    expect(run.stdout).toContain('Snapshot of 2 secrets');
    const text = await readFile(out, 'utf8');
    expectNoSecretIn([text, run.stdout, run.stderr], [...SECRETS, key, server.rootToken]);
    if (posix) expect(await mode(out)).toBe(0o600);
    expect(await decryptFallback(JSON.parse(text), key)).toEqual({
      db: { username: 'app', password: SECRET },
      'kafka/producer': { sasl: 'sasl-cli-S3cr3t' },
    });
  });

  it('writes nothing when the path holds no secret', async () => {
    const out = join(dir, 'empty.enc.json');
    const env = { VAULT_ADDR: server.address, VAULT_TOKEN: server.rootToken, K: 'a long enough passphrase' };
    const run = await cli(['snapshot', '--out', out, '--key-env', 'K', '--secrets-path', 'secret/data/nothing-here'], env);
    expect(run.code).toBe(CliExitCode.Error);
    expect(run.stderr).toContain('no secrets found');
    await expect(stat(out)).rejects.toThrow();
  });

  it('fails with one line, without the token, when Vault refuses the token', async () => {
    const out = join(dir, 'denied.enc.json');
    const badToken = 'hvs.ThisTokenDoesNotExist0123456789';
    const env = { VAULT_ADDR: server.address, VAULT_TOKEN: badToken, K: 'a long enough passphrase' };
    const run = await cli(['snapshot', '--out', out, '--key-env', 'K', '--secrets-path', 'secret/data/app'], env);
    expect(run.code).toBe(CliExitCode.Error);
    expectNoSecretIn([run.stderr, run.stdout], [badToken, SECRET]);
    await expect(stat(out)).rejects.toThrow();
  });

  it('fails with exactly one line when Vault is unreachable or the settings are invalid', async () => {
    const stopped = await VaultTestServer.start();
    await stopped.stop();
    const K = 'a long enough passphrase';
    const down = await cli(['snapshot', '--out', join(dir, 'down.json'), '--key-env', 'K'], {
      VAULT_ADDR: stopped.address,
      VAULT_TOKEN: 'root',
      K,
    });
    expect(down.code).toBe(CliExitCode.Error);
    expect(down.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(down.stderr).toContain('Vault is unavailable');
    const invalid = await cli(['snapshot', '--out', join(dir, 'x.json'), '--key-env', 'K'], {
      VAULT_ADDR: 'ftp://vault',
      VAULT_TOKEN: 'root',
      K,
    });
    expect(invalid.code).toBe(CliExitCode.Error);
    expect(invalid.stderr).toBe('secrets-fallback: Invalid Vault options (1 problem): address must use http:// or https://, got "ftp:"\n');
  });

  it('fails before contacting Vault when the key is missing', async () => {
    const run = await cli(['snapshot', '--out', join(dir, 'x.json'), '--key-env', 'NOPE'], {
      VAULT_ADDR: 'http://127.0.0.1:1',
      VAULT_TOKEN: 'x',
    });
    expect(run.code).toBe(CliExitCode.Error);
    expect(run.stderr).toContain('NOPE is not set');
  });
});
