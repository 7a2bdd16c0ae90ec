import type { VaultMethod } from '../contracts/vault-request.js';
import type { TelemetryAttributes } from './otel-api.js';
import type { ReadOutcome, ReadSource } from './read-source.js';

/** Most attribute sets kept (they are few: methods × operations × outcomes); past it they are built afresh. */
const MAX_ATTRIBUTE_SETS = 1024;

/**
 * The attribute sets of one Vault's metrics and spans, each built once and frozen, so a request
 * or a read allocates no attribute object, and an exporter that changes the objects it is handed
 * cannot change what later sets carry. Every set starts with {@link base} (`vault.name` for a
 * named Vault, nothing for the default one). Low-cardinality values only: never a path, a key
 * name, a value or a token.
 */
export class AttributeSets {
  /** `{ 'vault.name': vault }`, or `{}` for the default Vault; frozen. */
  readonly base: TelemetryAttributes;
  readonly #sets = new Map<string, TelemetryAttributes>();

  /** @param vault - the named Vault (`vault.name`); `undefined` for the default one. */
  constructor(vault: string | undefined) {
    const base: Record<string, string> = vault === undefined ? {} : { 'vault.name': vault };
    this.base = Object.freeze(base);
  }

  /** A read's set: `vault.read.source`, `vault.read.outcome`. */
  read(source: ReadSource, outcome: ReadOutcome): TelemetryAttributes {
    const id = `read ${source} ${outcome}`;
    return this.#sets.get(id) ?? this.#add(id, { 'vault.read.source': source, 'vault.read.outcome': outcome });
  }

  /**
   * A Vault call's set: `http.request.method`, `vault.operation` and, once it ended,
   * `http.response.status_code` (when Vault answered) and `error.type` (the error's code, when it failed).
   */
  request(method: VaultMethod, operation: string, status?: number, errorType?: string): TelemetryAttributes {
    const id = `request ${method} ${operation} ${status ?? ''} ${errorType ?? ''}`;
    return (
      this.#sets.get(id) ??
      this.#add(id, {
        'http.request.method': method,
        'vault.operation': operation,
        ...(status === undefined ? {} : { 'http.response.status_code': status }),
        ...(errorType === undefined ? {} : { 'error.type': errorType }),
      })
    );
  }

  #add(id: string, extra: Record<string, string | number>): TelemetryAttributes {
    const set = Object.freeze({ ...this.base, ...extra });
    if (this.#sets.size >= MAX_ATTRIBUTE_SETS) this.#sets.clear();
    this.#sets.set(id, set);
    return set;
  }
}
