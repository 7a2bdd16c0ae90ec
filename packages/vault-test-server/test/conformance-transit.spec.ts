/**
 * Conformance of the transit engine with Vault's API docs
 * (hashicorp/vault `website/content/api-docs/secret/transit.mdx`, `api-docs/system/tools.mdx`):
 * `datakey`, `random`, `hash`, `export`, `backup`/`restore`, `keys/:name/trim`, the single
 * `sign` answer of a derived Ed25519 key, and `sys/tools/random|hash`. Plain `fetch`; the key
 * material the server hands out is checked with `node:crypto`, not with the server.
 *
 * Where the docs name no status or text (errors of backup, restore, datakey nonces), the
 * expectation comes from Vault's transit source (`path_backup.go`, `path_restore.go`,
 * `keysutil/lock_manager.go`, `path_datakey.go`, `path_trim.go`, `path_sign_verify.go`), and the
 * test says so.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  sign as cryptoSign,
  verify as cryptoVerify,
} from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VaultTestServer } from '../src/index.js';
import { ENVELOPE_KEYS, envelope, errors, root, startServer, unique, type VaultAnswer } from './support.js';

let server: VaultTestServer;
let mount: string;

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const ed25519Public = (raw: string): ReturnType<typeof createPublicKey> =>
  createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, Buffer.from(raw, 'base64')]), format: 'der', type: 'spki' });

/** The backup in the "Backup key" sample response of the docs (an `aes256-gcm96` key named `aes`, Vault 0.9). */
const DOCS_SAMPLE_BACKUP =
  'eyJwb2xpY3kiOnsibmFtZSI6ImFlcyIsImtleXMiOnsiMSI6eyJrZXkiOiJXK3k4Z0dOMHdiTDJLOU95NXFPN1laMGtjdzMvR0ZiNWM4STBzdlNMMnFNPSIsImhtYWNfa2V5IjoiUDBTcjh1YTJaZERNUTdPd2h4RGp1Z0U5d0JSR3Q2QXl6K0t4TzN5Z2M5ST0iLCJ0aW1lIjoiMjAxNy0xMi0wOFQxMTo1MDowOC42MTM4MzctMDU6MDAiLCJlY194IjpudWxsLCJlY195IjpudWxsLCJlY19kIjpudWxsLCJyc2Ffa2V5IjpudWxsLCJwdWJsaWNfa2V5IjoiIiwiY3JlYXRpb25fdGltZSI6MTUxMjc1MTgwOH19LCJkZXJpdmVkIjpmYWxzZSwia2RmIjowLCJjb252ZXJnZW50X2VuY3J5cHRpb24iOmZhbHNlLCJleHBvcnRhYmxlIjpmYWxzZSwibWluX2RlY3J5cHRpb25fdmVyc2lvbiI6MSwibWluX2VuY3J5cHRpb25fdmVyc2lvbiI6MCwibGF0ZXN0X3ZlcnNpb24iOjEsImFyY2hpdmVfdmVyc2lvbiI6MSwiZGVsZXRpb25fYWxsb3dlZCI6ZmFsc2UsImNvbnZlcmdlbnRfdmVyc2lvbiI6MCwidHlwZSI6MCwiYmFja3VwX2luZm8iOnsidGltZSI6IjIwMTctMTItMDhUMTE6NTA6MjkuMjI4MTU3LTA1OjAwIiwidmVyc2lvbiI6MX0sInJlc3RvcmVfaW5mbyI6bnVsbH0sImFyY2hpdmVkX2tleXMiOnsia2V5cyI6W3sia2V5IjpudWxsLCJobWFjX2tleSI6bnVsbCwidGltZSI6IjAwMDEtMDEtMDFUMDA6MDA6MDBaIiwiZWNfeCI6bnVsbCwiZWNfeSI6bnVsbCwiZWNfZCI6bnVsbCwicnNhX2tleSI6bnVsbCwicHVibGljX2tleSI6IiIsImNyZWF0aW9uX3RpbWUiOjB9LHsia2V5IjoiVyt5OGdHTjB3YkwySzlPeTVxTzdZWjBrY3czL0dGYjVjOEkwc3ZTTDJxTT0iLCJobWFjX2tleSI6IlAwU3I4dWEyWmRETVE3T3doeERqdWdFOXdCUkd0NkF5eitLeE8zeWdjOUk9IiwidGltZSI6IjIwMTctMTItMDhUMTE6NTA6MDguNjEzODM3LTA1OjAwIiwiZWNfeCI6bnVsbCwiZWNfeSI6bnVsbCwiZWNfZCI6bnVsbCwicnNhX2tleSI6bnVsbCwicHVibGljX2tleSI6IiIsImNyZWF0aW9uX3RpbWUiOjE1MTI3NTE4MDh9XX19Cg==';

