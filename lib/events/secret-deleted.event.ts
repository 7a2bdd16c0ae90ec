/** Payload of `secrets.deleted`: the latest version of a watched KV key was deleted or destroyed. */
export class SecretDeletedEvent {
  constructor(
    readonly key: string,
    readonly reason: 'deleted' | 'destroyed' | 'missing',
    /** The version that is gone, when known. */
    readonly version: number | undefined,
    /** Milliseconds since the epoch. */
    readonly at: number,
  ) {}
}
