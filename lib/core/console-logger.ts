import type { SecretsLogger } from '../util/secrets-logger.js';

/**
 * The default {@link SecretsLogger} of the framework-free core: one line per message on the
 * console, prefixed with the context (`[SecretsModule]`). The NestJS layer passes Nest's `Logger`
 * instead. Messages never carry a secret value or a token.
 */
export class ConsoleLogger implements SecretsLogger {
  constructor(private readonly context: string) {}

  log(message: string): void {
    // eslint-disable-next-line no-console -- the default logger of scripts without a framework
    console.log(`[${this.context}] ${message}`);
  }

  warn(message: string): void {
    console.warn(`[${this.context}] ${message}`);
  }

  error(message: string): void {
    console.error(`[${this.context}] ${message}`);
  }

  debug(message: string): void {
    // eslint-disable-next-line no-console -- see log()
    console.debug(`[${this.context}] ${message}`);
  }
}
