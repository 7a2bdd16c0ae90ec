import { SetMetadata } from '@nestjs/common';

/** Metadata key of the marker `@OnSecretRotated` leaves on a method. */
export const ON_SECRET_ROTATED_METADATA = 'secrets:on-secret-rotated';

/** What the marker records: the keys the handler listens to (empty = every rotation) and its Vault. */
export interface OnSecretRotatedMetadata {
  keys: string[];
  /** The named Vault (`SecretsModule.forRoot({ name })`); `undefined` = the default module. */
  vault?: string;
}

/** Options of {@link OnSecretRotated}. */
export interface OnSecretRotatedOptions {
  /** The named Vault whose rotations this handler hears (`SecretsModule.forRoot({ name: 'billing' })`). Default: the unnamed module. */
  vault?: string;
}

/**
 * Marks a provider method as a rotation handler. With no key it hears every rotation; with a key
 * (or several) only those, e.g. `@OnSecretRotated('database/creds/app')` or
 * `@OnSecretRotated('kafka')` for the KV key `kafka`; `{ vault: 'billing' }` for a named Vault.
 * The method receives a {@link SecretRotatedEvent}; `event.secret()` gives the new value. The old
 * lease is revoked only after every handler returned (or the handler timeout passed), so a pool
 * can be swapped first.
 *
 * The module's explorer finds these methods at boot and registers them with the rotation
 * orchestrator (as `@nestjs/schedule` registers `@Cron` methods): no `EventEmitterModule` is
 * needed. When the app has one, every event is also published there (`secrets.rotated`,
 * `secrets.rotated:<key>`), for `@OnEvent` listeners; a method is never called twice. The boot
 * fails with `InvalidOptionsError` when a key can never be produced.
 */
export function OnSecretRotated(key?: string | readonly string[], options: OnSecretRotatedOptions = {}): MethodDecorator {
  const keys = key === undefined ? [] : typeof key === 'string' ? [key] : [...key];
  return SetMetadata<string, OnSecretRotatedMetadata>(ON_SECRET_ROTATED_METADATA, { keys, vault: options.vault });
}
