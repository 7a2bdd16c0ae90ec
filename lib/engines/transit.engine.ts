import { inspect } from 'node:util';
import { mapVaultStatus } from '../transport/map-vault-error.js';
import { isJsonObject, type VaultEnvelope } from '../transport/vault-envelope.js';
import { encodeSegments } from '../transport/vault-path.js';
import { pathProblem } from '../util/path-problem.js';
import type { VaultRequester } from '../contracts/vault-requester.js';
import { InvalidRequestError } from '../errors/invalid-request.error.js';
import { quoteInput } from '../util/quote-input.js';
import { MalformedResponseError } from '../errors/malformed-response.error.js';
import { SecretsError } from '../errors/secrets.error.js';
import { VaultRequestError } from '../errors/vault-request.error.js';
import { redactSent } from '../util/redact-sent.js';

/** Bytes given to transit: a Buffer/Uint8Array as is, a string as its UTF-8 bytes. */
export type TransitInput = Buffer | Uint8Array | string;

/** Vault's hash algorithm names for sign, verify and HMAC. */
export type TransitHashAlgorithm =
  'sha1' | 'sha2-224' | 'sha2-256' | 'sha2-384' | 'sha2-512' | 'sha3-224' | 'sha3-256' | 'sha3-384' | 'sha3-512';

/** Options of {@link TransitEngine.encrypt} and {@link TransitEngine.rewrap}. */
export interface TransitEncryptOptions {
  /** Key derivation context (required by `derived` keys), sent base64-encoded. */
  context?: TransitInput;
  /** Key version to encrypt with; default the latest (Vault's `key_version`). */
  keyVersion?: number;
}

/** Options of {@link TransitEngine.decrypt}. */
export interface TransitDecryptOptions {
  /** Key derivation context used at encryption, sent base64-encoded. */
  context?: TransitInput;
}

/** Options of {@link TransitEngine.sign} and {@link TransitEngine.verify}. */
export interface TransitSignOptions {
  /** Default `sha2-256` (ignored by Ed25519, which hashes itself). Vault's `hash_algorithm`. */
  hashAlgorithm?: TransitHashAlgorithm;
  /** RSA keys: `pss` (Vault's default) or `pkcs1v15`. Vault's `signature_algorithm`. */
  signatureAlgorithm?: 'pss' | 'pkcs1v15';
  /** The input is already a digest (Vault's `prehashed`). */
  prehashed?: boolean;
  /** ECDSA signature encoding: `asn1` (default) or `jws`. Vault's `marshaling_algorithm`. */
  marshalingAlgorithm?: 'asn1' | 'jws';
  /** Derivation context (derived Ed25519 keys), sent base64-encoded. */
  context?: TransitInput;
  /** Key version to sign with; default the latest (sign only). */
  keyVersion?: number;
}

/** Options of {@link TransitEngine.hmac} and {@link TransitEngine.verifyHmac}. */
export interface TransitHmacOptions {
  /** Default `sha2-256`. */
  algorithm?: TransitHashAlgorithm;
  /** Key version; default the latest (hmac only). */
  keyVersion?: number;
}

/** A signature from {@link TransitEngine.sign}. */
export interface TransitSignature {
  /** `vault:v<version>:<base64>`, as {@link TransitEngine.verify} expects it. */
  signature: string;
  /** The key version that signed. */
  keyVersion: number;
  /** Base64 public key of a derived Ed25519 key (Vault's `publickey`), when Vault returns one. */
  publicKey?: string;
}

/** One item of {@link TransitEngine.encryptBatch}. */
export interface TransitEncryptItem {
  plaintext: TransitInput;
  context?: TransitInput;
  keyVersion?: number;
}

/** One item of {@link TransitEngine.decryptBatch}. */
export interface TransitDecryptItem {
  ciphertext: string;
  context?: TransitInput;
}

/**
 * The outcome of one batch item: its value, or the typed error Vault reported for that item
 * (a `VaultRequestError` with status 400 and Vault's message, e.g. `invalid ciphertext: no prefix`).
 * Results come in input order, one per item: none is ever dropped.
 */
export type TransitBatchResult<T> = { ok: true; value: T } | { ok: false; error: SecretsError };

/** Vault's `framework.GenericNameRegex`: the names Vault accepts for transit keys. */
const KEY_NAME = /^\w(?:[\w.-]*\w)?$/;

