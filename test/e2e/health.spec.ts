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

  // Failed before: the 30 000 ms default counted every fresh 30 s lease as near expiry, so the indicator said degraded all the time.
  it('a fresh 30 s lease is not near expiry by default (the threshold follows the lease TTL); an explicit leaseMinTtlMs still applies', async () => {
    await server.admin.enableSecretsEngine('aws', 'aws');
    await server.admin.writeAwsRootConfig('aws', {
      access_key: 'AKIAROOTROOTROOTROOT',
      secret_key: 'root-secret-key-for-tests-only-0000000000',
    });
    await server.admin.writeAwsLeaseConfig('aws', '30s', '90s');
    await server.admin.writeAwsRole('aws', 'iam', { credential_type: 'iam_user', policy_arns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'] });
    const { app } = await bootApp(
      [
        TerminusModule,
        SecretsModule.forRoot({ address: server.address, token: server.rootToken, secretsPath: 'secret/app', watch: { enabled: false } }),
      ],
      [VaultHealthIndicator],
    );
    try {
      const creds = await app.get(SecretsService).fetchAwsCreds('iam');
      expect(creds.leaseDuration).toBe(30);
      const indicator = app.get(VaultHealthIndicator);
      expect((await indicator.isHealthy('vault'))['vault']).toMatchObject({ status: 'up', leasesNearExpiry: 0 });
      expect((await indicator.isHealthy('vault', { leaseMinTtlMs: 31_000 }))['vault']).toMatchObject({
        status: 'degraded',
        leasesNearExpiry: 1,
      });
    } finally {
      await app.close();
      await server.admin.disableSecretsEngine('aws');
    }
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

  // Issue 22 item 17: a performance standby (473) was indistinguishable from a standby (429) in the details.
  it('tells a performance standby (473) from a standby (429); both are up', async () => {
    for (const [status, performanceStandby] of [
      [429, false],
      [473, true],
    ] as const) {
      const body = { initialized: true, sealed: false, standby: true, performance_standby: performanceStandby, version: '1.17.6' };
      const remove = server.faults.add({ path: 'sys/health', status, body });
      try {
        expect(await check()).toMatchObject({ status: 'up', standby: true, performanceStandby });
      } finally {
        remove();
      }
    }
  });

  // Issue 22 item 17: a Vault that is not initialized (501) was reported as `sealed`.
  it('a Vault that is not initialized (501) is down with reason `not-initialized`, not sealed', async () => {
    const remove = server.faults.add({ path: 'sys/health', status: 501, body: { initialized: false, sealed: true, standby: true } });
    try {
      expect(await check()).toMatchObject({
        status: 'down',
        state: 'degraded',
        reason: 'not-initialized',
        initialized: false,
        sealed: null,
      });
    } finally {
      remove();
    }
  });
});
