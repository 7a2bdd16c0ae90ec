import type { SecretRotatedEvent } from '../events/secret-rotated.event.js';

/** The `onRotate(key, secret, event)` option: called for every rotation. */
export type OnRotateCallback = (key: string, secret: unknown, event: SecretRotatedEvent) => unknown;
