import { createCipheriv, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { FallbackFileError, FallbackKeyError, SecretsErrorCode } from '../../../lib/errors/index.js';
import { decryptFallback, encryptFallback, FALLBACK_ENVELOPE_FORMAT, type FallbackEnvelope } from '../../../lib/fallback/encrypted-file.js';
import { FallbackKey, generateFallbackKey } from '../../../lib/fallback/fallback-key.js';
import { expectNoLeak } from '../../support/leak-check.js';

const SECRET = 'enc-S3cr3t-pa55word-91b2';
const DATA = { database: { username: 'app', password: SECRET }, 'kafka/producer': { sasl: 'sasl-S3cr3t-value', port: 9092 } };
const PASSPHRASE = 'correct horse battery staple';
/** The cheapest accepted scrypt cost, to keep the suite fast; one test uses the default. */
const FAST = { scryptCost: { N: 2 ** 14, r: 8, p: 1 } };

async function reason(promise: Promise<unknown>, leaks: readonly string[] = []): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FallbackFileError);
  expect((error as FallbackFileError).code).toBe(SecretsErrorCode.FallbackFile);
  expectNoLeak(error, [SECRET, 'sasl-S3cr3t-value', ...leaks]);
  return (error as FallbackFileError).reason;
}

function flipBit(base64: string, byte = 0): string {
  const bytes = Buffer.from(base64, 'base64');
  bytes[byte] = bytes[byte]! ^ 0x01;
  return bytes.toString('base64');
}

describe('FallbackKey', () => {
  it('reads 44 characters of base64 (32 bytes) as a raw key, anything else as a passphrase', () => {
    const raw = generateFallbackKey();
    expect(raw).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(FallbackKey.fromText(`${raw}\n`).kind).toBe('raw-key');
    expect(FallbackKey.fromText(PASSPHRASE).kind).toBe('passphrase');
    expect(FallbackKey.fromText('a'.repeat(64)).kind).toBe('passphrase'); // hex is a passphrase
    expect(() => FallbackKey.fromText('short')).toThrow(FallbackKeyError);
    expect(() => FallbackKey.fromText('   ')).toThrow(FallbackKeyError);
  });

  it('reads from an env var and never shows the key', () => {
    const raw = generateFallbackKey();
    const key = FallbackKey.fromEnv('FB_KEY', { FB_KEY: raw });
    expect(key.origin).toBe('environment variable FB_KEY');
    for (const view of [inspect(key, { showHidden: true }), JSON.stringify(key), String(key)]) expect(view).not.toContain(raw);
    expect(() => FallbackKey.fromEnv('MISSING', {})).toThrow(/MISSING is not set/);
  });

  it('rejects both or neither of keyEnv and keyFile', async () => {
    await expect(FallbackKey.fromOptions({}, {})).rejects.toBeInstanceOf(FallbackKeyError);
    await expect(FallbackKey.fromOptions({ keyEnv: 'A', keyFile: '/x' }, { A: PASSPHRASE })).rejects.toThrow(/not both/);
  });
});

