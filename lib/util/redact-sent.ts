/**
 * Redaction of the values a request sent (a login's credentials, a raw request's body and query,
 * transit's plaintexts): Vault, or a proxy in front of it, may echo them in an error, and not
 * always as they were sent.
 */
import { REDACTED } from './redact.js';

/** Deepest nesting searched for strings in a body. */
const MAX_DEPTH = 32;

/** Most strings collected from one body (a larger body still gets its first values redacted). */
const MAX_VALUES = 1000;

/** Echoes shorter than this are only redacted as a whole value, never as the prefix of one. */
const MIN_PREFIX = 8;

/**
 * Every string found in `values` (objects and arrays searched up to 32 levels deep),
 * deduplicated; empty strings are skipped. For the body and query of a request.
 */
export function sentStrings(...values: unknown[]): string[] {
  const out = new Set<string>();
  const stack: Array<[unknown, number]> = values.map((v) => [v, 0]);
  while (stack.length > 0 && out.size < MAX_VALUES) {
    const [value, depth] = stack.pop() as [unknown, number];
    if (typeof value === 'string') {
      if (value !== '') out.add(value);
    } else if (typeof value === 'object' && value !== null && depth < MAX_DEPTH) {
      for (const inner of Object.values(value)) stack.push([inner, depth + 1]);
    }
  }
  return [...out];
}

/** The forms in which a sent value may come back: as sent, JSON-escaped, hex, base64/base64url, URL-encoded, base64-decoded. */
function echoForms(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const forms = [
    value,
    JSON.stringify(value).slice(1, -1),
    bytes.toString('hex'),
    bytes.toString('base64'),
    bytes.toString('base64url'),
    encodeURIComponent(value),
  ];
  // A base64 value (transit's plaintext) may be echoed decoded.
  if (value.length >= 4 && /^[A-Za-z0-9+/_-]+={0,2}$/.test(value)) {
    const decoded = Buffer.from(value, value.includes('-') || value.includes('_') ? 'base64url' : 'base64').toString('utf8');
    // eslint-disable-next-line no-control-regex
    if (decoded.length > 0 && !decoded.includes('\uFFFD') && !/[\u0000-\u0008\u000e-\u001f]/.test(decoded)) forms.push(decoded);
  }
  return [...new Set(forms.filter((f) => f.length > 0))];
}

/** Replaces every echo of `form` in `text` (case-insensitive): whole, or a prefix of it of at least 8 characters. */
function redactForm(text: string, form: string): string {
  const lowerForm = form.toLowerCase();
  if (form.length < MIN_PREFIX) {
    // A short value is redacted where it stands alone, so that it cannot remove part of a word.
    const escaped = lowerForm.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return text.replace(new RegExp(`(?<![A-Za-z0-9])${escaped}(?![A-Za-z0-9])`, 'gi'), REDACTED);
  }
  const head = lowerForm.slice(0, MIN_PREFIX);
  let lower = text.toLowerCase();
  let out = text;
  let from = 0;
  for (;;) {
    const start = lower.indexOf(head, from);
    if (start < 0) return out;
    let end = start + MIN_PREFIX;
    while (end - start < lowerForm.length && end < lower.length && lower[end] === lowerForm[end - start]) end += 1;
    out = `${out.slice(0, start)}${REDACTED}${out.slice(end)}`;
    lower = out.toLowerCase();
    from = start + REDACTED.length;
  }
}

/**
 * Removes from `text` every value in `sent`, in every form Vault might echo it: as sent,
 * upper- or lower-cased, JSON-escaped, hex, base64 and base64url, URL-encoded, base64-decoded,
 * or cut short (a leading part of at least 8 characters). Values shorter than 8 characters are
 * removed where they stand as a whole word (so `ab` never cuts `about`).
 *
 * @param text - free text from an answer, e.g. one of Vault's `errors` strings.
 * @param sent - the strings the request sent (see {@link sentStrings}).
 * @returns the text with each echo replaced by `[REDACTED]`.
 */
export function redactSent(text: string, sent: Iterable<string>): string {
  let out = text;
  // Longest first, so a value containing another is removed whole.
  const forms = [...sent].flatMap(echoForms).sort((a, b) => b.length - a.length);
  for (const form of forms) out = redactForm(out, form);
  return out;
}
