import { describe, expect, it } from 'vitest';
import { SecretNotFoundError } from '../../lib/errors/secret-not-found.error.js';

// Found by a new-user trial (issue 22): a mistyped path gave "does not exist at secret/data/my-ap/database (HTTP 404)."
// with no word on what to check.
describe('SecretNotFoundError names what to check', () => {
  it('a plain miss names the key, the path and the options to check', () => {
    const error = new SecretNotFoundError('database', 'missing', { path: 'secret/data/my-ap/database', status: 404 });
    expect(error.message).toBe(
      'Secret "database" does not exist at secret/data/my-ap/database (HTTP 404). Check the key and `secretsPath` (or `secretsMount`, `paths`), and that the secret was written at that path.',
    );
  });

  it('a caller hint replaces the default; deleted and destroyed versions keep their own advice', () => {
    expect(new SecretNotFoundError('k', 'missing', { path: 'p', hint: ' Custom.' }).message).toBe(
      'Secret "k" does not exist at p. Custom.',
    );
    expect(new SecretNotFoundError('k', 'deleted', { path: 'p', version: 3 }).message).not.toContain('secretsPath');
  });
});
