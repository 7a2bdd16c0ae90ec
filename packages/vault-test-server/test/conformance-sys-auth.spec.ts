/**
 * Conformance of the auth `sys/` group and of auth-method gaps with Vault's API docs:
 * `sys/auth` (developer.hashicorp.com/vault/api-docs/system/auth), the cert method's
 * `certs/:name` default display name and `config` (…/auth/cert), and the kubernetes method's
 * `config` across Vault 1.16 (plugin v0.18) and 1.17 (plugin v0.19) (…/auth/kubernetes).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestCertificateAuthority, type VaultTestServer } from '../src/index.js';
import { ENVELOPE_KEYS, call, envelope, errors, root, startServer, unique } from './support.js';

let server: VaultTestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.stop());

describe('sys/auth', () => {
  it('lists auth methods (data and top level) with the token method always present', async () => {
    const path = unique('up');
    expect((await root(server, 'POST', `sys/auth/${path}`, { body: { type: 'userpass', description: 'people' } })).status).toBe(204);
    const answer = await root(server, 'GET', 'sys/auth');
    expect(answer.status).toBe(200);
    const data = envelope<Record<string, Record<string, unknown>>>(answer).data;
    expect(data['token/']).toMatchObject({ type: 'token', config: { token_type: 'default-service' } });
    expect(data[`${path}/`]).toMatchObject({ type: 'userpass', description: 'people', local: false, seal_wrap: false });
    expect((answer.json as Record<string, unknown>)[`${path}/`]).toEqual(data[`${path}/`]);
    expect((await root(server, 'DELETE', `sys/auth/${path}`)).status).toBe(204);
    expect(envelope<Record<string, unknown>>(await root(server, 'GET', 'sys/auth')).data).not.toHaveProperty(`${path}/`);
  });

  it('enabling, reading, tuning and disabling below sys/auth/ need sudo (a root path); the list does not', async () => {
    await server.admin.writePolicy('auth-admin', 'path "sys/auth*" { capabilities = ["create", "read", "update", "delete", "list"] }');
    const token = (await server.admin.createToken({ policies: ['auth-admin'] })).client_token;
    expect((await call(server, 'GET', 'sys/auth', { token })).status).toBe(200);
    const path = unique('nosudo');
    expect((await call(server, 'POST', `sys/auth/${path}`, { token, body: { type: 'userpass' } })).status).toBe(403);
    expect((await call(server, 'GET', 'sys/auth/token/tune', { token })).status).toBe(403);
    await server.admin.writePolicy('auth-sudo', 'path "sys/auth/*" { capabilities = ["create", "update", "sudo"] }');
    const sudo = (await server.admin.createToken({ policies: ['auth-sudo'] })).client_token;
    expect((await call(server, 'POST', `sys/auth/${path}`, { token: sudo, body: { type: 'userpass' } })).status).toBe(204);
  });
});

describe('auth/cert', () => {
  let mount: string;
  let caPem: string;
  beforeAll(async () => {
    mount = unique('cert');
    await root(server, 'POST', `sys/auth/${mount}`, { body: { type: 'cert' } });
    caPem = (await createTestCertificateAuthority('Conformance Client CA')).certPem;
  });

  it('a role written without display_name (or with an empty one) reads back the role name', async () => {
    for (const body of [{ certificate: caPem }, { certificate: caPem, display_name: '' }]) {
      const name = unique('web');
      expect((await root(server, 'POST', `auth/${mount}/certs/${name}`, { body })).status).toBe(204);
      const read = await root(server, 'GET', `auth/${mount}/certs/${name}`);
      expect(read.status).toBe(200);
      expect(envelope<{ display_name: string }>(read).data.display_name).toBe(name);
    }
    const named = unique('named');
    await root(server, 'POST', `auth/${mount}/certs/${named}`, { body: { certificate: caPem, display_name: 'shown' } });
    expect(envelope<{ display_name: string }>(await root(server, 'GET', `auth/${mount}/certs/${named}`)).data.display_name).toBe('shown');
  });

  it('config reads the documented defaults until written, then what was written; refuses a bad cache size', async () => {
    const fresh = await root(server, 'GET', `auth/${mount}/config`);
    expect(fresh.status).toBe(200);
    expect(Object.keys(fresh.json as object)).toEqual(ENVELOPE_KEYS);
    expect(envelope(fresh).data).toEqual({ disable_binding: false, enable_identity_alias_metadata: false, ocsp_cache_size: 100 });

    const written = await root(server, 'POST', `auth/${mount}/config`, { body: { disable_binding: true, ocsp_cache_size: 500 } });
    expect(written.status).toBe(204);
    expect(envelope(await root(server, 'GET', `auth/${mount}/config`)).data).toEqual({
      disable_binding: true,
      enable_identity_alias_metadata: false,
      ocsp_cache_size: 500,
    });
    // Only the given fields change.
    await root(server, 'POST', `auth/${mount}/config`, { body: { enable_identity_alias_metadata: true } });
    expect(envelope(await root(server, 'GET', `auth/${mount}/config`)).data).toMatchObject({
      disable_binding: true,
      enable_identity_alias_metadata: true,
    });

    const bad = await root(server, 'POST', `auth/${mount}/config`, { body: { ocsp_cache_size: 1 } });
    expect(bad.status).toBe(400);
    expect(errors(bad)).toEqual(['invalid cache size, must be >= 2 and <= 100000']);
  });
});

describe('auth/kubernetes config with disable_local_ca_jwt and no kubernetes_ca_cert', () => {
  const body = { kubernetes_host: 'https://kubernetes.default.svc', disable_local_ca_jwt: true };

  it('is accepted by Vault 1.17 (plugin v0.19 falls back to the host CAs)', async () => {
    const mount = unique('k8s');
    await root(server, 'POST', `sys/auth/${mount}`, { body: { type: 'kubernetes' } });
    expect((await root(server, 'POST', `auth/${mount}/config`, { body })).status).toBe(204);
    expect(envelope(await root(server, 'GET', `auth/${mount}/config`)).data).toMatchObject({
      disable_local_ca_jwt: true,
      kubernetes_ca_cert: '',
    });
  });

  it('answers 400 under Vault 1.16 (plugin v0.18)', async () => {
    const old = await startServer({ vaultVersion: '1.16' });
    try {
      const mount = unique('k8s');
      await root(old, 'POST', `sys/auth/${mount}`, { body: { type: 'kubernetes' } });
      const refused = await root(old, 'POST', `auth/${mount}/config`, { body });
      expect(refused.status).toBe(400);
      expect(refused.json).toEqual({ errors: ['kubernetes_ca_cert must be given when disable_local_ca_jwt is true'] });
      expect((await root(old, 'GET', `auth/${mount}/config`)).status).toBe(404);
      const withCa = await root(old, 'POST', `auth/${mount}/config`, {
        body: { ...body, kubernetes_ca_cert: (await createTestCertificateAuthority()).certPem },
      });
      expect(withCa.status).toBe(204);
    } finally {
      await old.stop();
    }
  });
});
