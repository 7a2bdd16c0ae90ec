/**
 * Request bodies of Vault's raw (non-logical) `sys/` handlers (`sys/init`, `sys/unseal`,
 * `sys/rekey/*`, `sys/generate-root/*`), decoded like Vault's `parseJSONRequest`: an empty body is
 * the error `EOF`, bad JSON is `failed to parse JSON input: ...`, and fields are matched to the Go
 * struct case-insensitively. Key shares are hex or base64, as in Vault's handlers.
 */
import { VaultError } from './errors.js';
import { MAX_KEY_BYTES, MIN_KEY_BYTES } from './unseal-keys.js';

/** A decoded body: field lookup ignores case, like `encoding/json` into a struct. */
export class RawBody {
  private constructor(private readonly fields: ReadonlyMap<string, unknown>) {}

  /**
   * Parses `body`.
   * @param allowEmpty true where Vault ignores `io.EOF` (generate-root attempt)
   * @throws VaultError 400 `EOF` for an empty body, 400 `failed to parse JSON input: ...` otherwise
   */
  static parse(body: Buffer, allowEmpty = false): RawBody {
    const text = body.toString('utf8');
    if (text.trim() === '') {
      if (allowEmpty) return new RawBody(new Map());
      throw new VaultError(400, ['EOF']);
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error: unknown) {
      throw new VaultError(400, [`failed to parse JSON input: ${error instanceof Error ? error.message : String(error)}`]);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new VaultError(400, [`failed to parse JSON input: json: cannot unmarshal ${goKind(value)} into Go value of type struct`]);
    }
    const fields = new Map<string, unknown>();
    for (const [key, field] of Object.entries(value)) fields.set(key.toLowerCase(), field);
    return new RawBody(fields);
  }

  /** A string field (`''` when absent or null). @throws VaultError 400 for another JSON type */
  string(name: string): string {
    const value = this.fields.get(name);
    if (value === undefined || value === null) return '';
    if (typeof value === 'string') return value;
    throw mismatch(value, name, 'string');
  }

  /** An int field (0 when absent). @throws VaultError 400 for a non-integer */
  int(name: string): number {
    const value = this.fields.get(name);
    if (value === undefined || value === null) return 0;
    if (typeof value === 'number' && Number.isInteger(value)) return value;
    throw mismatch(value, name, 'int');
  }

  /** A bool field (false when absent). @throws VaultError 400 for another JSON type */
  bool(name: string): boolean {
    const value = this.fields.get(name);
    if (value === undefined || value === null) return false;
    if (typeof value === 'boolean') return value;
    throw mismatch(value, name, 'bool');
  }

  /** A string-array field (empty when absent). @throws VaultError 400 for another JSON type */
  strings(name: string): string[] {
    const value = this.fields.get(name);
    if (value === undefined || value === null) return [];
    if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value as string[];
    throw mismatch(value, name, '[]string');
  }
}

/**
 * Decodes a key share given as hex (when that yields a plausible key length) or base64, like
 * Vault's unseal/rekey/generate-root handlers.
 * @throws VaultError 400 `'key' must be a valid hex or base64 string`
 */
export function decodeKeyShare(text: string): Buffer {
  if (/^(?:[0-9a-fA-F]{2})+$/.test(text)) {
    const hex = Buffer.from(text, 'hex');
    if (hex.length >= MIN_KEY_BYTES && hex.length <= MAX_KEY_BYTES) return hex;
  }
  if (text.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(text)) return Buffer.from(text, 'base64');
  throw new VaultError(400, ["'key' must be a valid hex or base64 string"]);
}

/**
 * The core's key length check (`key is shorter than minimum 16 bytes` / `longer than maximum 33 bytes`).
 * @returns the message, or undefined when the length is acceptable
 */
export function keyLengthProblem(key: Buffer): string | undefined {
  if (key.length < MIN_KEY_BYTES) return `key is shorter than minimum ${MIN_KEY_BYTES} bytes`;
  if (key.length > MAX_KEY_BYTES) return `key is longer than maximum ${MAX_KEY_BYTES} bytes`;
  return undefined;
}

function goKind(value: unknown): string {
  if (typeof value === 'string') return 'string';
  if (typeof value === 'number') return 'number';
  if (typeof value === 'boolean') return 'bool';
  if (Array.isArray(value)) return 'array';
  return 'object';
}

function mismatch(value: unknown, field: string, type: string): VaultError {
  return new VaultError(400, [
    `failed to parse JSON input: json: cannot unmarshal ${goKind(value)} into Go struct field .${field} of type ${type}`,
  ]);
}