/**
 * A client of Vault's transit secrets engine ("encryption as a service") mounted at `mount`,
 * over the module's transport: the managed token, namespace, timeouts, circuit breaker and typed
 * errors apply; writes (every transit call is a `POST`) are never retried, and nothing is cached.
 * Plaintexts and contexts go to Vault base64-encoded and come back as Buffers.
 *
 * Endpoints: `POST /v1/<mount>/encrypt/:name`, `decrypt/:name`, `rewrap/:name`,
 * `sign/:name(/:hash_algorithm)`, `verify/:name(/:hash_algorithm)`, `hmac/:name(/:algorithm)`
 * (Vault API docs: `api-docs/secret/transit`).
 *
 * Plaintexts, ciphertexts and key material never appear in an error, a log line or
 * `util.inspect`/`JSON.stringify` of this object; errors carry Vault's message (e.g.
 * `cipher: message authentication failed`), the path (mount and key name) and the status.
 */
export class TransitEngine {
  readonly #requester: VaultRequester;
  readonly #mount: string;

  /**
   * @param requester - the module's transport (`secrets.transit()` passes it).
   * @param mount - where the transit engine is mounted, default `transit`.
   * @throws InvalidRequestError for a mount that is not a clean relative path.
   */
  constructor(requester: VaultRequester, mount = 'transit') {
    if (typeof mount !== 'string') throw new InvalidRequestError('mount', `expected a string such as "transit", got ${typeof mount}`);
    const trimmed = mount.replace(/^\/+|\/+$/g, '');
    const problem = pathProblem(trimmed);
    if (problem) throw new InvalidRequestError('mount', `${quoteInput(mount)} ${problem}; use the mount path, e.g. "transit"`);
    this.#requester = requester;
    this.#mount = trimmed;
  }

  /** The mount path, e.g. `transit`. */
  get mount(): string {
    return this.#mount;
  }

