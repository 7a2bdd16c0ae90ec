/**
 * Issue 22 items 10 and 11: an address that is not Vault and a missing mount get messages that
 * name the fix. An empty-404 server gave `SecretNotFoundError: Secret "auth/token/lookup-self"
 * does not exist`; an HTML 404 a MalformedResponseError with no hint; the wrong-mount advice
 * named a "mount option" that does not exist.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MalformedResponseError, SecretNotFoundError, SecretsManager } from '../../lib/index.js';
import { VaultTestServer } from '@nestjs-vault-secrets/vault-test-server';
import { rawServer } from '../support/raw-vault-server.js';
import { settle } from '../support/async.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function bootAgainst(address: string): Promise<unknown> {
  const manager = new SecretsManager(
    { address, token: 'dev-token-1234', secretsPath: 'secret/app', maxRetries: 0, watch: { enabled: false }, fallbackEnv: false },
    { env: {} },
  );
  cleanups.push(() => manager.close());
  const r = await settle(manager.start());
  return r.ok ? undefined : r.error;
}

describe('an address that is not Vault (issue 22 item 10)', () => {
  it('a server answering empty 404s', async () => {
    const server = await rawServer((_req, res) => {
      res.writeHead(404).end();
    });
    cleanups.push(() => server.stop());
    const error = await bootAgainst(server.address);
    expect(error).toBeInstanceOf(MalformedResponseError);
    expect((error as Error).message).toContain(`${server.address} does not answer like Vault`);
    expect((error as Error).message).toMatch(/VAULT_ADDR or the `address` option/);
  });

  it('a web server answering an HTML 404 page', async () => {
    const server = await rawServer((_req, res) => {
      res.writeHead(404, { 'content-type': 'text/html' }).end('<html><body>Not Found</body></html>');
    });
    cleanups.push(() => server.stop());
    const error = await bootAgainst(server.address);
    expect(error).toBeInstanceOf(MalformedResponseError);
    expect((error as Error).message).toMatch(/does not answer like Vault.*VAULT_ADDR/);
  });
});

describe('the wrong-mount advice (issue 22 item 11)', () => {
  it('names the secretsMount option', async () => {
    const vault = await VaultTestServer.start();
    cleanups.push(() => vault.stop());
    const manager = await new SecretsManager(
      { address: vault.address, token: vault.rootToken, secretsPath: 'secret/app', kvVersion: 2, watch: { enabled: false } },
      { env: {} },
    ).start();
    cleanups.push(() => manager.close());
    const r = await settle(manager.request({ method: 'GET', path: 'nomount/x' }));
    expect(!r.ok && r.error).toBeInstanceOf(SecretNotFoundError);
    expect((r as { error: Error }).error.message).toContain('secretsMount option');
  });
});
