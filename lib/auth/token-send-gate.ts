/**
 * What the token manager asks before it sends a renewal or a scheduled re-login (the supervisor,
 * wired by the core: auth never imports core). While closed, nothing is sent and the work is
 * parked until {@link TokenManager.resume} (a recovery step).
 */
export interface TokenSendGate {
  /** False while the module is degraded: no token call may be sent, except by the recovery itself. */
  isOpen(): boolean;
  /** Tells the supervisor about a failed token call (e.g. renew-self unanswered); it decides whether Vault itself is down. */
  report?(error: unknown): void;
}
