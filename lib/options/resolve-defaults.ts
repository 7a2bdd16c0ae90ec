import type { OptionSpec } from './option-spec.js';
import { OPTIONS_SCHEMA } from './options.schema.js';
import type { ResolveContext } from './resolve-context.js';
import type { ResolvedDefaultedOptions } from './resolved-vault-config.js';

/**
 * The given value of every option the schema gives a default, else that default: driven by
 * {@link OPTIONS_SCHEMA}, so an option added there with a default is resolved here with no other
 * change. Object options with fields (`cache`, `leases`, `watch`) are filled field by field; arrays
 * are copied; everything is frozen. Module-only options (`isGlobal`) are left out.
 */
function fill(schema: Readonly<Record<string, OptionSpec>>, given: unknown): Record<string, unknown> {
  const source = typeof given === 'object' && given !== null ? (given as Record<string, unknown>) : {};
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(schema)) {
    if (spec.scope === 'module') continue;
    const value = source[name];
    if (spec.fields && spec.objectExample !== undefined) out[name] = Object.freeze(fill(spec.fields, value));
    else if (Array.isArray(spec.default)) out[name] = Object.freeze([...(Array.isArray(value) ? (value as unknown[]) : spec.default)]);
    else if (spec.default !== undefined) out[name] = value ?? spec.default;
  }
  return out;
}

/**
 * Resolves the options that have a schema default. Two are more than "given, else default":
 * `fallbackEnv` (`true` is the default prefix) and `connectTimeoutMs`, which is bounded by
 * `requestTimeoutMs` (the whole-request deadline includes the connection): its default follows a
 * shorter `requestTimeoutMs`, and an explicit longer value is a problem.
 */
export function resolveDefaultedOptions({ config, problems }: ResolveContext): ResolvedDefaultedOptions {
  const filled = fill(OPTIONS_SCHEMA, config) as unknown as ResolvedDefaultedOptions & { fallbackEnv: string | boolean };
  const fallbackEnv =
    typeof config.fallbackEnv === 'string' ? config.fallbackEnv : config.fallbackEnv === false ? false : OPTIONS_SCHEMA.fallbackEnv.default;
  let connectTimeoutMs = filled.connectTimeoutMs;
  if (config.connectTimeoutMs === undefined) connectTimeoutMs = Math.min(connectTimeoutMs, filled.requestTimeoutMs);
  else if (Number.isInteger(connectTimeoutMs) && Number.isInteger(filled.requestTimeoutMs) && connectTimeoutMs > filled.requestTimeoutMs) {
    problems.push(
      `connectTimeoutMs (${connectTimeoutMs}) is longer than requestTimeoutMs (${filled.requestTimeoutMs}), the deadline of the whole request including the connection: set connectTimeoutMs to at most requestTimeoutMs, or raise requestTimeoutMs`,
    );
  }
  return { ...filled, fallbackEnv, connectTimeoutMs };
}
