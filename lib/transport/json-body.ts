import { InvalidRequestError } from '../errors/invalid-request.error.js';
import { MalformedResponseError } from '../errors/malformed-response.error.js';

// The JSON text of Vault requests and answers: bodies sent as text (encoded once), answers parsed
// once, with a cap on nesting checked on the text rather than by a second walk of the value.

/** Deepest JSON nesting accepted in a response (Vault's own answers are a few levels deep). */
export const MAX_JSON_DEPTH = 256;

/**
 * An answer's body as JSON: `undefined` for an empty body, and for a 5xx or 429 page that is not
 * JSON (a proxy's HTML: the status says enough).
 * @throws MalformedResponseError for any other body that is not JSON, or JSON nested deeper than {@link MAX_JSON_DEPTH}.
 */
export function parseBody(data: unknown, status: number, path: string): unknown {
  if (typeof data !== 'string' || data.trim() === '') return undefined;
  try {
    const parsed = JSON.parse(data) as unknown;
    if (depthExceeds(data, MAX_JSON_DEPTH)) {
      throw new MalformedResponseError(`the JSON body is nested more than ${MAX_JSON_DEPTH} levels deep`, { path, status });
    }
    return parsed;
  } catch (error) {
    if (error instanceof MalformedResponseError) throw error;
    // 5xx pages from proxies are HTML: the status mapping says "unavailable" without the body.
    if (status >= 500 || status === 429) return undefined;
    throw new MalformedResponseError(`HTTP ${status} with a body that is not JSON`, { path, status });
  }
}

/** A probe's body: its JSON when it is JSON, otherwise nothing (a proxy's page says nothing about Vault). */
export function parseProbeBody(data: unknown): unknown {
  if (typeof data !== 'string' || data.trim() === '' || data.length > 65_536) return undefined;
  try {
    const parsed = JSON.parse(data) as unknown;
    return depthExceeds(data, MAX_JSON_DEPTH) ? undefined : parsed;
  } catch {
    return undefined;
  }
}

/**
 * Whether a JSON text (already parsed successfully) nests objects and arrays more than `limit`
 * levels below its root value: one pass over the characters, brackets inside strings ignored,
 * so the parsed value is walked only once afterwards (by the cache's freeze).
 */
function depthExceeds(text: string, limit: number): boolean {
  // Fewer opening brackets than the limit cannot nest deeper than it: counted with indexOf (native
  // scans), which settles every Vault answer (a handful of brackets) without a loop over each character.
  if (text.length <= limit || openingBrackets(text, limit) <= limit) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i += 1; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      depth += 1;
      if (depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) depth -= 1;
  }
  return false;
}

/** How many `{` and `[` characters `text` holds (strings included), counting no further than `limit + 1`. */
function openingBrackets(text: string, limit: number): number {
  let count = 0;
  for (const bracket of ['{', '[']) {
    for (let at = text.indexOf(bracket); at >= 0 && count <= limit; at = text.indexOf(bracket, at + 1)) count += 1;
  }
  return count;
}

/** The JSON text of a body; an unserialisable one (BigInt, cycle) is a typed error with nothing sent, never an outage. */
export function encodeBody(body: unknown): string | undefined {
  if (body === undefined) return undefined;
  try {
    return JSON.stringify(body);
  } catch {
    throw new InvalidRequestError('body', 'it cannot be turned into JSON (a BigInt, a circular reference or a toJSON that throws)');
  }
}
