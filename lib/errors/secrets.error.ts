import { inspect } from 'node:util';
import { redactText, shortenLongRuns } from '../util/redact.js';
import type { SecretsErrorCode } from './secrets-error-code.js';

/** Extra context an error may carry. None of it is ever a secret value or a token. */
export interface SecretsErrorDetails {
  /** The underlying failure, already stripped of request headers and bodies. */
  cause?: unknown;
  /** The Vault API path involved, without `/v1/`, e.g. `secret/data/app/db`. */
  path?: string;
  /** The HTTP status Vault answered with, when there was an answer. */
  status?: number;
}

/**
 * The brand every {@link SecretsError} carries: the names of its classes, from its own up to
 * `SecretsError`. A registered symbol, so the ESM and the CommonJS copy of the package (both can
 * load in one process) read the same brand.
 */
const kSecretsError = Symbol.for('nestjs-vault-secrets.error');

interface Branded {
  readonly [kSecretsError]?: readonly string[];
}

/**
 * Base class of every error thrown by the module. `code` is stable and safe to match on.
 * Messages, `cause` chains, `toJSON()` and `util.inspect()` never contain a token or a secret
 * value: anything that came from outside is passed through {@link redactText}, and runs of more
 * than 200 characters (a hostile key, say) are cut to a readable length.
 *
 * `instanceof SecretsError` (and `instanceof` each subclass) holds across the ESM and the CommonJS
 * build of the package loaded in one process: each error is branded with its class names under
 * `Symbol.for('nestjs-vault-secrets.error')` and the check reads that brand.
 */
export class SecretsError extends Error {
  /** `instanceof` by brand (see the class comment), so an error from the other build of the package matches too. */
  static override [Symbol.hasInstance](instance: unknown): boolean {
    const brand = typeof instance === 'object' && instance !== null ? (instance as Branded)[kSecretsError] : undefined;
    if (Array.isArray(brand)) return brand.includes(this.name);
    return Function.prototype[Symbol.hasInstance].call(this, instance);
  }

  /** Stable machine-readable code, e.g. `SECRETS_NOT_FOUND`. */
  readonly code: SecretsErrorCode;
  /** The Vault API path involved (no `/v1/` prefix), when known. */
  declare readonly path?: string;
  /** Vault's HTTP status, when Vault answered. */
  declare readonly status?: number;

  constructor(code: SecretsErrorCode, message: string, details: SecretsErrorDetails = {}) {
    super(shortenLongRuns(redactText(message)), details.cause === undefined ? undefined : { cause: sanitizeCause(details.cause) });
    this.name = new.target.name;
    this.code = code;
    const names: string[] = [];
    for (let c: unknown = new.target; typeof c === 'function' && c !== Error; c = Object.getPrototypeOf(c))
      names.push((c as { name: string }).name);
    Object.defineProperty(this, kSecretsError, { value: Object.freeze(names) });
    if (details.path !== undefined) this.path = shortenLongRuns(details.path);
    if (details.status !== undefined) this.status = details.status;
  }

  /** A JSON-safe view: name, code, message, path, status. */
  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message, path: this.path, status: this.status };
  }
}

/**
 * Turns any thrown value into a plain `Error` that keeps only a redacted message and the
 * system error code (e.g. `ECONNREFUSED`). HTTP library errors carry request configs with
 * the `X-Vault-Token` header; none of that survives.
 */
export function sanitizeCause(cause: unknown): Error {
  if (cause instanceof SecretsError) return cause;
  const source = cause as { message?: unknown; code?: unknown; name?: unknown } | null | undefined;
  const message = typeof source?.message === 'string' ? source.message : typeof cause === 'string' ? cause : inspect(typeof cause);
  const safe = new Error(shortenLongRuns(redactText(message)));
  if (typeof source?.name === 'string') safe.name = source.name;
  if (typeof source?.code === 'string') (safe as Error & { code?: string }).code = source.code;
  // The original stack may mention the value in its first line; keep only frames.
  const frames = (cause as { stack?: unknown } | null)?.stack;
  if (typeof frames === 'string') {
    safe.stack = `${safe.name}: ${safe.message}\n${frames
      .split('\n')
      .filter((l) => l.trimStart().startsWith('at '))
      .join('\n')}`;
  }
  return safe;
}
