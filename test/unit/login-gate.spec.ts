/**
 * LoginGate on a fake clock (no server): a refused credential is sent again after 1 minute, then
 * 5, then not before 15 minutes after the last refusal (≤ 3 per window); a changed credential is
 * admitted at once, but an identity never gets a 5th refusal; a locked answer waits the lockout
 * out whatever the credential; a success clears everything. Vault locks at 5 failures and resets
 * its counter 15 minutes after the last one.
 */
import { describe, expect, it } from 'vitest';
import { fingerprint } from '../../lib/auth/credential-fingerprint.js';
import { LOCKOUT_MARGIN_MS, LOCKOUT_WINDOW_MS, LoginGate, MAX_REFUSED_LOGINS, REFUSAL_RETRY_MS } from '../../lib/auth/login-gate.js';
import type { PreparedLogin } from '../../lib/auth/prepared-login.js';
import type { AuthContext, AuthMethod } from '../../lib/contracts/auth-method.js';
import type { AuthResult } from '../../lib/contracts/auth-result.js';
import { LoginHeldError } from '../../lib/errors/login-held.error.js';
import { PermissionDeniedError } from '../../lib/errors/permission-denied.error.js';
import { VaultRequestError } from '../../lib/errors/vault-request.error.js';
import { VaultUnavailableError } from '../../lib/errors/vault-unavailable.error.js';
import { ManualScheduler } from '../support/lease-harness.js';
import { CapturingLogger } from '../support/capture-logs.js';

const T0 = 1_700_000_000_000;
const WINDOW = LOCKOUT_WINDOW_MS + LOCKOUT_MARGIN_MS;

/** A Vault stand-in for one AppRole role_id: a set of valid secret_ids, failures counted as Vault does. */
function vault() {
  const state = { valid: new Set<string>(), failures: 0, lastFailureAt: 0, lockedAt: undefined as number | undefined, sent: 0 };
  return state;
}

function harness() {
  const clock = {
    t: T0,
    now(): number {
      return this.t;
    },
  };
  const scheduler = new ManualScheduler();
  const logger = new CapturingLogger();
  const v = vault();
  let secretId = 'wrong-1';
  let changes = 0;
  const gate = new LoginGate({
    clock,
    scheduler,
    logger,
    reprepare: () => Promise.resolve(prepared(secretId)),
    onCredentialChange: () => void (changes += 1),
  });
  /** Vault's user lockout, as documented: 5 failures lock; the counter resets 15 min after the last failure. */
  function send(secret: string): AuthResult {
    v.sent += 1;
    const now = clock.now();
    if (v.lockedAt !== undefined && now < v.lockedAt + LOCKOUT_WINDOW_MS)
      throw new PermissionDeniedError({ status: 403, vaultErrors: ['permission denied'], path: 'auth/approle/login' });
    if (now >= v.lastFailureAt + LOCKOUT_WINDOW_MS) v.failures = 0;
    if (!v.valid.has(secret)) {
      v.failures += 1;
      v.lastFailureAt = now;
      if (v.failures >= 5) v.lockedAt = now;
      throw new VaultRequestError(['invalid role or secret ID'], { status: 400, path: 'auth/approle/login' });
    }
    v.failures = 0;
    return { token: 't', leaseDuration: 60, renewable: true, tokenType: 'service', policies: [] };
  }
  function prepared(secret: string): PreparedLogin {
    return {
      identity: fingerprint('approle', 'approle', 'role-1'),
      secret: fingerprint(secret),
      files: ['/run/secret-id'],
      send: async () => send(secret),
    };
  }
  const method: AuthMethod & { prepareLogin(c: AuthContext): Promise<PreparedLogin> } = {
    name: 'approle',
    canLogin: true,
    login: () => Promise.reject(new Error('not used')),
    prepareLogin: () => Promise.resolve(prepared(secretId)),
  };
  const context: AuthContext = { client: { request: () => Promise.reject(new Error('not used')) } };
  /** One attempt: 'ok', 'refused' or 'locked' (sent to Vault), or 'held' (nothing sent). */
  async function attempt(): Promise<'ok' | 'refused' | 'locked' | 'held'> {
    try {
      await gate.login(method, context);
      return 'ok';
    } catch (error) {
      if (error instanceof LoginHeldError) return 'held';
      return /permission denied/.test((error as Error).message) ? 'locked' : 'refused';
    }
  }
  return {
    clock,
    scheduler,
    logger,
    vault: v,
    gate,
    attempt,
    setSecret: (s: string) => void (secretId = s),
    changes: () => changes,
  };
}

