/**
 * Compile-time checks that the option types agree with {@link OPTIONS_SCHEMA}: adding an option to
 * one place and not the others fails `tsc`. Nothing here runs; the file holds types only.
 */
import type { AuthOptions } from './auth-options.js';
import type { CacheOptions } from './cache-options.js';
import type { FallbackJsonOptions } from './fallback-json-options.js';
import type { LeaseOptions } from './lease-options.js';
import type { OPTION_DEFAULTS, OPTIONS_SCHEMA, VaultConfigKey } from './options.schema.js';
import type { ResolvedVaultConfig } from './resolved-vault-config.js';
import type { KvVersion, VaultConfig } from './vault-config.js';
import type { TelemetryOptions } from './telemetry-options.js';
import type { WatchOptions } from './watch-options.js';

/** `true` when `A` and `B` are the same set of keys; otherwise a type naming the keys that differ. */
type SameKeys<A extends PropertyKey, B extends PropertyKey> = [Exclude<A, B>, Exclude<B, A>] extends [never, never]
  ? true
  : { onlyInFirst: Exclude<A, B>; onlyInSecond: Exclude<B, A> };

type Schema = typeof OPTIONS_SCHEMA;
type FieldsOf<K extends keyof Schema> = Schema[K] extends { readonly fields: infer F } ? keyof F : never;

/** Fields of `ResolvedVaultConfig` computed from several options rather than declared in the schema. */
type DerivedResolvedKeys = 'authMethod' | 'authNamespace' | 'warnings';
/** Options folded into other resolved fields: `token` and `auth` into `authMethod`, `caPath` into `caCert`. */
type FoldedOptionKeys = 'token' | 'auth' | 'caPath';

/* eslint-disable @typescript-eslint/no-unused-vars */
// The validation classes declare exactly the schema's options and fields.
const vaultConfigKeys: SameKeys<keyof VaultConfig, VaultConfigKey> = true;
const cacheKeys: SameKeys<keyof CacheOptions, FieldsOf<'cache'>> = true;
const leaseKeys: SameKeys<keyof LeaseOptions, FieldsOf<'leases'>> = true;
const watchKeys: SameKeys<keyof WatchOptions, FieldsOf<'watch'>> = true;
const telemetryKeys: SameKeys<keyof TelemetryOptions, FieldsOf<'telemetry'>> = true;
const fallbackJsonKeys: SameKeys<keyof FallbackJsonOptions, FieldsOf<'fallbackJson'>> = true;
// The resolved configuration holds every option (except the folded ones) and nothing undeclared.
const resolvedKeys: SameKeys<Exclude<keyof ResolvedVaultConfig, DerivedResolvedKeys>, Exclude<VaultConfigKey, FoldedOptionKeys>> = true;
const resolvedCacheKeys: SameKeys<keyof ResolvedVaultConfig['cache'], FieldsOf<'cache'>> = true;
const resolvedLeaseKeys: SameKeys<keyof ResolvedVaultConfig['leases'], FieldsOf<'leases'>> = true;
const resolvedTelemetryKeys: SameKeys<keyof ResolvedVaultConfig['telemetry'], FieldsOf<'telemetry'>> = true;
const resolvedWatchKeys: SameKeys<keyof ResolvedVaultConfig['watch'], FieldsOf<'watch'>> = true;
// Each auth method's options type declares exactly the auth fields the schema gives that method.
type AuthFields = Schema['auth']['fields'];
type AuthFieldsOf<M extends string> = { [F in keyof AuthFields]: M extends AuthFields[F]['methods'][number] ? F : never }[keyof AuthFields];
type AuthKeysMatch = { [M in AuthOptions['method']]: SameKeys<keyof Extract<AuthOptions, { method: M }>, AuthFieldsOf<M>> };
const authKeys: AuthKeysMatch = { agent: true, token: true, approle: true, kubernetes: true, jwt: true, userpass: true, cert: true };
const authMethods: SameKeys<AuthOptions['method'], AuthFields['method']['methods'][number]> = true;
// Every declared default fits the resolved field it fills.
type ConfigDefaults = Omit<typeof OPTION_DEFAULTS, Exclude<keyof Schema, VaultConfigKey>>;
const defaultsFit: ConfigDefaults extends Partial<ResolvedVaultConfig> ? true : false = true;
// The resolved types derived from the schema's type text are the input types, never `never`.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const derivedKv: Same<ResolvedVaultConfig['kvVersion'], KvVersion> = true;
const derivedNumber: Same<ResolvedVaultConfig['requestTimeoutMs'] | ResolvedVaultConfig['cache']['ttlMs'], number> = true;
const derivedBoolean: Same<ResolvedVaultConfig['verifySsl'] | ResolvedVaultConfig['watch']['events'], boolean> = true;
const derivedList: Same<ResolvedVaultConfig['fallbackKeys'] | ResolvedVaultConfig['watch']['keys'], readonly string[]> = true;
const derivedFallbackEnv: Same<ResolvedVaultConfig['fallbackEnv'], string | false> = true;
/* eslint-enable @typescript-eslint/no-unused-vars */
