/** What `status()` reports: is the module serving from Vault, or degraded on fallbacks. Times in ms since the epoch. */
export interface SecretsStatus {
  /** `up` after a successful Vault call, `down` after an outage was seen, `unknown` before any call. */
  vault: 'up' | 'down' | 'unknown';
  /** True while at least one key is being served from a fallback. */
  degraded: boolean;
  /** Keys currently served from a fallback, with the source. */
  fallbackKeys: Record<string, string>;
  /** The module's token: accessor and expiry, never the token. */
  token?: { accessor?: string; expiresAt?: number; renewable: boolean };
  /**
   * Leased secrets under management, when the first one expires, and per key any condition worth
   * an operator's eye (e.g. a certificate TTL clipped to its CA's expiry). Never a value.
   */
  leases: { count: number; nextExpiry?: number; notices: Record<string, string> };
}
