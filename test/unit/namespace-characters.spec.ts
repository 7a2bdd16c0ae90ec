/**
 * Issue 22 item 13: a namespace is a Vault path (segments separated by `/`) sent in the
 * `X-Vault-Namespace` header. A control character was silently stripped (`team\u0000a` became
 * `teama/`, another tenant's namespace) and a non-ASCII name passed boot and then failed every
 * request as a network error. Both must fail at boot, naming the option and the character.
 */
import { describe, expect, it } from 'vitest';
import { InvalidOptionsError } from '../../lib/index.js';
import { resolveVaultConfig } from '../../lib/core/resolve-vault-config.js';

const BASE = { address: 'http://127.0.0.1:8200', token: 'hvs.test', fallbackEnv: false } as const;

function problemsOf(input: Record<string, unknown>, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    resolveVaultConfig(input, env);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidOptionsError);
    return [...(error as InvalidOptionsError).problems];
  }
  return [];
}

describe('namespace characters', () => {
  it.each([
    ['team\u0000a', 'U+0000'],
    ['team-a/\napp', 'U+000A'],
    ['team\u007fa', 'U+007F'],
    ['team\u0085a', 'U+0085'],
  ])('a control character in %j fails at boot, named by its code point', (namespace, codePoint) => {
    const problems = problemsOf({ ...BASE, namespace });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('namespace');
    expect(problems[0]).toContain(codePoint);
    expect(problems[0]).toContain('letters, digits');
    // The message never carries the raw control character (it would break a log line).
    expect(problems[0]).not.toMatch(/\p{Cc}/u);
  });

  it.each([
    ['équipe-a', 'U+00E9'],
    ['团队/app', 'U+56E2'],
    ['team-a\u200b', 'U+200B'],
  ])('a non-ASCII character in %j fails at boot (an HTTP header cannot carry it)', (namespace, codePoint) => {
    const problems = problemsOf({ ...BASE, namespace });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(codePoint);
    expect(problems[0]).toMatch(/ASCII/);
  });

  it('VAULT_NAMESPACE and auth.namespace are checked the same way, each named', () => {
    expect(problemsOf(BASE, { VAULT_NAMESPACE: 'team\u0000a' })[0]).toMatch(/^VAULT_NAMESPACE .*U\+0000/);
    const problems = problemsOf({ ...BASE, auth: { method: 'token', token: 'hvs.test', namespace: 'parent\u0001' } });
    expect(problems[0]).toMatch(/^auth\.namespace .*U\+0001/);
  });

  it('printable ASCII names are accepted and canonicalised as before', () => {
    const config = resolveVaultConfig({ ...BASE, namespace: ' /team_a.b-1/App~2/ ' }, {});
    expect(config.namespace).toBe('team_a.b-1/App~2/');
    expect(resolveVaultConfig({ ...BASE, namespace: 'root' }, {}).namespace).toBeUndefined();
  });
});
