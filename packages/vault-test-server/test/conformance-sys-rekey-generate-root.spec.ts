/**
 * Conformance of `sys/rekey/*` (developer.hashicorp.com/vault/api-docs/system/rekey) and
 * `sys/generate-root/*` (…/system/generate-root): status shapes, the init/update/verify/cancel
 * flows with key shares, and the errors of those docs. Each test starts its own server, since
 * a rekey replaces the unseal key shares.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { VaultTestServer } from '../src/index.js';
import { call, envelope, errors, startServer } from './support.js';

async function withServer(test: (server: VaultTestServer) => Promise<void>): Promise<void> {
  const server = await startServer();
  try {
    await test(server);
  } finally {
    await server.stop();
  }
}

interface RekeyStatus {
  nonce: string;
  started: boolean;
  t: number;
  n: number;
  progress: number;
  required: number;
  verification_required: boolean;
  verification_nonce?: string;
}

interface RekeyResult {
  nonce: string;
  complete: boolean;
  keys: string[];
  keys_base64: string[];
  verification_required: boolean;
  verification_nonce?: string;
}

interface RootStatus {
  nonce: string;
  started: boolean;
  progress: number;
  required: number;
  complete: boolean;
  encoded_token: string;
  encoded_root_token: string;
  otp: string;
  otp_length: number;
}

/** What `vault operator generate-root -decode` does: base64 (unpadded) XOR the OTP. */
function decodeRootToken(encoded: string, otp: string): string {
  const bytes = Buffer.from(encoded, 'base64');
  return Buffer.from(bytes.map((byte, i) => byte ^ otp.charCodeAt(i))).toString('utf8');
}

