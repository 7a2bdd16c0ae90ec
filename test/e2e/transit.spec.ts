/**
 * `secrets.transit()` against the test server's transit engine: round trips with and without a
 * context, rotation then rewrap, min_decryption_version refusal, sign/verify, hmac/verify,
 * batches with a bad item, typed errors that never echo a plaintext or a ciphertext.
 */
import { createPublicKey, verify as cryptoVerify } from 'node:crypto';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  InvalidRequestError,
  MalformedResponseError,
  PermissionDeniedError,
  SecretsManager,
  SecretsModule,
  SecretsService,
  VaultRequestError,
  VaultUnavailableError,
} from '../../lib/index.js';
import { type VaultRequester } from '../../lib/contracts/vault-requester.js';
import { TransitEngine } from '../../lib/engines/transit.engine.js';
import { bootApp } from '../support/boot-app.js';
import { startTestVault, uniqueName, type TestVault } from '../support/test-vault.js';

let vault: TestVault;
let secrets: SecretsManager;
let mount: string;

beforeAll(async () => {
  vault = await startTestVault();
  mount = uniqueName('transit');
  await vault.admin.enableSecretsEngine(mount, 'transit');
  secrets = await new SecretsManager(
    { address: vault.address, token: vault.rootToken, secretsPath: 'secret', fallbackEnv: false, watch: { enabled: false }, maxRetries: 0 },
    { env: {} },
  ).start();
});
afterAll(async () => {
  await secrets.close();
  await vault.stop();
});

describe('encrypt / decrypt', () => {
  it('round-trips a string and a Buffer; each encryption gives a new ciphertext', async () => {
    const key = uniqueName('orders');
    await vault.admin.createTransitKey(mount, key);
    const transit = secrets.transit(mount);
    const first = await transit.encrypt(key, 'card 4111 1111 1111 1111');
    const second = await transit.encrypt(key, 'card 4111 1111 1111 1111');
    expect(first).toMatch(/^vault:v1:/);
    expect(second).not.toBe(first);
    expect((await transit.decrypt(key, first)).toString('utf8')).toBe('card 4111 1111 1111 1111');
    const bytes = Buffer.from([0, 255, 1, 254, 10, 13]);
    expect(await transit.decrypt(key, await transit.encrypt(key, bytes))).toEqual(bytes);
  });

  it('round-trips with a context on a derived key; the wrong context or none fails with a typed error', async () => {
    const key = uniqueName('tenant');
    await vault.admin.createTransitKey(mount, key, { derived: true });
    const transit = secrets.transit(mount);
    const ciphertext = await transit.encrypt(key, 'per-tenant secret', { context: 'tenant-42' });
    expect((await transit.decrypt(key, ciphertext, { context: Buffer.from('tenant-42') })).toString()).toBe('per-tenant secret');
    const wrong = await transit.decrypt(key, ciphertext, { context: 'tenant-43' }).catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(VaultRequestError);
    expect((wrong as VaultRequestError).vaultErrors).toEqual(['cipher: message authentication failed']);
    const none = await transit.encrypt(key, 'x').catch((e: unknown) => e);
    expect(none).toBeInstanceOf(VaultRequestError);
    expect((none as Error).message).toContain("missing 'context' for key derivation");
  });

  it('creates the key on first encrypt (upsert) under the default mount name', async () => {
    const key = uniqueName('upsert');
    const transit = secrets.transit(mount);
    expect((await transit.decrypt(key, await transit.encrypt(key, 'hello'))).toString()).toBe('hello');
    expect((await vault.admin.readTransitKey(mount, key)).latest_version).toBe(1);
  });

  it('bad ciphertext → VaultRequestError naming the problem, never echoing the ciphertext', async () => {
    const key = uniqueName('bad');
    await vault.admin.createTransitKey(mount, key);
    const transit = secrets.transit(mount);
    const good = await transit.encrypt(key, 'plain words here');
    const tampered = `${good.slice(0, -6)}AAAAA=`;
    for (const [ciphertext, reason] of [
      ['not-a-vault-ciphertext-at-all', 'invalid ciphertext: no prefix'],
      [tampered, 'cipher: message authentication failed'],
      ['vault:v7:AAAA', 'invalid ciphertext: version is too new'],
    ] as const) {
      const error = await transit.decrypt(key, ciphertext).catch((e: unknown) => e);
      expect(error, ciphertext).toBeInstanceOf(VaultRequestError);
      expect((error as VaultRequestError).status).toBe(400);
      expect((error as VaultRequestError).vaultErrors).toEqual([reason]);
      const shown = `${(error as Error).message} ${inspect(error)} ${JSON.stringify(error)}`;
      expect(shown).not.toContain(ciphertext);
      expect(shown).toContain(`${mount}/decrypt/${key}`);
    }
  });

  it('refuses bad arguments before sending, without quoting plaintexts', async () => {
    const transit = secrets.transit(mount);
    vault.server?.clearRequests();
    await expect(transit.encrypt('../sys', 'x')).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(transit.encrypt('k', 42 as unknown as string)).rejects.toThrow(/plaintext: expected a Buffer/);
    await expect(transit.decrypt('k', '')).rejects.toThrow(/ciphertext: expected a non-empty/);
    await expect(transit.encrypt('k', 'x', { keyVersion: -1 })).rejects.toThrow(/keyVersion/);
    await expect(transit.encryptBatch('k', [])).rejects.toThrow(/items: expected a non-empty array/);
    expect(() => secrets.transit('a/../b')).toThrow(InvalidRequestError);
    if (vault.server) expect(vault.server.requestCount({ path: /transit|sys/ })).toBe(0);
  });
});

