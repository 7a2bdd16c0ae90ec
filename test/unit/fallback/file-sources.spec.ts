import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FallbackFileError, FallbackKeyError } from '../../../lib/errors/index.js';
import { encryptFallback } from '../../../lib/fallback/encrypted-file.js';
import { EncryptedFileFallbackSource } from '../../../lib/fallback/encrypted-file.fallback.js';
import { generateFallbackKey } from '../../../lib/fallback/fallback-key.js';
import { JsonFileFallbackSource } from '../../../lib/fallback/json-file.fallback.js';
import { openFallbackFile } from '../../../lib/fallback/open-fallback-file.js';
import { expectNoLeak, expectNoSecretIn } from '../../support/leak-check.js';

const SECRET = 'file-S3cr3t-value-c0ffee';
const DATA = { database: { password: SECRET }, 'kafka/producer': { sasl: 'x' } };
const posix = process.platform !== 'win32';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fallback-files-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeEnvelope(name: string, key: string, mode = 0o600): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, JSON.stringify(await encryptFallback(DATA, key, { scryptCost: { N: 2 ** 14, r: 8, p: 1 } })), { mode });
  await chmod(file, mode);
  return file;
}

describe('EncryptedFileFallbackSource', () => {
  it('decrypts once at open and serves copies from memory', async () => {
    const key = generateFallbackKey();
    const file = await writeEnvelope('secrets.enc.json', key);
    const source = await EncryptedFileFallbackSource.open(file, key);
    await rm(file); // served from memory from now on
    expect(source.name).toBe('encrypted-file');
    expect(source.warnings).toEqual([]);
    expect(source.keys().sort()).toEqual(['database', 'kafka/producer']);
    const first = await source.load('database');
    expect(first).toEqual({ password: SECRET });
    first!['password'] = 'mutated';
    expect(await source.load('database')).toEqual({ password: SECRET });
    expect(await source.load('missing')).toBeUndefined();
    expectNoSecretIn([inspect(source, { showHidden: true, depth: 10 }), JSON.stringify(source)], [SECRET]);
  });

  it.runIf(posix)('warns when the file is accessible by group or others, with the chmod fix', async () => {
    const key = generateFallbackKey();
    const file = await writeEnvelope('lkg.enc.json', key, 0o644);
    const source = await EncryptedFileFallbackSource.open(file, key);
    expect(source.warnings).toHaveLength(1);
    expect(source.warnings[0]).toContain(`chmod 600 ${file}`);
    expect(source.warnings[0]).toContain('0644');
    expectNoSecretIn(source.warnings, [SECRET, key]);
  });

  it('opens from options with keyEnv or keyFile (passphrase), warning about a shared key file', async () => {
    const passphrase = 'a long enough passphrase';
    const file = await writeEnvelope('p.enc.json', passphrase);
    const keyFile = join(dir, 'key.txt');
    await writeFile(keyFile, `${passphrase}\n`, { mode: 0o640 });
    await chmod(keyFile, 0o640);
    const fromFile = await EncryptedFileFallbackSource.fromOptions({ path: file, keyFile });
    expect(await fromFile.load('kafka/producer')).toEqual({ sasl: 'x' });
    if (posix) expect(fromFile.warnings.join('\n')).toContain(`chmod 600 ${keyFile}`);
    expectNoSecretIn(fromFile.warnings, [passphrase]);
    const fromEnv = await EncryptedFileFallbackSource.fromOptions({ path: file, keyEnv: 'FB_PASS' }, { FB_PASS: passphrase });
    expect(await fromEnv.load('database')).toEqual({ password: SECRET });
  });

  it('reports a wrong key, a missing file and a file that is not JSON with typed reasons, without content', async () => {
    const key = generateFallbackKey();
    const file = await writeEnvelope('s.enc.json', key);
    const other = generateFallbackKey();
    const wrong = await EncryptedFileFallbackSource.open(file, other).catch((e: unknown) => e);
    expect((wrong as FallbackFileError).reason).toBe('wrong-key-or-tampered');
    expect((wrong as FallbackFileError).file).toBe(file);
    expectNoLeak(wrong, [SECRET, key, other]);

    const missing = await EncryptedFileFallbackSource.open(join(dir, 'nope.json'), key).catch((e: unknown) => e);
    expect((missing as FallbackFileError).reason).toBe('unreadable');

    const garbage = join(dir, 'garbage.json');
    await writeFile(garbage, `{"password": ${SECRET}`);
    const bad = await EncryptedFileFallbackSource.open(garbage, key).catch((e: unknown) => e);
    expect((bad as FallbackFileError).reason).toBe('bad-json');
    expectNoLeak(bad, [SECRET]);

    const plain = join(dir, 'plain.json');
    await writeFile(plain, JSON.stringify(DATA));
    const notEnvelope = await EncryptedFileFallbackSource.open(plain, key).catch((e: unknown) => e);
    expect((notEnvelope as FallbackFileError).reason).toBe('not-an-envelope');
    expectNoLeak(notEnvelope, [SECRET]);
  });

  it('reports a missing key variable with a FallbackKeyError', async () => {
    const file = await writeEnvelope('k.enc.json', generateFallbackKey());
    await expect(EncryptedFileFallbackSource.fromOptions({ path: file, keyEnv: 'NOT_SET' }, {})).rejects.toThrow(FallbackKeyError);
    await expect(EncryptedFileFallbackSource.fromOptions({ path: file, keyFile: join(dir, 'no-key') }, {})).rejects.toThrow(
      /key file .* does not exist/,
    );
  });
});