  /**
   * Encrypts (`POST <mount>/encrypt/:key`). Vault creates the key on first use when the token
   * has `create` on that path (a derived key when a context is given).
   * @returns the ciphertext, `vault:v<version>:<base64>`.
   * @throws InvalidRequestError (bad key name, plaintext not a Buffer/string); VaultRequestError
   *   (e.g. `encryption key not found`, missing context for a derived key); PermissionDeniedError;
   *   VaultUnavailableError.
   */
  async encrypt(key: string, plaintext: TransitInput, options: TransitEncryptOptions = {}): Promise<string> {
    const body = { plaintext: toBase64(plaintext, 'plaintext'), ...contextField(options.context), ...versionField(options.keyVersion) };
    const data = await this.#call('encrypt', key, body);
    return stringField(data, 'ciphertext', this.#path('encrypt', key));
  }

  /**
   * Decrypts a `vault:vN:` ciphertext (`POST <mount>/decrypt/:key`).
   * @returns the plaintext bytes (`.toString('utf8')` for text).
   * @throws VaultRequestError with Vault's reason (`invalid ciphertext: ...`,
   *   `cipher: message authentication failed`, `ciphertext or signature version is disallowed by
   *   policy (too old)`), never echoing the ciphertext; PermissionDeniedError; VaultUnavailableError.
   */
  async decrypt(key: string, ciphertext: string, options: TransitDecryptOptions = {}): Promise<Buffer> {
    const body = { ciphertext: checkCiphertext(ciphertext, 'ciphertext'), ...contextField(options.context) };
    const data = await this.#call('decrypt', key, body);
    return base64Field(data, 'plaintext', this.#path('decrypt', key));
  }

  /**
   * Re-encrypts a ciphertext with the latest key version (or `keyVersion`) without revealing the
   * plaintext (`POST <mount>/rewrap/:key`).
   * @returns the new ciphertext, `vault:v<version>:<base64>`.
   */
  async rewrap(key: string, ciphertext: string, options: TransitEncryptOptions = {}): Promise<string> {
    const body = {
      ciphertext: checkCiphertext(ciphertext, 'ciphertext'),
      ...contextField(options.context),
      ...versionField(options.keyVersion),
    };
    const data = await this.#call('rewrap', key, body);
    return stringField(data, 'ciphertext', this.#path('rewrap', key));
  }

  /**
   * Signs `input` with an asymmetric key (`POST <mount>/sign/:key`).
   * @throws VaultRequestError (e.g. `key type aes256-gcm96 does not support signing`).
   */
  async sign(key: string, input: TransitInput, options: TransitSignOptions = {}): Promise<TransitSignature> {
    const body = { input: toBase64(input, 'input'), ...signingFields(options), ...versionField(options.keyVersion) };
    const data = await this.#call('sign', key, body);
    const path = this.#path('sign', key);
    const signature = stringField(data, 'signature', path);
    const keyVersion = typeof data['key_version'] === 'number' ? data['key_version'] : versionOf(signature);
    const publicKey = typeof data['publickey'] === 'string' && data['publickey'] !== '' ? data['publickey'] : undefined;
    return { signature, keyVersion, ...(publicKey === undefined ? {} : { publicKey }) };
  }

  /**
   * Checks a signature from {@link sign} (`POST <mount>/verify/:key`).
   * @returns whether the signature is valid for `input`.
   * @throws VaultRequestError for a malformed signature or one below `min_decryption_version`.
   */
  async verify(
    key: string,
    input: TransitInput,
    signature: string,
    options: Omit<TransitSignOptions, 'keyVersion'> = {},
  ): Promise<boolean> {
    const body = { input: toBase64(input, 'input'), signature: checkCiphertext(signature, 'signature'), ...signingFields(options) };
    const data = await this.#call('verify', key, body);
    return booleanField(data, 'valid', this.#path('verify', key));
  }

  /**
   * HMAC of `input` with the key's HMAC key (`POST <mount>/hmac/:key`); works with any key type.
   * @returns `vault:v<version>:<base64>`.
   */
  async hmac(key: string, input: TransitInput, options: TransitHmacOptions = {}): Promise<string> {
    const body = { input: toBase64(input, 'input'), ...hashField('algorithm', options.algorithm), ...versionField(options.keyVersion) };
    const data = await this.#call('hmac', key, body);
    return stringField(data, 'hmac', this.#path('hmac', key));
  }

  /**
   * Checks an HMAC from {@link hmac} (`POST <mount>/verify/:key` with `hmac`), in constant time on Vault's side.
   * @returns whether it matches `input`.
   */
  async verifyHmac(key: string, input: TransitInput, hmac: string, options: Omit<TransitHmacOptions, 'keyVersion'> = {}): Promise<boolean> {
    const body = {
      input: toBase64(input, 'input'),
      hmac: checkCiphertext(hmac, 'hmac'),
      ...hashField('hash_algorithm', options.algorithm),
    };
    const data = await this.#call('verify', key, body);
    return booleanField(data, 'valid', this.#path('verify', key));
  }

  /**
   * Encrypts many plaintexts in one request (`batch_input`). Items may be plain Buffers/strings or
   * `{ plaintext, context?, keyVersion? }` (with derived keys every item needs a context).
   * @returns one result per item, in order: `{ ok: true, value: ciphertext }` or `{ ok: false, error }`.
   * @throws InvalidRequestError (empty batch, bad item), or the request's error when Vault refused the whole batch.
   */
  async encryptBatch(key: string, items: ReadonlyArray<TransitInput | TransitEncryptItem>): Promise<TransitBatchResult<string>[]> {
    const batch = checkBatch<TransitInput | TransitEncryptItem>(items).map((item, index) => {
      if (item === null || item === undefined)
        throw new InvalidRequestError(`items[${index}]`, 'expected a Buffer, a string or { plaintext, context? }');
      const full: TransitEncryptItem = isEncryptItem(item) ? item : { plaintext: item };
      return {
        plaintext: toBase64(full.plaintext, `items[${index}].plaintext`),
        ...contextField(full.context, `items[${index}].context`),
        ...versionField(full.keyVersion, `items[${index}].keyVersion`),
      };
    });
    return this.#batch('encrypt', key, batch, (result, path) => stringField(result, 'ciphertext', path));
  }

  /**
   * Decrypts many ciphertexts in one request (`batch_input`). Items may be ciphertext strings or
   * `{ ciphertext, context? }`.
   * @returns one result per item, in order: `{ ok: true, value: plaintext Buffer }` or `{ ok: false, error }`.
   */
  async decryptBatch(key: string, items: ReadonlyArray<string | TransitDecryptItem>): Promise<TransitBatchResult<Buffer>[]> {
    const batch = checkBatch<string | TransitDecryptItem>(items).map((item, index) => {
      if (typeof item !== 'string' && (typeof item !== 'object' || item === null)) {
        throw new InvalidRequestError(`items[${index}]`, 'expected a ciphertext string or { ciphertext, context? }');
      }
      const full: TransitDecryptItem = typeof item === 'string' ? { ciphertext: item } : item;
      return {
        ciphertext: checkCiphertext(full.ciphertext, `items[${index}].ciphertext`),
        ...contextField(full.context, `items[${index}].context`),
      };
    });
    return this.#batch('decrypt', key, batch, (result, path) => base64Field(result, 'plaintext', path));
  }

  toJSON(): Record<string, unknown> {
    return { engine: 'transit', mount: this.#mount };
  }

  [inspect.custom](): string {
    return `TransitEngine { mount: '${this.#mount}' }`;
  }

  // ----- internals ----------------------------------------------------------------------

  #path(operation: string, key: string): string {
    if (typeof key !== 'string') throw new InvalidRequestError('key', `expected a key name such as "orders", got ${typeof key}`);
    if (!KEY_NAME.test(key)) {
      throw new InvalidRequestError(
        'key',
        `${quoteInput(key)} is not a transit key name (letters, digits, "_", "-" and ".", not at either end)`,
      );
    }
    return `${encodeSegments(this.#mount.split('/'))}/${operation}/${key}`;
  }

  /** One non-batch call; returns `data`. Errors are scrubbed of every string sent (plaintext, ciphertext, context, input). */
  async #call(operation: string, key: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const path = this.#path(operation, key);
    const secrets = sentStrings([body]);
    try {
      const response = await this.#requester.request<VaultEnvelope<Record<string, unknown>>>({
        method: 'POST',
        path,
        body,
        redact: secrets,
      });
      const data = response.body?.data;
      if (!isJsonObject(data)) throw new MalformedResponseError('the answer has no data', { path, status: response.status });
      return data;
    } catch (error) {
      throw scrub(error, secrets);
    }
  }

  /**
   * One batch call. Vault answers 400 with the whole envelope when an item failed (and 400 with
   * only `errors` when the request itself was refused): both are read here.
   */
  async #batch<T>(
    operation: string,
    key: string,
    batch: readonly Record<string, unknown>[],
    read: (result: Record<string, unknown>, path: string) => T,
  ): Promise<TransitBatchResult<T>[]> {
    const path = this.#path(operation, key);
    const secrets = sentStrings(batch);
    let response;
    try {
      response = await this.#requester.request<VaultEnvelope<Record<string, unknown>>>({
        method: 'POST',
        path,
        body: { batch_input: batch },
        acceptStatus: [400],
        redact: secrets,
      });
    } catch (error) {
      throw scrub(error, secrets);
    }
    const results = response.body?.data?.['batch_results'];
    if (!Array.isArray(results)) {
      if (response.status === 400) throw scrub(mapVaultStatus(400, response.body, path, response.headers), secrets);
      throw new MalformedResponseError('the batch answer has no batch_results', { path, status: response.status });
    }
    if (results.length !== batch.length) {
      throw new MalformedResponseError(`the batch answer has ${results.length} results for ${batch.length} items`, {
        path,
        status: response.status,
      });
    }
    return results.map((result: unknown, index): TransitBatchResult<T> => {
      if (!isJsonObject(result)) return { ok: false, error: new MalformedResponseError(`batch item ${index} is not an object`, { path }) };
      if (typeof result['error'] === 'string' && result['error'] !== '') {
        return { ok: false, error: scrub(new VaultRequestError([result['error']], { path, status: 400 }), secrets) };
      }
      try {
        return { ok: true, value: read(result, path) };
      } catch (error) {
        return {
          ok: false,
          error: error instanceof SecretsError ? error : new MalformedResponseError(`batch item ${index} is unreadable`, { path }),
        };
      }
    });
  }
}

