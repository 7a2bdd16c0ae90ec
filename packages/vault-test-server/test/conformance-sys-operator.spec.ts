/**
 * Conformance of the operator `sys/` group with Vault's API docs: `sys/init`, `sys/seal`,
 * `sys/unseal`, `sys/seal-status`, `sys/leader`, `sys/key-status` and `sys/health`
 * (developer.hashicorp.com/vault/api-docs/system/*).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VaultTestServer } from '../src/index.js';
import { call, envelope, errors, root, startServer, unique } from './support.js';

let server: VaultTestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.stop());

/** A token with exactly `hcl` as its policy. */
async function tokenWithPolicy(hcl: string): Promise<string> {
  const name = unique('policy');
  await server.admin.writePolicy(name, hcl);
  return (await server.admin.createToken({ policies: [name] })).client_token;
}

describe('sys/init', () => {
  it('GET answers {"initialized": true} without a token, as a raw body (no envelope)', async () => {
    const answer = await call(server, 'GET', 'sys/init');
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ initialized: true });
  });

  it('PUT and POST on an initialized server answer 400 "Vault is already initialized", with or without a token', async () => {
    for (const method of ['PUT', 'POST']) {
      const anonymous = await call(server, method, 'sys/init', { body: { secret_shares: 1, secret_threshold: 1 } });
      expect(anonymous.status).toBe(400);
      expect(anonymous.json).toEqual({ errors: ['Vault is already initialized'] });
      const withToken = await root(server, method, 'sys/init', { body: { secret_shares: 5, secret_threshold: 3 } });
      expect(withToken.status).toBe(400);
      expect(errors(withToken)).toEqual(['Vault is already initialized']);
    }
  });

  it('refuses auto-unseal parameters on a Shamir seal and other methods', async () => {
    const recovery = await call(server, 'PUT', 'sys/init', { body: { recovery_shares: 1, recovery_threshold: 1 } });
    expect(recovery.status).toBe(400);
    expect(errors(recovery)).toEqual(['parameters specific to auto unseal seals present']);
    expect((await call(server, 'DELETE', 'sys/init')).status).toBe(405);
  });
});

