/**
 * REFERENCE §8.6 (response wrapping) and §0.1 (`X-Vault-Wrap-TTL`): the wrap-only envelope,
 * unwrap (first and third party), single use, expiry by the server clock, lookup, rewrap,
 * wrap, and the main use: a wrapped AppRole secret_id.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VaultTestServer } from '../src/index.js';
import { call, ENVELOPE_KEYS, envelope, errors, root, startServer } from './support.js';

const RFC3339_NANO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
const INVALID = { errors: ['wrapping token is not valid or does not exist'] };

interface WrapInfo {
  token: string;
  accessor: string;
  ttl: number;
  creation_time: string;
  creation_path: string;
  wrapped_accessor?: string;
}

let server: VaultTestServer;
beforeAll(async () => {
  server = await startServer();
  await server.admin.kvPut('secret', 'wrapped/app', { password: 's3cr3t' });
  await server.admin.enableAuthMethod('approle', 'approle');
  await server.admin.writeAppRole('approle', 'app', { token_policies: ['app'], token_ttl: '1h' });
});
afterAll(() => server.stop());

async function wrappedRead(ttl = '60s', path = 'secret/data/wrapped/app'): Promise<WrapInfo> {
  const answer = await root(server, 'GET', path, { headers: { 'X-Vault-Wrap-TTL': ttl } });
  expect(answer.status).toBe(200);
  return (answer.json as { wrap_info: WrapInfo }).wrap_info;
}

describe('X-Vault-Wrap-TTL', () => {
  it('answers with the wrap-only envelope', async () => {
    const answer = await root(server, 'GET', 'secret/data/wrapped/app', { headers: { 'X-Vault-Wrap-TTL': '60s' } });
    expect(answer.status).toBe(200);
    const body = answer.json as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(ENVELOPE_KEYS);
    expect(body).toMatchObject({
      request_id: '',
      lease_id: '',
      renewable: false,
      lease_duration: 0,
      data: null,
      warnings: null,
      auth: null,
      mount_type: '',
    });
    const info = body['wrap_info'] as WrapInfo;
    expect(Object.keys(info)).toEqual(['token', 'accessor', 'ttl', 'creation_time', 'creation_path']);
    expect(info.token).toMatch(/^hvs\./);
    expect(info.accessor).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(info.ttl).toBe(60);
    expect(info.creation_time).toMatch(RFC3339_NANO);
    expect(info.creation_path).toBe('secret/data/wrapped/app');
  });

  it('accepts integer seconds', async () => {
    expect((await wrappedRead('90')).ttl).toBe(90);
  });

  it('rejects unparseable and negative values with 400', async () => {
    const bad = await root(server, 'GET', 'secret/data/wrapped/app', { headers: { 'X-Vault-Wrap-TTL': 'abc' } });
    expect(bad.status).toBe(400);
    expect(bad.json).toEqual({ errors: ['error parsing X-Vault-Wrap-TTL header: time: invalid duration "abc"'] });
    const negative = await root(server, 'GET', 'secret/data/wrapped/app', { headers: { 'X-Vault-Wrap-TTL': '-5' } });
    expect(negative.status).toBe(400);
    expect(negative.json).toEqual({ errors: ['error parsing X-Vault-Wrap-TTL header: requested wrap ttl cannot be negative'] });
  });

  it('does not wrap errors or empty (204) answers', async () => {
    const missing = await root(server, 'GET', 'secret/data/does/not/exist', { headers: { 'X-Vault-Wrap-TTL': '60s' } });
    expect(missing.status).toBe(404);
    const write = await root(server, 'POST', 'cubbyhole/x', { body: { a: 1 }, headers: { 'X-Vault-Wrap-TTL': '60s' } });
    expect(write.status).toBe(204);
  });
});

describe('POST sys/wrapping/unwrap', () => {
  it('returns the original response to the wrapping token, once', async () => {
    const info = await wrappedRead();
    const answer = await call(server, 'POST', 'sys/wrapping/unwrap', { token: info.token });
    expect(answer.status).toBe(200);
    const body = envelope<{ data: Record<string, string>; metadata: { version: number } }>(answer);
    expect(Object.keys(body)).toEqual(ENVELOPE_KEYS);
    expect(body.data.data).toEqual({ password: 's3cr3t' });
    expect(body.data.metadata.version).toBe(1);
    expect(body.mount_type).toBe('kv');
    expect(body.request_id).toMatch(/^[0-9a-f-]{36}$/);

    const again = await call(server, 'POST', 'sys/wrapping/unwrap', { token: info.token });
    expect(again.status).toBe(400);
    expect(again.json).toEqual(INVALID);
  });

  it('lets a normal token unwrap with {"token": ...}', async () => {
    const info = await wrappedRead();
    const user = await server.admin.createToken({ policies: ['nothing'] });
    const answer = await call(server, 'POST', 'sys/wrapping/unwrap', { token: user.client_token, body: { token: info.token } });
    expect(answer.status).toBe(200);
    expect(envelope<{ data: Record<string, string> }>(answer).data.data).toEqual({ password: 's3cr3t' });
    expect((await call(server, 'POST', 'sys/wrapping/unwrap', { token: user.client_token, body: { token: info.token } })).json).toEqual(
      INVALID,
    );
  });

  it('burns the token when it is sent as X-Vault-Token and in the body', async () => {
    const info = await wrappedRead();
    const both = await call(server, 'POST', 'sys/wrapping/unwrap', { token: info.token, body: { token: info.token } });
    expect(both.status).toBe(400);
    expect((await call(server, 'POST', 'sys/wrapping/unwrap', { token: info.token })).json).toEqual(INVALID);
  });

  it('expires wrapping tokens by the server clock', async () => {
    const info = await wrappedRead('60s');
    server.clock.advance(61_000);
    const answer = await call(server, 'POST', 'sys/wrapping/unwrap', { token: info.token });
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual(INVALID);
  });

  it('rejects garbage, normal tokens and empty body tokens', async () => {
    expect((await call(server, 'POST', 'sys/wrapping/unwrap', { token: 'garbage' })).json).toEqual(INVALID);
    expect((await call(server, 'POST', 'sys/wrapping/unwrap', {})).json).toEqual(INVALID);
    expect((await root(server, 'POST', 'sys/wrapping/unwrap')).json).toEqual(INVALID);
    const empty = await root(server, 'POST', 'sys/wrapping/unwrap', { body: { token: '' } });
    expect(empty.status).toBe(400);
    expect(empty.json).toEqual({ errors: ['error validating wrapping token: empty token in request body'] });
  });

  it('the wrapping token can do nothing else', async () => {
    const info = await wrappedRead();
    const answer = await call(server, 'GET', 'secret/data/wrapped/app', { token: info.token });
    expect(answer.status).toBe(403);
    expect(errors(answer)).toEqual(['1 error occurred:\n\t* permission denied\n\n']);
  });
});

describe('sys/wrapping/lookup, rewrap, wrap', () => {
  it('looks up a wrapping token without a client token and without using it', async () => {
    const info = await wrappedRead('5m');
    const answer = await call(server, 'POST', 'sys/wrapping/lookup', { body: { token: info.token } });
    expect(answer.status).toBe(200);
    expect(envelope(answer).data).toEqual({
      creation_path: 'secret/data/wrapped/app',
      creation_time: info.creation_time,
      creation_ttl: 300,
    });
    expect((await call(server, 'POST', 'sys/wrapping/unwrap', { token: info.token })).status).toBe(200);
    expect((await call(server, 'POST', 'sys/wrapping/lookup', { body: { token: info.token } })).json).toEqual(INVALID);
  });

  it('rewraps into a new token with the same TTL and path', async () => {
    const info = await wrappedRead('2m');
    const answer = await root(server, 'POST', 'sys/wrapping/rewrap', { body: { token: info.token } });
    expect(answer.status).toBe(200);
    const fresh = (answer.json as { wrap_info: WrapInfo }).wrap_info;
    expect(fresh.token).not.toBe(info.token);
    expect(fresh).toMatchObject({ ttl: 120, creation_path: 'secret/data/wrapped/app' });
    expect((await call(server, 'POST', 'sys/wrapping/unwrap', { token: info.token })).json).toEqual(INVALID);
    expect((await call(server, 'POST', 'sys/wrapping/unwrap', { token: fresh.token })).status).toBe(200);
  });

  it('wraps arbitrary data with sys/wrapping/wrap (needs a wrap TTL)', async () => {
    const noTtl = await root(server, 'POST', 'sys/wrapping/wrap', { body: { foo: 'bar' } });
    expect(noTtl.status).toBe(400);
    expect(errors(noTtl)).toEqual(['endpoint requires response wrapping to be used']);
    const wrapped = await root(server, 'POST', 'sys/wrapping/wrap', { body: { foo: 'bar' }, headers: { 'X-Vault-Wrap-TTL': '1m' } });
    const info = (wrapped.json as { wrap_info: WrapInfo }).wrap_info;
    expect(info.creation_path).toBe('sys/wrapping/wrap');
    const unwrapped = await call(server, 'POST', 'sys/wrapping/unwrap', { token: info.token });
    expect(envelope(unwrapped).data).toEqual({ foo: 'bar' });
  });
});

describe('wrapped AppRole secret IDs and logins', () => {
  it('wraps a secret_id that a client unwraps and logs in with', async () => {
    const answer = await root(server, 'POST', 'auth/approle/role/app/secret-id', { headers: { 'X-Vault-Wrap-TTL': '60s' } });
    expect(answer.status).toBe(200);
    const info = (answer.json as { wrap_info: WrapInfo }).wrap_info;
    expect(info.creation_path).toBe('auth/approle/role/app/secret-id');
    const unwrapped = await call(server, 'POST', 'sys/wrapping/unwrap', { token: info.token });
    const data = envelope<{ secret_id: string; secret_id_accessor: string }>(unwrapped).data;
    expect(Object.keys(data).sort()).toEqual(['secret_id', 'secret_id_accessor', 'secret_id_num_uses', 'secret_id_ttl']);
    const roleId = await server.admin.readRoleId('approle', 'app');
    const login = await call(server, 'POST', 'auth/approle/login', { body: { role_id: roleId, secret_id: data.secret_id } });
    expect(login.status).toBe(200);
  });

  it('VaultAdmin.generateSecretId({wrapTtl}) returns the wrapping token; VaultAdmin.unwrap opens it', async () => {
    const wrappingToken = await server.admin.generateSecretId('approle', 'app', { wrapTtl: '60s' });
    expect(wrappingToken).toMatch(/^hvs\./);
    const unwrapped = await server.admin.unwrap<{ secret_id: string }>(wrappingToken);
    expect(unwrapped.data?.secret_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('wraps a login response; wrapped_accessor names the token inside', async () => {
    const roleId = await server.admin.readRoleId('approle', 'app');
    const secretId = await server.admin.generateSecretId('approle', 'app');
    const answer = await call(server, 'POST', 'auth/approle/login', {
      body: { role_id: roleId, secret_id: secretId },
      headers: { 'X-Vault-Wrap-TTL': '30s' },
    });
    const info = (answer.json as { wrap_info: WrapInfo; auth: unknown }).wrap_info;
    expect((answer.json as { auth: unknown }).auth).toBeNull();
    expect(info.wrapped_accessor).toMatch(/^[A-Za-z0-9]{24}$/);
    const unwrapped = envelope(await call(server, 'POST', 'sys/wrapping/unwrap', { token: info.token }));
    expect(unwrapped.auth?.accessor).toBe(info.wrapped_accessor);
    expect(unwrapped.auth?.metadata).toEqual({ role_name: 'app' });
    const lookup = await call(server, 'GET', 'auth/token/lookup-self', { token: unwrapped.auth!.client_token });
    expect(lookup.status).toBe(200);
  });
});
