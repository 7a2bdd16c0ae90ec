import { inspect } from 'node:util';

/** Why a secret changed. */
export type RotationReason =
  | 'version-changed'
  | 'lease-rotated'
  | 'static-role-rotated'
  | 'certificate-reissued'
  | 'manual'
  | 'lease-lost'
  | 'token-changed'
  | 'recovered';

/** How the handlers of one rotation went. */
export interface RotationOutcome {
  /** Handlers called (event listeners plus the `onRotate` callback). */
  handlers: number;
  /** Handlers that threw or rejected. */
  failed: number;
  /** True when the handlers did not finish within the handler timeout. */
  timedOut: boolean;
}

/** What describes a rotation (everything but the value). Times in milliseconds since the epoch. */
export interface SecretRotatedEventInit {
  key: string;
  engine: string;
  path: string;
  reason: RotationReason;
  previousVersion?: string | number;
  currentVersion?: string | number;
  previousLeaseId?: string;
  currentLeaseId?: string;
  /** When the new value stops being valid (a lease's end, a certificate's `notAfter`), ms since the epoch; undefined when it does not expire. */
  expiresAt?: number;
  at: number;
}

/**
 * Payload of `secrets.rotated`: which secret changed, how and when. The new value is only
 * reachable through {@link SecretRotatedEvent.secret}; `toString()`, `toJSON()` and
 * `util.inspect()` never show it.
 */
export class SecretRotatedEvent implements Readonly<SecretRotatedEventInit> {
  readonly key: string;
  readonly engine: string;
  readonly path: string;
  readonly reason: RotationReason;
  readonly previousVersion?: string | number;
  readonly currentVersion?: string | number;
  readonly previousLeaseId?: string;
  readonly currentLeaseId?: string;
  /** When the new value expires (dynamic credentials, certificates), milliseconds since the epoch; undefined for KV. */
  readonly expiresAt?: number;
  /** When the rotation happened, milliseconds since the epoch. */
  readonly at: number;
  /** Filled in once every handler has finished (or timed out). */
  outcome: RotationOutcome | undefined;
  readonly #secret: unknown;

  constructor(init: SecretRotatedEventInit, secret: unknown) {
    this.key = init.key;
    this.engine = init.engine;
    this.path = init.path;
    this.reason = init.reason;
    this.previousVersion = init.previousVersion;
    this.currentVersion = init.currentVersion;
    this.previousLeaseId = init.previousLeaseId;
    this.currentLeaseId = init.currentLeaseId;
    if (init.expiresAt !== undefined) this.expiresAt = init.expiresAt;
    this.at = init.at;
    this.#secret = secret;
  }

  /** The new secret value (e.g. `{ username, password }`), deep-frozen. */
  secret<T = Record<string, unknown>>(): T {
    return this.#secret as T;
  }

  toJSON(): SecretRotatedEventInit & { outcome?: RotationOutcome } {
    return {
      key: this.key,
      engine: this.engine,
      path: this.path,
      reason: this.reason,
      previousVersion: this.previousVersion,
      currentVersion: this.currentVersion,
      previousLeaseId: this.previousLeaseId,
      currentLeaseId: this.currentLeaseId,
      expiresAt: this.expiresAt,
      at: this.at,
      outcome: this.outcome,
    };
  }

  toString(): string {
    return `SecretRotatedEvent(${this.key}: ${this.reason}, ${String(this.previousVersion ?? this.previousLeaseId ?? '-')} -> ${String(this.currentVersion ?? this.currentLeaseId ?? '-')})`;
  }

  [inspect.custom](): string {
    return `SecretRotatedEvent ${inspect(this.toJSON())}`;
  }
}
