import { inspect } from 'node:util';
import { isJsonObject, type VaultEnvelope } from '../transport/vault-envelope.js';
import { encodeSegments } from '../transport/vault-path.js';
import { pathProblem } from '../util/path-problem.js';
import type { VaultRequester } from '../contracts/vault-requester.js';
import { InvalidRequestError } from '../errors/invalid-request.error.js';
import { quoteInput } from '../util/quote-input.js';
import { MalformedResponseError } from '../errors/malformed-response.error.js';
import { base64Field, booleanField, signatureAnswer, stringField } from './transit-answer.js';
import { readBatchResults } from './transit-batch-results.js';
import { scrub, sentStrings } from './transit-redaction.js';
import {
  checkBatch,
  checkCiphertext,
  contextField,
  hashField,
  isEncryptItem,
  signingFields,
  toBase64,
  versionField,
} from './transit-request-fields.js';
import type {
  TransitBatchResult,
  TransitDecryptItem,
  TransitDecryptOptions,
  TransitEncryptItem,
  TransitEncryptOptions,
  TransitHmacOptions,
  TransitInput,
  TransitSignature,
  TransitSignOptions,
} from './transit.types.js';

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
    return signatureAnswer(data, this.#path('sign', key));
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
    return readBatchResults(response, batch.length, path, secrets, read);
  }
}
