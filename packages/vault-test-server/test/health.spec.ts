/**
 * REFERENCE §8.1 / §8.1b: `sys/health` and `sys/seal-status`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VaultTestServer } from '../src/index.js';
import { call, startServer } from './support.js';

let server: VaultTestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.stop());

describe('sys/health', () => {
  it('answers 200 with the raw body (no envelope) when active', async () => {
    const answer = await call(server, 'GET', 'sys/health');
    expect(answer.status).toBe(200);
    expect(Object.keys(answer.json as object)).toEqual([
      'initialized',
      'sealed',
      'standby',
      'performance_standby',
      'replication_performance_mode',
      'replication_dr_mode',
      'server_time_utc',
      'version',
      'enterprise',
      'cluster_name',
      'cluster_id',
      'echo_duration_ms',
      'clock_skew_ms',
      'replication_primary_canary_age_ms',
    ]);
    expect(answer.json).toMatchObject({
      initialized: true,
      sealed: false,
      standby: false,
      performance_standby: false,
      replication_performance_mode: 'disabled',
      replication_dr_mode: 'disabled',
      server_time_utc: Math.floor(server.clock.now() / 1000),
      version: '1.17.6',
      enterprise: false,
    });
    expect(answer.headers.get('cache-control')).toBe('no-store');
  });

  it('follows the test clock for server_time_utc', async () => {
    server.clock.advance(120_000);
    const body = (await call(server, 'GET', 'sys/health')).json as { server_time_utc: number };
    expect(body.server_time_utc).toBe(Math.floor(server.clock.now() / 1000));
  });

  it('answers 503 (or sealedcode) with unknown replication modes while sealed', async () => {
    server.seal();
    try {
      const answer = await call(server, 'GET', 'sys/health');
      expect(answer.status).toBe(503);
      expect(answer.json).toMatchObject({
        sealed: true,
        standby: true,
        replication_performance_mode: 'unknown',
        replication_dr_mode: 'unknown',
      });
      expect(answer.json).not.toHaveProperty('cluster_name');
      expect((await call(server, 'GET', 'sys/health?sealedcode=200')).status).toBe(200);
      const status = await call(server, 'GET', 'sys/seal-status');
      expect(status.status).toBe(200);
      expect(status.json).toMatchObject({ sealed: true, type: 'shamir', initialized: true });
      expect(status.json).not.toHaveProperty('cluster_id');
    } finally {
      server.unseal();
    }
  });

  it('applies activecode and validates parameters', async () => {
    expect((await call(server, 'GET', 'sys/health?activecode=299&standbyok=true')).status).toBe(299);
    const badBool = await call(server, 'GET', 'sys/health?standbyok=maybe');
    expect(badBool.status).toBe(400);
    expect(badBool.text).toBe('{"errors":[]}\n');
    expect((await call(server, 'GET', 'sys/health?activecode=abc')).status).toBe(400);
  });

  it('answers HEAD with the status only', async () => {
    const answer = await call(server, 'HEAD', 'sys/health?activecode=204');
    expect(answer.status).toBe(204);
    expect(answer.text).toBe('');
  });
});

describe('sys/seal-status', () => {
  it('is always 200 with the raw body', async () => {
    const answer = await call(server, 'GET', 'sys/seal-status');
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({
      type: 'shamir',
      initialized: true,
      sealed: false,
      t: 1,
      n: 1,
      progress: 0,
      nonce: '',
      version: '1.17.6',
      migration: false,
      recovery_seal: false,
      storage_type: 'inmem',
    });
    expect(answer.json).toHaveProperty('cluster_name');
  });
});
