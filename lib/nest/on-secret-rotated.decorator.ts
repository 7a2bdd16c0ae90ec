import { applyDecorators, SetMetadata } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { SecretsEvents } from '../secrets.constants.js';
import { rotatedEventName } from '../rotation/rotation.orchestrator.js';

/** Metadata key of the marker `@OnSecretRotated` leaves on a method. */
export const ON_SECRET_ROTATED_METADATA = 'secrets:on-secret-rotated';

/** What the marker records: the keys the handler listens to (empty = every rotation). */
export interface OnSecretRotatedMetadata {
  keys: string[];
}

/** Options of {@link OnSecretRotated} (those of `@OnEvent`, minus the ones the module sets). */
export interface OnSecretRotatedOptions {
  /** Register before other listeners of the same event. */
  prependListener?: boolean;
}

/**
 * Marks a provider method as a rotation handler. With no key it hears every rotation; with a key
 * (or several) only those, e.g. `@OnSecretRotated('database/creds/app')` or
 * `@OnSecretRotated('kafka')` for the KV key `kafka`. The method receives a
 * {@link SecretRotatedEvent}; `event.secret()` gives the new value. The old lease is revoked only
 * after every handler returned (or the handler timeout passed), so a pool can be swapped first.
 *
 * Built on `@OnEvent` from `@nestjs/event-emitter` (one `@OnEvent` per key, errors not suppressed
 * so the module can count them) and stacks with other `@OnEvent`s on the same method. Requires
 * `EventEmitterModule.forRoot()` in the app; the module checks this at boot.
 */
export function OnSecretRotated(key?: string | readonly string[], options: OnSecretRotatedOptions = {}): MethodDecorator {
  const keys = key === undefined ? [] : typeof key === 'string' ? [key] : [...key];
  const events = keys.length === 0 ? [SecretsEvents.Rotated] : keys.map(rotatedEventName);
  return applyDecorators(
    ...events.map((event) => OnEvent(event, { ...options, suppressErrors: false, async: false })),
    SetMetadata<string, OnSecretRotatedMetadata>(ON_SECRET_ROTATED_METADATA, { keys }),
  );
}