beforeAll(async () => {
  server = await startServer();
  mount = unique('transit');
  await server.admin.enableSecretsEngine(mount, 'transit');
});
afterAll(() => server.stop());

function data<D = Record<string, unknown>>(answer: VaultAnswer): D {
  return envelope<D>(answer).data;
}

async function createKey(body: Record<string, unknown> = {}): Promise<string> {
  const name = unique('k');
  const answer = await root(server, 'POST', `${mount}/keys/${name}`, { body });
  expect(answer.status).toBe(200);
  return name;
}

async function post(path: string, body: Record<string, unknown> = {}): Promise<VaultAnswer> {
  return root(server, 'POST', `${mount}/${path}`, { body });
}

function expectError(answer: VaultAnswer, status: number, message: string): void {
  expect(answer.status).toBe(status);
  expect(errors(answer)).toEqual([message]);
}

/** Vault wraps plain (non-user) backend errors: a 500 whose text is a go-multierror. */
function expectInternalError(answer: VaultAnswer, message: string): void {
  expect(answer.status).toBe(500);
  expect(errors(answer)).toHaveLength(1);
  expect(errors(answer)[0]).toContain(message);
}

/** AES-256-GCM of Vault's `vault:vN:` format (nonce 12 | ciphertext | tag 16), done locally. */
function localEncrypt(key: Buffer, plaintext: Buffer, version = 1): string {
  const nonce = Buffer.from('000102030405060708090a0b', 'hex');
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  const sealed = Buffer.concat([nonce, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return `vault:v${version}:${sealed.toString('base64')}`;
}

function localDecrypt(key: Buffer, ciphertext: string): Buffer {
  const sealed = Buffer.from(ciphertext.split(':')[2] ?? '', 'base64');
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
  decipher.setAuthTag(sealed.subarray(sealed.length - 16));
  return Buffer.concat([decipher.update(sealed.subarray(12, sealed.length - 16)), decipher.final()]);
}

describe('POST transit/datakey/:type/:name', () => {
  it('plaintext: 200 with the envelope, ciphertext, key_version and a 256-bit plaintext key that decrypt gives back', async () => {
    const name = await createKey();
    const answer = await post(`datakey/plaintext/${name}`);
    expect(answer.status).toBe(200);
    expect(Object.keys(answer.json as object)).toEqual(ENVELOPE_KEYS);
    const body = data<{ ciphertext: string; plaintext: string; key_version: number }>(answer);
    expect(body.ciphertext).toMatch(/^vault:v1:/);
    expect(body.key_version).toBe(1);
    expect(Buffer.from(body.plaintext, 'base64')).toHaveLength(32);
    const decrypted = await post(`decrypt/${name}`, { ciphertext: body.ciphertext });
    expect(data<{ plaintext: string }>(decrypted).plaintext).toBe(body.plaintext);
  });

  it('wrapped: only the ciphertext (no plaintext field); it decrypts to a fresh key', async () => {
    const name = await createKey();
    const answer = await post(`datakey/wrapped/${name}`);
    expect(answer.status).toBe(200);
    const body = data(answer);
    expect(Object.keys(body).sort()).toEqual(['ciphertext', 'key_version']);
    const decrypted = await post(`decrypt/${name}`, { ciphertext: body['ciphertext'] });
    expect(Buffer.from(data<{ plaintext: string }>(decrypted).plaintext, 'base64')).toHaveLength(32);
  });

  it('bits 128, 256 and 512 give 16, 32 and 64 bytes; any other length is 400 "invalid bit length"', async () => {
    const name = await createKey();
    for (const [bits, bytes] of [
      [128, 16],
      [256, 32],
      [512, 64],
    ] as const) {
      const body = data<{ plaintext: string }>(await post(`datakey/plaintext/${name}`, { bits }));
      expect(Buffer.from(body.plaintext, 'base64'), String(bits)).toHaveLength(bytes);
    }
    expectError(await post(`datakey/plaintext/${name}`, { bits: 192 }), 400, 'invalid bit length');
  });

  it('derived keys need the base64 context; the key decrypts only with the same context', async () => {
    const name = await createKey({ derived: true });
    const missing = await post(`datakey/plaintext/${name}`);
    expect(missing.status).toBe(400);
    expect(errors(missing)[0]).toMatch(/^missing 'context' for key derivation/);
    const context = b64('tenant-a');
    const body = data<{ ciphertext: string; plaintext: string }>(await post(`datakey/plaintext/${name}`, { context }));
    const same = await post(`decrypt/${name}`, { ciphertext: body.ciphertext, context });
    expect(data<{ plaintext: string }>(same).plaintext).toBe(body.plaintext);
    const other = await post(`decrypt/${name}`, { ciphertext: body.ciphertext, context: b64('tenant-b') });
    expect(other.status).toBe(400);
    expectError(await post(`datakey/plaintext/${name}`, { context: 'not base64!' }), 400, 'failed to base64-decode context');
  });

  it('convergent keys (derived) make data keys that decrypt with their context', async () => {
    const name = await createKey({ derived: true, convergent_encryption: true });
    const context = b64('ctx');
    const body = data<{ ciphertext: string; plaintext: string }>(await post(`datakey/plaintext/${name}`, { context }));
    const decrypted = await post(`decrypt/${name}`, { ciphertext: body.ciphertext, context });
    expect(data<{ plaintext: string }>(decrypted).plaintext).toBe(body.plaintext);
  });

  it('uses the latest version, or key_version when given', async () => {
    const name = await createKey();
    await post(`keys/${name}/rotate`);
    expect(data<{ ciphertext: string; key_version: number }>(await post(`datakey/wrapped/${name}`))).toMatchObject({
      key_version: 2,
      ciphertext: expect.stringMatching(/^vault:v2:/) as unknown,
    });
    expect(data<{ ciphertext: string }>(await post(`datakey/wrapped/${name}`, { key_version: 1 })).ciphertext).toMatch(/^vault:v1:/);
  });

  it('refuses a path type other than plaintext/wrapped and a missing key (400)', async () => {
    const name = await createKey();
    expectError(await post(`datakey/other/${name}`), 400, "Invalid path, must be 'plaintext' or 'wrapped'");
    expectError(await post(`datakey/plaintext/${unique('absent')}`), 400, 'encryption key not found');
  });

  it('a signing key cannot wrap a data key (400, keysutil text)', async () => {
    const name = await createKey({ type: 'ed25519' });
    expectError(await post(`datakey/plaintext/${name}`), 400, 'message encryption not supported for key type ed25519');
  });

  it('a nonce on a key created after Vault 0.6.1 is refused as a plain error (500; path_datakey.go)', async () => {
    const name = await createKey();
    expectInternalError(
      await post(`datakey/plaintext/${name}`, { nonce: Buffer.alloc(12).toString('base64') }),
      'provided nonce not allowed for this key',
    );
  });
});

describe('POST transit/random(/:source)(/:bytes) and sys/tools/random', () => {
  it('defaults to 32 random bytes, base64', async () => {
    const answer = await post('random');
    expect(answer.status).toBe(200);
    const first = data<{ random_bytes: string }>(answer).random_bytes;
    expect(Buffer.from(first, 'base64')).toHaveLength(32);
    expect(data<{ random_bytes: string }>(await post('random')).random_bytes).not.toBe(first);
  });

  it('takes the byte count from the URL (docs sample: /random/164 with format hex) or the body', async () => {
    const hex = data<{ random_bytes: string }>(await post('random/164', { format: 'hex' })).random_bytes;
    expect(hex).toMatch(/^[0-9a-f]{328}$/);
    expect(Buffer.from(data<{ random_bytes: string }>(await post('random', { bytes: 10 })).random_bytes, 'base64')).toHaveLength(10);
  });

  it('takes the source from the URL: /platform, /all/24; /seal falls back to platform entropy with a warning', async () => {
    expect(Buffer.from(data<{ random_bytes: string }>(await post('random/platform')).random_bytes, 'base64')).toHaveLength(32);
    expect(Buffer.from(data<{ random_bytes: string }>(await post('random/all/24')).random_bytes, 'base64')).toHaveLength(24);
    const seal = await post('random/seal/8');
    expect(Buffer.from(data<{ random_bytes: string }>(seal).random_bytes, 'base64')).toHaveLength(8);
    expect(envelope(seal).warnings).toEqual(['no seal/entropy augmentation available, using platform entropy source']);
  });

  it('refuses a bad format, a count below 1 or above 128 KiB, a bad URL count and an unknown source (400)', async () => {
    expectError(await post('random', { format: 'base92' }), 400, 'unsupported encoding format "base92"; must be "hex" or "base64"');
    expectError(await post('random', { bytes: 0 }), 400, '"bytes" cannot be less than 1');
    expectError(await post('random', { bytes: 128 * 1024 + 1 }), 400, '"bytes" should be less than 131072');
    expectError(await post('random/lots'), 400, 'error parsing url-set byte count: strconv.Atoi: parsing "lots": invalid syntax');
    expectError(await post('random/hsm/8'), 400, 'unsupported entropy source "hsm"; must be "platform" or "seal", or "all"');
  });

  it('sys/tools/random answers the same way', async () => {
    const answer = await root(server, 'POST', 'sys/tools/random/16', { body: { format: 'hex' } });
    expect(answer.status).toBe(200);
    expect(data<{ random_bytes: string }>(answer).random_bytes).toMatch(/^[0-9a-f]{32}$/);
    expect((await root(server, 'POST', 'sys/tools/random', { body: { bytes: -1 } })).status).toBe(400);
  });
});

describe('POST transit/hash(/:algorithm) and sys/tools/hash', () => {
  const input = 'adba32==';
  const raw = Buffer.from(input, 'base64');

  it('docs sample: /hash/sha2-512 of "adba32==" is the hex SHA-512 of the decoded bytes', async () => {
    const answer = await post('hash/sha2-512', { input });
    expect(answer.status).toBe(200);
    expect(data(answer)).toEqual({ sum: createHash('sha512').update(raw).digest('hex') });
  });

  it('every documented algorithm, default sha2-256, hex by default or base64; the URL algorithm wins over the body', async () => {
    const digests: Record<string, string> = {
      'sha2-224': 'sha224',
      'sha2-256': 'sha256',
      'sha2-384': 'sha384',
      'sha2-512': 'sha512',
      'sha3-224': 'sha3-224',
      'sha3-256': 'sha3-256',
      'sha3-384': 'sha3-384',
      'sha3-512': 'sha3-512',
    };
    for (const [algorithm, digest] of Object.entries(digests)) {
      const body = data<{ sum: string }>(await post('hash', { input, algorithm, format: 'base64' }));
      expect(body.sum, algorithm).toBe(createHash(digest).update(raw).digest('base64'));
    }
    expect(data<{ sum: string }>(await post('hash', { input })).sum).toBe(createHash('sha256').update(raw).digest('hex'));
    expect(data<{ sum: string }>(await post('hash/sha3-256', { input, algorithm: 'sha2-224' })).sum).toBe(
      createHash('sha3-256').update(raw).digest('hex'),
    );
  });

  it('refuses an unknown algorithm, a bad format, undecodable and missing input (400)', async () => {
    expectError(await post('hash/md5', { input }), 400, 'unsupported algorithm md5');
    expectError(await post('hash', { input, format: 'base32' }), 400, 'unsupported encoding format base32; must be "hex" or "base64"');
    expectError(await post('hash', { input: '***' }), 400, 'unable to decode input as base64: illegal base64 data at input byte 0');
    expectError(await post('hash', {}), 400, 'input missing');
  });

  it('sys/tools/hash answers the same way', async () => {
    const answer = await root(server, 'POST', 'sys/tools/hash/sha2-384', { body: { input, format: 'base64' } });
    expect(answer.status).toBe(200);
    expect(data(answer)).toEqual({ sum: createHash('sha384').update(raw).digest('base64') });
    expectError(await root(server, 'POST', 'sys/tools/hash/sha1', { body: { input } }), 400, 'unsupported algorithm sha1');
  });
});

describe('GET transit/export/:key_type/:name(/:version)', () => {
  it("an exportable AES key: name, type and every version's raw key, which really encrypts and decrypts", async () => {
    const name = await createKey({ exportable: true });
    await post(`keys/${name}/rotate`);
    const answer = await root(server, 'GET', `${mount}/export/encryption-key/${name}`);
    expect(answer.status).toBe(200);
    const body = data<{ name: string; type: string; keys: Record<string, string> }>(answer);
    expect(body.name).toBe(name);
    expect(body.type).toBe('aes256-gcm96');
    expect(Object.keys(body.keys).sort()).toEqual(['1', '2']);
    const key2 = Buffer.from(body.keys['2'] ?? '', 'base64');
    expect(key2).toHaveLength(32);
    const ciphertext = data<{ ciphertext: string }>(await post(`encrypt/${name}`, { plaintext: b64('exported') })).ciphertext;
    expect(localDecrypt(key2, ciphertext).toString()).toBe('exported');
    const local = localEncrypt(Buffer.from(body.keys['1'] ?? '', 'base64'), Buffer.from('made locally'), 1);
    expect(data<{ plaintext: string }>(await post(`decrypt/${name}`, { ciphertext: local })).plaintext).toBe(b64('made locally'));
  });

  it('one version by number, vN or latest; below min_decryption_version, unknown or malformed versions are 400', async () => {
    const name = await createKey({ exportable: true });
    await post(`keys/${name}/rotate`);
    await post(`keys/${name}/rotate`);
    const all = data<{ keys: Record<string, string> }>(await root(server, 'GET', `${mount}/export/encryption-key/${name}`)).keys;
    expect(data<{ keys: Record<string, string> }>(await root(server, 'GET', `${mount}/export/encryption-key/${name}/2`)).keys).toEqual({
      '2': all['2'],
    });
    expect(data<{ keys: Record<string, string> }>(await root(server, 'GET', `${mount}/export/encryption-key/${name}/v1`)).keys).toEqual({
      '1': all['1'],
    });
    expect(data<{ keys: Record<string, string> }>(await root(server, 'GET', `${mount}/export/encryption-key/${name}/latest`)).keys).toEqual(
      { '3': all['3'] },
    );
    expectError(await root(server, 'GET', `${mount}/export/encryption-key/${name}/9`), 400, 'version does not exist or cannot be found');
    expectError(await root(server, 'GET', `${mount}/export/encryption-key/${name}/two`), 400, 'invalid key version');
    await post(`keys/${name}/config`, { min_decryption_version: 2 });
    expectError(
      await root(server, 'GET', `${mount}/export/encryption-key/${name}/1`),
      400,
      'version for export is below minimum decryption version',
    );
    const listed = data<{ keys: Record<string, string> }>(await root(server, 'GET', `${mount}/export/encryption-key/${name}`)).keys;
    expect(Object.keys(listed).sort()).toEqual(['2', '3']);
  });

  it('hmac-key is the key transit/hmac uses', async () => {
    const name = await createKey({ exportable: true });
    const exported =
      data<{ keys: Record<string, string> }>(await root(server, 'GET', `${mount}/export/hmac-key/${name}/1`)).keys['1'] ?? '';
    const hmac = data<{ hmac: string }>(await post(`hmac/${name}`, { input: b64('message') })).hmac;
    const local = createHmac('sha256', Buffer.from(exported, 'base64')).update('message').digest('base64');
    expect(hmac).toBe(`vault:v1:${local}`);
  });

  it('Ed25519: signing-key is the 64-byte private key, public-key the raw public key of the key read', async () => {
    const name = await createKey({ type: 'ed25519', exportable: true });
    const signing =
      data<{ keys: Record<string, string> }>(await root(server, 'GET', `${mount}/export/signing-key/${name}`)).keys['1'] ?? '';
    const raw = Buffer.from(signing, 'base64');
    expect(raw).toHaveLength(64);
    const publicKey =
      data<{ keys: Record<string, string> }>(await root(server, 'GET', `${mount}/export/public-key/${name}`)).keys['1'] ?? '';
    expect(raw.subarray(32).toString('base64')).toBe(publicKey);
    const read = data<{ keys: Record<string, { public_key: string }> }>(await root(server, 'GET', `${mount}/keys/${name}`));
    expect(read.keys['1']?.public_key).toBe(publicKey);
    const privateKey = createPrivateKey({
      key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), raw.subarray(0, 32)]),
      format: 'der',
      type: 'pkcs8',
    });
    const signature = cryptoSign(null, Buffer.from('signed locally'), privateKey).toString('base64');
    const verified = await post(`verify/${name}`, { input: b64('signed locally'), signature: `vault:v1:${signature}` });
    expect(data(verified)).toEqual({ valid: true });
  });

  it('ECDSA: signing-key is an EC PRIVATE KEY PEM, public-key a PUBLIC KEY PEM (public-key needs no exportable)', async () => {
    const name = await createKey({ type: 'ecdsa-p256', exportable: true });
    const pem = data<{ keys: Record<string, string> }>(await root(server, 'GET', `${mount}/export/signing-key/${name}`)).keys['1'] ?? '';
    expect(pem).toMatch(/^-----BEGIN EC PRIVATE KEY-----\n[\s\S]+\n-----END EC PRIVATE KEY-----$/);
    const signature = cryptoSign('sha256', Buffer.from('ecdsa'), createPrivateKey(pem)).toString('base64');
    expect(data(await post(`verify/${name}`, { input: b64('ecdsa'), signature: `vault:v1:${signature}` }))).toEqual({ valid: true });

    const closed = await createKey({ type: 'ecdsa-p384' });
    const publicPem =
      data<{ keys: Record<string, string> }>(await root(server, 'GET', `${mount}/export/public-key/${closed}/1`)).keys['1'] ?? '';
    expect(publicPem).toMatch(/^-----BEGIN PUBLIC KEY-----\n[\s\S]+\n-----END PUBLIC KEY-----$/);
    const served = data<{ signature: string }>(await post(`sign/${closed}/sha2-384`, { input: b64('p384') })).signature;
    expect(cryptoVerify('sha384', Buffer.from('p384'), createPublicKey(publicPem), Buffer.from(served.split(':')[2] ?? '', 'base64'))).toBe(
      true,
    );
  });

  it('refuses private material of a key that is not exportable, and material the key type has not (400)', async () => {
    const closed = await createKey();
    expectError(await root(server, 'GET', `${mount}/export/encryption-key/${closed}`), 400, 'private key material is not exportable');
    expectError(await root(server, 'GET', `${mount}/export/hmac-key/${closed}`), 400, 'private key material is not exportable');
    const signingKey = await createKey({ type: 'ed25519', exportable: true });
    expectError(await root(server, 'GET', `${mount}/export/encryption-key/${signingKey}`), 400, 'encryption not supported for the key');
    const aes = await createKey({ exportable: true });
    expectError(await root(server, 'GET', `${mount}/export/signing-key/${aes}`), 400, 'signing not supported for the key');
  });

  it('public-key of a symmetric key is a plain error (500, path_export.go)', async () => {
    const name = await createKey({ exportable: true });
    expectInternalError(
      await root(server, 'GET', `${mount}/export/public-key/${name}`),
      'unknown key type aes256-gcm96 for export type public-key',
    );
  });

  it('an unknown key_type is 400, an unknown key a 404 with no errors', async () => {
    const name = await createKey({ exportable: true });
    expectError(await root(server, 'GET', `${mount}/export/private-key/${name}`), 400, 'invalid export type: private-key');
    const missing = await root(server, 'GET', `${mount}/export/encryption-key/${unique('absent')}`);
    expect(missing.status).toBe(404);
    expect(errors(missing)).toEqual([]);
  });

  it('allows exportable to be turned on later through keys/:name/config', async () => {
    const name = await createKey();
    await post(`keys/${name}/config`, { exportable: true });
    expect((await root(server, 'GET', `${mount}/export/encryption-key/${name}`)).status).toBe(200);
  });
});

