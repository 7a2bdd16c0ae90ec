/**
 * Conformance of the audit `sys/` group with Vault's API docs: `sys/audit`, `sys/audit/:path`
 * (developer.hashicorp.com/vault/api-docs/system/audit) and `sys/audit-hash/:path`
 * (…/system/audit-hash), and the `file` device's `file_path` (…/docs/audit/file).
 */
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VaultTestServer } from '../src/index.js';
import { call, envelope, errors, root, startServer, unique } from './support.js';

let server: VaultTestServer;
let dir: string;
beforeAll(async () => {
  server = await startServer();
  dir = mkdtempSync(join(tmpdir(), 'vts-audit-'));
});
afterAll(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('sys/audit', () => {
  it('enables a device (204), lists it (data and top level) and disables it (204)', async () => {
    const path = unique('file');
    const filePath = join(dir, `${path}.log`);
    const enabled = await root(server, 'PUT', `sys/audit/${path}`, {
      body: { type: 'file', description: 'Store logs in a file', options: { file_path: filePath } },
    });
    expect(enabled.status).toBe(204);
    // Like Vault, enabling a file device opens its file (mode 0600 by default).
    expect(statSync(filePath).mode & 0o777).toBe(0o600);

    const listed = await root(server, 'GET', 'sys/audit');
    expect(listed.status).toBe(200);
    const device = { type: 'file', description: 'Store logs in a file', options: { file_path: filePath }, path: `${path}/`, local: false };
    expect(envelope<Record<string, unknown>>(listed).data[`${path}/`]).toEqual(device);
    expect((listed.json as Record<string, unknown>)[`${path}/`]).toEqual(device);

    expect((await root(server, 'DELETE', `sys/audit/${path}`)).status).toBe(204);
    expect(envelope<Record<string, unknown>>(await root(server, 'GET', 'sys/audit')).data).not.toHaveProperty(`${path}/`);
    // Disabling what is not there is not an error.
    expect((await root(server, 'DELETE', `sys/audit/${path}`)).status).toBe(204);
  });

  it('accepts file_path stdout/discard, socket and syslog devices; refuses unknown types, missing options and used paths', async () => {
    expect(
      (await root(server, 'PUT', `sys/audit/${unique('out')}`, { body: { type: 'file', options: { file_path: 'discard' } } })).status,
    ).toBe(204);
    expect((await root(server, 'PUT', `sys/audit/${unique('sys')}`, { body: { type: 'syslog' } })).status).toBe(204);
    const socket = unique('sock');
    expect(
      (await root(server, 'PUT', `sys/audit/${socket}`, { body: { type: 'socket', options: { address: '127.0.0.1:9090' } } })).status,
    ).toBe(204);

    const unknown = await root(server, 'PUT', `sys/audit/${unique('x')}`, { body: { type: 'kafka' } });
    expect(unknown.status).toBe(400);
    expect(errors(unknown)).toEqual(['unknown backend type: "kafka"']);
    const noPath = await root(server, 'PUT', `sys/audit/${unique('x')}`, { body: { type: 'file' } });
    expect(noPath.status).toBe(400);
    expect(errors(noPath)[0]).toContain('file_path is required');
    const used = await root(server, 'PUT', `sys/audit/${socket}`, { body: { type: 'syslog' } });
    expect(used.status).toBe(400);
    expect(errors(used)).toEqual(['path already in use']);
  });

  it('needs sudo on sys/audit and sys/audit/:path', async () => {
    await server.admin.writePolicy('audit-no-sudo', 'path "sys/audit*" { capabilities = ["create", "read", "update", "delete", "list"] }');
    const token = (await server.admin.createToken({ policies: ['audit-no-sudo'] })).client_token;
    expect((await call(server, 'GET', 'sys/audit', { token })).status).toBe(403);
    expect((await call(server, 'PUT', `sys/audit/${unique('x')}`, { token, body: { type: 'syslog' } })).status).toBe(403);
  });
});

describe('sys/audit-hash/:path', () => {
  it('answers hmac-sha256:<hex>, stable per device and input, different between devices', async () => {
    const a = unique('hash-a');
    const b = unique('hash-b');
    await root(server, 'PUT', `sys/audit/${a}`, { body: { type: 'file', options: { file_path: 'discard' } } });
    await root(server, 'PUT', `sys/audit/${b}`, { body: { type: 'file', options: { file_path: 'discard' } } });
    const first = await root(server, 'POST', `sys/audit-hash/${a}`, { body: { input: 'my-secret-vault' } });
    expect(first.status).toBe(200);
    const hash = envelope<{ hash: string }>(first).data.hash;
    expect(hash).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    expect((first.json as { hash: string }).hash).toBe(hash);
    expect(hash).not.toBe(`hmac-sha256:${createHmac('sha256', '').update('my-secret-vault').digest('hex')}`);
    expect(
      envelope<{ hash: string }>(await root(server, 'POST', `sys/audit-hash/${a}`, { body: { input: 'my-secret-vault' } })).data.hash,
    ).toBe(hash);
    expect(
      envelope<{ hash: string }>(await root(server, 'POST', `sys/audit-hash/${b}`, { body: { input: 'my-secret-vault' } })).data.hash,
    ).not.toBe(hash);
  });

  it('answers 400 for an empty input and an unknown device', async () => {
    const empty = await root(server, 'POST', `sys/audit-hash/${unique('any')}`, { body: { input: '' } });
    expect(empty.status).toBe(400);
    expect(errors(empty)).toEqual(['the "input" parameter is empty']);
    const name = unique('nodevice');
    const unknown = await root(server, 'POST', `sys/audit-hash/${name}`, { body: { input: 'x' } });
    expect(unknown.status).toBe(400);
    expect(errors(unknown)).toEqual([`unknown audit backend "${name}/"`]);
  });
});
