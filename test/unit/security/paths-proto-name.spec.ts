/**
 * A `paths` entry named `__proto__` (from JSON config, e.g. `JSON.parse`) was accepted with no
 * error and silently dropped: assigning it set the prototype of the resolved map. It must be a
 * boot problem like any other bad name.
 */
import { describe, expect, it } from 'vitest';
import { InvalidOptionsError } from '../../../lib/index.js';
import { resolveVaultConfig } from '../../../lib/core/resolve-vault-config.js';

describe('paths named __proto__', () => {
  it('is refused at boot, with the other problems listed', () => {
    const paths = JSON.parse('{"__proto__": "secret/x", "ok": "secret/y", "bad name": "secret/z"}') as Record<string, string>;
    let error: unknown;
    try {
      resolveVaultConfig({ address: 'http://127.0.0.1:8200', token: 't', paths }, {});
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidOptionsError);
    expect((error as Error).message).toMatch(/paths name "__proto__" is reserved/);
    expect((error as Error).message).toMatch(/paths name "bad name"/);
  });
});
