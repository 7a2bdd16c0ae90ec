/** What a login gives: the token and what Vault says about it. Never logged. */
export interface AuthResult {
  /** The client token (`hvs.` / `hvb.` ...). */
  token: string;
  /** The token's accessor (safe to log). */
  accessor?: string;
  /** Policies attached to the token. */
  policies: string[];
  /** Token TTL in seconds at issue time; 0 means it never expires (root-like). */
  leaseDuration: number;
  /** Whether `auth/token/renew-self` may extend it. */
  renewable: boolean;
  /** `service` or `batch` (batch tokens cannot be renewed or revoked). */
  tokenType: 'service' | 'batch';
  /** Warnings Vault attached to the login (e.g. a capped TTL). */
  warnings?: string[];
  /** `explicit_max_ttl` in seconds when Vault reports it (`lookup-self`); 0 or undefined = none known. */
  explicitMaxTtl?: number;
  /** When Vault created the token, ms since the epoch, when it reports it (`lookup-self` `creation_time`); default: now. */
  createdAt?: number;
}
