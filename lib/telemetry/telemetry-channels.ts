import diagnosticsChannel from 'node:diagnostics_channel';

/** Name of the tracing channel of Vault requests (`tracing:nestjs-vault-secrets:request:start|end|asyncStart|asyncEnd|error`). */
export const REQUEST_CHANNEL = 'nestjs-vault-secrets:request';
/** Name of the channel of supervisor state changes. */
export const STATE_CHANNEL = 'nestjs-vault-secrets:state';
/** Name of the channel of rotations. */
export const ROTATION_CHANNEL = 'nestjs-vault-secrets:rotation';

/**
 * Message of {@link REQUEST_CHANNEL}: set at `start`, with `status` added once Vault answered (on
 * `asyncStart`/`asyncEnd`, and on `error` when the error carries Vault's status). `path` follows
 * `telemetry.includeKeyNames` (see `telemetryPath`). Never a token, a body or a value.
 */
export interface RequestChannelMessage {
  method: string;
  path: string;
  /** Canonical namespace (`team-a/`), `''` for the root namespace. */
  namespace: string;
  /** The named Vault (`SecretsModule.forRoot({ name })`), `undefined` for the default one. */
  vault: string | undefined;
  /** The low-cardinality operation, e.g. `kv.read`. */
  operation: string;
  /** Vault's HTTP status, once it answered. */
  status?: number;
  /** Set by diagnostics_channel on `error`. */
  error?: unknown;
}

/** Message of {@link STATE_CHANNEL}. `since` in milliseconds since the epoch. */
export interface StateChannelMessage {
  state: string;
  reason: string | undefined;
  since: number;
  vault: string | undefined;
}

/** Message of {@link ROTATION_CHANNEL}: `key` only with `telemetry.includeKeyNames`. */
export interface RotationChannelMessage {
  reason: string;
  engine: string;
  vault: string | undefined;
  key?: string;
}

/** The tracing channel of Vault requests. */
export const requestChannel = diagnosticsChannel.tracingChannel<object, RequestChannelMessage>(REQUEST_CHANNEL);
/** The channel of supervisor state changes. */
export const stateChannel = diagnosticsChannel.channel(STATE_CHANNEL);
/** The channel of rotations. */
export const rotationChannel = diagnosticsChannel.channel(ROTATION_CHANNEL);

/** Whether anyone listens to one of the request tracing events. */
export function requestChannelActive(): boolean {
  return (
    requestChannel.start.hasSubscribers ||
    requestChannel.end.hasSubscribers ||
    requestChannel.asyncStart.hasSubscribers ||
    requestChannel.asyncEnd.hasSubscribers ||
    requestChannel.error.hasSubscribers
  );
}
