/**
 * REFERENCE §7.3 / Vault's transit API docs: the test server's transit engine, on the wire
 * (plain `fetch`, not our client): keys, versions, rotation, min versions, the `vault:vN:`
 * ciphertext format with real AES-GCM, convergent mode, batches, signatures and HMACs.
 */
import { createCipheriv, createPublicKey, verify } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VaultTestServer } from '../src/index.js';
import { call, envelope, errors, root, startServer, unique } from './support.js';

let server: VaultTestServer;
let mount: string;

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

beforeAll(async () => {
  server = await startServer();
  mount = unique('transit');
  await server.admin.enableSecretsEngine(mount, 'transit');
});
afterAll(() => server.stop());

async function createKey(name: string, body: Record<string, unknown> = {}): Promise<void> {
  const answer = await root(server, 'POST', `${mount}/keys/${name}`, { body });
  expect(answer.status).toBe(200);
}

describe('transit/keys', () => {
  it('creates, reads, lists and reports versions as unix seconds', async () => {
    const name = unique('k');
    await createKey(name);
    const read = await root(server, 'GET', `${mount}/keys/${name}`);
    expect(read.status).toBe(200);
    const data = envelope(read).data;
    expect(data).toMatchObject({
      name,
      type: 'aes256-gcm96',
      derived: false,
      deletion_allowed: false,
      latest_version: 1,
      min_decryption_version: 1,
      min_encryption_version: 0,
      supports_encryption: true,
      supports_signing: false,
    });
    expect(data['keys']).toEqual({ '1': Math.floor(server.clock.now() / 1000) });
    expect(envelope(read).mount_type).toBe('transit');
    const list = await root(server, 'LIST', `${mount}/keys`);
    expect(envelope<{ keys: string[] }>(list).data.keys).toContain(name);
  });

  it('reads a missing key as 404 with no errors, refuses convergent without derived and unknown types', async () => {
    const missing = await root(server, 'GET', `${mount}/keys/${unique('none')}`);
    expect(missing.status).toBe(404);
    expect(errors(missing)).toEqual([]);
    const convergent = await root(server, 'POST', `${mount}/keys/${unique('c')}`, { body: { convergent_encryption: true } });
    expect(convergent.status).toBe(400);
    expect(errors(convergent)).toEqual(['convergent encryption requires derivation to be enabled']);
    const unknown = await root(server, 'POST', `${mount}/keys/${unique('u')}`, { body: { type: 'aes512' } });
    expect(errors(unknown)).toEqual(['unknown key type aes512']);
  });

  it('deletes only with deletion_allowed', async () => {
    const name = unique('del');
    await createKey(name);
    const refused = await root(server, 'DELETE', `${mount}/keys/${name}`);
    expect(refused.status).toBe(400);
    expect(errors(refused)[0]).toContain('deletion is not allowed for this key');
    await root(server, 'POST', `${mount}/keys/${name}/config`, { body: { deletion_allowed: true } });
    expect((await root(server, 'DELETE', `${mount}/keys/${name}`)).status).toBe(204);
    expect((await root(server, 'GET', `${mount}/keys/${name}`)).status).toBe(404);
  });
});

