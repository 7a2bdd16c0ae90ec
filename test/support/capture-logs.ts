import { Logger, type LoggerService } from '@nestjs/common';
import { inspect } from 'node:util';

/** Collects everything logged through Nest's Logger (every level), as text. */
export class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];

  #push(level: string, args: unknown[]): void {
    this.lines.push(`${level} ${args.map((a) => (typeof a === 'string' ? a : inspect(a, { depth: 20, showHidden: true }))).join(' ')}`);
  }

  log(...args: unknown[]): void {
    this.#push('log', args);
  }
  error(...args: unknown[]): void {
    this.#push('error', args);
  }
  warn(...args: unknown[]): void {
    this.#push('warn', args);
  }
  debug(...args: unknown[]): void {
    this.#push('debug', args);
  }
  verbose(...args: unknown[]): void {
    this.#push('verbose', args);
  }
  fatal(...args: unknown[]): void {
    this.#push('fatal', args);
  }

  get text(): string {
    return this.lines.join('\n');
  }

  /** How many lines match `re`. */
  count(re: RegExp): number {
    return this.lines.filter((l) => re.test(l)).length;
  }
}

/** Routes every Nest Logger (static and instance) to a capturing logger until `restore()` is called. */
export function captureNestLogs(): CapturingLogger & { restore(): void } {
  const capture = new CapturingLogger();
  Logger.overrideLogger(capture);
  return Object.assign(capture, { restore: () => Logger.overrideLogger(false) });
}