describe('sys/seal and sys/unseal', () => {
  it('seal needs root or sudo on sys/seal: 403 otherwise, 204 when sealing', async () => {
    const noToken = await call(server, 'PUT', 'sys/seal');
    expect(noToken.status).toBe(403);
    expect(errors(noToken)[0]).toContain('permission denied');
    const updateOnly = await tokenWithPolicy('path "sys/seal" { capabilities = ["update"] }');
    const denied = await call(server, 'PUT', 'sys/seal', { token: updateOnly });
    expect(denied.status).toBe(403);
    expect(errors(denied)[0]).toContain('permission denied');
    expect(server.sealed).toBe(false);

    const sudo = await tokenWithPolicy('path "sys/seal" { capabilities = ["update", "sudo"] }');
    const sealed = await call(server, 'PUT', 'sys/seal', { token: sudo });
    try {
      expect(sealed.status).toBe(204);
      expect(sealed.text).toBe('');
      expect(server.sealed).toBe(true);
      const read = await root(server, 'GET', 'secret/data/anything');
      expect(read.status).toBe(503);
      expect(errors(read)).toEqual(['Vault is sealed']);
      expect((await call(server, 'GET', 'sys/health')).status).toBe(503);
      // Sealing a sealed Vault is a no-op.
      expect((await root(server, 'POST', 'sys/seal')).status).toBe(204);
      expect((await root(server, 'GET', 'sys/seal')).status).toBe(405);
    } finally {
      server.unseal();
    }
  });

  it('unseal takes the key share (base64 or hex) and answers the seal status', async () => {
    const [share] = server.unsealKeys;
    expect(share).toBeDefined();
    expect((await root(server, 'PUT', 'sys/seal')).status).toBe(204);
    const status = await call(server, 'GET', 'sys/seal-status');
    expect(status.json).toMatchObject({ type: 'shamir', initialized: true, sealed: true, t: 1, n: 1, progress: 0, nonce: '' });

    const unsealed = await call(server, 'PUT', 'sys/unseal', { body: { key: share } });
    expect(unsealed.status).toBe(200);
    expect(unsealed.json).toMatchObject({ type: 'shamir', sealed: false, t: 1, n: 1, progress: 0, nonce: '' });
    expect(unsealed.json).toHaveProperty('cluster_name');
    expect((await root(server, 'GET', 'sys/mounts')).status).toBe(200);

    expect((await root(server, 'PUT', 'sys/seal')).status).toBe(204);
    const hex = Buffer.from(share ?? '', 'base64').toString('hex');
    expect((await call(server, 'POST', 'sys/unseal', { body: { key: hex } })).json).toMatchObject({ sealed: false });
    // A key sent to an unsealed Vault changes nothing.
    expect((await call(server, 'PUT', 'sys/unseal', { body: { key: share } })).json).toMatchObject({ sealed: false });
  });

  it('a wrong key leaves the server sealed; bad requests answer 400 with Vault messages', async () => {
    expect((await root(server, 'PUT', 'sys/seal')).status).toBe(204);
    try {
      const wrong = await call(server, 'PUT', 'sys/unseal', { body: { key: randomBytes(32).toString('base64') } });
      expect(wrong.status).toBe(500);
      expect(errors(wrong)[0]).toContain('message authentication failed');
      expect(server.sealed).toBe(true);

      const missing = await call(server, 'PUT', 'sys/unseal', { body: {} });
      expect(missing.status).toBe(400);
      expect(errors(missing)).toEqual(["'key' must be specified in request body as JSON, or 'reset' set to true"]);
      const garbage = await call(server, 'PUT', 'sys/unseal', { body: { key: 'not base64!' } });
      expect(errors(garbage)).toEqual(["'key' must be a valid hex or base64 string"]);
      const short = await call(server, 'PUT', 'sys/unseal', { body: { key: randomBytes(8).toString('base64') } });
      expect(short.status).toBe(400);
      expect(errors(short)).toEqual(['invalid key: key is shorter than minimum 16 bytes']);
      const reset = await call(server, 'PUT', 'sys/unseal', { body: { reset: true } });
      expect(reset.status).toBe(200);
      expect(reset.json).toMatchObject({ sealed: true, progress: 0 });
      expect((await call(server, 'GET', 'sys/unseal')).status).toBe(405);
    } finally {
      server.unseal();
    }
    const resetUnsealed = await call(server, 'PUT', 'sys/unseal', { body: { reset: true } });
    expect(resetUnsealed.status).toBe(400);
    expect(errors(resetUnsealed)).toEqual(['vault is unsealed']);
  });
});

describe('sys/leader', () => {
  it('GET answers the HA status of a single dev node without a token', async () => {
    const answer = await call(server, 'GET', 'sys/leader');
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({
      ha_enabled: false,
      is_self: false,
      active_time: '0001-01-01T00:00:00Z',
      leader_address: '',
      leader_cluster_address: '',
      performance_standby: false,
      performance_standby_last_remote_wal: 0,
    });
  });

  it('answers 503 while sealed and 405 for other methods', async () => {
    server.seal();
    try {
      const sealed = await call(server, 'GET', 'sys/leader');
      expect(sealed.status).toBe(503);
      expect(errors(sealed)).toEqual(['Vault is sealed']);
    } finally {
      server.unseal();
    }
    expect((await call(server, 'PUT', 'sys/leader')).status).toBe(405);
  });
});

describe('sys/key-status', () => {
  it('GET answers term, install_time and encryptions in data and at the top level', async () => {
    const answer = await root(server, 'GET', 'sys/key-status');
    expect(answer.status).toBe(200);
    const data = envelope<{ term: number; install_time: string; encryptions: number }>(answer).data;
    expect(data.term).toBe(1);
    expect(Number.isNaN(Date.parse(data.install_time))).toBe(false);
    expect(data.install_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    expect(typeof data.encryptions).toBe('number');
    expect(answer.json).toMatchObject({ term: 1, install_time: data.install_time });
    expect(envelope(answer).mount_type).toBe('system');
  });

  it('needs a token', async () => {
    const answer = await call(server, 'GET', 'sys/key-status');
    expect(answer.status).toBe(403);
  });
});
