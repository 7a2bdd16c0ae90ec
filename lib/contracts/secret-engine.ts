import type { VaultRequester } from './vault-requester.js';
import type { Clock } from '../timing/clock.js';

/** A Vault lease as the module tracks it. Durations in seconds. */
export interface LeaseInfo {
  /** Vault's `lease_id`, e.g. `database/creds/app/7wMxCUzNcEaOrvCspBhXnjTM` (an identifier, not a credential). */
  id: string;
  /** `lease_duration` in seconds. */
  duration: number;
  renewable: boolean;
}

/** What an engine fetch returns: the data plus how long it is good for. */
export interface EngineSecret<TData = Record<string, unknown>> {
  data: TData;
  /** The lease, when Vault issued one (dynamic database, AWS, PKI with `generate_lease`). */
  lease?: LeaseInfo;
  /**
   * When the data stops being valid or changes, in milliseconds since the epoch, for secrets
   * without a renewable lease (a certificate's `expiration`, a static role's next rotation).
   */
  expiresAt?: number;
  /** Re-read after this many milliseconds even without a lease (static roles: `ttl` plus a skew). */
  refreshAfterMs?: number;
  /** A version label that changes when the value changes (KV version, certificate serial, rotation time). */
  version?: string | number;
  /** A condition worth showing in `status().leases.notices`, e.g. "TTL clipped to the CA's expiry". Never a secret. */
  notice?: string;
}

/** What an engine may use. */
export interface EngineContext {
  client: VaultRequester;
  clock: Clock;
}

/**
 * A secrets engine the module can read from: built in `database`, `aws`, `pki`; add your own
 * through `VaultConfig.engines` and read with `SecretsService.fetchFrom(name, path, options)`.
 *
 * ```ts
 * const transitKeys: SecretEngine<{ name: string }> = {
 *   name: 'transit-keys',
 *   async fetch({ client }, path) {
 *     const res = await client.request<VaultEnvelope<{ name: string }>>({ method: 'GET', path: `transit/keys/${path}` });
 *     return { data: res.body!.data! };
 *   },
 * };
 * ```
 */
export interface SecretEngine<TData = Record<string, unknown>, TOptions = Record<string, unknown>> {
  /** Unique engine name used with `fetchFrom`, e.g. `database`. */
  readonly name: string;
  /**
   * Fetches one secret. `path` is relative to the engine (e.g. a role name).
   * @throws SecretsError subclasses on failure.
   */
  fetch(context: EngineContext, path: string, options?: TOptions): Promise<EngineSecret<TData>>;
}
