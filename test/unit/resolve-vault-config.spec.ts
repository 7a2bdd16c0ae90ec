import { inspect } from 'node:util';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidOptionsError, SecretsErrorCode, type ResolvedVaultConfig } from '../../lib/index.js';
import { type VaultRequest } from '../../lib/contracts/vault-request.js';
import { resolveVaultConfig } from '../../lib/core/resolve-vault-config.js';

/** The token the configured auth method would send: runs its login against a fake client that records it. */
async function tokenOf(config: ResolvedVaultConfig): Promise<string | undefined> {
  let sent: string | undefined;
  const client = {
    request: async (req: VaultRequest) => {
      sent = req.token;
      return { status: 200, headers: {}, body: { data: { ttl: 0, policies: [], accessor: 'a', type: 'service' } } };
    },
  };
  await config.authMethod.login({ client } as never);
  return sent;
}

const TOKEN = 'hvs.CAESIMarkerTokenValueForRedactionTest1234';

function problemsOf(input: unknown, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    resolveVaultConfig(input, env);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidOptionsError);
    expect((error as InvalidOptionsError).code).toBe(SecretsErrorCode.InvalidOptions);
    return [...(error as InvalidOptionsError).problems];
  }
  throw new Error('expected InvalidOptionsError');
}

describe('resolveVaultConfig', () => {
  it('fills address, token, namespace and TLS settings from the Vault CLI variables', async () => {
    const config = resolveVaultConfig(
      {},
      {
        VAULT_ADDR: 'https://vault.example.com:8200/',
        VAULT_TOKEN: TOKEN,
        VAULT_NAMESPACE: 'team-a/',
        VAULT_SKIP_VERIFY: 'true',
      },
    );
    expect(config.address).toBe('https://vault.example.com:8200');
    expect(await tokenOf(config)).toBe(TOKEN);
    expect(config.namespace).toBe('team-a/');
    expect(config.verifySsl).toBe(false);
    expect(config.kvVersion).toBe(2);
    expect(config.secretsPath).toBe('secret');
    expect(config.cache).toEqual({ ttlMs: 300_000, maxEntries: 1000 });
  });

  it('prefers explicit options over the environment', async () => {
    const config = resolveVaultConfig(
      { address: 'http://127.0.0.1:8200', token: 'hvs.explicit-token-abcdefghijklmnop', verifySsl: true, secretsPath: '/secret/data/app/' },
      { VAULT_ADDR: 'http://other:8200', VAULT_TOKEN: TOKEN, VAULT_SKIP_VERIFY: '1' },
    );
    expect(config.address).toBe('http://127.0.0.1:8200');
    expect(await tokenOf(config)).toBe('hvs.explicit-token-abcdefghijklmnop');
    expect(config.verifySsl).toBe(true);
    expect(config.secretsPath).toBe('secret/data/app');
  });

  it('lists every problem at once, with how to fix each', () => {
    const problems = problemsOf({
      address: 'ftp://vault',
      secretsPath: 'secret//app',
      kvVersion: 3,
      requestTimeoutMs: -5,
      cache: { ttlMs: 0, maxEntries: 'many' },
      verifySsl: 'yes',
      adress: 'typo',
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('address must use http:// or https://'),
        expect.stringContaining('a token is required'),
        expect.stringContaining('secretsPath "secret//app" has an empty segment'),
        expect.stringContaining("kvVersion must be 1, 2 or 'auto'"),
        expect.stringContaining('requestTimeoutMs must be at least 1'),
        expect.stringContaining('cache.ttlMs must be at least 1'),
        expect.stringContaining('cache.maxEntries must be'),
        expect.stringContaining('verifySsl must be true or false'),
        expect.stringContaining('unknown option "adress"'),
      ]),
    );
    expect(problems).toHaveLength(9);
  });

  it('requires an address when neither the option nor VAULT_ADDR is set', () => {
    expect(problemsOf({ token: TOKEN })).toEqual([expect.stringContaining('VAULT_ADDR')]);
  });

  it('never puts the token into an error or into the resolved object as seen by logs', () => {
    const problems = problemsOf({ address: 'not a url', token: `${TOKEN}\n` });
    expect(problems.join('\n')).not.toContain(TOKEN);
    const config = resolveVaultConfig({ address: 'http://127.0.0.1:8200', token: TOKEN }, {});
    expect(JSON.stringify(config)).not.toContain(TOKEN);
    expect(inspect(config, { depth: 10, showHidden: true })).not.toContain(TOKEN);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('loads caCert from a file path or takes PEM text, and reports an unreadable file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ca-'));
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    const file = join(dir, 'ca.pem');
    writeFileSync(file, pem);
    const base = { address: 'https://127.0.0.1:8200', token: TOKEN };
    expect(resolveVaultConfig({ ...base, caCert: file }, {}).caCert).toBe(pem);
    expect(resolveVaultConfig(base, { VAULT_CACERT: file }).caCert).toBe(pem);
    expect(resolveVaultConfig({ ...base, caCert: pem }, {}).caCert).toBe(pem);
    expect(problemsOf({ ...base, caCert: join(dir, 'missing.pem') })).toEqual([expect.stringContaining('ENOENT')]);
  });

  it('accepts fallbackJson as a path or an object, and validates the object', () => {
    const base = { address: 'http://127.0.0.1:8200', token: TOKEN };
    expect(resolveVaultConfig({ ...base, fallbackJson: './secrets.json' }, {}).fallbackJson).toEqual({ path: './secrets.json' });
    expect(resolveVaultConfig({ ...base, fallbackJson: { path: 'f.enc.json', keyEnv: 'KEY' } }, {}).fallbackJson).toMatchObject({
      path: 'f.enc.json',
      keyEnv: 'KEY',
    });
    expect(problemsOf({ ...base, fallbackJson: { keyEnv: 3 } })).toEqual(
      expect.arrayContaining([expect.stringContaining('fallbackJson.path'), expect.stringContaining('fallbackJson.keyEnv')]),
    );
    expect(problemsOf({ ...base, fallbackJson: 42 })).toEqual([expect.stringContaining('fallbackJson must be a file path')]);
  });

  it('requires secretsPath to start with secretsMount', () => {
    const base = { address: 'http://127.0.0.1:8200', token: TOKEN };
    expect(resolveVaultConfig({ ...base, secretsMount: 'team/a/kv', secretsPath: 'team/a/kv/app' }, {}).secretsMount).toBe('team/a/kv');
    expect(problemsOf({ ...base, secretsMount: 'team/b', secretsPath: 'team/a/kv/app' })).toEqual([
      expect.stringContaining('must start with secretsMount'),
    ]);
  });

  it('warns about plain http:// to a host that is not loopback, and only then', () => {
    const warningsFor = (address: string, env: NodeJS.ProcessEnv = {}): readonly string[] =>
      resolveVaultConfig(address === '' ? { token: TOKEN } : { address, token: TOKEN }, env).warnings;
    for (const remote of ['http://vault.example.com:8200', 'http://10.0.0.5:8200/', 'http://[2001:db8::1]:8200', 'http://128.0.0.1']) {
      const warnings = warningsFor(remote);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain('plain http://');
      expect(warnings[0]).toContain('use https://');
      expect(warnings[0]).toContain(remote.replace(/\/$/, ''));
    }
    expect(warningsFor('', { VAULT_ADDR: 'http://vault:8200' })).toEqual([
      expect.stringContaining('address http://vault:8200 uses plain http://'),
    ]);
    for (const local of [
      'http://127.0.0.1:8200',
      'http://127.8.9.10:8200',
      'http://localhost:8200',
      'http://LOCALHOST:8200',
      'http://[::1]:8200',
      'http://[::ffff:127.0.0.1]:8200',
      'https://vault.example.com:8200',
      'https://10.0.0.5',
      'http://in-memory.invalid', // never resolves (RFC 6761); SecretsTestingModule's placeholder
    ]) {
      expect(warningsFor(local), local).toEqual([]);
    }
    expect(Object.isFrozen(warningsFor('http://vault:8200'))).toBe(true);
    // The token never appears in a warning.
    expect(warningsFor('http://vault:8200').join('\n')).not.toContain(TOKEN);
  });

  it('rejects a non-object', () => {
    expect(problemsOf('http://vault')).toEqual([expect.stringContaining('options must be an object')]);
  });
});
