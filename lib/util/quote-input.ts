/** Longest piece of caller input quoted in a message, in characters; longer input is cut with `…`. */
export const MAX_QUOTED_INPUT = 80;

/**
 * Quotes caller input for an error message: JSON-escaped and cut to {@link MAX_QUOTED_INPUT}
 * characters, so a huge or multi-line input cannot flood a log line. Never use it on a secret.
 */
export function quoteInput(value: string): string {
  return JSON.stringify(value.length > MAX_QUOTED_INPUT ? `${value.slice(0, MAX_QUOTED_INPUT)}…` : value);
}
