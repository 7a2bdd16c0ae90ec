/**
 * The logger the framework-free core writes to. Nest's `Logger` (and any `LoggerService`) fits it
 * as it is, so the NestJS layer passes its own; `SecretsManager` users may pass `console` or pino.
 * Messages never carry a secret value or a token.
 */
export interface SecretsLogger {
  /** Normal operation (e.g. "Vault is available again"). */
  log(message: string): void;
  /** Degraded but working (fallbacks served, retries). */
  warn(message: string): void;
  /** Something failed for good and needs attention. */
  error(message: string): void;
  /** Detail for troubleshooting; optional. */
  debug?(message: string): void;
}
