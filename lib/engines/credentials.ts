/** Dynamic database credentials as `fetchDynamicDbCreds` returns them. Durations in seconds, times in ms since the epoch. */
export interface DatabaseCredentials {
  username: string;
  password: string;
  leaseId: string;
  /** Seconds left on the lease when returned. */
  leaseDuration: number;
  renewable: boolean;
  /** When the lease expires, milliseconds since the epoch. */
  expiresAt: number;
}

/** Static-role credentials as `fetchStaticDbCreds` returns them. */
export interface StaticDatabaseCredentials {
  username: string;
  password: string;
  /** When Vault last rotated the password (RFC 3339), when reported. */
  lastVaultRotation?: string;
  /** When the module will read the role again, milliseconds since the epoch. */
  refreshAt?: number;
}

/** AWS credentials as `fetchAwsCreds` returns them. */
export interface AwsCredentials {
  accessKey: string;
  secretKey: string;
  /** Set for STS credentials. */
  sessionToken?: string;
  arn?: string;
  leaseId?: string;
  /** Seconds left on the lease when returned. */
  leaseDuration: number;
  renewable: boolean;
  /**
   * When Vault issued these keys, milliseconds since the epoch. With `propagationDelayMs` they are
   * returned only once that much time has passed since then.
   */
  issuedAt: number;
  /** Milliseconds since the epoch. */
  expiresAt?: number;
}