describe('encryptFallback / decryptFallback', () => {
  it('round-trips with a raw key (kdf none)', async () => {
    const key = generateFallbackKey();
    const envelope = await encryptFallback(DATA, key);
    expect(envelope).toMatchObject({ format: FALLBACK_ENVELOPE_FORMAT, version: 1, cipher: 'aes-256-gcm', kdf: 'none' });
    expect(envelope.kdfParams).toBeUndefined();
    expect(Buffer.from(envelope.iv, 'base64')).toHaveLength(12);
    expect(Buffer.from(envelope.tag, 'base64')).toHaveLength(16);
    expect(JSON.stringify(envelope)).not.toContain(SECRET);
    expect(await decryptFallback(JSON.parse(JSON.stringify(envelope)), key)).toEqual(DATA);
  });

  it('round-trips with a passphrase (kdf scrypt, random salt per file)', async () => {
    const a = await encryptFallback(DATA, PASSPHRASE);
    const b = await encryptFallback(DATA, PASSPHRASE, FAST);
    expect(a.kdf).toBe('scrypt');
    expect(a.kdfParams).toMatchObject({ N: 131072, r: 8, p: 1 });
    expect(Buffer.from(a.kdfParams!.salt, 'base64')).toHaveLength(16);
    expect(b.kdfParams).toMatchObject({ N: 16384, r: 8, p: 1 });
    expect(a.kdfParams!.salt).not.toBe(b.kdfParams!.salt);
    expect(a.iv).not.toBe(b.iv);
    expect(await decryptFallback(a, `  ${PASSPHRASE}\n`)).toEqual(DATA);
    expect(await decryptFallback(b, PASSPHRASE)).toEqual(DATA);
  });

  it('refuses a scrypt cost below the minimum', async () => {
    await expect(encryptFallback(DATA, PASSPHRASE, { scryptCost: { N: 1024, r: 8, p: 1 } })).rejects.toBeInstanceOf(FallbackKeyError);
  });

  it('rejects a wrong raw key or a wrong passphrase', async () => {
    const raw = await encryptFallback(DATA, generateFallbackKey());
    const other = generateFallbackKey();
    expect(await reason(decryptFallback(raw, other), [other])).toBe('wrong-key-or-tampered');
    const pass = await encryptFallback(DATA, PASSPHRASE, FAST);
    expect(await reason(decryptFallback(pass, 'not the right passphrase'), ['not the right passphrase', PASSPHRASE])).toBe(
      'wrong-key-or-tampered',
    );
  });

  it('explains a raw key given for a passphrase file and the reverse', async () => {
    const pass = await encryptFallback(DATA, PASSPHRASE, FAST);
    await expect(decryptFallback(pass, generateFallbackKey())).rejects.toThrow(/encrypted with a passphrase/);
    const raw = await encryptFallback(DATA, generateFallbackKey());
    await expect(decryptFallback(raw, PASSPHRASE)).rejects.toThrow(/encrypted with a raw 32-byte key/);
  });

  it('detects tampering with the ciphertext, the tag and the IV', async () => {
    const key = generateFallbackKey();
    const envelope = await encryptFallback(DATA, key);
    expect(await reason(decryptFallback({ ...envelope, ciphertext: flipBit(envelope.ciphertext, 5) }, key))).toBe('wrong-key-or-tampered');
    expect(await reason(decryptFallback({ ...envelope, tag: flipBit(envelope.tag) }, key))).toBe('wrong-key-or-tampered');
    expect(await reason(decryptFallback({ ...envelope, iv: flipBit(envelope.iv) }, key))).toBe('wrong-key-or-tampered');
    const truncated = Buffer.from(envelope.ciphertext, 'base64').subarray(1).toString('base64');
    expect(await reason(decryptFallback({ ...envelope, ciphertext: truncated }, key))).toBe('wrong-key-or-tampered');
  });

  it('detects tampering with the header (kdf parameters, kdf)', async () => {
    const envelope = await encryptFallback(DATA, PASSPHRASE, FAST);
    const params = envelope.kdfParams!;
    expect(await reason(decryptFallback({ ...envelope, kdfParams: { ...params, N: 32768 } }, PASSPHRASE))).toBe('wrong-key-or-tampered');
    expect(await reason(decryptFallback({ ...envelope, kdfParams: { ...params, salt: flipBit(params.salt) } }, PASSPHRASE))).toBe(
      'wrong-key-or-tampered',
    );
    const { kdfParams: _dropped, ...withoutParams } = envelope;
    expect(await reason(decryptFallback({ ...withoutParams, kdf: 'none' }, generateFallbackKey()))).toBe('wrong-key-or-tampered');
  });

  it('binds the header as AAD exactly as documented', async () => {
    const rawKey = randomBytes(32);
    const key = FallbackKey.fromBytes(rawKey);
    const plaintext = Buffer.from(JSON.stringify(DATA));
    const seal = (aad: Buffer | undefined): FallbackEnvelope => {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', rawKey, iv);
      if (aad) cipher.setAAD(aad);
      const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      return {
        format: FALLBACK_ENVELOPE_FORMAT,
        version: 1,
        cipher: 'aes-256-gcm',
        kdf: 'none',
        iv: iv.toString('base64'),
        tag: cipher.getAuthTag().toString('base64'),
        ciphertext: ciphertext.toString('base64'),
      };
    };
    const documentedAad = Buffer.from(JSON.stringify([FALLBACK_ENVELOPE_FORMAT, 1, 'aes-256-gcm', 'none', null]));
    expect(await decryptFallback(seal(documentedAad), key)).toEqual(DATA);
    expect(await reason(decryptFallback(seal(undefined), key))).toBe('wrong-key-or-tampered');
  });

  it('rejects an unsupported version', async () => {
    const key = generateFallbackKey();
    const envelope = await encryptFallback(DATA, key);
    const error = await decryptFallback({ ...envelope, version: 2 }, key).catch((e: unknown) => e);
    expect((error as FallbackFileError).reason).toBe('unsupported-version');
    expect((error as Error).message).toContain('version 2');
  });

  it('rejects what is not an envelope, or a malformed one', async () => {
    const key = generateFallbackKey();
    const envelope = await encryptFallback(DATA, key);
    expect(await reason(decryptFallback(DATA, key))).toBe('not-an-envelope');
    expect(await reason(decryptFallback('text', key))).toBe('not-an-envelope');
    expect(await reason(decryptFallback({ ...envelope, format: 'other' }, key))).toBe('not-an-envelope');
    expect(await reason(decryptFallback({ ...envelope, cipher: 'aes-128-gcm' }, key))).toBe('not-an-envelope');
    expect(await reason(decryptFallback({ ...envelope, kdf: 'argon2' }, key))).toBe('not-an-envelope');
    expect(await reason(decryptFallback({ ...envelope, iv: 'not base64!' }, key))).toBe('not-an-envelope');
    expect(await reason(decryptFallback({ ...envelope, tag: Buffer.alloc(8).toString('base64') }, key))).toBe('not-an-envelope');
    const pass = await encryptFallback(DATA, PASSPHRASE, FAST);
    expect(await reason(decryptFallback({ ...pass, kdfParams: { ...pass.kdfParams, N: 2 ** 30 } }, PASSPHRASE))).toBe('not-an-envelope');
  });

  it('rejects data that is not { key: { fields } }', async () => {
    await expect(encryptFallback({ database: SECRET } as never, generateFallbackKey())).rejects.toSatisfy(
      (e: unknown) => e instanceof FallbackFileError && e.reason === 'bad-json' && !e.message.includes(SECRET),
    );
  });
});
