import { readFileSync } from 'node:fs';
import { getMetadataStorage } from 'class-validator';
import { describe, expect, it } from 'vitest';
import { InvalidOptionsError, VaultConfig } from '../../lib/index.js';
import { resolveVaultConfig } from '../../lib/core/resolve-vault-config.js';
import { CacheOptions } from '../../lib/options/cache-options.js';
import { FallbackJsonOptions } from '../../lib/options/fallback-json-options.js';
import { LeaseOptions } from '../../lib/options/lease-options.js';
import type { OptionSpec } from '../../lib/options/option-spec.js';
import { OPTION_DEFAULTS, OPTIONS_SCHEMA } from '../../lib/options/options.schema.js';
import { optionTableRows, parseOptionsTable } from '../../lib/options/options-table.js';
import { TelemetryOptions } from '../../lib/options/telemetry-options.js';
import { WatchOptions } from '../../lib/options/watch-options.js';

const SCHEMA: Readonly<Record<string, OptionSpec>> = OPTIONS_SCHEMA;
const CONFIG_KEYS = Object.keys(SCHEMA).filter((name) => SCHEMA[name]?.scope !== 'module');
const BASE = { address: 'http://127.0.0.1:8200', token: 'hvs.options-schema-test-token' };

function problemsOf(input: unknown): string[] {
  try {
    resolveVaultConfig(input, {});
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidOptionsError);
    return [...(error as InvalidOptionsError).problems];
  }
  return [];
}

/** Properties that carry at least one class-validator decorator. */
function validatedProperties(target: new () => object): string[] {
  return [
    ...new Set(
      getMetadataStorage()
        .getTargetValidationMetadatas(target, '', true, false)
        .map((m) => m.propertyName),
    ),
  ].sort();
}

describe('OPTIONS_SCHEMA', () => {
  it('is what the configuration table of docs/configuration.md lists, row for row (run `npm run docs:options` after changing the schema)', () => {
    const page = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
    expect(parseOptionsTable(page)).toEqual(optionTableRows(SCHEMA));
  });

  it('lists every option the validation classes check, and the classes check every option it lists', () => {
    const classes: Record<string, new () => object> = {
      '': VaultConfig,
      cache: CacheOptions,
      leases: LeaseOptions,
      watch: WatchOptions,
      fallbackJson: FallbackJsonOptions,
      telemetry: TelemetryOptions,
    };
    // `auth` is checked per method by authOptionProblems (next test), the other object options by classes.
    expect(Object.keys(classes).filter(Boolean).sort()).toEqual(
      CONFIG_KEYS.filter((name) => SCHEMA[name]?.fields && name !== 'auth').sort(),
    );
    for (const [group, target] of Object.entries(classes)) {
      const declared = group === '' ? CONFIG_KEYS : Object.keys(SCHEMA[group]?.fields ?? {});
      expect({ group, properties: validatedProperties(target) }).toEqual({ group, properties: [...declared].sort() });
    }
  });

  it('accepts every option and field it declares, and reports any other key as unknown with a pointer to docs/configuration.md', () => {
    const everything: Record<string, unknown> = {};
    for (const name of CONFIG_KEYS) {
      const fields = SCHEMA[name]?.fields;
      everything[name] =
        fields && SCHEMA[name]?.objectExample ? Object.fromEntries(Object.keys(fields).map((f) => [f, undefined])) : undefined;
    }
    expect(problemsOf({ ...everything, ...BASE }).filter((p) => p.startsWith('unknown option'))).toEqual([]);

    expect(problemsOf({ ...BASE, isGlobal: true, cache: { ttl: 5 }, watch: { interval: 5 } })).toEqual([
      'unknown option "isGlobal": check its spelling (every option is listed in docs/configuration.md of nestjs-vault-secrets)',
      'unknown option "cache.ttl": check its spelling (every option is listed in docs/configuration.md of nestjs-vault-secrets)',
      'unknown option "watch.interval": check its spelling (every option is listed in docs/configuration.md of nestjs-vault-secrets)',
    ]);
  });

  it('accepts for each auth method exactly the auth fields it lists for that method', () => {
    const fields = SCHEMA.auth?.fields ?? {};
    const methods = fields.method?.methods ?? [];
    expect(methods).toEqual(['agent', 'token', 'approle', 'kubernetes', 'jwt', 'userpass', 'cert']);
    for (const method of methods) {
      const own = Object.keys(fields).filter((field) => field !== 'method' && fields[field]?.methods?.includes(method));
      const others = Object.keys(fields).filter((field) => field !== 'method' && !own.includes(field));
      const unknown = problemsOf({ ...BASE, auth: { method, ...Object.fromEntries([...own, ...others].map((f) => [f, 1])) } })
        .filter((problem) => problem.startsWith('unknown option'))
        .map((problem) => /"auth\.(\w+)"/.exec(problem)?.[1]);
      expect({ method, unknown: unknown.sort() }).toEqual({ method, unknown: [...others].sort() });
    }
  });

  it('supplies the default of every option the app leaves unset', () => {
    const resolved = resolveVaultConfig(BASE, {}) as unknown as Record<string, unknown>;
    const defaults = OPTION_DEFAULTS as Record<string, unknown>;
    for (const name of Object.keys(defaults).filter((key) => CONFIG_KEYS.includes(key))) {
      expect({ name, value: resolved[name] }).toEqual({ name, value: defaults[name] });
    }
    expect(Object.keys(defaults)).toEqual(expect.arrayContaining(['cache', 'leases', 'watch', 'requestTimeoutMs', 'maxStalenessMs']));
  });

  it("states in the validation classes' doc comments (what editors show on hover) the defaults the schema declares", () => {
    const files: Record<string, string> = {
      '': 'vault-config.ts',
      cache: 'cache-options.ts',
      leases: 'lease-options.ts',
      watch: 'watch-options.ts',
      fallbackJson: 'fallback-json-options.ts',
    };
    let checked = 0;
    for (const [group, file] of Object.entries(files)) {
      const source = readFileSync(new URL(`../../lib/options/${file}`, import.meta.url), 'utf8');
      const specs = group === '' ? SCHEMA : (SCHEMA[group]?.fields ?? {});
      // a doc comment, the property's decorators, then the property
      for (const match of source.matchAll(/\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*(?:@[^\n]*\n\s*)*(\w+)[?!]?:/g)) {
        const [, doc = '', name = ''] = match;
        const stated = /Default:? `?([^`\s.;,)]+)/.exec(doc)?.[1];
        const spec = specs[name];
        if (stated === undefined || spec === undefined) continue;
        const declared = spec.default === undefined ? (spec.defaultText ?? '') : String(spec.default);
        expect({ option: `${group}${group ? '.' : ''}${name}`, stated: declared.includes(stated) }).toEqual({
          option: `${group}${group ? '.' : ''}${name}`,
          stated: true,
        });
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(15);
  });

  it('gives every option and field a type and a doc line', () => {
    for (const row of optionTableRows(SCHEMA)) {
      expect(row[1]).not.toBe('``');
      expect(row[3]?.length).toBeGreaterThan(10);
    }
  });
});
