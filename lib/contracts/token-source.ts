/**
 * Where `VaultClient` gets the token for each request. The static implementation returns the
 * configured token; the token manager of the auth layer logs in and renews.
 */
export interface TokenSource {
  /** The token to send, or `undefined` to send none (e.g. behind a Vault Agent with auto-auth). */
  getToken(): Promise<string | undefined>;
  /**
   * Called once when Vault answered 403 `invalid token` for `rejectedToken`. Resolve `true`
   * when a new token is now available (the request is then retried once), `false` otherwise.
   */
  handleInvalidToken?(rejectedToken: string | undefined): Promise<boolean>;
}