describe('GET transit/backup/:name and POST transit/restore(/:name)', () => {
  async function backupOf(name: string): Promise<string> {
    const answer = await root(server, 'GET', `${mount}/backup/${name}`);
    expect(answer.status).toBe(200);
    return data<{ backup: string }>(answer).backup;
  }

  it('the backup is base64 of the key data (policy and archive); restored under another name it decrypts the old ciphertexts', async () => {
    const name = await createKey({ exportable: true, allow_plaintext_backup: true });
    const v1 = data<{ ciphertext: string }>(await post(`encrypt/${name}`, { plaintext: b64('one') })).ciphertext;
    await post(`keys/${name}/rotate`);
    const v2 = data<{ ciphertext: string }>(await post(`encrypt/${name}`, { plaintext: b64('two') })).ciphertext;

    const backup = await backupOf(name);
    const decoded = JSON.parse(Buffer.from(backup, 'base64').toString('utf8')) as {
      policy: { name: string; latest_version: number; keys: Record<string, unknown> };
      archived_keys: { keys: unknown[] };
    };
    expect(decoded.policy).toMatchObject({ name, latest_version: 2 });
    expect(Object.keys(decoded.policy.keys).sort()).toEqual(['1', '2']);

    const copy = unique('restored');
    const restored = await post(`restore/${copy}`, { backup });
    expect(restored.status).toBe(204);
    expect(restored.text).toBe('');
    expect(data<{ plaintext: string }>(await post(`decrypt/${copy}`, { ciphertext: v1 })).plaintext).toBe(b64('one'));
    expect(data<{ plaintext: string }>(await post(`decrypt/${copy}`, { ciphertext: v2 })).plaintext).toBe(b64('two'));
    const fromCopy = data<{ ciphertext: string }>(await post(`encrypt/${copy}`, { plaintext: b64('back') })).ciphertext;
    expect(fromCopy).toMatch(/^vault:v2:/);
    expect(data<{ plaintext: string }>(await post(`decrypt/${name}`, { ciphertext: fromCopy })).plaintext).toBe(b64('back'));
  });

  it('read key shows backup_info on the original and restore_info on the restored key', async () => {
    const name = await createKey({ exportable: true, allow_plaintext_backup: true });
    const backup = await backupOf(name);
    const copy = unique('restored');
    await post(`restore/${copy}`, { backup });
    const original = data(await root(server, 'GET', `${mount}/keys/${name}`));
    expect(original['backup_info']).toEqual({ time: new Date(server.clock.now()).toISOString(), version: 1 });
    const restored = data(await root(server, 'GET', `${mount}/keys/${copy}`));
    expect(restored).toMatchObject({ name: copy, exportable: true, allow_plaintext_backup: true, latest_version: 1 });
    expect(restored['restore_info']).toEqual({ time: new Date(server.clock.now()).toISOString(), version: 1 });
  });

  it('restores the docs sample backup (a real Vault backup of key "aes") under its own name', async () => {
    const restored = await post('restore', { backup: DOCS_SAMPLE_BACKUP });
    expect(restored.status).toBe(204);
    const read = data(await root(server, 'GET', `${mount}/keys/aes`));
    expect(read).toMatchObject({ name: 'aes', type: 'aes256-gcm96', latest_version: 1, keys: { '1': 1512751808 } });
    const key = Buffer.from('W+y8gGN0wbL2K9Oy5qO7YZ0kcw3/GFb5c8I0svSL2qM=', 'base64');
    const fromVault = localEncrypt(key, Buffer.from('from the docs'));
    expect(data<{ plaintext: string }>(await post('decrypt/aes', { ciphertext: fromVault })).plaintext).toBe(b64('from the docs'));
    const hmac = data<{ hmac: string }>(await post('hmac/aes', { input: b64('x') })).hmac;
    const hmacKey = Buffer.from('P0Sr8ua2ZdDMQ7OwhxDjugE9wBRGt6Ayz+KxO3ygc9I=', 'base64');
    expect(hmac).toBe(`vault:v1:${createHmac('sha256', hmacKey).update('x').digest('base64')}`);
  });

  it('Ed25519 (derived) and ECDSA keys round-trip: signatures of the old key verify with the restored one', async () => {
    for (const body of [{ type: 'ed25519', derived: true }, { type: 'ecdsa-p521' }]) {
      const name = await createKey({ ...body, exportable: true, allow_plaintext_backup: true });
      const context = body.type === 'ed25519' ? { context: b64('ctx') } : {};
      const signature = data<{ signature: string }>(await post(`sign/${name}`, { input: b64('sig'), ...context })).signature;
      const copy = unique('restored');
      expect((await post(`restore/${copy}`, { backup: await backupOf(name) })).status).toBe(204);
      const verified = await post(`verify/${copy}`, { input: b64('sig'), signature, ...context });
      expect(data(verified), body.type).toEqual({ valid: true });
    }
  });

  it('keeps min_decryption_version: old ciphertexts stay refused after the restore', async () => {
    const name = await createKey({ exportable: true, allow_plaintext_backup: true });
    const v1 = data<{ ciphertext: string }>(await post(`encrypt/${name}`, { plaintext: b64('old') })).ciphertext;
    await post(`keys/${name}/rotate`);
    await post(`keys/${name}/config`, { min_decryption_version: 2 });
    const copy = unique('restored');
    await post(`restore/${copy}`, { backup: await backupOf(name) });
    expect(data(await root(server, 'GET', `${mount}/keys/${copy}`))).toMatchObject({ min_decryption_version: 2, latest_version: 2 });
    expectError(
      await post(`decrypt/${copy}`, { ciphertext: v1 }),
      400,
      'ciphertext or signature version is disallowed by policy (too old)',
    );
    await post(`keys/${copy}/config`, { min_decryption_version: 1 });
    expect(data<{ plaintext: string }>(await post(`decrypt/${copy}`, { ciphertext: v1 })).plaintext).toBe(b64('old'));
  });

  it('refuses to restore over an existing key unless force is set (lock_manager.go: a plain 500 error)', async () => {
    const name = await createKey({ exportable: true, allow_plaintext_backup: true });
    const backup = await backupOf(name);
    expectInternalError(await post('restore', { backup }), `key "${name}" already exists`);
    expect((await post('restore', { backup, force: true })).status).toBe(204);
  });

  it('refuses a restore without backup (400 "\'backup\' must be supplied")', async () => {
    expectError(await post('restore', {}), 400, "'backup' must be supplied");
  });

  it('a key name with a slash or a backup that is not base64 are plain 500 errors (path_restore.go, lock_manager.go)', async () => {
    expectInternalError(await post('restore/a/b', { backup: DOCS_SAMPLE_BACKUP }), 'key names cannot be paths');
    expectInternalError(await post(`restore/${unique('bad')}`, { backup: 'not base64!' }), 'illegal base64 data at input byte 3');
  });

  it('backs up only keys with exportable and allow_plaintext_backup (keysutil: plain 500 errors)', async () => {
    const neither = await createKey();
    expectInternalError(await root(server, 'GET', `${mount}/backup/${neither}`), 'exporting is disallowed on the policy');
    const exportable = await createKey({ exportable: true });
    expectInternalError(await root(server, 'GET', `${mount}/backup/${exportable}`), 'plaintext backup is disallowed on the policy');
    const absent = unique('absent');
    expectInternalError(await root(server, 'GET', `${mount}/backup/${absent}`), `key "${absent}" not found`);
  });
});

