import type { SecretsLogger } from './secrets-logger.js';

/**
 * The default {@link SecretsLogger} when none is given and NestJS is not in play: warnings and
 * errors go to `console.warn` / `console.error`, prefixed with `[context]`; `log` and `debug`
 * are dropped (a library stays quiet unless something needs attention). Pass `console`, pino or
 * Nest's `Logger` to see everything.
 */
export class ConsoleLogger implements SecretsLogger {
  /**
   * @param context - shown in brackets before each message, e.g. `SecretsManager`.
   */
  constructor(readonly context: string) {}

  log(_message: string): void {}

  warn(message: string): void {
    console.warn(`[${this.context}] ${message}`);
  }

  error(message: string): void {
    console.error(`[${this.context}] ${message}`);
  }

  debug(_message: string): void {}
}