describe('LoginGate', () => {
  it('a refused credential: retried after 1 min, then 5 min, then not before 15 min after the last refusal', async () => {
    const h = harness();
    expect(await h.attempt()).toBe('refused');
    expect(h.gate.hold()).toMatchObject({ state: 'held', retryAt: T0 + REFUSAL_RETRY_MS[0]!, refusedLogins: 1 });
    h.clock.t += REFUSAL_RETRY_MS[0]! - 1;
    expect(await h.attempt()).toBe('held');
    h.clock.t += 1;
    expect(await h.attempt()).toBe('refused');
    const second = h.clock.t;
    h.clock.t += REFUSAL_RETRY_MS[1]! - 1;
    expect(await h.attempt()).toBe('held');
    h.clock.t += 1;
    expect(await h.attempt()).toBe('refused');
    const third = h.clock.t;
    expect(third - second).toBe(REFUSAL_RETRY_MS[1]);
    expect(h.gate.hold()).toMatchObject({ state: 'held', retryAt: third + WINDOW, refusedLogins: MAX_REFUSED_LOGINS });
    // Every minute for the rest of the window: nothing sent.
    for (let t = 60_000; t < WINDOW; t += 60_000) {
      h.clock.t = third + t;
      expect(await h.attempt()).toBe('held');
    }
    expect(h.vault.sent).toBe(3);
    expect(h.vault.lockedAt).toBeUndefined();
    h.clock.t = third + WINDOW;
    expect(await h.attempt()).toBe('refused'); // Vault reset its counter: a new window
    expect(h.vault.failures).toBe(1);
  });

  it('over two hours of attempts every second, a dead credential is refused ≤ 3 times per 15 minutes and never locks', async () => {
    const h = harness();
    const refusedAt: number[] = [];
    for (let t = 0; t < 2 * 3600_000; t += 1000) {
      h.clock.t = T0 + t;
      if ((await h.attempt()) === 'refused') refusedAt.push(h.clock.t);
    }
    for (const at of refusedAt) expect(refusedAt.filter((x) => x >= at && x < at + LOCKOUT_WINDOW_MS).length).toBeLessThanOrEqual(3);
    expect(h.vault.lockedAt).toBeUndefined();
    expect(refusedAt.length).toBeGreaterThan(3);
  });

  it('a changed credential is admitted at once, and a good one clears the hold', async () => {
    const h = harness();
    expect(await h.attempt()).toBe('refused');
    h.setSecret('wrong-2');
    expect(await h.attempt()).toBe('refused'); // a different fingerprint: no wait
    h.vault.valid.add('good');
    h.setSecret('good');
    expect(await h.attempt()).toBe('ok');
    expect(h.gate.hold()).toBeUndefined();
    h.setSecret('wrong-1');
    expect(await h.attempt()).toBe('refused'); // the earlier refusals were forgotten with the success
  });

  it('never a 5th refusal of one identity, whatever the credentials', async () => {
    const h = harness();
    for (let i = 1; i <= 10; i += 1) {
      h.setSecret(`wrong-${i}`);
      await h.attempt();
      h.clock.t += 1000;
    }
    expect(h.vault.sent).toBe(4);
    expect(h.vault.failures).toBe(4);
    expect(h.vault.lockedAt).toBeUndefined();
    expect(h.gate.hold()).toMatchObject({ state: 'held', refusedLogins: 4 });
  });

  it('a locked answer waits the lockout out, even for a changed credential, then logs in', async () => {
    const h = harness();
    h.vault.lockedAt = T0; // someone else locked the role_id
    h.vault.valid.add('good');
    h.setSecret('good');
    expect(await h.attempt()).toBe('locked');
    const hold = h.gate.hold();
    expect(hold).toMatchObject({ state: 'locked', retryAt: T0 + WINDOW });
    h.setSecret('another');
    for (let t = 60_000; t < WINDOW; t += 60_000) {
      h.clock.t = T0 + t;
      h.setSecret(t % 120_000 === 0 ? 'good' : 'another');
      expect(await h.attempt()).toBe('held');
    }
    expect(h.vault.sent).toBe(1);
    h.clock.t = T0 + WINDOW;
    h.setSecret('good');
    expect(await h.attempt()).toBe('ok');
  });

  it('an outage is not a refusal', async () => {
    const h = harness();
    const gate = h.gate;
    const login: PreparedLogin = {
      identity: fingerprint('approle', 'approle', 'role-1'),
      secret: fingerprint('x'),
      files: [],
      send: () => Promise.reject(new VaultUnavailableError('connection refused', { path: 'auth/approle/login' })),
    };
    const method: AuthMethod & { prepareLogin(): Promise<PreparedLogin> } = {
      name: 'approle',
      canLogin: true,
      login: () => login.send(),
      prepareLogin: () => Promise.resolve(login),
    };
    for (let i = 0; i < 10; i += 1) {
      await expect(gate.login(method, { client: { request: () => Promise.reject(new Error('unused')) } })).rejects.toBeInstanceOf(
        VaultUnavailableError,
      );
    }
    expect(gate.hold()).toBeUndefined();
  });

  it('while held, the credential file is re-read every second and a change is reported at once', async () => {
    const h = harness();
    expect(await h.attempt()).toBe('refused');
    expect(h.scheduler.delayOf('secrets:credential-watch')).toBe(1000);
    h.scheduler.run('secrets:credential-watch');
    await h.gate.settled();
    expect(h.changes()).toBe(0);
    expect(h.scheduler.delayOf('secrets:credential-watch')).toBe(1000); // unchanged: looks again in 1 s
    h.setSecret('rewritten');
    h.scheduler.run('secrets:credential-watch');
    await h.gate.settled();
    expect(h.changes()).toBe(1);
    expect(h.scheduler.pending()).not.toContain('secrets:credential-watch');
    expect(await h.attempt()).toBe('refused'); // the new credential is sent at once
  });

  it('logs and hold() never show a credential or a fingerprint', async () => {
    const h = harness();
    await h.attempt();
    await h.attempt();
    const shown = JSON.stringify(h.gate.hold()) + h.logger.lines.join('\n');
    expect(shown).not.toContain('wrong-1');
    expect(shown).not.toContain(fingerprint('wrong-1'));
    expect(shown).not.toContain(fingerprint('approle', 'approle', 'role-1'));
  });
});