describe('rotation and versions', () => {
  it('rotates, rewraps old ciphertext to the new version, then min_decryption_version refuses the old one', async () => {
    const key = uniqueName('rot');
    await vault.admin.createTransitKey(mount, key);
    const transit = secrets.transit(mount);
    const v1 = await transit.encrypt(key, 'long-lived');
    await vault.admin.rotateTransitKey(mount, key);
    expect(await transit.encrypt(key, 'new')).toMatch(/^vault:v2:/);
    const v2 = await transit.rewrap(key, v1);
    expect(v2).toMatch(/^vault:v2:/);
    expect((await transit.decrypt(key, v2)).toString()).toBe('long-lived');
    await vault.admin.configureTransitKey(mount, key, { min_decryption_version: 2 });
    const refused = await transit.decrypt(key, v1).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(VaultRequestError);
    expect((refused as VaultRequestError).vaultErrors).toEqual(['ciphertext or signature version is disallowed by policy (too old)']);
    expect((await transit.decrypt(key, v2)).toString()).toBe('long-lived');
    expect(await transit.encrypt(key, 'pinned', { keyVersion: 2 })).toMatch(/^vault:v2:/);
  });
});

describe('sign / verify / hmac', () => {
  it('a derived ed25519 key: sign returns the public key of the context, which verifies the signature', async () => {
    const transit = secrets.transit(mount);
    const key = uniqueName('derived-ed');
    await vault.admin.createTransitKey(mount, key, { type: 'ed25519', derived: true });
    const signed = await transit.sign(key, 'invoice #123', { context: 'tenant-a' });
    expect(signed.publicKey).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    const publicKey = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(signed.publicKey ?? '', 'base64').toString('base64url') },
      format: 'jwk',
    });
    const raw = Buffer.from(signed.signature.replace(/^vault:v\d+:/, ''), 'base64');
    expect(cryptoVerify(null, Buffer.from('invoice #123'), publicKey, raw)).toBe(true);
    const other = await transit.sign(key, 'invoice #123', { context: 'tenant-b' });
    expect(other.publicKey).not.toBe(signed.publicKey);
    const plain = uniqueName('plain-ed');
    await vault.admin.createTransitKey(mount, plain, { type: 'ed25519' });
    expect((await transit.sign(plain, 'x')).publicKey).toBeUndefined();
  });

  it('signs with ed25519 and ecdsa-p256 and verifies; a changed input does not verify', async () => {
    const transit = secrets.transit(mount);
    for (const type of ['ed25519', 'ecdsa-p256']) {
      const key = uniqueName(type);
      await vault.admin.createTransitKey(mount, key, { type });
      const signed = await transit.sign(key, 'invoice #123', { hashAlgorithm: 'sha2-256' });
      expect(signed.keyVersion).toBe(1);
      expect(signed.signature).toMatch(/^vault:v1:/);
      expect(await transit.verify(key, 'invoice #123', signed.signature)).toBe(true);
      expect(await transit.verify(key, 'invoice #124', signed.signature)).toBe(false);
    }
    const jwsKey = uniqueName('jws');
    await vault.admin.createTransitKey(mount, jwsKey, { type: 'ecdsa-p256' });
    const jws = await transit.sign(jwsKey, 'header.payload', { marshalingAlgorithm: 'jws', hashAlgorithm: 'sha2-512' });
    expect(jws.signature).toMatch(/^vault:v1:[A-Za-z0-9_-]+$/);
    expect(await transit.verify(jwsKey, 'header.payload', jws.signature, { marshalingAlgorithm: 'jws', hashAlgorithm: 'sha2-512' })).toBe(
      true,
    );
    expect(await transit.verify(jwsKey, 'header.payload', jws.signature, { marshalingAlgorithm: 'jws' })).toBe(false);
  });

  it('hmac then verifyHmac; another algorithm or input does not match', async () => {
    const key = uniqueName('mac');
    await vault.admin.createTransitKey(mount, key);
    const transit = secrets.transit(mount);
    const mac = await transit.hmac(key, 'webhook body', { algorithm: 'sha2-512' });
    expect(mac).toMatch(/^vault:v1:/);
    expect(await transit.verifyHmac(key, 'webhook body', mac, { algorithm: 'sha2-512' })).toBe(true);
    expect(await transit.verifyHmac(key, 'webhook body!', mac, { algorithm: 'sha2-512' })).toBe(false);
    expect(await transit.verifyHmac(key, 'webhook body', await transit.hmac(key, 'webhook body'))).toBe(true);
  });

  it('signing with a key that cannot sign is a typed refusal', async () => {
    const key = uniqueName('aes');
    await vault.admin.createTransitKey(mount, key);
    const error = await secrets
      .transit(mount)
      .sign(key, 'x')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VaultRequestError);
    expect((error as VaultRequestError).vaultErrors).toEqual(['key type aes256-gcm96 does not support signing']);
  });
});