describe('POST transit/keys/:name/trim', () => {
  async function keyWithThreeVersions(): Promise<string> {
    const name = await createKey({ exportable: true });
    await post(`keys/${name}/rotate`);
    await post(`keys/${name}/rotate`);
    return name;
  }

  it('trims versions below min_available_version for good and answers the key', async () => {
    const name = await keyWithThreeVersions();
    const v1 = data<{ ciphertext: string }>(await post(`encrypt/${name}`, { plaintext: b64('x'), key_version: 1 })).ciphertext;
    await post(`keys/${name}/config`, { min_decryption_version: 2, min_encryption_version: 3 });
    const answer = await post(`keys/${name}/trim`, { min_available_version: 2 });
    expect(answer.status).toBe(200);
    expect(data(answer)).toMatchObject({ name, min_available_version: 2, min_decryption_version: 2, latest_version: 3 });
    expect(Object.keys(data<{ keys: Record<string, number> }>(answer).keys).sort()).toEqual(['2', '3']);
    // Version 1 is gone: the limits cannot go back below min_available_version.
    expectError(
      await post(`keys/${name}/config`, { min_decryption_version: 1 }),
      400,
      'min decryption version should not be less then min available version',
    );
    expectError(
      await post(`keys/${name}/config`, { min_encryption_version: 0 }),
      400,
      'min encryption version should not be less than min available version',
    );
    expectError(
      await post(`decrypt/${name}`, { ciphertext: v1 }),
      400,
      'ciphertext or signature version is disallowed by policy (too old)',
    );
    expect(
      Object.keys(data<{ keys: Record<string, string> }>(await root(server, 'GET', `${mount}/export/encryption-key/${name}`)).keys),
    ).toEqual(['2', '3']);
  });

  it('needs min_encryption_version to be set', async () => {
    const name = await keyWithThreeVersions();
    expectError(
      await post(`keys/${name}/trim`, { min_available_version: 1 }),
      400,
      'minimum available version cannot be set when minimum encryption version is not set',
    );
  });

  it('may at most be the lesser of min_decryption_version and min_encryption_version', async () => {
    const name = await keyWithThreeVersions();
    await post(`keys/${name}/config`, { min_decryption_version: 2, min_encryption_version: 2 });
    expectError(
      await post(`keys/${name}/trim`, { min_available_version: 3 }),
      400,
      'minimum available version cannot be greater than minmum encryption version',
    );
    await post(`keys/${name}/config`, { min_encryption_version: 3 });
    expectError(
      await post(`keys/${name}/trim`, { min_available_version: 3 }),
      400,
      'minimum available version cannot be greater than minimum decryption version',
    );
  });

  it('refuses a missing, zero or decremented min_available_version and an unknown key (400)', async () => {
    const name = await keyWithThreeVersions();
    await post(`keys/${name}/config`, { min_decryption_version: 3, min_encryption_version: 3 });
    expectError(await post(`keys/${name}/trim`, {}), 400, 'missing min_available_version');
    expectError(await post(`keys/${name}/trim`, { min_available_version: 0 }), 400, 'minimum available version should be positive');
    expect((await post(`keys/${name}/trim`, { min_available_version: 3 })).status).toBe(200);
    expectError(await post(`keys/${name}/trim`, { min_available_version: 2 }), 400, 'minimum available version cannot be decremented');
    expectError(await post(`keys/${unique('absent')}/trim`, { min_available_version: 1 }), 400, 'invalid key name');
  });
});

