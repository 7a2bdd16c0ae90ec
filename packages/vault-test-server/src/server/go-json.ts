/**
 * JSON encoding that matches what Vault (Go's `encoding/json`) puts on the wire:
 * - map keys are sorted (byte order), struct fields keep their declared order;
 * - `<`, `>`, `&`, U+2028 and U+2029 are escaped as `\u003c` ... (Go's HTML-safe default);
 * - `json.Encoder` adds a trailing newline, `json.Marshal` does not.
 *
 * Plain objects are treated as Go maps (sorted). Objects passed through {@link asStruct}
 * are treated as Go structs (insertion order kept, `undefined` fields omitted like `omitempty`).
 */

const structs = new WeakSet<object>();

/** Marks an object as a Go struct: its keys keep their insertion order when encoded. */
export function asStruct<T extends object>(value: T): T {
  structs.add(value);
  return value;
}

/** Objects declared unchanging ({@link asUnchanging}), with their text once encoded (null before). */
const unchangingTexts = new WeakMap<object, string | null>();

/**
 * Declares that `value` and everything in it will never change again, so that its Go JSON text
 * is made on the first encoding and reused after. Returns `value`.
 */
export function asUnchanging<T extends object>(value: T): T {
  if (!unchangingTexts.has(value)) unchangingTexts.set(value, null);
  return value;
}

/** Options of {@link encodeGoJson}. */
export interface GoJsonOptions {
  /** Append `\n` like Go's `json.Encoder` (default true). `json.Marshal` output has none. */
  readonly trailingNewline?: boolean;
}

/** Encodes a value the way Vault's Go JSON encoder would. */
export function encodeGoJson(value: unknown, options: GoJsonOptions = {}): string {
  const text = encodeValue(value);
  return options.trailingNewline === false ? text : `${text}\n`;
}

/**
 * {@link encodeGoJson} of an object encoded as a Go struct (insertion order, `undefined` fields
 * omitted) without marking it with {@link asStruct} first: same text as
 * `encodeGoJson(asStruct(value), options)`.
 */
export function encodeGoJsonStruct(value: object, options: GoJsonOptions = {}): string {
  const text = encodeObject(value as Record<string, unknown>, true);
  return options.trailingNewline === false ? text : `${text}\n`;
}

function compareGoStrings(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * Code units from U+D800 up: surrogates (whose UTF-16 order differs from UTF-8 byte order) and
 * the code points above them. Strings without any compare the same way in UTF-16 and UTF-8.
 */
const HIGH_CODE_UNIT = /[\uD800-\uFFFF]/;

/** Sorts map keys in Go's order (UTF-8 bytes). */
function sortGoKeys(keys: string[]): void {
  for (const key of keys) {
    if (HIGH_CODE_UNIT.test(key)) {
      keys.sort(compareGoStrings);
      return;
    }
  }
  // Only code points below U+D800: UTF-16 code unit order (the default sort) is UTF-8 byte order.
  keys.sort();
}

function encodeValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'string':
      return escapeHtml(JSON.stringify(value));
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return value.toString();
    case 'object':
      break;
    default:
      return 'null';
  }
  if (Array.isArray(value)) {
    const unchanging = unchangingTexts.get(value);
    if (typeof unchanging === 'string') return unchanging;
    let out = '[';
    for (let i = 0; i < value.length; i += 1) {
      if (i > 0) out += ',';
      out += encodeValue(value[i]);
    }
    out += ']';
    if (unchanging === null) unchangingTexts.set(value, out);
    return out;
  }
  if (value instanceof Map) {
    return encodeValue(Object.fromEntries(value));
  }
  const record = value as Record<string, unknown>;
  const unchanging = unchangingTexts.get(record);
  if (unchanging === undefined) return encodeObject(record, structs.has(record));
  if (unchanging !== null) return unchanging;
  const text = encodeObject(record, structs.has(record));
  unchangingTexts.set(record, text);
  return text;
}

function encodeObject(record: Record<string, unknown>, struct: boolean): string {
  const keys = Object.keys(record);
  if (!struct) sortGoKeys(keys);
  let out = '{';
  for (const key of keys) {
    const item = record[key];
    if (item === undefined) continue;
    if (out.length > 1) out += ',';
    out += keyText(key) + encodeValue(item);
  }
  return `${out}}`;
}

/** `"key":` texts of recently encoded object keys (the same few keys come back in every answer). */
const keyTexts = new Map<string, string>();
const MAX_KEY_TEXTS = 4096;

function keyText(key: string): string {
  let text = keyTexts.get(key);
  if (text === undefined) {
    text = `${escapeHtml(JSON.stringify(key))}:`;
    if (keyTexts.size >= MAX_KEY_TEXTS) keyTexts.clear();
    keyTexts.set(key, text);
  }
  return text;
}

/**
 * Go's HTML-safe escaping, applied to each string token (keys and values): the only tokens that
 * can hold these characters, so the text is the same as escaping the whole document, and
 * remembered texts stay escaped.
 */
const HTML_UNSAFE = /[<>&\u2028\u2029]/;
const HTML_UNSAFE_ALL = /[<>&\u2028\u2029]/g;

function escapeHtml(text: string): string {
  if (!HTML_UNSAFE.test(text)) return text;
  return text.replace(HTML_UNSAFE_ALL, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
