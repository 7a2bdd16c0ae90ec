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

/** Options of {@link encodeGoJson}. */
export interface GoJsonOptions {
  /** Append `\n` like Go's `json.Encoder` (default true). `json.Marshal` output has none. */
  readonly trailingNewline?: boolean;
}

/** Encodes a value the way Vault's Go JSON encoder would. */
export function encodeGoJson(value: unknown, options: GoJsonOptions = {}): string {
  const text = escapeHtml(encodeValue(value));
  return options.trailingNewline === false ? text : `${text}\n`;
}

function compareGoStrings(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function encodeValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
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
    return `[${value.map((item: unknown) => encodeValue(item)).join(',')}]`;
  }
  if (value instanceof Map) {
    return encodeValue(Object.fromEntries(value));
  }
  const record = value as Record<string, unknown>;
  let keys = Object.keys(record).filter((key) => record[key] !== undefined);
  if (!structs.has(record)) keys = keys.sort(compareGoStrings);
  return `{${keys.map((key) => `${JSON.stringify(key)}:${encodeValue(record[key])}`).join(',')}}`;
}

function escapeHtml(text: string): string {
  return text.replace(/[<>&\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