describe('POST transit/sign/:name of a derived Ed25519 key', () => {
  it('the single answer carries the derived public key as data.public_key; it verifies the signature', async () => {
    const name = await createKey({ type: 'ed25519', derived: true });
    const answer = await post(`sign/${name}`, { input: b64('payload'), context: b64('ctx') });
    expect(answer.status).toBe(200);
    const body = data<{ signature: string; public_key: string; key_version: number }>(answer);
    expect(Object.keys(body).sort()).toEqual(['key_version', 'public_key', 'signature']);
    expect(Buffer.from(body.public_key, 'base64')).toHaveLength(32);
    const signature = Buffer.from(body.signature.split(':')[2] ?? '', 'base64');
    expect(cryptoVerify(null, Buffer.from('payload'), ed25519Public(body.public_key), signature)).toBe(true);
  });

  it('batch results spell it publickey, as in the docs sample', async () => {
    const name = await createKey({ type: 'ed25519', derived: true });
    const answer = await post(`sign/${name}`, { batch_input: [{ input: b64('a'), context: b64('c1') }] });
    const [result] = data<{ batch_results: Array<Record<string, unknown>> }>(answer).batch_results;
    expect(result).toHaveProperty('publickey');
    expect(result).not.toHaveProperty('public_key');
  });

  it('a key that is not derived answers no public key', async () => {
    const name = await createKey({ type: 'ed25519' });
    expect(Object.keys(data(await post(`sign/${name}`, { input: b64('x') }))).sort()).toEqual(['key_version', 'signature']);
  });
});

describe('GET transit/keys/:name after min_decryption_version', () => {
  it('lists only the versions from min_decryption_version (Vault archives the older ones) and min_available_version 0', async () => {
    const name = await createKey();
    await post(`keys/${name}/rotate`);
    await post(`keys/${name}/rotate`);
    await post(`keys/${name}/config`, { min_decryption_version: 2 });
    const body = data<{ keys: Record<string, number>; min_available_version: number }>(await root(server, 'GET', `${mount}/keys/${name}`));
    expect(Object.keys(body.keys).sort()).toEqual(['2', '3']);
    expect(body.min_available_version).toBe(0);
  });
});
