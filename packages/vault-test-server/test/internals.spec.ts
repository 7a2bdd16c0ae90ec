/**
 * Unit checks of the Go-compatibility helpers the wire format depends on.
 */
import { describe, expect, it } from 'vitest';
import { formatGoDuration, humanDuration, parseDurationSeconds } from '../src/server/go-duration.js';
import { asStruct, asUnchanging, encodeGoJson, encodeGoJsonStruct } from '../src/server/go-json.js';
import { parsePolicy } from '../src/server/policy-parser.js';
import { Acl } from '../src/server/acl.js';
import { formatRfc3339Nano } from '../src/server/time-format.js';

describe('Go durations', () => {
  it('formats like time.Duration.String and humanDuration', () => {
    expect(formatGoDuration(0)).toBe('0s');
    expect(formatGoDuration(90)).toBe('1m30s');
    expect(formatGoDuration(3600)).toBe('1h0m0s');
    expect(formatGoDuration(2_764_800)).toBe('768h0m0s');
    expect(humanDuration(2_764_800)).toBe('768h');
    expect(humanDuration(3600)).toBe('1h');
    expect(humanDuration(5400)).toBe('1h30m');
    expect(humanDuration(2_764_790)).toBe('767h59m50s');
    expect(humanDuration(2)).toBe('2s');
    expect(humanDuration(300)).toBe('5m');
  });

  it('parses seconds, Go durations and days', () => {
    expect(parseDurationSeconds(3600)).toBe(3600);
    expect(parseDurationSeconds('3600')).toBe(3600);
    expect(parseDurationSeconds('1h30m')).toBe(5400);
    expect(parseDurationSeconds('1.5h')).toBe(5400);
    expect(parseDurationSeconds('2d')).toBe(172_800);
    expect(parseDurationSeconds('')).toBe(0);
    expect(() => parseDurationSeconds('soon')).toThrow(/invalid duration/);
  });
});

describe('Go JSON', () => {
  it('sorts map keys bytewise, keeps struct order, escapes HTML, adds a newline', () => {
    const text = encodeGoJson(asStruct({ z: 1, a: { '2': 'x', '10': 'y', b: '<&>' } }));
    expect(text).toBe('{"z":1,"a":{"10":"y","2":"x","b":"\\u003c\\u0026\\u003e"}}\n');
    expect(encodeGoJson({ a: 1 }, { trailingNewline: false })).toBe('{"a":1}');
  });

  it('sorts keys by UTF-8 bytes beyond the BMP, encodes structs without the mark, reuses unchanging texts', () => {
    // UTF-16 puts the emoji (surrogate D83D) before U+FF61; Go's UTF-8 byte order (F0 > EF) puts it after.
    expect(encodeGoJson({ '\u{1F600}': 1, '\uFF61': 2, b: 3 })).toBe('{"b":3,"\uFF61":2,"\u{1F600}":1}\n');
    const value = { z: undefined, y: [1, { b: 2, a: '\u2028' }] };
    expect(encodeGoJsonStruct(value)).toBe(encodeGoJson(asStruct({ ...value })));
    const data = asUnchanging({ k: '<v>', a: null });
    expect(encodeGoJson({ data })).toBe('{"data":{"a":null,"k":"\\u003cv\\u003e"}}\n');
    expect(encodeGoJson({ data }, { trailingNewline: false })).toBe('{"data":{"a":null,"k":"\\u003cv\\u003e"}}');
  });

  it('formats RFC3339Nano without trailing zeros', () => {
    expect(formatRfc3339Nano(1_704_067_200_123_450_000n)).toBe('2024-01-01T00:00:00.12345Z');
    expect(formatRfc3339Nano(1_704_067_200_000_000_000n)).toBe('2024-01-01T00:00:00Z');
  });
});

describe('policies', () => {
  it('parses the HCL subset with comments and legacy policy values', () => {
    const rules = parsePolicy(`
      // comment
      /* block
         comment */
      path "secret/*" { capabilities = ["read", "list",] }
      path "/legacy/x" { policy = "write" }
      path "secret/data/params" {
        capabilities = ["create"]
        allowed_parameters = { "a" = [] }
      }
    `);
    expect(rules).toEqual([
      { pattern: 'secret/*', capabilities: ['read', 'list'] },
      { pattern: 'legacy/x', capabilities: ['read', 'list', 'create', 'update', 'delete'] },
      { pattern: 'secret/data/params', capabilities: ['create'] },
    ]);
    expect(() => parsePolicy('path "x" { capabilities = ["fly"] }')).toThrow(/invalid capability/);
    expect(() => parsePolicy('path "x" { capabilities = ["read"]')).toThrow();
  });

  it('applies Vault priority rules', () => {
    const acl = new Acl([
      { pattern: 'secret/*', capabilities: ['read'] },
      { pattern: 'secret/data/+/x', capabilities: ['deny'] },
      { pattern: 'secret/data/a/x', capabilities: ['update'] },
      { pattern: 'secret/data/b*', capabilities: ['list'] },
    ]);
    expect(acl.allows('secret/other', 'read')).toBe(true);
    expect(acl.allows('secret/data/c/x', 'read')).toBe(false);
    expect(acl.allows('secret/data/a/x', 'update')).toBe(true);
    expect(acl.allows('secret/data/a/x', 'read')).toBe(false);
    expect(acl.allows('secret/data/b/x', 'list')).toBe(true); // 'b*' has its first wildcard later than '+/x'
    expect(acl.allows('secret/data/bee', 'list')).toBe(true);
    expect(acl.hasMountAccess('secret/')).toBe(true);
    expect(acl.hasMountAccess('other/')).toBe(false);
    expect(new Acl([{ pattern: 'team/+/kv/data/*', capabilities: ['read'] }]).hasMountAccess('team/a/kv/')).toBe(true);
  });
});
