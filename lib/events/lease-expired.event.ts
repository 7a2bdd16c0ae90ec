import type { SecretsError } from '../errors/secrets.error.js';

/** Payload of `secrets.lease.expired`: a lease could not be renewed or replaced before it expired. */
export class LeaseExpiredEvent {
  constructor(
    readonly key: string,
    readonly leaseId: string | undefined,
    /** Milliseconds since the epoch. */
    readonly expiredAt: number,
    readonly error: SecretsError,
  ) {}
}
