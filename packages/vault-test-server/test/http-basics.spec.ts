/**
 * REFERENCE §0: request handling, envelopes, empty answers, error bodies, seal state.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VaultTestServer } from '../src/index.js';
import { call, ENVELOPE_KEYS, envelope, errors, root, startServer, unique } from './support.js';

let server: VaultTestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.stop());

describe('success envelope (§0.2)', () => {
  it('has every key, in Vault order, with warnings null and a trailing newline', async () => {
    const path = unique('env');
    await server.admin.kvPut('secret', path, { b: '2', a: '1' });
    const answer = await root(server, 'GET', `secret/data/${path}`);
    expect(answer.status).toBe(200);
    expect(Object.keys(answer.json as object)).toEqual(ENVELOPE_KEYS);
    const body = envelope(answer);
    expect(body.request_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(body).toMatchObject({
      lease_id: '',
      renewable: false,
      lease_duration: 0,
      wrap_info: null,
      warnings: null,
      auth: null,
      mount_type: 'kv',
    });
    expect(answer.text.endsWith('}\n')).toBe(true);
    expect(answer.text).toContain('"data":{"a":"1","b":"2"}');
    expect(answer.headers.get('content-type')).toBe('application/json');
    expect(answer.headers.get('cache-control')).toBe('no-store');
  });

  it('escapes <, > and & like Go', async () => {
    const path = unique('html');
    await server.admin.kvPut('secret', path, { v: '<a&b>' });
    const answer = await root(server, 'GET', `secret/data/${path}`);
    expect(answer.text).toContain('"v":"\\u003ca\\u0026b\\u003e"');
    expect(envelope<{ data: { v: string } }>(answer).data.data.v).toBe('<a&b>');
  });
});

describe('empty success (§0.3)', () => {
  it('answers 204 with an empty body, JSON content type and no-store', async () => {
    const answer = await root(server, 'POST', `secret/metadata/${unique('meta')}`, { body: { max_versions: 3 } });
    expect(answer.status).toBe(204);
    expect(answer.text).toBe('');
    expect(answer.headers.get('content-type')).toBe('application/json');
    expect(answer.headers.get('cache-control')).toBe('no-store');
  });
});

describe('request side (§0.1)', () => {
  it('accepts Authorization: Bearer, and X-Vault-Token wins when both are sent', async () => {
    const bearer = await call(server, 'GET', 'auth/token/lookup-self', { headers: { Authorization: `Bearer ${server.rootToken}` } });
    expect(bearer.status).toBe(200);
    const both = await call(server, 'GET', 'auth/token/lookup-self', {
      token: 'hvs.unknown',
      headers: { Authorization: `Bearer ${server.rootToken}` },
    });
    expect(both.status).toBe(403);
  });

  it('treats the LIST method and GET ?list=true the same', async () => {
    const folder = unique('list');
    await server.admin.kvPut('secret', `${folder}/a`, { x: '1' });
    const viaList = await root(server, 'LIST', `secret/metadata/${folder}`);
    const viaGet = await root(server, 'GET', `secret/metadata/${folder}?list=true`);
    const viaGetT = await root(server, 'GET', `secret/metadata/${folder}?list=t`);
    for (const answer of [viaList, viaGet, viaGetT]) {
      expect(answer.status).toBe(200);
      expect(envelope(answer).data).toEqual({ keys: ['a'] });
    }
  });

  it('rejects an unparseable list flag with 400 {"errors":[]}', async () => {
    const answer = await root(server, 'GET', 'secret/metadata/x?list=maybe');
    expect(answer.status).toBe(400);
    expect(answer.text).toBe('{"errors":[]}\n');
  });

  it('answers 405 {"errors":[]} to other methods', async () => {
    for (const method of ['OPTIONS', 'HEAD']) {
      const answer = await root(server, method, 'secret/data/x');
      expect(answer.status).toBe(405);
    }
    const options = await root(server, 'OPTIONS', 'secret/data/x');
    expect(options.text).toBe('{"errors":[]}\n');
  });

  it('answers 400 "error parsing JSON" to a bad body', async () => {
    const answer = await root(server, 'POST', 'secret/data/x', { body: '{"data": ' });
    expect(answer.status).toBe(400);
    expect(errors(answer)).toEqual(['error parsing JSON']);
  });

  it('refuses writes to a path ending in /', async () => {
    const answer = await root(server, 'POST', 'secret/data/folder/', { body: { data: { a: 1 } } });
    expect(answer.status).toBe(400);
    expect(errors(answer)).toEqual(["cannot write to a path ending in '/'"]);
  });

  it('parses form-urlencoded bodies', async () => {
    const mount = unique('kv1form');
    await server.admin.enableSecretsEngine(mount, 'kv', { version: '1' });
    const write = await root(server, 'POST', `${mount}/creds`, {
      body: 'role_id=abc&secret_id=def',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    expect(write.status).toBe(204);
    const read = await root(server, 'GET', `${mount}/creds`);
    expect(envelope(read).data).toEqual({ role_id: 'abc', secret_id: 'def' });
  });

  it('keeps LIST working on a keep-alive connection after chunked and sized bodies', async () => {
    const folder = unique('raw');
    await server.admin.kvPut('secret', `${folder}/k`, { v: '1' });
    const port = new URL(server.address).port;
    const token = server.rootToken;
    const chunkedBody = JSON.stringify({ data: { v: 'LIST /v1/x HTTP/1.1' } });
    const raw = [
      `POST /v1/secret/data/${folder}/k HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${token}\r\nTransfer-Encoding: chunked\r\n\r\n`,
      `${chunkedBody.length.toString(16)}\r\n${chunkedBody}\r\n0\r\n\r\n`,
      `LIST /v1/secret/metadata/${folder} HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${token}\r\n\r\n`,
      `POST /v1/secret/data/${folder}/k HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${token}\r\nContent-Length: ${chunkedBody.length}\r\n\r\n${chunkedBody}`,
      `LIST /v1/secret/metadata/${folder} HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${token}\r\nConnection: close\r\n\r\n`,
    ].join('');
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => socket.end(raw));
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(reply.match(/HTTP\/1\.1 200 OK/g)).toHaveLength(4);
    expect(reply.match(/"keys":\["k"\]/g)).toHaveLength(2);
  });

  it('turns query parameters into request data on GET', async () => {
    const path = unique('query');
    await server.admin.kvPut('secret', path, { v: 'one' });
    await server.admin.kvPut('secret', path, { v: 'two' });
    const answer = await root(server, 'GET', `secret/data/${path}?version=1`);
    expect(envelope<{ data: { v: string } }>(answer).data.data.v).toBe('one');
  });
});

describe('error envelope (§0.4)', () => {
  it('answers 404 "no handler for route" when no mount matches', async () => {
    const answer = await root(server, 'GET', 'nomount/foo');
    expect(answer.status).toBe(404);
    expect(answer.text).toBe('{"errors":["no handler for route \\"nomount/foo\\". route entry not found."]}\n');
  });

  it('answers 404 {"errors":[]} to a missing read', async () => {
    const answer = await root(server, 'GET', `secret/data/${unique('missing')}`);
    expect(answer.status).toBe(404);
    expect(answer.text).toBe('{"errors":[]}\n');
  });

  it('answers 405 "unsupported operation" (multierror) on an unsupported operation', async () => {
    const answer = await root(server, 'GET', `secret/destroy/${unique('x')}`);
    expect(answer.status).toBe(405);
    expect(errors(answer)[0]).toContain('unsupported operation');
  });
});

describe('sealed server (§8.1c)', () => {
  it('answers 503 "Vault is sealed" on logical paths, also without a token', async () => {
    server.seal();
    try {
      expect(server.sealed).toBe(true);
      for (const answer of [await root(server, 'GET', 'secret/data/anything'), await call(server, 'GET', 'auth/token/lookup-self')]) {
        expect(answer.status).toBe(503);
        expect(answer.text).toBe('{"errors":["Vault is sealed"]}\n');
      }
    } finally {
      server.unseal();
    }
    expect((await root(server, 'GET', 'auth/token/lookup-self')).status).toBe(200);
  });
});
