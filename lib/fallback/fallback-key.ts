import { randomBytes, scrypt as scryptCallback, type ScryptOptions } from 'node:crypto';
import { inspect } from 'node:util';
import { FallbackKeyError } from '../errors/fallback-key.error.js';
import { readFallbackFile } from './fallback-file-read.js';
import type { FallbackFileOptions } from './fallback-file-options.js';

/** Length of a raw AES-256 key, in bytes. */
export const FALLBACK_KEY_BYTES = 32;

/** Shortest passphrase accepted, in characters (after trimming). */
export const MIN_PASSPHRASE_LENGTH = 12;

/** What a {@link FallbackKey} holds: a raw 32-byte key (`kdf: "none"`) or a passphrase (`kdf: "scrypt"`). */
export type FallbackKeyKind = 'raw-key' | 'passphrase';

/** scrypt cost parameters (RFC 7914): `N` CPU/memory cost (a power of 2), `r` block size, `p` parallelism. */
export interface ScryptCost {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

/** Cost used for new files: N = 2^17, r = 8, p = 1 (128 MiB, about 0.3 s; OWASP's recommendation). */
export const DEFAULT_SCRYPT_COST: ScryptCost = Object.freeze({ N: 2 ** 17, r: 8, p: 1 });

/** Exactly 44 characters of standard base64 (with its one `=`): the encoding of 32 bytes. */
const RAW_KEY_PATTERN = /^[A-Za-z0-9+/]{43}=$/;

/**
 * Checks scrypt parameters read from a file before using them, so that a crafted file cannot make
 * the process allocate gigabytes: N a power of 2 in [2^14, 2^20], r in [1, 32], p in [1, 16],
 * 128·N·r at most 1 GiB.
 *
 * @returns a problem description, or `undefined` when acceptable.
 */
export function scryptCostProblem(cost: ScryptCost): string | undefined {
  const { N, r, p } = cost;
  if (!Number.isInteger(N) || N < 2 ** 14 || N > 2 ** 20 || (N & (N - 1)) !== 0)
    return 'kdfParams.N must be a power of 2 between 16384 and 1048576';
  if (!Number.isInteger(r) || r < 1 || r > 32) return 'kdfParams.r must be an integer between 1 and 32';
  if (!Number.isInteger(p) || p < 1 || p > 16) return 'kdfParams.p must be an integer between 1 and 16';
  if (128 * N * r > 2 ** 30) return 'kdfParams N and r need more than 1 GiB of memory';
  return undefined;
}

function scrypt(password: string, salt: Uint8Array, cost: ScryptCost): Promise<Buffer> {
  const options: ScryptOptions = { N: cost.N, r: cost.r, p: cost.p, maxmem: 128 * cost.N * cost.r + 128 * cost.r * cost.p + 2 ** 20 };
  return new Promise((resolve, reject) => {
    scryptCallback(password.normalize('NFC'), salt, FALLBACK_KEY_BYTES, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/**
 * The key material of an encrypted fallback file: a raw AES-256 key or a passphrase. Opaque:
 * `util.inspect`, `JSON.stringify` and `String()` show only its kind and origin.
 *
 * **The passphrase rule** ({@link fromText}): the text is trimmed (so a trailing newline in a key
 * file does not count); if what remains is exactly 44 characters of standard base64 (`A–Z a–z 0–9 + /`,
 * ending in one `=`), i.e. the encoding of 32 bytes such as `secrets-fallback keygen` prints, it is a
 * **raw key** and files are written with `kdf: "none"`. Anything else is a **passphrase** (at least
 * 12 characters, Unicode-normalized to NFC), stretched with scrypt (N = 2^17, r = 8, p = 1, a random
 * 16-byte salt per file) and files are written with `kdf: "scrypt"`. Hex keys and base64url keys are
 * therefore passphrases.
 */
export class FallbackKey {
  /** `raw-key` or `passphrase`. */
  readonly kind: FallbackKeyKind;
  /** Where the key came from, for messages, e.g. `environment variable FALLBACK_KEY` (never the key). */
  readonly origin: string;
  /** Problems found while reading the key (e.g. a key file accessible by others). */
  readonly warnings: readonly string[];
  readonly #raw: Buffer | undefined;
  readonly #passphrase: string | undefined;

  private constructor(kind: FallbackKeyKind, origin: string, secret: Buffer | string, warnings: readonly string[]) {
    this.kind = kind;
    this.origin = origin;
    this.warnings = Object.freeze([...warnings]);
    if (typeof secret === 'string') this.#passphrase = secret;
    else this.#raw = secret;
  }

  /**
   * Reads key text by the passphrase rule (see the class documentation).
   *
   * @param text - base64 of 32 bytes, or a passphrase of at least 12 characters (surrounding whitespace ignored).
   * @param origin - where the text came from, for messages; default `the key`.
   * @param warnings - problems already found about where the text came from, kept in {@link warnings}.
   * @throws FallbackKeyError when the text is empty or a passphrase shorter than 12 characters.
   */
  static fromText(text: string, origin = 'the key', warnings: readonly string[] = []): FallbackKey {
    const trimmed = text.trim();
    if (trimmed === '') throw new FallbackKeyError(`${origin} is empty`);
    if (RAW_KEY_PATTERN.test(trimmed)) {
      const raw = Buffer.from(trimmed, 'base64');
      if (raw.length === FALLBACK_KEY_BYTES) return new FallbackKey('raw-key', origin, raw, warnings);
    }
    if (trimmed.length < MIN_PASSPHRASE_LENGTH) {
      throw new FallbackKeyError(
        `${origin} is neither a 32-byte base64 key (44 characters, as \`secrets-fallback keygen\` prints) nor a passphrase of at least ${MIN_PASSPHRASE_LENGTH} characters`,
      );
    }
    return new FallbackKey('passphrase', origin, trimmed, warnings);
  }

  /**
   * A raw key from bytes.
   * @param bytes - exactly 32 bytes (copied).
   * @throws FallbackKeyError when not 32 bytes long.
   */
  static fromBytes(bytes: Uint8Array, origin = 'the key'): FallbackKey {
    if (bytes.length !== FALLBACK_KEY_BYTES)
      throw new FallbackKeyError(`${origin} must be ${FALLBACK_KEY_BYTES} bytes, got ${bytes.length}`);
    return new FallbackKey('raw-key', origin, Buffer.from(bytes), []);
  }

  /**
   * Reads the key from an environment variable.
   * @param name - the variable's name.
   * @param env - default `process.env`.
   * @throws FallbackKeyError when the variable is unset or empty, or its text breaks the passphrase rule.
   */
  static fromEnv(name: string, env: NodeJS.ProcessEnv = process.env): FallbackKey {
    const value = env[name];
    const origin = `environment variable ${name}`;
    if (value === undefined || value.trim() === '') {
      throw new FallbackKeyError(`${origin} is not set: set it to the fallback file's key (base64 of 32 bytes) or passphrase`);
    }
    return FallbackKey.fromText(value, origin);
  }

  /**
   * Reads the key from a file (trailing newline ignored). A file accessible by group or others
   * adds a warning (with the `chmod 600` fix) to {@link warnings}.
   * @param path - the key file.
   * @throws FallbackKeyError when the file cannot be read or its text breaks the passphrase rule.
   */
  static async fromFile(path: string): Promise<FallbackKey> {
    const origin = `key file "${path}"`;
    const { text, warnings } = await readFallbackFile(
      path,
      'fallback key file',
      (problem, cause) => new FallbackKeyError(`${origin} ${problem}`, cause),
    );
    return FallbackKey.fromText(text, origin, warnings);
  }

  /**
   * The key named by fallback options: `keyEnv` or `keyFile` (exactly one).
   * @param options - `{ keyEnv?, keyFile? }`, e.g. the module's `fallbackJson`.
   * @param env - where `keyEnv` is looked up; default `process.env`.
   * @throws FallbackKeyError when both or neither are given, or the key cannot be read.
   */
  static async fromOptions(
    options: Pick<FallbackFileOptions, 'keyEnv' | 'keyFile'>,
    env: NodeJS.ProcessEnv = process.env,
  ): Promise<FallbackKey> {
    const { keyEnv, keyFile } = options;
    if (keyEnv !== undefined && keyFile !== undefined) throw new FallbackKeyError('give keyEnv or keyFile, not both');
    if (keyEnv !== undefined) return FallbackKey.fromEnv(keyEnv, env);
    if (keyFile !== undefined) return FallbackKey.fromFile(keyFile);
    throw new FallbackKeyError('an encrypted fallback file needs a key: set keyEnv (an environment variable) or keyFile (a file)');
  }

  /**
   * The AES-256 key for a file: the raw key itself (`salt` undefined), or scrypt of the passphrase.
   * The caller must check that the kind matches the file's `kdf` first, and should zero the result after use.
   *
   * @internal Used by `encryptFallback` / `decryptFallback`.
   * @param scryptParams - for a passphrase: salt and cost (validated by the caller).
   * @returns a new 32-byte buffer.
   */
  async deriveCipherKey(scryptParams?: { readonly salt: Uint8Array; readonly cost: ScryptCost }): Promise<Buffer> {
    if (this.#raw !== undefined) return Buffer.from(this.#raw);
    if (scryptParams === undefined) throw new FallbackKeyError('a passphrase needs scrypt parameters');
    return scrypt(this.#passphrase ?? '', scryptParams.salt, scryptParams.cost);
  }

  /** `FallbackKey(raw-key from ...)`: never the key. */
  toString(): string {
    return `FallbackKey(${this.kind} from ${this.origin})`;
  }

  /** `{ kind, origin }`: never the key. */
  toJSON(): Record<string, unknown> {
    return { kind: this.kind, origin: this.origin };
  }

  /** Shows kind and origin only. */
  [inspect.custom](): string {
    return this.toString();
  }
}

/**
 * A new random raw key, as `secrets-fallback keygen` prints it.
 * @returns base64 (44 characters) of 32 random bytes from `crypto.randomBytes`.
 */
export function generateFallbackKey(): string {
  return randomBytes(FALLBACK_KEY_BYTES).toString('base64');
}