describe('transit/encrypt and decrypt', () => {
  it('encrypts with real AES-256-GCM into vault:v1: and decrypts back', async () => {
    const name = unique('aes');
    await createKey(name);
    const enc = await root(server, 'POST', `${mount}/encrypt/${name}`, { body: { plaintext: b64('the quick brown fox') } });
    expect(enc.status).toBe(200);
    const { ciphertext, key_version } = envelope<{ ciphertext: string; key_version: number }>(enc).data;
    expect(key_version).toBe(1);
    expect(ciphertext).toMatch(/^vault:v1:[A-Za-z0-9+/]+=*$/);
    // nonce (12) + ciphertext (19) + tag (16)
    expect(Buffer.from(ciphertext.slice('vault:v1:'.length), 'base64')).toHaveLength(12 + 19 + 16);
    const again = envelope<{ ciphertext: string }>(
      await root(server, 'POST', `${mount}/encrypt/${name}`, { body: { plaintext: b64('the quick brown fox') } }),
    );
    expect(again.data.ciphertext).not.toBe(ciphertext);
    const dec = await root(server, 'POST', `${mount}/decrypt/${name}`, { body: { ciphertext } });
    expect(envelope<{ plaintext: string }>(dec).data.plaintext).toBe(b64('the quick brown fox'));
  });

  it('upserts the key on encrypt when the token may create, derived when a context is given', async () => {
    const name = unique('upsert');
    const enc = await root(server, 'POST', `${mount}/encrypt/${name}`, { body: { plaintext: b64('x'), context: b64('tenant-1') } });
    expect(enc.status).toBe(200);
    expect(envelope(await root(server, 'GET', `${mount}/keys/${name}`)).data).toMatchObject({ derived: true });
  });

  it('refuses encrypt on a missing key for a token with update but not create', async () => {
    await server.admin.writePolicy('transit-update', `path "${mount}/encrypt/*" { capabilities = ["update"] }`);
    const { client_token } = await server.admin.createToken({ policies: ['transit-update'] });
    const answer = await call(server, 'POST', `${mount}/encrypt/${unique('nokey')}`, {
      token: client_token,
      body: { plaintext: b64('x') },
    });
    expect(answer.status).toBe(403);
  });

  it('decrypt errors: bad prefix, bad base64, tampered, unknown version, missing key, all 400 with Vault texts', async () => {
    const name = unique('errs');
    await createKey(name);
    const { ciphertext } = envelope<{ ciphertext: string }>(
      await root(server, 'POST', `${mount}/encrypt/${name}`, { body: { plaintext: b64('v') } }),
    ).data;
    const cases: Array<[string, string]> = [
      ['garbage', 'invalid ciphertext: no prefix'],
      ['vault:v1', 'invalid ciphertext: wrong number of fields'],
      ['vault:vX:abc', 'invalid ciphertext: version number could not be decoded'],
      ['vault:v9:AAAA', 'invalid ciphertext: version is too new'],
      ['vault:v1:***', 'invalid ciphertext: could not decode base64'],
      [ciphertext.slice(0, -4) + (ciphertext.endsWith('AAA=') ? 'BBB=' : 'AAA='), 'cipher: message authentication failed'],
    ];
    for (const [bad, message] of cases) {
      const answer = await root(server, 'POST', `${mount}/decrypt/${name}`, { body: { ciphertext: bad } });
      expect(answer.status, bad).toBe(400);
      expect(errors(answer), bad).toEqual([message]);
    }
    const noKey = await root(server, 'POST', `${mount}/decrypt/${unique('absent')}`, { body: { ciphertext } });
    expect(errors(noKey)).toEqual(['encryption key not found']);
    const noText = await root(server, 'POST', `${mount}/decrypt/${name}`, { body: {} });
    expect(errors(noText)).toEqual(['missing ciphertext to decrypt']);
  });

  it('derived keys need the context: missing → 400, wrong context → authentication failure', async () => {
    const name = unique('derived');
    await createKey(name, { derived: true });
    const missing = await root(server, 'POST', `${mount}/encrypt/${name}`, { body: { plaintext: b64('x') } });
    expect(missing.status).toBe(400);
    expect(errors(missing)[0]).toContain("missing 'context' for key derivation");
    const { ciphertext } = envelope<{ ciphertext: string }>(
      await root(server, 'POST', `${mount}/encrypt/${name}`, { body: { plaintext: b64('x'), context: b64('a') } }),
    ).data;
    const wrong = await root(server, 'POST', `${mount}/decrypt/${name}`, { body: { ciphertext, context: b64('b') } });
    expect(errors(wrong)).toEqual(['cipher: message authentication failed']);
  });

  it('convergent keys give the same ciphertext for the same plaintext and context, and refuse a nonce', async () => {
    const name = unique('conv');
    await createKey(name, { derived: true, convergent_encryption: true });
    const encrypt = async (context: string): Promise<string> =>
      envelope<{ ciphertext: string }>(
        await root(server, 'POST', `${mount}/encrypt/${name}`, { body: { plaintext: b64('same'), context: b64(context) } }),
      ).data.ciphertext;
    expect(await encrypt('c1')).toBe(await encrypt('c1'));
    expect(await encrypt('c1')).not.toBe(await encrypt('c2'));
    const nonce = await root(server, 'POST', `${mount}/encrypt/${name}`, {
      body: { plaintext: b64('same'), context: b64('c1'), nonce: Buffer.alloc(12).toString('base64') },
    });
    expect(errors(nonce)).toEqual(['provided nonce not allowed for this key']);
    const upsert = await root(server, 'POST', `${mount}/encrypt/${unique('conv-up')}`, {
      body: { plaintext: b64('x'), convergent_encryption: true },
    });
    expect(errors(upsert)).toEqual(['convergent encryption requires derivation to be enabled, so context is required']);
  });

  it('uses AES-GCM as specified: a ciphertext built by hand with the exported layout would need the key (tamper check on the tag)', async () => {
    // The layout is nonce | ciphertext | tag: flipping a byte of the tag fails authentication.
    const name = unique('layout');
    await createKey(name);
    const { ciphertext } = envelope<{ ciphertext: string }>(
      await root(server, 'POST', `${mount}/encrypt/${name}`, { body: { plaintext: b64('abc') } }),
    ).data;
    const raw = Buffer.from(ciphertext.slice(9), 'base64');
    raw[raw.length - 1] = (raw[raw.length - 1] ?? 0) ^ 1;
    const answer = await root(server, 'POST', `${mount}/decrypt/${name}`, { body: { ciphertext: `vault:v1:${raw.toString('base64')}` } });
    expect(errors(answer)).toEqual(['cipher: message authentication failed']);
    // And a random key cannot produce an accepted ciphertext.
    const cipher = createCipheriv('aes-256-gcm', Buffer.alloc(32, 7), Buffer.alloc(12));
    const forged = Buffer.concat([Buffer.alloc(12), cipher.update('abc'), cipher.final(), cipher.getAuthTag()]);
    const forgedAnswer = await root(server, 'POST', `${mount}/decrypt/${name}`, {
      body: { ciphertext: `vault:v1:${forged.toString('base64')}` },
    });
    expect(forgedAnswer.status).toBe(400);
  });
});