describe('sys/rekey', () => {
  it('reports no rekey in progress, unauthenticated, with the documented fields', () =>
    withServer(async (server) => {
      const answer = await call(server, 'GET', 'sys/rekey/init');
      expect(answer.status).toBe(200);
      expect(answer.json).toEqual({
        nonce: '',
        started: false,
        t: 0,
        n: 0,
        progress: 0,
        required: 1,
        pgp_fingerprints: null,
        backup: false,
        verification_required: false,
      });
    }));

  it('rekeys to 3 shares / threshold 2: the new shares unseal, the old one does not', () =>
    withServer(async (server) => {
      const [oldKey] = server.unsealKeys;
      const started = await call(server, 'PUT', 'sys/rekey/init', { body: { secret_shares: 3, secret_threshold: 2 } });
      expect(started.status).toBe(200);
      const status = started.json as RekeyStatus;
      expect(status).toMatchObject({ started: true, t: 2, n: 3, progress: 0, required: 1, verification_required: false });
      expect(status.nonce).toMatch(/^[0-9a-f-]{36}$/);
      const again = await call(server, 'PUT', 'sys/rekey/init', { body: { secret_shares: 3, secret_threshold: 2 } });
      expect(errors(again)).toEqual(['rekey already in progress']);

      const wrongNonce = await call(server, 'PUT', 'sys/rekey/update', { body: { key: oldKey, nonce: 'nope' } });
      expect(wrongNonce.status).toBe(400);
      expect(errors(wrongNonce)).toEqual([`incorrect nonce supplied; nonce for this rekey operation is "${status.nonce}"`]);

      const done = await call(server, 'PUT', 'sys/rekey/update', { body: { key: oldKey, nonce: status.nonce } });
      expect(done.status).toBe(200);
      const result = done.json as RekeyResult;
      expect(result).toMatchObject({ nonce: status.nonce, complete: true, verification_required: false });
      expect(result.keys).toHaveLength(3);
      expect(result.keys_base64).toHaveLength(3);
      expect(result.keys.map((hex) => Buffer.from(hex, 'hex').toString('base64'))).toEqual(result.keys_base64);
      expect((await call(server, 'GET', 'sys/rekey/init')).json).toMatchObject({ started: false });
      expect(server.unsealKeys).toEqual(result.keys_base64);

      await call(server, 'PUT', 'sys/seal', { token: server.rootToken });
      expect((await call(server, 'GET', 'sys/seal-status')).json).toMatchObject({ sealed: true, t: 2, n: 3 });
      const first = await call(server, 'PUT', 'sys/unseal', { body: { key: result.keys[0] } });
      expect(first.json).toMatchObject({ sealed: true, progress: 1 });
      expect((first.json as { nonce: string }).nonce).not.toBe('');
      const second = await call(server, 'PUT', 'sys/unseal', { body: { key: result.keys_base64[2] } });
      expect(second.json).toMatchObject({ sealed: false, progress: 0 });

      await call(server, 'PUT', 'sys/seal', { token: server.rootToken });
      await call(server, 'PUT', 'sys/unseal', { body: { key: oldKey } });
      const rejected = await call(server, 'PUT', 'sys/unseal', { body: { key: result.keys[1] } });
      expect(rejected.status).toBe(500);
      expect(server.sealed).toBe(true);
    }));

  it('with require_verification keeps the old key until the new shares are verified', () =>
    withServer(async (server) => {
      const [oldKey] = server.unsealKeys;
      const started = (
        await call(server, 'PUT', 'sys/rekey/init', {
          body: { secret_shares: 2, secret_threshold: 2, require_verification: true },
        })
      ).json as RekeyStatus;
      expect(started.verification_required).toBe(true);
      const result = (await call(server, 'PUT', 'sys/rekey/update', { body: { key: oldKey, nonce: started.nonce } })).json as RekeyResult;
      expect(result).toMatchObject({ complete: true, verification_required: true });
      const verificationNonce = result.verification_nonce ?? '';
      expect(verificationNonce).toMatch(/^[0-9a-f-]{36}$/);
      expect(server.unsealKeys).toEqual([oldKey]);

      const blocked = await call(server, 'PUT', 'sys/rekey/update', { body: { key: oldKey, nonce: started.nonce } });
      expect(errors(blocked)[0]).toContain('verification must be performed');
      expect((await call(server, 'GET', 'sys/rekey/verify')).json).toEqual({
        nonce: verificationNonce,
        started: true,
        t: 2,
        n: 2,
        progress: 0,
      });

      const partial = await call(server, 'PUT', 'sys/rekey/verify', { body: { key: result.keys[0], nonce: verificationNonce } });
      expect(partial.json).toMatchObject({ nonce: verificationNonce, t: 2, n: 2, progress: 1 });
      const verified = await call(server, 'PUT', 'sys/rekey/verify', { body: { key: result.keys[1], nonce: verificationNonce } });
      expect(verified.status).toBe(200);
      expect(verified.json).toEqual({ nonce: verificationNonce, complete: true });
      expect(server.unsealKeys).toEqual(result.keys_base64);
    }));

  it('DELETE cancels (204); invalid configurations and bodies answer Vault errors', () =>
    withServer(async (server) => {
      await call(server, 'PUT', 'sys/rekey/init', { body: { secret_shares: 1, secret_threshold: 1 } });
      expect((await call(server, 'DELETE', 'sys/rekey/init')).status).toBe(204);
      expect((await call(server, 'GET', 'sys/rekey/init')).json).toMatchObject({ started: false, nonce: '' });

      const threshold = await call(server, 'PUT', 'sys/rekey/init', { body: { secret_shares: 2, secret_threshold: 3 } });
      expect(threshold.status).toBe(400);
      expect(errors(threshold)).toEqual(['provided threshold greater than the total shares']);
      const single = await call(server, 'PUT', 'sys/rekey/init', { body: { secret_shares: 3, secret_threshold: 1 } });
      expect(single.status).toBe(500);
      expect(errors(single)).toEqual(['invalid rekey seal configuration: threshold must be greater than one for multiple shares']);
      const empty = await call(server, 'PUT', 'sys/rekey/init', { body: '' });
      expect(empty.status).toBe(400);
      expect(errors(empty)).toEqual(['EOF']);
      const backup = await call(server, 'PUT', 'sys/rekey/init', { body: { secret_shares: 1, secret_threshold: 1, backup: true } });
      expect(errors(backup)).toEqual(['cannot request a backup of the new keys without providing PGP keys for encryption']);
      const noRekey = await call(server, 'PUT', 'sys/rekey/update', { body: { key: server.unsealKeys[0], nonce: 'x' } });
      expect(errors(noRekey)).toEqual(['no barrier rekey in progress']);
      const noKey = await call(server, 'PUT', 'sys/rekey/update', { body: { nonce: 'x' } });
      expect(errors(noKey)).toEqual(["'key' must be specified in request body as JSON"]);
      expect(errors(await call(server, 'GET', 'sys/rekey/verify'))).toEqual(['no rekey configuration found']);
      expect(errors(await call(server, 'GET', 'sys/rekey/backup', { token: server.rootToken }))).toEqual(['no backed-up keys found']);
      expect(errors(await call(server, 'GET', 'sys/rekey-recovery-key/init'))).toEqual(['recovery rekeying not supported']);

      server.seal();
      const sealed = await call(server, 'GET', 'sys/rekey/init');
      expect(sealed.status).toBe(503);
      expect(errors(sealed)).toEqual(['Vault is sealed']);
    }));
});