/** Base64 of a Buffer/Uint8Array or of a string's UTF-8 bytes. @throws InvalidRequestError naming the argument, never its value. */
function toBase64(value: unknown, argument: string): string {
  if (typeof value === 'string') return Buffer.from(value, 'utf8').toString('base64');
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  throw new InvalidRequestError(argument, `expected a Buffer, a Uint8Array or a string, got ${value === null ? 'null' : typeof value}`);
}

function contextField(context: unknown, argument = 'context'): { context?: string } {
  return context === undefined ? {} : { context: toBase64(context, argument) };
}

function versionField(version: unknown, argument = 'keyVersion'): { key_version?: number } {
  if (version === undefined) return {};
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 0) {
    throw new InvalidRequestError(
      argument,
      `expected a whole number ≥ 0 (0 = latest), got ${typeof version === 'number' ? String(version) : typeof version}`,
    );
  }
  return { key_version: version };
}

const HASH_ALGORITHMS = new Set(['sha1', 'sha2-224', 'sha2-256', 'sha2-384', 'sha2-512', 'sha3-224', 'sha3-256', 'sha3-384', 'sha3-512']);

function hashField(field: 'algorithm' | 'hash_algorithm', algorithm: unknown): Record<string, string> {
  if (algorithm === undefined) return {};
  if (typeof algorithm !== 'string' || !HASH_ALGORITHMS.has(algorithm)) {
    throw new InvalidRequestError('algorithm', `expected one of ${[...HASH_ALGORITHMS].join(', ')}`);
  }
  return { [field]: algorithm };
}

