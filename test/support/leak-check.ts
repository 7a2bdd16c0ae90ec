import { inspect } from 'node:util';
import { expect } from 'vitest';

/** Asserts that none of `secrets` appears in an error's message, stack, JSON or inspect output (causes included). */
export function expectNoLeak(error: unknown, secrets: readonly string[]): void {
  const views = [
    String((error as Error | undefined)?.message),
    String((error as Error | undefined)?.stack),
    JSON.stringify(error),
    inspect(error, { depth: 10, showHidden: true }),
  ];
  for (const view of views) for (const secret of secrets) expect(view).not.toContain(secret);
}

/** Asserts that none of `secrets` appears in any of the texts. */
export function expectNoSecretIn(texts: readonly string[], secrets: readonly string[]): void {
  for (const text of texts) for (const secret of secrets) expect(text).not.toContain(secret);
}