describe('JsonFileFallbackSource', () => {
  it('serves a plain file and says it is plain', async () => {
    const file = join(dir, 'dev.json');
    await writeFile(file, JSON.stringify(DATA), { mode: 0o600 });
    await chmod(file, 0o600);
    const source = await JsonFileFallbackSource.open(file);
    expect(source.plain).toBe(true);
    expect(source.name).toBe('json-file');
    expect(source.warnings).toEqual([]);
    expect(await source.load('database')).toEqual({ password: SECRET });
    expect(await source.load('nope')).toBeUndefined();
  });

  it.runIf(posix)('warns when the plain file is world-readable', async () => {
    const file = join(dir, 'dev.json');
    await writeFile(file, JSON.stringify(DATA));
    await chmod(file, 0o604);
    const source = await JsonFileFallbackSource.open(file);
    expect(source.warnings[0]).toContain(`chmod 600 ${file}`);
  });

  it('rejects bad JSON and a bad shape without showing content', async () => {
    const file = join(dir, 'bad.json');
    await writeFile(file, `{"database": {"password": "${SECRET}",}}`);
    const error = await JsonFileFallbackSource.open(file).catch((e: unknown) => e);
    expect((error as FallbackFileError).reason).toBe('bad-json');
    expect((error as Error).message).toMatch(/position \d+/);
    expectNoLeak(error, [SECRET]);

    await writeFile(file, JSON.stringify({ database: SECRET }));
    const shape = await JsonFileFallbackSource.open(file).catch((e: unknown) => e);
    expect((shape as FallbackFileError).reason).toBe('bad-json');
    expect((shape as Error).message).toContain('"database"');
    expectNoLeak(shape, [SECRET]);
  });
});

describe('openFallbackFile', () => {
  it('opens a plain file without a key and an encrypted file with one', async () => {
    const plain = join(dir, 'plain.json');
    await writeFile(plain, JSON.stringify(DATA));
    expect(await openFallbackFile(plain)).toBeInstanceOf(JsonFileFallbackSource);
    const key = generateFallbackKey();
    const encrypted = await writeEnvelope('e.enc.json', key);
    expect(await openFallbackFile({ path: encrypted, keyEnv: 'K' }, { K: key })).toBeInstanceOf(EncryptedFileFallbackSource);
  });

  it('asks for a key when an encrypted file is configured without one', async () => {
    const encrypted = await writeEnvelope('e.enc.json', generateFallbackKey());
    await expect(openFallbackFile({ path: encrypted })).rejects.toThrow(/keyEnv or fallbackJson.keyFile/);
  });
});
