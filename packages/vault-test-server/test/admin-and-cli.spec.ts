/**
 * `VaultAdmin` (setup through Vault's own API) and the standalone CLI runner.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, parseCliArgs } from '../src/cli.js';
import { VaultAdmin, VaultAdminError, type VaultTestServer } from '../src/index.js';
import { envelope, root, startServer, unique } from './support.js';

let server: VaultTestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.stop());

describe('VaultAdmin', () => {
  it('is bound to the server address and root token', async () => {
    const admin = new VaultAdmin(server.address, server.rootToken);
    const meta = await admin.kvPut('secret', unique('adm'), { a: '1' });
    expect(meta).toMatchObject({ version: 1, destroyed: false, deletion_time: '', custom_metadata: null });
  });

  it('throws VaultAdminError with the status and Vault errors on non-2xx', async () => {
    const path = unique('cas');
    await server.admin.kvPut('secret', path, { a: '1' });
    const failure = await server.admin.kvPut('secret', path, { a: '2' }, { cas: 0 }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(VaultAdminError);
    expect(failure).toMatchObject({ status: 400, errors: ['check-and-set parameter did not match the current version'] });
    expect(String((failure as Error).message)).toContain('400');
    const denied = await new VaultAdmin(server.address, 'hvs.bad').writePolicy('x', 'path "a" {}').catch((error: unknown) => error);
    expect(denied).toMatchObject({ status: 403 });
  });

  it('covers the KV v2 lifecycle helpers', async () => {
    const mount = unique('admkv');
    await server.admin.enableSecretsEngine(mount, 'kv', { version: '2' });
    const path = 'app/key';
    await server.admin.kvPut(mount, path, { v: '1' });
    await server.admin.kvPut(mount, path, { v: '2' });
    await server.admin.kvPut(mount, path, { v: '3' });
    await server.admin.kvDeleteVersions(mount, path, [1]);
    await server.admin.kvDestroy(mount, path, [2]);
    await server.admin.kvDeleteLatest(mount, path);
    await server.admin.kvUndelete(mount, path, [1, 3]);
    await server.admin.kvWriteMetadata(mount, path, {
      custom_metadata: { owner: 'x' },
      max_versions: 5,
      cas_required: false,
      delete_version_after: 0,
    });
    const meta = envelope(await root(server, 'GET', `${mount}/metadata/${path}`)).data;
    expect(meta['versions']).toMatchObject({ '1': { deletion_time: '' }, '2': { destroyed: true }, '3': { deletion_time: '' } });
    expect(meta).toMatchObject({ custom_metadata: { owner: 'x' }, max_versions: 5 });
    await server.admin.kvDeleteMetadata(mount, path);
    expect((await root(server, 'GET', `${mount}/metadata/${path}`)).status).toBe(404);
    await server.admin.disableSecretsEngine(mount);
    expect((await server.admin.listSecretsEngines())[`${mount}/`]).toBeUndefined();
  });

  it('creates tokens with the requested settings', async () => {
    const auth = await server.admin.createToken({ policies: ['a'], ttl: '1h', explicit_max_ttl: '2h', num_uses: 3, renewable: false });
    expect(auth).toMatchObject({ policies: ['a', 'default'], lease_duration: 3600, renewable: false, num_uses: 3, token_type: 'service' });
    const periodic = await server.admin.createToken({ policies: ['a'], period: '10m', no_parent: true });
    expect(periodic).toMatchObject({ lease_duration: 600, orphan: true });
    const batch = await server.admin.createToken({ policies: ['a'], type: 'batch' });
    expect(batch.token_type).toBe('batch');
  });
});

describe('CLI', () => {
  it('parses arguments with defaults', () => {
    expect(parseCliArgs([])).toEqual({ port: 8200, rootToken: undefined, seedFile: undefined, vaultVersion: '1.17', devMounts: true });
    expect(parseCliArgs(['--port', '0', '--root-token', 'root', '--vault-version', '1.16', '--no-dev-mounts'])).toMatchObject({
      port: 0,
      rootToken: 'root',
      vaultVersion: '1.16',
      devMounts: false,
    });
    expect(() => parseCliArgs(['--port', 'x'])).toThrow();
  });

  it('starts a seeded server and prints VAULT_ADDR / VAULT_TOKEN', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vts-'));
    const seedFile = join(dir, 'seed.json');
    await writeFile(
      seedFile,
      JSON.stringify({ secret: { 'app/db': { password: 'x' } }, legacy: { $version: '1', 'app/cfg': { url: 'u' } } }),
    );
    const lines: string[] = [];
    const cli = await runCli(['--port', '0', '--root-token', 'root', '--seed', seedFile], (line) => lines.push(line));
    try {
      expect(lines).toEqual([`VAULT_ADDR=${cli.address}`, 'VAULT_TOKEN=root']);
      const v2 = await fetch(`${cli.address}/v1/secret/data/app/db`, { headers: { 'X-Vault-Token': 'root' } });
      expect(((await v2.json()) as { data: { data: unknown } }).data.data).toEqual({ password: 'x' });
      const v1 = await fetch(`${cli.address}/v1/legacy/app/cfg`, { headers: { 'X-Vault-Token': 'root' } });
      expect(((await v1.json()) as { data: unknown }).data).toEqual({ url: 'u' });
    } finally {
      await cli.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
