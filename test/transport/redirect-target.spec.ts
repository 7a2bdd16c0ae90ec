/**
 * A standby's 307/308 is followed to the active node with the same token, namespace and body, so
 * where it may lead is checked first: an http(s) URL with no credentials, never http after https.
 * A Location that is no URL is the redirect's fault, not a crash or an outage to retry.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { resolveVaultConfig } from '../../lib/core/resolve-vault-config.js';
import { VaultRequestError } from '../../lib/errors/vault-request.error.js';
import { redirectTarget } from '../../lib/transport/redirect-target.js';
import { VaultClient } from '../../lib/transport/vault-client.js';
import { envelope, json, rawServer } from '../support/raw-vault-server.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

describe('redirectTarget', () => {
  const from = 'http://standby:8200/v1/secret/data/a';

  it('resolves the active node address (absolute or relative) against the URL that answered', () => {
    expect(redirectTarget('http://active:8200/v1/secret/data/a', from, 'secret/data/a', 307)).toBe('http://active:8200/v1/secret/data/a');
    expect(redirectTarget('/v1/secret/data/a?x=1', from, 'secret/data/a', 307)).toBe('http://standby:8200/v1/secret/data/a?x=1');
    expect(redirectTarget('https://active:8200/v1/x', 'https://standby:8200/v1/x', 'x', 308)).toBe('https://active:8200/v1/x');
  });

  it.each([
    ['http://[::1', 'is not a URL'],
    ['file:///etc/passwd', 'to a file: URL'],
    ['ftp://active/v1/x', 'to a ftp: URL'],
    ['http://user:MARKERpw@active:8200/v1/x', 'carrying a user name or password'],
  ])('refuses %s with a VaultRequestError that never quotes the Location', (location, why) => {
    let error: unknown;
    try {
      redirectTarget(location, from, 'secret/data/a', 307);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(VaultRequestError);
    expect((error as VaultRequestError).status).toBe(307);
    expect((error as Error).message).toContain(why);
    expect((error as Error).message).not.toContain('MARKER');
    expect((error as Error).message).not.toContain('passwd');
  });

  it('refuses to go from https to http', () => {
    expect(() => redirectTarget('http://active:8200/v1/x', 'https://standby:8200/v1/x', 'x', 307)).toThrow(/from https to http:/);
  });
});

describe('VaultClient and a bad redirect', () => {
  it('a Location that is no URL fails the call once with VaultRequestError (not a TypeError, not retried)', async () => {
    let hits = 0;
    const srv = await rawServer((_req, res) => {
      hits += 1;
      if (hits > 1) return json(res, 200, envelope({ ok: true }));
      res.writeHead(307, { Location: 'http://[::1' });
      res.end();
    });
    cleanups.push(() => srv.stop());
    const vault = new VaultClient(resolveVaultConfig({ address: srv.address, token: 's.t' }, {}), { getToken: async () => 's.t' });
    cleanups.push(() => vault.close());
    await expect(vault.request({ method: 'GET', path: 'secret/data/a' })).rejects.toBeInstanceOf(VaultRequestError);
    expect(hits).toBe(1);
  });
});
