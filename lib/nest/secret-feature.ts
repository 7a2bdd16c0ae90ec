import type { InjectionToken } from '@nestjs/common';
import type { SecretSchema } from '../core/schema/secret-schema.js';

/**
 * A secret declared with `SecretsModule.forFeature`: registered as a live `SecretRef`, injected
 * with `@InjectSecret(key)`.
 *
 * - KV (default): `{ key: 'database', schema: DbSecret }`, `key` relative to `secretsPath`.
 * - Dynamic database credentials: `{ key: 'db', engine: 'database', path: 'app' }` (`path` is the
 *   role; `engineOptions.mount` the mount, default `database`).
 * - Any other engine: `{ key: 'aws', engine: 'aws', path: 'deploy', engineOptions: { type: 'sts' } }`.
 */
export interface SecretDeclaration<S extends SecretSchema = SecretSchema> {
  /** The key: a KV key, or the name rotations of an engine secret are announced under. */
  key: string;
  /** Read through this engine instead of KV (`database`, `aws`, `pki`, or one registered in `engines`). */
  engine?: string;
  /** The engine path (for `database`: the role name). Required with `engine`. */
  path?: string;
  /** Options passed to the engine (e.g. `{ mount: 'db' }`). */
  engineOptions?: Record<string, unknown>;
  /** A class-validator DTO class or a Standard Schema object: the value is validated and typed from it. */
  schema?: S;
  /** When true, a missing secret (`SecretNotFoundError`) does not fail the boot: `value` stays `undefined` until it appears. */
  optional?: boolean;
}

/**
 * A resource built from a secret and rebuilt on rotation, declared with `SecretsModule.forFeature`
 * and injected as `Rotating<R>` with `@Inject(provide)`.
 *
 * ```ts
 * { provide: DB_POOL, secret: { key: 'db', engine: 'database', path: 'app' },
 *   build: (c: { username: string; password: string }) => new Pool({ user: c.username, password: c.password }),
 *   dispose: (pool: Pool) => pool.end() }
 * ```
 */
export interface RotatingDeclaration<R = unknown, V = Record<string, unknown>> {
  /** The injection token of the `Rotating<R>`. */
  provide: InjectionToken;
  /** The secret it is built from: a KV key, or a full declaration (engine, schema). */
  secret: string | SecretDeclaration;
  /** Builds the resource from the (validated) secret value. A failure at boot fails the boot; at rotation it keeps the old resource. */
  build(value: V): R | Promise<R>;
  /** Releases an old resource (e.g. `pool.end()`); awaited before the old lease is revoked, and on shutdown. */
  dispose?(old: R): void | Promise<void>;
}

/** One entry of `SecretsModule.forFeature([...])`. */
export type SecretFeature = SecretDeclaration | RotatingDeclaration<unknown, never>;

/** Whether an entry declares a rotating resource. */
export function isRotatingDeclaration(entry: SecretFeature): entry is RotatingDeclaration<unknown, never> {
  return 'provide' in entry && 'build' in entry;
}