describe('batches', () => {
  it('encrypts and decrypts a batch; one bad item gets its own typed error and no item is dropped', async () => {
    const key = uniqueName('batch');
    await vault.admin.createTransitKey(mount, key);
    const transit = secrets.transit(mount);
    const encrypted = await transit.encryptBatch(key, ['a', Buffer.from('b'), { plaintext: 'c' }]);
    expect(encrypted.map((r) => r.ok)).toEqual([true, true, true]);
    const ciphertexts = encrypted.map((r) => (r.ok ? r.value : ''));
    const decrypted = await transit.decryptBatch(key, [ciphertexts[0] ?? '', 'garbage-ciphertext', { ciphertext: ciphertexts[2] ?? '' }]);
    expect(decrypted).toHaveLength(3);
    expect(decrypted[0]).toEqual({ ok: true, value: Buffer.from('a') });
    expect(decrypted[2]).toEqual({ ok: true, value: Buffer.from('c') });
    const bad = decrypted[1];
    expect(bad?.ok).toBe(false);
    if (bad && !bad.ok) {
      expect(bad.error).toBeInstanceOf(VaultRequestError);
      expect((bad.error as VaultRequestError).vaultErrors).toEqual(['invalid ciphertext: no prefix']);
      expect(bad.error.message).not.toContain('garbage-ciphertext');
    }
  });

  it('a batch where every item fails still returns one error per item', async () => {
    const key = uniqueName('allbad');
    await vault.admin.createTransitKey(mount, key);
    const results = await secrets.transit(mount).decryptBatch(key, ['x1', 'x2']);
    expect(results.map((r) => r.ok)).toEqual([false, false]);
  });

  it('a batch refused as a whole (mixed contexts) throws the request error', async () => {
    const key = uniqueName('mixed');
    const error = await secrets
      .transit(mount)
      .encryptBatch(key, [{ plaintext: 'a', context: 'x' }, { plaintext: 'b' }])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VaultRequestError);
    expect((error as VaultRequestError).vaultErrors).toEqual(['context should be set either in all the request blocks or in none']);
  });
});

