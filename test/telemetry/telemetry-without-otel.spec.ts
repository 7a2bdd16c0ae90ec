import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadOtelApi } from '../../lib/telemetry/otel-api.js';
import { PACKAGE_NAME, PACKAGE_VERSION } from '../../lib/telemetry/package-identity.js';
import { telemetryPath, vaultOperation } from '../../lib/telemetry/vault-operation.js';
import { VaultTelemetry } from '../../lib/telemetry/vault-telemetry.js';

const missing = (): Promise<unknown> =>
  Promise.reject(Object.assign(new Error("Cannot find package '@opentelemetry/api'"), { code: 'ERR_MODULE_NOT_FOUND' }));

describe('telemetry without @opentelemetry/api installed', () => {
  it('loads nothing, enables nothing and still runs every call it wraps', async () => {
    expect(await loadOtelApi(missing)).toBeUndefined();
    const telemetry = new VaultTelemetry({ includeKeyNames: false, importer: missing });
    expect(await telemetry.enable()).toBe(false);
    telemetry.read('db', 'vault', 'ok');
    telemetry.cacheHit('db');
    telemetry.fallbackActivated('fallback-env');
    telemetry.rotated({ key: 'db', reason: 'manual', engine: 'kv' });
    expect(await telemetry.request({ method: 'GET', path: 'secret/data/db', namespace: '' }, async () => ({ status: 200 }))).toEqual({
      status: 200,
    });
    await expect(
      telemetry.request({ method: 'GET', path: 'secret/data/db', namespace: '' }, () => Promise.reject(new Error('boom'))),
    ).rejects.toThrow('boom');
    telemetry.close();
  });

  it('takes the API when it is installed (the dev dependency)', async () => {
    expect(await loadOtelApi()).toMatchObject({ metrics: expect.any(Object), trace: expect.any(Object) });
  });

  it('names the meter and tracer after the package, at its version', () => {
    const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { name: string; version: string };
    expect([PACKAGE_NAME, PACKAGE_VERSION]).toEqual([manifest.name, manifest.version]);
  });
});

describe('operation names and telemetry paths', () => {
  it.each([
    ['GET', 'secret/data/app/db', 'kv.read', 'secret/data/*', 'secret/data/app/db'],
    ['LIST', 'secret/metadata/app', 'kv.list', 'secret/metadata/*', 'secret/metadata/app'],
    ['POST', 'auth/approle/login', 'auth.login', 'auth/approle/login', 'auth/approle/login'],
    ['POST', 'auth/userpass/login/alice', 'auth.login', 'auth/userpass/login/*', 'auth/userpass/login/*'],
    ['POST', 'auth/k8s/prod/login', 'auth.login', 'auth/k8s/prod/login', 'auth/k8s/prod/login'],
    ['POST', 'auth/token/renew-self', 'token.renew', 'auth/token/renew-self', 'auth/token/renew-self'],
    ['GET', 'auth/token/lookup-self', 'token.lookup', 'auth/token/lookup-self', 'auth/token/lookup-self'],
    ['PUT', 'sys/leases/renew', 'lease.renew', 'sys/leases/renew', 'sys/leases/renew'],
    ['PUT', 'sys/leases/revoke', 'lease.revoke', 'sys/leases/revoke', 'sys/leases/revoke'],
    ['GET', 'sys/health', 'sys.health', 'sys/health', 'sys/health'],
    ['GET', 'database/creds/app', 'creds.read', 'database/creds/*', 'database/creds/app'],
    ['POST', 'pki/issue/web', 'pki.issue', 'pki/issue/*', 'pki/issue/web'],
    ['POST', 'transit/encrypt/orders', 'transit.encrypt', 'transit/encrypt/*', 'transit/encrypt/orders'],
    ['GET', 'kv1/app/db', 'read', 'kv1/*', 'kv1/app/db'],
  ] as const)('%s %s is %s, shown as %s (or %s with key names)', (method, path, operation, hidden, shown) => {
    expect(vaultOperation(method, path)).toBe(operation);
    expect(telemetryPath(path, false)).toBe(hidden);
    expect(telemetryPath(path, true)).toBe(shown);
  });
});
