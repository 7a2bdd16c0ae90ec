/**
 * Conformance of the policy `sys/` group with Vault's API docs: the older `sys/policy`
 * (developer.hashicorp.com/vault/api-docs/system/policy) next to `sys/policies/acl`
 * (…/system/policies), both over one policy store.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VaultTestServer } from '../src/index.js';
import { call, envelope, errors, root, startServer, unique } from './support.js';

let server: VaultTestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.stop());

const HCL = 'path "secret/data/app/*" {\n  capabilities = ["read"]\n}\n';

describe('sys/policy', () => {
  it('GET lists the policies as "policies" and "keys", root last, also at the top level', async () => {
    const name = unique('listed');
    await server.admin.writePolicy(name, HCL);
    const answer = await root(server, 'GET', 'sys/policy');
    expect(answer.status).toBe(200);
    const data = envelope<{ keys: string[]; policies: string[] }>(answer).data;
    expect(data.policies).toEqual(data.keys);
    expect(data.policies).toContain('default');
    expect(data.policies).toContain(name);
    expect(data.policies.at(-1)).toBe('root');
    expect((answer.json as { policies: string[] }).policies).toEqual(data.policies);
  });

  it('PUT writes a policy (204) that GET reads back as name and rules, and sys/policies/acl sees', async () => {
    const name = unique('writer');
    const written = await root(server, 'PUT', `sys/policy/${name}`, { body: { policy: HCL } });
    expect(written.status).toBe(204);
    const read = await root(server, 'GET', `sys/policy/${name}`);
    expect(read.status).toBe(200);
    expect(envelope(read).data).toEqual({ name, rules: HCL });
    expect(read.json).toMatchObject({ name, rules: HCL });
    expect(envelope(await root(server, 'GET', `sys/policies/acl/${name}`)).data).toEqual({ name, policy: HCL });
  });

  it('accepts the deprecated "rules" field with a warning, and the policy takes effect', async () => {
    const name = unique('legacy');
    const written = await root(server, 'POST', `sys/policy/${name}`, { body: { rules: HCL } });
    expect(written.status).toBe(200);
    expect(envelope(written).warnings).toEqual(["'rules' is deprecated, please use 'policy' instead"]);
    const token = (await server.admin.createToken({ policies: [name] })).client_token;
    await server.admin.kvPut('secret', 'app/db', { password: 'x' });
    expect((await call(server, 'GET', 'secret/data/app/db', { token })).status).toBe(200);
    expect((await call(server, 'GET', 'secret/data/other', { token })).status).toBe(403);
  });

  it('DELETE removes a policy (204); reading it then answers 404; root and default cannot be removed', async () => {
    const name = unique('gone');
    await server.admin.writePolicy(name, HCL);
    expect((await root(server, 'DELETE', `sys/policy/${name}`)).status).toBe(204);
    const missing = await root(server, 'GET', `sys/policy/${name}`);
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({ errors: [] });
    expect(errors(await root(server, 'DELETE', 'sys/policy/root'))).toEqual(['cannot delete "root" policy']);
    expect(errors(await root(server, 'DELETE', 'sys/policy/default'))).toEqual(['cannot delete default policy']);
  });

  it('answers 400 for an empty policy and for bad HCL', async () => {
    const empty = await root(server, 'PUT', `sys/policy/${unique('empty')}`, { body: {} });
    expect(empty.status).toBe(400);
    expect(errors(empty)).toEqual(["'policy' parameter not supplied or empty"]);
    const bad = await root(server, 'PUT', `sys/policy/${unique('bad')}`, { body: { policy: 'path "x" {' } });
    expect(bad.status).toBe(400);
    expect(errors(bad)[0]).toContain('failed to parse policy');
  });
});