describe('faults and hygiene', () => {
  it('a token without the policy gets PermissionDeniedError', async () => {
    const key = uniqueName('denied');
    await vault.admin.createTransitKey(mount, key);
    await vault.admin.writePolicy('transit-none', 'path "secret/*" { capabilities = ["read"] }');
    const { client_token } = await vault.admin.createToken({ policies: ['transit-none'] });
    const limited = await new SecretsManager(
      {
        address: vault.address,
        token: client_token,
        secretsPath: 'secret',
        fallbackEnv: false,
        watch: { enabled: false },
        renewToken: false,
      },
      { env: {} },
    ).start();
    await expect(limited.transit(mount).encrypt(key, 'x')).rejects.toBeInstanceOf(PermissionDeniedError);
    await limited.close();
  });

  it('Vault down → VaultUnavailableError; writes are not retried', async () => {
    if (!vault.server) return;
    const key = uniqueName('down');
    await vault.admin.createTransitKey(mount, key);
    const remove = vault.server.faults.add({ path: new RegExp(`^${mount}/encrypt/`), status: 503, body: { errors: ['upstream down'] } });
    vault.server.clearRequests();
    const error = await secrets
      .transit(mount)
      .encrypt(key, 'x')
      .catch((e: unknown) => e);
    remove();
    expect(error).toBeInstanceOf(VaultUnavailableError);
    expect(vault.server.requestCount({ path: `${mount}/encrypt/${key}` })).toBe(1);
  });

  it('scrubs a plaintext or ciphertext that an answer echoes, and reads malformed answers as typed errors', async () => {
    const echoing: VaultRequester = {
      request: (req) => {
        const body = req.body as { ciphertext?: string; plaintext?: string; context?: string };
        const echoed = `cannot use ${body.ciphertext ?? body.plaintext ?? ''} for ${Buffer.from(body.context ?? '', 'base64').toString()}`;
        return Promise.reject(new VaultRequestError([echoed], { path: req.path, status: 400 }));
      },
    };
    const transit = new TransitEngine(echoing);
    const error = await transit.decrypt('k', 'vault:v1:c2VjcmV0LWNpcGhlcnRleHQ=').catch((e: unknown) => e);
    expect((error as Error).message).not.toContain('c2VjcmV0LWNpcGhlcnRleHQ=');
    const withContext = await transit.decrypt('k', 'vault:v1:AAAA', { context: 'customer-ctx-secret' }).catch((e: unknown) => e);
    expect((withContext as Error).message).not.toContain('customer-ctx-secret');
    expect((withContext as Error).message).toContain('[REDACTED]');
    const plain = await transit.encrypt('k', 'hunter2-plaintext').catch((e: unknown) => e);
    expect((plain as Error).message).not.toContain(Buffer.from('hunter2-plaintext').toString('base64'));
    const empty: VaultRequester = { request: () => Promise.resolve({ status: 200, body: { data: {} }, headers: {} }) as never };
    await expect(new TransitEngine(empty).encrypt('k', 'x')).rejects.toBeInstanceOf(MalformedResponseError);
    const short: VaultRequester = {
      request: () => Promise.resolve({ status: 200, body: { data: { batch_results: [{ plaintext: '' }] } }, headers: {} }) as never,
    };
    await expect(new TransitEngine(short).decryptBatch('k', ['a', 'b'])).rejects.toThrow(/1 results for 2 items/);
    expect(inspect(transit)).toBe("TransitEngine { mount: 'transit' }");
    expect(JSON.stringify(transit)).toBe('{"engine":"transit","mount":"transit"}');
  });
});

describe('in a NestJS app', () => {
  it('the injected SecretsService offers transit() and request(); no plaintext reaches the logs', async () => {
    const key = uniqueName('nest');
    await vault.admin.createTransitKey(mount, key);
    const { app, logs } = await bootApp([
      SecretsModule.forRoot({ address: vault.address, token: vault.rootToken, fallbackEnv: false, watch: { enabled: false } }),
    ]);
    try {
      const service = app.get(SecretsService);
      const transit = service.transit(mount);
      const ciphertext = await transit.encrypt(key, 'nest-plaintext-marker');
      expect((await transit.decrypt(key, ciphertext)).toString()).toBe('nest-plaintext-marker');
      await transit.decrypt(key, 'broken-ciphertext-marker').catch(() => undefined);
      const info = await service.request<{ latest_version: number }>({ method: 'GET', path: `${mount}/keys/${key}` });
      expect(info.data?.latest_version).toBe(1);
      expect(logs.text).not.toContain('nest-plaintext-marker');
      expect(logs.text).not.toContain('broken-ciphertext-marker');
      expect(inspect(service)).not.toContain('nest-plaintext-marker');
    } finally {
      await app.close();
    }
  });
});
