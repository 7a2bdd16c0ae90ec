/**
 * Guards against the dual-package hazard: an app that loads this package both through `import`
 * (the ESM build in `dist/`) and through `require` (the CommonJS build in `dist/cjs/`) gets two
 * copies of every class. Injection tokens are shared strings or `Symbol.for` symbols and the few
 * process-wide tables live on `globalThis` under `Symbol.for` keys, so both copies agree on them,
 * but NestJS injects classes by identity: `SecretsService` from one build is not the
 * `SecretsService` of the other. The first entry loaded records its format here; loading the other
 * format in the same process emits one warning (code `NESTJS_VAULT_SECRETS_DUAL_PACKAGE`) naming
 * the fix, instead of a confusing "Nest can't resolve dependencies" later.
 */

/** Which build a file was loaded from. */
export type BuildFormat = 'esm' | 'cjs';

/** Warning code emitted through `process.emitWarning` when both builds are loaded. */
export const DUAL_PACKAGE_WARNING_CODE = 'NESTJS_VAULT_SECRETS_DUAL_PACKAGE';

const REGISTRY_KEY = Symbol.for('nestjs-vault-secrets:builds');

interface BuildRegistry {
  formats: Set<BuildFormat>;
  warned: boolean;
}

/**
 * A process-wide value shared by both builds: created once by `create` and kept on `globalThis`
 * under `Symbol.for('nestjs-vault-secrets:<name>')`.
 */
export function processWide<T>(name: string, create: () => T): T {
  const key = Symbol.for(`nestjs-vault-secrets:${name}`);
  const holder = globalThis as Record<symbol, unknown>;
  if (!(key in holder)) holder[key] = create();
  return holder[key] as T;
}

/** The format of the build this file was compiled into (`module` exists only under CommonJS). */
export function currentBuildFormat(): BuildFormat {
  return typeof module === 'object' && module !== null && typeof module.exports === 'object' ? 'cjs' : 'esm';
}

/**
 * Records that the build of `format` is loaded; warns once per process when both are.
 * @returns the formats loaded so far in this process.
 */
export function registerBuild(format: BuildFormat = currentBuildFormat()): ReadonlySet<BuildFormat> {
  const holder = globalThis as Record<symbol, unknown>;
  const registry = (holder[REGISTRY_KEY] ??= { formats: new Set<BuildFormat>(), warned: false }) as BuildRegistry;
  registry.formats.add(format);
  if (registry.formats.size > 1 && !registry.warned) {
    registry.warned = true;
    process.emitWarning(
      'nestjs-vault-secrets is loaded twice in this process, as ESM (import) and as CommonJS (require). Injection ' +
        'tokens and timers are shared, but classes such as SecretsService are not: import the package one way only ' +
        '(a CommonJS app: require everywhere; an ESM app: import everywhere, and let your test runner do the same).',
      { code: DUAL_PACKAGE_WARNING_CODE },
    );
  }
  return registry.formats;
}
