/**
 * Issue 22 items 7 and 8: Vault's reasons may repeat what a request sent. A refused login must
 * never quote the credential (AppRole secret_id, userpass password, JWT), and a raw request's
 * body and query values never reach an error, its stack, its JSON or a log line, whatever form
 * the echo takes (plain, JSON-escaped, hex, upper case, base64/base64url, cut short, short values).
 */
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuthFailedError, SecretsManager, type VaultConfig } from '../../lib/index.js';
import { redactSent, sentStrings } from '../../lib/util/redact-sent.js';
import { VaultTestServer } from '@nestjs-vault-secrets/vault-test-server';
import { CapturingLogger } from '../support/capture-logs.js';
import { settle } from '../support/async.js';

let server: VaultTestServer;
beforeAll(async () => {
  server = await VaultTestServer.start();
  await server.admin.enableAuthMethod('approle', 'approle');
  await server.admin.writeAppRole('approle', 'web', { token_ttl: 600 });
  await server.admin.enableAuthMethod('userpass', 'userpass');
  await server.admin.enableAuthMethod('jwt', 'jwt');
});
afterAll(() => server.stop());
afterEach(() => server.faults.clear());

function shown(error: unknown): string {
  return [String(error), (error as Error).stack, inspect(error, { depth: 10, showHidden: true }), JSON.stringify(error)].join('\n');
}

/** Every form of `value` an echo might take. */
function forms(value: string): string[] {
  const bytes = Buffer.from(value);
  return [
    value,
    JSON.stringify(value).slice(1, -1),
    value.toUpperCase(),
    bytes.toString('hex'),
    bytes.toString('hex').toUpperCase(),
    bytes.toString('base64'),
    bytes.toString('base64url'),
  ];
}

async function failedLogin(auth: VaultConfig['auth'], status: number, echo: string): Promise<{ error: unknown; logs: string }> {
  server.faults.add({ path: /^auth\/.*\/login/, status, body: { errors: [echo] } });
  const logger = new CapturingLogger();
  const manager = new SecretsManager(
    { address: server.address, auth, secretsPath: 'secret', maxRetries: 0, watch: { enabled: false } },
    {
      env: {},
      logger,
    },
  );
  const r = await settle(manager.start());
  await manager.close();
  expect(r.ok).toBe(false);
  return { error: !r.ok && r.error, logs: logger.text };
}

describe('a refused login never quotes the credential it sent (item 7)', () => {
  const SECRET_ID = 'f3b1c2d4-sid-ECHO-marker-7781';
  const PASSWORD = 'Pw"echo\\marker-4455';
  const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJlY2hvLW1hcmtlciJ9.c2lnbmF0dXJlLW1hcmtlcg';

  for (const status of [400, 403]) {
    it(`approle ${status}: secret_id echoed plain, JSON-escaped, upper-cased and as hex`, async () => {
      const echo = forms(SECRET_ID)
        .map((f) => `invalid secret id ${f}`)
        .join('; ');
      const { error, logs } = await failedLogin({ method: 'approle', roleId: 'role-id-1', secretId: SECRET_ID }, status, echo);
      expect(error).toBeInstanceOf(AuthFailedError);
      for (const f of forms(SECRET_ID)) {
        expect(shown(error)).not.toContain(f);
        expect(logs).not.toContain(f);
      }
      expect((error as Error).message).toContain('invalid secret id');
    });

    it(`userpass ${status}: a password with a quote and a backslash, echoed JSON-escaped and as a prefix`, async () => {
      const escaped = JSON.stringify(PASSWORD).slice(1, -1);
      const echo = `bad password ${PASSWORD} / ${escaped} / ${PASSWORD.slice(0, 10)}…`;
      const { error, logs } = await failedLogin({ method: 'userpass', username: 'app', password: PASSWORD }, status, echo);
      for (const leaked of [PASSWORD, escaped, PASSWORD.slice(0, 10)]) {
        expect(shown(error)).not.toContain(leaked);
        expect(logs).not.toContain(leaked);
      }
    });
  }

  it('jwt 403: the token echoed verbatim and base64url-encoded', async () => {
    const echo = `token ${JWT} is not valid; claims ${Buffer.from(JWT).toString('base64url')}`;
    const { error, logs } = await failedLogin({ method: 'jwt', role: 'app', jwt: JWT }, 403, echo);
    for (const leaked of ['c2lnbmF0dXJlLW1hcmtlcg', 'eyJzdWIiOiJlY2hvLW1hcmtlciJ9', Buffer.from(JWT).toString('base64url').slice(0, 40)]) {
      expect(shown(error)).not.toContain(leaked);
      expect(logs).not.toContain(leaked);
    }
  });
});

describe('a raw request never quotes what it sent (item 8)', () => {
  let secrets: SecretsManager;
  let logger: CapturingLogger;
  // A fresh manager per test: a 5xx makes the module degraded, which would hold the next test's request back.
  beforeEach(async () => {
    logger = new CapturingLogger();
    secrets = await new SecretsManager(
      { address: server.address, token: server.rootToken, secretsPath: 'secret', maxRetries: 0, watch: { enabled: false } },
      { env: {}, logger },
    ).start();
  });
  afterEach(() => secrets.close());

  it('400 "error converting input": the real test server echoes a body value', async () => {
    const r = await settle(secrets.request({ method: 'POST', path: 'auth/token/create', body: { ttl: 'ttl-secret-marker-1234' } }));
    expect(r.ok).toBe(false);
    expect(shown(!r.ok && r.error)).not.toContain('ttl-secret-marker');
  });

  for (const status of [400, 403, 500, 503]) {
    it(`${status}: body and query values echoed in every form never reach the error or the supervisor's log line`, async () => {
      const body = { value: 'Body-Value-Marker-9911', nested: { deep: ['Nested-Marker-5566'] }, short: 'k9' };
      const query = { q: 'Query-Marker-3344' };
      const all = [...forms(body.value), ...forms(body.nested.deep[0]!), ...forms(query.q)];
      const echo = `${all.join(' | ')} | short k9 | prefix ${body.value.slice(0, 12)}`;
      server.faults.add({ path: 'sys/tools/hash', status, body: { errors: [echo] } });
      const r = await settle(secrets.request({ method: 'POST', path: 'sys/tools/hash', body, query }));
      expect(r.ok).toBe(false);
      const text = shown(!r.ok && r.error);
      for (const leaked of [...all, body.value.slice(0, 12), ' k9 ']) {
        expect(text).not.toContain(leaked);
        expect(logger.text).not.toContain(leaked);
      }
    });
  }

  it('404 "no handler for route" never quotes the body', async () => {
    server.faults.add({ path: /^nomount\//, status: 404, body: { errors: ['no handler for route "nomount/x": body NoHandler-Marker-1'] } });
    const r = await settle(secrets.request({ method: 'POST', path: 'nomount/x', body: { v: 'NoHandler-Marker-1' } }));
    expect(r.ok).toBe(false);
    expect((r as { error: Error }).error.message).toMatch(/No secrets engine is mounted at "nomount\/"/);
    expect(shown(!r.ok && r.error)).not.toContain('NoHandler-Marker');
  });
});

describe('redactSent', () => {
  it('keeps words that merely contain a short sent value', () => {
    expect(redactSent('about ab: the value ab was refused', ['ab'])).toBe('about [REDACTED]: the value [REDACTED] was refused');
  });

  it('collects strings at any depth but not numbers or booleans', () => {
    expect(sentStrings({ a: 'x1', b: { c: ['y2', 3, true] } }, { q: 'z3' }).sort()).toEqual(['x1', 'y2', 'z3']);
  });
});
