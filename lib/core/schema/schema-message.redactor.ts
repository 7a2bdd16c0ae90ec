import { REDACTED, redactText } from '../../util/redact.js';
import { redactSent } from '../../util/redact-sent.js';

/** Most leaf values collected from a secret (a larger secret gets its messages withheld). */
const MAX_LEAVES = 10_000;

/** Most characters of leaf text searched for parts of it (a larger secret gets its messages withheld). */
const MAX_HAYSTACK = 256 * 1024;

/** Shortest part of a value removed when a message quotes it changed (trimmed, cut, taken out of a JSON blob). */
const MIN_PART = 8;

/** Said instead of a schema's message that cannot be checked for values. */
export const WITHHELD = '(message withheld: it may quote the value)';

/**
 * Removes every value of a secret from the messages a schema wrote about it: the values as read
 * and as the schema transformed them, at any depth, in every form (see `redactSent`), and any part
 * of 8 or more characters of one (case-insensitive), which covers a value a transform trimmed,
 * cut or took out of a JSON blob before a message quoted it.
 */
export class SchemaMessageRedactor {
  readonly #leaves: string[];
  readonly #haystack: string | undefined;

  /** @param values - the secret's data as read, and whatever the schema made of it (a DTO instance). */
  constructor(...values: unknown[]) {
    this.#leaves = leafStrings(values);
    const haystack = this.#leaves.join('\u0000').toLowerCase();
    this.#haystack = this.#leaves.length >= MAX_LEAVES || haystack.length > MAX_HAYSTACK ? undefined : haystack;
  }

  /** `message` with no value in it; {@link WITHHELD} when the secret is too large to check it. */
  redact(message: string, extraValues: readonly unknown[] = []): string {
    if (this.#haystack === undefined) return WITHHELD;
    const extra = leafStrings(extraValues);
    let out = redactSent(redactText(message), [...this.#leaves, ...extra]);
    out = removeParts(out, this.#haystack);
    const extraHaystack = extra.join('\u0000').toLowerCase();
    return extraHaystack === '' ? out : removeParts(out, extraHaystack);
  }
}

/** Replaces every run of at least 8 characters of `text` that occurs in `haystack` (lower case). */
function removeParts(text: string, haystack: string): string {
  let out = '';
  let i = 0;
  const lower = text.toLowerCase();
  while (i < text.length) {
    if (i + MIN_PART <= text.length && !lower.startsWith('[redacted]', i) && haystack.includes(lower.slice(i, i + MIN_PART))) {
      let end = i + MIN_PART;
      while (end < text.length && haystack.includes(lower.slice(i, end + 1))) end += 1;
      out += REDACTED;
      i = end;
    } else {
      out += text[i];
      i += 1;
    }
  }
  return out;
}

/** Every string, number and bigint inside `values`, at any depth (cycles visited once), at most 10 000. */
function leafStrings(values: readonly unknown[]): string[] {
  const out: string[] = [];
  const seen = new Set<object>();
  const stack = [...values];
  while (stack.length > 0 && out.length < MAX_LEAVES) {
    const value = stack.pop();
    if (typeof value === 'string') {
      if (value !== '') out.push(value);
    } else if (typeof value === 'number' || typeof value === 'bigint') out.push(String(value));
    else if (typeof value === 'object' && value !== null && !seen.has(value)) {
      seen.add(value);
      if (value instanceof Date) out.push(value.toISOString());
      else for (const inner of Object.values(value)) stack.push(inner);
    }
  }
  return out;
}
