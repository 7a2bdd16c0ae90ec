import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule, type HealthCheckResult } from '@nestjs/terminus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretsModule, SecretsService, type VaultConfig } from '../../lib/index.js';
import { VaultHealthIndicator } from '../../lib/health/index.js';
import { VaultTestServer } from '@nestjs-vault-secrets/vault-test-server';
import { bootApp } from '../support/boot-app.js';

@Controller()
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly vault: VaultHealthIndicator,
  ) {}

  @Get('health')
  @HealthCheck()
  check(): Promise<HealthCheckResult> {
    return this.health.check([() => this.vault.isHealthy('vault')]);
  }
}

let server: VaultTestServer;
beforeAll(async () => {
  server = await VaultTestServer.start();
  await server.admin.kvPut('secret', 'app/db', { password: 'health' });
});
afterAll(() => server.stop());

async function check(
  options: Partial<VaultConfig> = {},
  before?: (s: SecretsService) => Promise<unknown>,
): Promise<HealthCheckResult['details']['vault']> {
  const { app } = await bootApp(
    [
      TerminusModule,
      SecretsModule.forRoot({
        address: server.address,
        token: server.rootToken,
        secretsPath: 'secret/app',
        watch: { enabled: false },
        ...options,
      }),
    ],
    [VaultHealthIndicator, HealthController],
  );
  try {
    await before?.(app.get(SecretsService));
    return (await app.get(VaultHealthIndicator).isHealthy('vault'))['vault'];
  } finally {
    await app.close();
  }
}

describe('VaultHealthIndicator', () => {
  it('is up when Vault is reachable and unsealed', async () => {
    expect(await check()).toMatchObject({
      status: 'up',
      reachable: true,
      sealed: false,
      standby: false,
      fallbackActive: false,
      leasesNearExpiry: 0,
    });
  });

  it('is down when Vault is sealed and nothing is served from fallbacks', async () => {
    server.seal();
    try {
      expect(await check()).toMatchObject({ status: 'down', reachable: true, sealed: true });
    } finally {
      server.unseal();
    }
  });

  it('is degraded when Vault is sealed but fallbacks serve the app', async () => {
    const result = await check({ cache: { ttlMs: 1 } }, async (secrets) => {
      await secrets.fetchSecret('db');
      server.seal();
      await secrets.fetchSecret('db', { refresh: true });
    });
    server.unseal();
    expect(result).toMatchObject({ status: 'degraded', sealed: true, fallbackActive: true, fallbackKeys: ['db'] });
  });

  it('is down when Vault cannot be reached, saying why', async () => {
    expect(await check({ address: 'http://127.0.0.1:9', requestTimeoutMs: 300 })).toMatchObject({
      status: 'down',
      reachable: false,
      error: 'SECRETS_VAULT_UNAVAILABLE',
    });
  });

  it('is degraded when the token is about to expire', async () => {
    const token = await server.admin.createToken({ ttl: 30 });
    expect(await check({ token: token.client_token })).toMatchObject({ status: 'degraded', reachable: true });
  });
});
