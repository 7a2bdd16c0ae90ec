/**
 * An app can load both builds of the package in one process (an ESM file imports it, a CommonJS
 * dependency requires it): each build has its own copy of every error class. `instanceof` must
 * still hold across them, the way undici's errors do (a branded `Symbol.for` marker read by
 * `static [Symbol.hasInstance]`). A child process loads `dist/index.js` (import) and
 * `dist/cjs/index.js` (require) and checks `instanceof` both ways.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BUILD_TIMEOUT_MS, ensureBuilt, ROOT, run } from './support.js';

beforeAll(ensureBuilt, BUILD_TIMEOUT_MS);

/** Runs in the child: prints one JSON object of checks. */
const SCRIPT = `
import { createRequire } from 'node:module';
process.removeAllListeners('warning'); // the dual-package warning is expected here
const esm = await import(${JSON.stringify(join(ROOT, 'dist', 'index.js'))});
const cjs = createRequire(import.meta.url)(${JSON.stringify(join(ROOT, 'dist', 'cjs', 'index.js'))});
const make = (m) => ({
  notFound: new m.SecretNotFoundError('db', 'missing'),
  sealed: new m.VaultSealedError(),
  denied: new m.PermissionDeniedError(),
});
const checks = {};
for (const [from, to, a, b] of [['esm', 'cjs', esm, cjs], ['cjs', 'esm', cjs, esm]]) {
  const e = make(a);
  checks[from + '->' + to] = {
    distinctClasses: a.SecretsError !== b.SecretsError && a.SecretNotFoundError !== b.SecretNotFoundError,
    notFoundIsSecretsError: e.notFound instanceof b.SecretsError,
    notFoundIsNotFound: e.notFound instanceof b.SecretNotFoundError,
    notFoundIsUnavailable: e.notFound instanceof b.VaultUnavailableError,
    sealedIsUnavailable: e.sealed instanceof b.VaultUnavailableError,
    sealedIsSealed: e.sealed instanceof b.VaultSealedError,
    sealedIsSecretsError: e.sealed instanceof b.SecretsError,
    deniedIsPermissionDenied: e.denied instanceof b.PermissionDeniedError,
    deniedIsNotFound: e.denied instanceof b.SecretNotFoundError,
    plainErrorIsSecretsError: new Error('x') instanceof b.SecretsError,
    nullIsSecretsError: null instanceof b.SecretsError,
    stillAnError: e.notFound instanceof Error,
  };
}
console.log(JSON.stringify(checks));
`;

describe('instanceof across the ESM and the CommonJS build', () => {
  it('holds both ways for SecretsError and its subclasses, and only for the right class', async () => {
    const result = await run(process.execPath, ['--input-type=module', '-e', SCRIPT]);
    expect(result.code, result.stderr).toBe(0);
    const expected = {
      distinctClasses: true,
      notFoundIsSecretsError: true,
      notFoundIsNotFound: true,
      notFoundIsUnavailable: false,
      sealedIsUnavailable: true,
      sealedIsSealed: true,
      sealedIsSecretsError: true,
      deniedIsPermissionDenied: true,
      deniedIsNotFound: false,
      plainErrorIsSecretsError: false,
      nullIsSecretsError: false,
      stillAnError: true,
    };
    expect(JSON.parse(result.stdout.trim())).toEqual({ 'esm->cjs': expected, 'cjs->esm': expected });
  });
});
