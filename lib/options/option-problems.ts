import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import type { OptionSpec } from './option-spec.js';
import { OPTIONS_SCHEMA } from './options.schema.js';
import { VaultConfig } from './vault-config.js';

/** The hint of every unknown-option problem. */
export const UNKNOWN_HINT = 'check its spelling (every option is listed in docs/configuration.md of nestjs-vault-secrets)';

/** The option names `resolveVaultConfig` accepts: every schema entry but the module-only ones (`isGlobal`). */
const KNOWN_OPTIONS: ReadonlySet<string> = new Set(
  Object.entries(OPTIONS_SCHEMA)
    .filter(([, spec]: [string, OptionSpec]) => spec.scope !== 'module')
    .map(([name]) => name),
);

/** Object options whose every key must be a schema field (`cache`, `leases`, `watch`), with their example. */
const STRICT_OBJECTS: readonly { name: string; fields: readonly string[]; example: string }[] = Object.entries(OPTIONS_SCHEMA).flatMap(
  ([name, spec]: [string, OptionSpec]) =>
    spec.fields && spec.objectExample !== undefined ? [{ name, fields: Object.keys(spec.fields), example: spec.objectExample }] : [],
);

/** class-validator's errors as messages, nested properties prefixed (`cache.ttlMs ...`). */
export function flattenValidationErrors(errors: ValidationError[], prefix = ''): string[] {
  const out: string[] = [];
  for (const error of errors) {
    const name = `${prefix}${error.property}`;
    const constraints = error.constraints ?? {};
    for (const [kind, message] of Object.entries(constraints)) {
      out.push(kind === 'whitelistValidation' ? `unknown option "${name}": ${UNKNOWN_HINT}` : message);
    }
    if (error.children && error.children.length > 0) out.push(...flattenValidationErrors(error.children, `${name}.`));
  }
  return out;
}

/** What {@link checkOptionShapes} found: the known options (unknown keys dropped), as a `VaultConfig`, and the problems. */
export interface CheckedOptions {
  /** The input without unknown keys (functions and engines are read from here, untouched). */
  readonly safeInput: Readonly<Record<string, unknown>>;
  /** The known options as a `VaultConfig` instance (nested option objects as their classes). */
  readonly config: VaultConfig;
  /** Unknown keys, object options that are not objects, and every type or range problem. */
  readonly problems: string[];
}

/**
 * The first pass of `resolveVaultConfig`: reports every key the schema does not declare (also inside
 * `cache`, `leases`, `watch`), object options given something else, and the type and range of each
 * option. Never quotes a value.
 */
export function checkOptionShapes(source: Readonly<Record<string, unknown>>): CheckedOptions {
  const problems: string[] = [];
  for (const key of Reflect.ownKeys(source)) {
    if (typeof key !== 'string' || !KNOWN_OPTIONS.has(key)) problems.push(`unknown option "${String(key)}": ${UNKNOWN_HINT}`);
  }
  const notObjects = new Set<string>();
  for (const { name, fields, example } of STRICT_OBJECTS) {
    const value = source[name];
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const key of Reflect.ownKeys(value)) {
        if (typeof key !== 'string' || !fields.includes(key)) problems.push(`unknown option "${name}.${String(key)}": ${UNKNOWN_HINT}`);
      }
    }
    if (value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value))) {
      problems.push(`${name} must be an object such as ${example}`);
      notObjects.add(name);
    }
  }
  const safeInput = Object.fromEntries(Object.entries(source).filter(([key]) => KNOWN_OPTIONS.has(key)));
  const config = plainToInstance(VaultConfig, safeInput, { exposeDefaultValues: false });
  const errors = validateSync(config, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: false, stopAtFirstError: true });
  problems.push(...flattenValidationErrors(errors.filter((error) => !notObjects.has(error.property))));
  return { safeInput, config, problems };
}