describe('key types', () => {
  it('round-trips with aes128-gcm96 and chacha20-poly1305; an hmac key computes HMACs but cannot encrypt', async () => {
    for (const [type, keyBytes] of [
      ['aes128-gcm96', 16],
      ['chacha20-poly1305', 32],
    ] as const) {
      const name = unique(type);
      await createKey(name, { type });
      const { ciphertext } = envelope<{ ciphertext: string }>(
        await root(server, 'POST', `${mount}/encrypt/${name}`, { body: { plaintext: b64('t') } }),
      ).data;
      expect(Buffer.from(ciphertext.slice(9), 'base64')).toHaveLength(12 + 1 + 16);
      const plain = envelope<{ plaintext: string }>(await root(server, 'POST', `${mount}/decrypt/${name}`, { body: { ciphertext } })).data
        .plaintext;
      expect(plain, `${type} (${keyBytes}-byte key)`).toBe(b64('t'));
    }
    const hmacKey = unique('hmac-type');
    await createKey(hmacKey, { type: 'hmac', key_size: 64 });
    expect(envelope(await root(server, 'GET', `${mount}/keys/${hmacKey}`)).data).toMatchObject({
      type: 'hmac',
      key_size: 64,
      supports_encryption: false,
    });
    expect(
      envelope<{ hmac: string }>(await root(server, 'POST', `${mount}/hmac/${hmacKey}`, { body: { input: b64('x') } })).data.hmac,
    ).toMatch(/^vault:v1:/);
    expect(errors(await root(server, 'POST', `${mount}/encrypt/${hmacKey}`, { body: { plaintext: b64('x') } }))).toEqual([
      'message encryption not supported for key type hmac',
    ]);
  });

  it('a derived ed25519 key signs per context and returns the derived public key in a batch', async () => {
    const name = unique('ed-derived');
    await createKey(name, { type: 'ed25519', derived: true });
    const batch = await root(server, 'POST', `${mount}/sign/${name}`, {
      body: {
        batch_input: [
          { input: b64('m'), context: b64('a') },
          { input: b64('m'), context: b64('b') },
        ],
      },
    });
    expect(batch.status).toBe(200);
    const [a, b] = envelope<{ batch_results: Array<{ signature: string; publickey: string }> }>(batch).data.batch_results;
    expect(a?.publickey).not.toBe(b?.publickey);
    const publicKey = createPublicKey({
      key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(a?.publickey ?? '', 'base64')]),
      format: 'der',
      type: 'spki',
    });
    expect(verify(null, Buffer.from('m'), publicKey, Buffer.from((a?.signature ?? '').slice(9), 'base64'))).toBe(true);
    const check = async (context: string): Promise<unknown> =>
      envelope(
        await root(server, 'POST', `${mount}/verify/${name}`, {
          body: { input: b64('m'), signature: a?.signature, context: b64(context) },
        }),
      ).data;
    expect(await check('a')).toEqual({ valid: true });
    expect(await check('b')).toEqual({ valid: false });
  });
});

