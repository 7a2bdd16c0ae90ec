/**
 * Rate-limit quotas (`sys/quotas/rate-limit/:name`, REFERENCE.md §8.2): a request over its quota
 * answers 429 with Vault's message, `Retry-After` when response headers are enabled, and only
 * the quota's path is limited.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { VaultTestServer } from '../src/index.js';
import { call, root, startServer } from './support.js';

let server: VaultTestServer;
beforeEach(async () => {
  server = await startServer();
  await server.admin.kvPut('secret', 'app/limited', { v: '1' });
  await server.admin.kvPut('secret', 'app/free', { v: '2' });
});
afterEach(() => server.stop());

describe('rate-limit quotas', () => {
  it('a quota on one path answers 429 with Vault’s message past its rate; other paths of the mount are not limited', async () => {
    await server.admin.writeRateLimitQuota('one-path', { path: 'secret/data/app/limited', rate: 2, interval: '10s' });
    expect((await root(server, 'GET', 'secret/data/app/limited')).status).toBe(200);
    expect((await root(server, 'GET', 'secret/data/app/limited')).status).toBe(200);
    const refused = await root(server, 'GET', 'secret/data/app/limited');
    expect(refused.status).toBe(429);
    expect(refused.json).toEqual({ errors: ['request path "secret/data/app/limited": rate limit quota exceeded'] });
    // Headers are off by default, as in Vault.
    expect(refused.headers.get('retry-after')).toBeNull();
    for (let i = 0; i < 5; i += 1) expect((await root(server, 'GET', 'secret/data/app/free')).status).toBe(200);
    // sys/health is exempt even under a global quota.
    await server.admin.writeRateLimitQuota('global', { rate: 1000 });
    expect((await call(server, 'GET', 'sys/health')).status).toBe(200);
  });

  it('with response headers enabled a 429 carries Retry-After (seconds to the window’s end); the next window serves again', async () => {
    await server.admin.writeQuotaConfig({ enable_rate_limit_response_headers: true });
    await server.admin.writeRateLimitQuota('one-path', { path: 'secret/data/app/limited', rate: 1, interval: 30 });
    const first = await root(server, 'GET', 'secret/data/app/limited');
    expect(first.status).toBe(200);
    expect(first.headers.get('x-ratelimit-limit')).toBe('1');
    server.clock.advance(10_000);
    const refused = await root(server, 'GET', 'secret/data/app/limited');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('20');
    server.clock.advance(20_000);
    expect((await root(server, 'GET', 'secret/data/app/limited')).status).toBe(200);
  });

  it('reads, lists and deletes quotas; a mount quota covers every path under it', async () => {
    await server.admin.writeRateLimitQuota('kv', { path: 'secret/', rate: 1, interval: '1m', block_interval: '2m' });
    const read = await root(server, 'GET', 'sys/quotas/rate-limit/kv');
    expect(read.json).toMatchObject({
      data: { name: 'kv', path: 'secret/', type: 'rate-limit', rate: 1, interval: 60, block_interval: 120 },
    });
    expect((await root(server, 'LIST', 'sys/quotas/rate-limit')).json).toMatchObject({ data: { keys: ['kv'] } });
    expect((await root(server, 'GET', 'secret/data/app/free')).status).toBe(200);
    expect((await root(server, 'GET', 'secret/data/app/limited')).status).toBe(429);
    // block_interval: still refused after the window, until the block ends.
    server.clock.advance(60_000);
    expect((await root(server, 'GET', 'secret/data/app/free')).status).toBe(429);
    await server.admin.deleteRateLimitQuota('kv');
    expect((await root(server, 'GET', 'secret/data/app/free')).status).toBe(200);
    expect((await root(server, 'GET', 'sys/quotas/rate-limit/kv')).status).toBe(404);
  });
});