function signingFields(options: TransitSignOptions): Record<string, unknown> {
  const fields: Record<string, unknown> = { ...hashField('hash_algorithm', options.hashAlgorithm), ...contextField(options.context) };
  if (options.signatureAlgorithm !== undefined) {
    if (options.signatureAlgorithm !== 'pss' && options.signatureAlgorithm !== 'pkcs1v15') {
      throw new InvalidRequestError('signatureAlgorithm', 'expected "pss" or "pkcs1v15"');
    }
    fields['signature_algorithm'] = options.signatureAlgorithm;
  }
  if (options.marshalingAlgorithm !== undefined) {
    if (options.marshalingAlgorithm !== 'asn1' && options.marshalingAlgorithm !== 'jws') {
      throw new InvalidRequestError('marshalingAlgorithm', 'expected "asn1" or "jws"');
    }
    fields['marshaling_algorithm'] = options.marshalingAlgorithm;
  }
  if (options.prehashed !== undefined) fields['prehashed'] = options.prehashed === true;
  return fields;
}

/** A ciphertext, signature or HMAC must be a non-empty string; its content is Vault's to judge (and never quoted). */
function checkCiphertext(value: unknown, argument: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new InvalidRequestError(
      argument,
      `expected a non-empty "vault:v<N>:..." string, got ${value === '' ? 'an empty string' : value === null ? 'null' : typeof value}`,
    );
  }
  return value;
}

function checkBatch<T>(items: unknown): readonly T[] {
  if (!Array.isArray(items) || items.length === 0) throw new InvalidRequestError('items', 'expected a non-empty array');
  return items as readonly T[];
}

function isEncryptItem(item: TransitInput | TransitEncryptItem): item is TransitEncryptItem {
  return typeof item === 'object' && !(item instanceof Uint8Array) && item !== null;
}

function stringField(data: Record<string, unknown>, field: string, path: string): string {
  const value = data[field];
  if (typeof value !== 'string') throw new MalformedResponseError(`the answer has no "${field}" string`, { path });
  return value;
}

/** Standard padded base64, as Vault writes it (`Buffer.from(..., 'base64')` would skip bad characters and return garbage). */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** A base64 string field decoded, e.g. a decrypted `plaintext`. @throws MalformedResponseError (never quoting the value) when it is not base64. */
function base64Field(data: Record<string, unknown>, field: string, path: string): Buffer {
  const value = stringField(data, field, path);
  if (!BASE64.test(value)) throw new MalformedResponseError(`the answer's "${field}" is not base64`, { path });
  return Buffer.from(value, 'base64');
}

function booleanField(data: Record<string, unknown>, field: string, path: string): boolean {
  const value = data[field];
  if (typeof value !== 'boolean') throw new MalformedResponseError(`the answer has no "${field}" boolean`, { path });
  return value;
}

/** Request fields that carry data (never quoted in an error). */
const DATA_FIELDS = ['plaintext', 'ciphertext', 'context', 'input', 'signature', 'hmac'] as const;

/** Every data value sent in the request bodies, and the UTF-8 text behind the base64 ones. */
function sentStrings(bodies: readonly Record<string, unknown>[]): string[] {
  const out: string[] = [];
  for (const body of bodies) {
    for (const field of DATA_FIELDS) {
      const value = body[field];
      if (typeof value !== 'string') continue;
      out.push(value);
      if (!value.startsWith('vault:')) out.push(Buffer.from(value, 'base64').toString('utf8'));
    }
  }
  return out;
}

/** `vault:v3:...` → 3 (0 when absent). */
function versionOf(value: string): number {
  const match = /^vault:v(\d+):/.exec(value);
  return match ? Number(match[1]) : 0;
}

/**
 * Makes sure no plaintext or ciphertext sent in the request comes back inside an error (a proxy
 * or a future Vault might echo input): a VaultRequestError whose text contains one is rebuilt
 * with it redacted. Other errors pass through (they carry no request data).
 */
function scrub<E>(error: E, secrets: readonly string[]): E | VaultRequestError {
  if (!(error instanceof VaultRequestError)) return error;
  const redacted = error.vaultErrors.map((e) => redactSent(e, secrets));
  if (redacted.every((e, i) => e === error.vaultErrors[i])) return error;
  return new VaultRequestError(redacted, {
    ...(error.path === undefined ? {} : { path: error.path }),
    ...(error.status === undefined ? {} : { status: error.status }),
  });
}