describe('rotation, rewrap and minimum versions', () => {
  it('rotates, rewraps to the latest version, refuses below min_decryption_version and min_encryption_version', async () => {
    const name = unique('rot');
    await createKey(name);
    const v1 = envelope<{ ciphertext: string }>(
      await root(server, 'POST', `${mount}/encrypt/${name}`, { body: { plaintext: b64('secret') } }),
    ).data.ciphertext;
    const rotated = await root(server, 'POST', `${mount}/keys/${name}/rotate`);
    expect(envelope(rotated).data).toMatchObject({ latest_version: 2 });
    const rewrap = await root(server, 'POST', `${mount}/rewrap/${name}`, { body: { ciphertext: v1 } });
    const v2 = envelope<{ ciphertext: string; key_version: number }>(rewrap).data;
    expect(v2.key_version).toBe(2);
    expect(v2.ciphertext.startsWith('vault:v2:')).toBe(true);
    const config = await root(server, 'POST', `${mount}/keys/${name}/config`, { body: { min_decryption_version: 2 } });
    expect(envelope(config).data).toMatchObject({ min_decryption_version: 2 });
    const old = await root(server, 'POST', `${mount}/decrypt/${name}`, { body: { ciphertext: v1 } });
    expect(old.status).toBe(400);
    expect(errors(old)).toEqual(['ciphertext or signature version is disallowed by policy (too old)']);
    expect(
      envelope<{ plaintext: string }>(await root(server, 'POST', `${mount}/decrypt/${name}`, { body: { ciphertext: v2.ciphertext } })).data
        .plaintext,
    ).toBe(b64('secret'));
    await root(server, 'POST', `${mount}/keys/${name}/config`, { body: { min_encryption_version: 2 } });
    const tooOld = await root(server, 'POST', `${mount}/encrypt/${name}`, { body: { plaintext: b64('x'), key_version: 1 } });
    expect(errors(tooOld)).toEqual(['requested version for encryption is less than the minimum encryption key version']);
    const beyond = await root(server, 'POST', `${mount}/keys/${name}/config`, { body: { min_decryption_version: 5 } });
    expect(errors(beyond)).toEqual(['cannot set min decryption version of 5, latest key version is 2']);
  });
});

describe('batches', () => {
  it('keeps every item in order; one bad item makes the answer 400 with the full envelope', async () => {
    const name = unique('batch');
    await createKey(name);
    const enc = await root(server, 'POST', `${mount}/encrypt/${name}`, {
      body: { batch_input: [{ plaintext: b64('a') }, { plaintext: '%%%' }, { plaintext: b64('c') }] },
    });
    expect(enc.status).toBe(400);
    const results = envelope<{ batch_results: Array<{ ciphertext?: string; key_version?: number; error?: string }> }>(enc).data
      .batch_results;
    expect(results).toHaveLength(3);
    expect(results[0]?.ciphertext).toMatch(/^vault:v1:/);
    expect(results[1]).toEqual({ error: 'illegal base64 data at input byte 0' });
    expect(results[2]?.key_version).toBe(1);
    const partial = await root(server, 'POST', `${mount}/decrypt/${name}`, {
      body: { partial_failure_response_code: 207, batch_input: [{ ciphertext: results[0]?.ciphertext }, { ciphertext: 'nope' }] },
    });
    expect(partial.status).toBe(207);
    expect(envelope(partial).data).toEqual({ batch_results: [{ plaintext: b64('a') }, { error: 'invalid ciphertext: no prefix' }] });
    const ok = await root(server, 'POST', `${mount}/decrypt/${name}`, { body: { batch_input: [{ ciphertext: results[2]?.ciphertext }] } });
    expect(ok.status).toBe(200);
  });

  it('refuses a mix of items with and without context', async () => {
    const answer = await root(server, 'POST', `${mount}/encrypt/${unique('mix')}`, {
      body: { batch_input: [{ plaintext: b64('a'), context: b64('x') }, { plaintext: b64('b') }] },
    });
    expect(errors(answer)).toEqual(['context should be set either in all the request blocks or in none']);
  });
});

