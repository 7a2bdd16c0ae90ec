import { describe, expect, it } from 'vitest';
import { encodeSegments, splitSecretKey } from '../../lib/transport/vault-path.js';
import { InvalidSecretKeyError } from '../../lib/index.js';

describe('secret keys', () => {
  it.each(['', '/db', 'db/', 'a//b', '.', 'a/./b', '..', 'a/../b', 'a\u0000b', 'a\nb'])('rejects %j before any request', (key) => {
    expect(() => splitSecretKey(key)).toThrow(InvalidSecretKeyError);
  });

  it('rejects a key that is not a string', () => {
    expect(() => splitSecretKey(undefined)).toThrow(InvalidSecretKeyError);
  });

  it('encodes each segment and keeps the separators', () => {
    expect(encodeSegments(splitSecretKey('team a/db?x=1#frag/ü%'))).toBe('team%20a/db%3Fx%3D1%23frag/%C3%BC%25');
  });
});