describe('sys/generate-root', () => {
  it('reports no attempt with otp_length 28, unauthenticated', () =>
    withServer(async (server) => {
      const answer = await call(server, 'GET', 'sys/generate-root/attempt');
      expect(answer.status).toBe(200);
      expect(answer.json).toEqual({
        nonce: '',
        started: false,
        progress: 0,
        required: 1,
        complete: false,
        encoded_token: '',
        encoded_root_token: '',
        pgp_fingerprint: '',
        otp: '',
        otp_length: 28,
      });
    }));

  it('starts with a generated OTP, and the final share returns the encoded new root token', () =>
    withServer(async (server) => {
      const started = await call(server, 'PUT', 'sys/generate-root/attempt');
      expect(started.status).toBe(200);
      const status = started.json as RootStatus;
      expect(status).toMatchObject({ started: true, progress: 0, required: 1, complete: false, otp_length: 28 });
      expect(status.otp).toMatch(/^[A-Za-z0-9]{28}$/);
      // The OTP is returned once, on the start answer only.
      expect((await call(server, 'GET', 'sys/generate-root/attempt')).json).toMatchObject({ started: true, otp: '', nonce: status.nonce });
      expect(errors(await call(server, 'PUT', 'sys/generate-root/attempt'))).toEqual(['root generation already in progress']);

      const done = await call(server, 'PUT', 'sys/generate-root/update', { body: { key: server.unsealKeys[0], nonce: status.nonce } });
      expect(done.status).toBe(200);
      const result = done.json as RootStatus;
      expect(result).toMatchObject({ started: true, complete: true, progress: 1, required: 1, nonce: status.nonce });
      expect(result.encoded_root_token).toBe(result.encoded_token);
      const token = decodeRootToken(result.encoded_token, status.otp);
      expect(token).toMatch(/^hvs\./);
      expect(token).not.toBe(server.rootToken);
      const lookup = await call(server, 'GET', 'auth/token/lookup-self', { token });
      expect(envelope<{ policies: string[] }>(lookup).data.policies).toEqual(['root']);
      expect((await call(server, 'GET', 'sys/generate-root/attempt')).json).toMatchObject({ started: false });
    }));

  it('needs threshold shares after a rekey; a wrong share aborts; DELETE cancels', () =>
    withServer(async (server) => {
      const rekey = (await call(server, 'PUT', 'sys/rekey/init', { body: { secret_shares: 3, secret_threshold: 2 } })).json as RekeyStatus;
      const shares = (
        (await call(server, 'PUT', 'sys/rekey/update', { body: { key: server.unsealKeys[0], nonce: rekey.nonce } })).json as RekeyResult
      ).keys;

      const attempt = (await call(server, 'POST', 'sys/generate-root/attempt', { body: {} })).json as RootStatus;
      expect(attempt.required).toBe(2);
      const one = await call(server, 'PUT', 'sys/generate-root/update', { body: { key: shares[0], nonce: attempt.nonce } });
      expect(one.json).toMatchObject({ complete: false, progress: 1, required: 2, encoded_token: '' });
      const dup = await call(server, 'PUT', 'sys/generate-root/update', { body: { key: shares[0], nonce: attempt.nonce } });
      expect(errors(dup)).toEqual(['given key has already been provided during this generation operation']);
      const wrong = await call(server, 'PUT', 'sys/generate-root/update', {
        body: { key: randomBytes(33).toString('hex'), nonce: attempt.nonce },
      });
      expect(wrong.status).toBe(400);
      expect(errors(wrong)[0]).toContain('root generation aborted');

      const two = await call(server, 'PUT', 'sys/generate-root/update', { body: { key: shares[1], nonce: attempt.nonce } });
      expect(two.json).toMatchObject({ progress: 1, complete: false });
      const three = await call(server, 'PUT', 'sys/generate-root/update', { body: { key: shares[2], nonce: attempt.nonce } });
      expect(three.json).toMatchObject({ progress: 2, complete: true });

      await call(server, 'PUT', 'sys/generate-root/attempt');
      expect((await call(server, 'DELETE', 'sys/generate-root/attempt')).status).toBe(204);
      expect((await call(server, 'GET', 'sys/generate-root/attempt')).json).toMatchObject({ started: false });
    }));

  it('answers the documented errors for bad OTPs, missing attempts and nonces', () =>
    withServer(async (server) => {
      expect(errors(await call(server, 'PUT', 'sys/generate-root/attempt', { body: { otp: 'short' } }))).toEqual([
        'OTP string is wrong length',
      ]);
      const none = await call(server, 'PUT', 'sys/generate-root/update', { body: { key: server.unsealKeys[0], nonce: 'x' } });
      expect(errors(none)).toEqual(['no root generation in progress']);
      const attempt = (await call(server, 'PUT', 'sys/generate-root/attempt')).json as RootStatus;
      const nonce = await call(server, 'PUT', 'sys/generate-root/update', { body: { key: server.unsealKeys[0], nonce: 'x' } });
      expect(errors(nonce)).toEqual([`incorrect nonce supplied; nonce for this root generation operation is "${attempt.nonce}"`]);
      const short = await call(server, 'PUT', 'sys/generate-root/update', {
        body: { key: randomBytes(4).toString('base64'), nonce: attempt.nonce },
      });
      expect(errors(short)).toEqual(['invalid key: key is shorter than minimum 16 bytes']);
    }));
});