describe('sign, verify and hmac', () => {
  it('signs with ed25519 (verifiable with the published public key) and verifies', async () => {
    const name = unique('ed');
    await createKey(name, { type: 'ed25519' });
    const sign = await root(server, 'POST', `${mount}/sign/${name}`, { body: { input: b64('message') } });
    const { signature, key_version } = envelope<{ signature: string; key_version: number }>(sign).data;
    expect(key_version).toBe(1);
    const keys = envelope<{ keys: Record<string, { public_key: string }> }>(await root(server, 'GET', `${mount}/keys/${name}`)).data.keys;
    const raw = Buffer.from(keys['1']?.public_key ?? '', 'base64');
    const publicKey = createPublicKey({
      key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), raw]),
      format: 'der',
      type: 'spki',
    });
    expect(verify(null, Buffer.from('message'), publicKey, Buffer.from(signature.slice('vault:v1:'.length), 'base64'))).toBe(true);
    const valid = await root(server, 'POST', `${mount}/verify/${name}`, { body: { input: b64('message'), signature } });
    expect(envelope(valid).data).toEqual({ valid: true });
    const invalid = await root(server, 'POST', `${mount}/verify/${name}`, { body: { input: b64('other'), signature } });
    expect(envelope(invalid).data).toEqual({ valid: false });
  });

  it('signs with ecdsa-p256 over sha2-256 by default and honours the hash in the path', async () => {
    const name = unique('ec');
    await createKey(name, { type: 'ecdsa-p256' });
    const pem =
      envelope<{ keys: Record<string, { public_key: string }> }>(await root(server, 'GET', `${mount}/keys/${name}`)).data.keys['1']
        ?.public_key ?? '';
    for (const [path, digest] of [
      [`${mount}/sign/${name}`, 'sha256'],
      [`${mount}/sign/${name}/sha2-512`, 'sha512'],
    ] as const) {
      const { signature } = envelope<{ signature: string }>(await root(server, 'POST', path, { body: { input: b64('m') } })).data;
      expect(verify(digest, Buffer.from('m'), pem, Buffer.from(signature.slice(9), 'base64'))).toBe(true);
    }
    const aes = unique('aes-sign');
    await createKey(aes);
    expect(errors(await root(server, 'POST', `${mount}/sign/${aes}`, { body: { input: b64('m') } }))).toEqual([
      'key type aes256-gcm96 does not support signing',
    ]);
  });

  it('computes an HMAC with any key and verifies it through /verify', async () => {
    const name = unique('hm');
    await createKey(name);
    const hmac = envelope<{ hmac: string }>(await root(server, 'POST', `${mount}/hmac/${name}`, { body: { input: b64('data') } })).data
      .hmac;
    expect(hmac).toMatch(/^vault:v1:[A-Za-z0-9+/]{43}=$/);
    expect(envelope(await root(server, 'POST', `${mount}/verify/${name}`, { body: { input: b64('data'), hmac } })).data).toEqual({
      valid: true,
    });
    expect(envelope(await root(server, 'POST', `${mount}/verify/${name}`, { body: { input: b64('datb'), hmac } })).data).toEqual({
      valid: false,
    });
    const batch = await root(server, 'POST', `${mount}/hmac/${name}/sha2-512`, { body: { batch_input: [{ input: b64('x') }, {}] } });
    expect(batch.status).toBe(200);
    const results = envelope<{ batch_results: Array<{ hmac?: string; error?: string }> }>(batch).data.batch_results;
    expect(results[0]?.hmac).toMatch(/^vault:v1:[A-Za-z0-9+/]{86}==$/);
    expect(results[1]).toEqual({ error: 'missing input for HMAC' });
  });
});
