/**
 * The transit secrets engine (`type: 'transit'`, https://developer.hashicorp.com/vault/api-docs/secret/transit,
 * `hashicorp/vault:website/content/api-docs/secret/transit.mdx`), with real cryptography
 * (see `transit-keyring.ts`):
 *
 * - `transit/keys/:name` create (POST, `type`, `derived`, `convergent_encryption`,
 *   `exportable`, `allow_plaintext_backup`, `auto_rotate_period`, `key_size`), read, delete
 *   (only with `deletion_allowed`), LIST `transit/keys`; `keys/:name/config`
 *   (`min_decryption_version`, `min_encryption_version`, `deletion_allowed`...) and
 *   `keys/:name/rotate`;
 * - `encrypt/:name` (upserts the key when the token may `create`), `decrypt/:name`,
 *   `rewrap/:name`, each with `batch_input`; a batch with a failed item answers 400 with the full
 *   envelope (`batch_results`, one entry per item, in order), or `partial_failure_response_code`
 *   when some items succeeded (Vault's `batchRequestResponse`);
 * - `sign/:name(/:hash_algorithm)`, `verify/:name(/:hash_algorithm)` (signature or HMAC),
 *   `hmac/:name(/:algorithm)`, with `batch_input`;
 * - `datakey`, `random`, `hash`, `export`, `backup`, `restore` and `keys/:name/trim` (see
 *   `transit-key-admin.ts`).
 *
 * Not emulated: RSA and managed keys, `prehashed` signing, import, BYOK export, CSR and
 * certificate chains, cache config, `config/keys`.
 */
import type { BackendContext } from './backend.js';
import { pluginStatusBody } from './envelope.js';
import { badRequest, VaultError } from './errors.js';
import { boolField, durationField, intField, isPlainObject, stringField } from './fields.js';
import type { DataResponse, LogicalRequest, LogicalResponse, RawResponse } from './logical.js';
import { respondData } from './logical.js';
import { FrameworkBackend, type PathDefinition, type PathParams } from './path-router.js';
import { transitKeyAdminPaths } from './transit-key-admin.js';
import { decodeStdBase64, digestOf, TRANSIT_KEY_TYPES, TransitKey, TransitUserError, type TransitKeyType } from './transit-keyring.js';

/** Vault's `framework.GenericNameRegex`. */
const NAME = String.raw`(?<name>\w(?:[\w.-]*\w)?)`;
const ALGORITHM = String.raw`(?:/(?<algorithm>[\w-]+))?`;

/** One entry of `batch_results`: the fields of a success, or `error`. */
type BatchResult = Record<string, unknown>;

/** Backend of a `transit` mount. */
export class TransitBackend extends FrameworkBackend {
  private readonly keys = new Map<string, TransitKey>();

  protected readonly paths: readonly PathDefinition[] = [
    { pattern: /^keys\/?$/, operations: { list: () => respondData({ keys: [...this.keys.keys()].sort() }) } },
    {
      pattern: new RegExp(`^keys/${NAME}$`),
      operations: {
        read: (_r, p) => this.readKey(p),
        update: (r, p) => this.createKey(r, p),
        delete: (_r, p) => this.deleteKey(p),
      },
      exists: (_r, p) => this.keys.has(p['name'] ?? ''),
    },
    { pattern: new RegExp(`^keys/${NAME}/config$`), operations: { update: (r, p) => this.configureKey(r, p) } },
    { pattern: new RegExp(`^keys/${NAME}/rotate$`), operations: { update: (_r, p) => this.rotateKey(p) } },
    {
      pattern: new RegExp(`^encrypt/${NAME}$`),
      operations: { update: (r, p) => this.encrypt(r, p) },
      exists: (_r, p) => this.keys.has(p['name'] ?? ''),
    },
    { pattern: new RegExp(`^decrypt/${NAME}$`), operations: { update: (r, p) => this.decrypt(r, p) } },
    { pattern: new RegExp(`^rewrap/${NAME}$`), operations: { update: (r, p) => this.rewrap(r, p) } },
    { pattern: new RegExp(`^sign/${NAME}${ALGORITHM}$`), operations: { update: (r, p) => this.sign(r, p) } },
    { pattern: new RegExp(`^verify/${NAME}${ALGORITHM}$`), operations: { update: (r, p) => this.verify(r, p) } },
    { pattern: new RegExp(`^hmac/${NAME}${ALGORITHM}$`), operations: { update: (r, p) => this.hmac(r, p) } },
    ...transitKeyAdminPaths(this.keys, () => this.ctx),
  ];

  constructor(private readonly ctx: BackendContext) {
    super();
  }

  // ----- keys ---------------------------------------------------------------------------

  private readKey(params: PathParams): DataResponse | null {
    const key = this.keys.get(params['name'] ?? '');
    return key ? respondData(key.describe()) : null;
  }

  private createKey(req: LogicalRequest, params: PathParams): DataResponse {
    const name = params['name'] ?? '';
    const derived = boolField(req.data, 'derived', false);
    const convergent = boolField(req.data, 'convergent_encryption', false);
    const type = stringField(req.data, 'type', 'aes256-gcm96');
    const keySize = intField(req.data, 'key_size', 0);
    const autoRotatePeriod = durationField(req.data, 'auto_rotate_period', 0);
    if (autoRotatePeriod !== 0 && autoRotatePeriod < 3600) throw badRequest('auto rotate period must be 0 to disable or at least an hour');
    if (!derived && convergent) throw badRequest('convergent encryption requires derivation to be enabled');
    const keyType = parseKeyType(type);
    if (keySize !== 0) {
      if (keyType !== 'hmac') throw badRequest(`key_size is not valid for algorithm ${keyType}`);
      if (keySize < 32 || keySize > 512) throw badRequest(`invalid key_size ${keySize}`);
    }
    if (derived && !['aes128-gcm96', 'aes256-gcm96', 'chacha20-poly1305', 'ed25519'].includes(keyType)) {
      throw badRequest(`key derivation and convergent encryption not supported for keys of type ${keyType}`);
    }
    const existing = this.keys.get(name);
    if (existing) return respondData(existing.describe(), { warnings: [`key ${name} already existed`] });
    const key = new TransitKey(
      name,
      {
        type: keyType,
        derived,
        convergent,
        exportable: boolField(req.data, 'exportable', false),
        allowPlaintextBackup: boolField(req.data, 'allow_plaintext_backup', false),
        autoRotatePeriod,
        keySize: keySize === 0 ? 32 : keySize,
      },
      this.ctx.clock.now(),
    );
    this.keys.set(name, key);
    return respondData(key.describe());
  }

  private deleteKey(params: PathParams): null {
    const name = params['name'] ?? '';
    const key = this.keys.get(name);
    if (!key) throw badRequest(`error deleting policy ${name}: could not delete key; not found`);
    if (!key.deletionAllowed) throw badRequest(`error deleting policy ${name}: deletion is not allowed for this key`);
    this.keys.delete(name);
    return null;
  }

  private configureKey(req: LogicalRequest, params: PathParams): DataResponse {
    const name = params['name'] ?? '';
    const key = this.keys.get(name);
    if (!key) throw badRequest(`no existing key named ${name} could be found`);
    const warnings: string[] = [];
    let minDecryption = key.minDecryptionVersion;
    let minEncryption = key.minEncryptionVersion;
    const rawMinDecryption = intField(req.data, 'min_decryption_version');
    if (rawMinDecryption !== undefined) {
      if (rawMinDecryption < 0) throw badRequest('min decryption version cannot be negative');
      let wanted = rawMinDecryption;
      if (wanted === 0) {
        wanted = 1;
        warnings.push('since Vault 0.3, transit key numbering starts at 1; forcing minimum to 1');
      }
      if (wanted !== minDecryption && wanted > key.latestVersion) {
        throw badRequest(`cannot set min decryption version of ${wanted}, latest key version is ${key.latestVersion}`);
      }
      minDecryption = wanted;
    }
    const rawMinEncryption = intField(req.data, 'min_encryption_version');
    if (rawMinEncryption !== undefined) {
      if (rawMinEncryption < 0) throw badRequest('min encryption version cannot be negative');
      if (rawMinEncryption !== minEncryption && rawMinEncryption > key.latestVersion) {
        throw badRequest(`cannot set min encryption version of ${rawMinEncryption}, latest key version is ${key.latestVersion}`);
      }
      minEncryption = rawMinEncryption;
    }
    if (minEncryption > 0 && minEncryption < minDecryption) {
      throw badRequest(
        `cannot set min encryption/decryption values; min encryption version of ${minEncryption} must be greater than or equal to min decryption version of ${minDecryption}`,
      );
    }
    // After a trim, the limits may not go below min_available_version (texts as in Vault).
    const changed = minDecryption !== key.minDecryptionVersion || minEncryption !== key.minEncryptionVersion;
    if (changed && key.minAvailableVersion > minEncryption) {
      throw badRequest('min encryption version should not be less than min available version');
    }
    if (changed && key.minAvailableVersion > minDecryption) {
      throw badRequest('min decryption version should not be less then min available version');
    }
    const autoRotatePeriod = durationField(req.data, 'auto_rotate_period');
    if (autoRotatePeriod !== undefined && autoRotatePeriod !== 0 && autoRotatePeriod < 3600) {
      throw badRequest('auto rotate period must be 0 to disable or at least an hour');
    }
    key.minDecryptionVersion = minDecryption;
    key.minEncryptionVersion = minEncryption;
    const deletionAllowed = boolField(req.data, 'deletion_allowed');
    if (deletionAllowed !== undefined) key.deletionAllowed = deletionAllowed;
    if (boolField(req.data, 'exportable', false)) key.exportable = true;
    if (boolField(req.data, 'allow_plaintext_backup', false)) key.allowPlaintextBackup = true;
    if (autoRotatePeriod !== undefined) key.autoRotatePeriod = autoRotatePeriod;
    return respondData(key.describe(), warnings.length > 0 ? { warnings } : {});
  }

  private rotateKey(params: PathParams): DataResponse {
    const key = this.keys.get(params['name'] ?? '');
    if (!key) throw badRequest('key not found');
    key.rotate(this.ctx.clock.now());
    return respondData(key.describe());
  }

  // ----- encrypt / decrypt / rewrap ------------------------------------------------------

  private encrypt(req: LogicalRequest, params: PathParams): LogicalResponse {
    const name = params['name'] ?? '';
    const items = batchItems(req, ['plaintext', 'context', 'nonce'], 'plaintext', 'missing plaintext to encrypt');
    const contextSet = stringOf(items[0]?.['context']) !== '';
    for (const item of items) {
      if ((stringOf(item['context']) !== '') !== contextSet) {
        throw badRequest('context should be set either in all the request blocks or in none');
      }
    }
    let key = this.keys.get(name);
    const warnings: string[] = [];
    if (req.operation === 'create') {
      const convergent = boolField(req.data, 'convergent_encryption', false);
      if (convergent && !contextSet) throw badRequest('convergent encryption requires derivation to be enabled, so context is required');
      const type = stringField(req.data, 'type', 'aes256-gcm96');
      if (type.startsWith('ecdsa-')) throw badRequest(`key type ${type} not supported for this operation`);
      if (!['aes128-gcm96', 'aes256-gcm96', 'chacha20-poly1305'].includes(type)) throw badRequest(`unknown key type ${type}`);
      if (key) {
        warnings.push('Attempted creation of the key during the encrypt operation, but it was created beforehand');
      } else {
        key = new TransitKey(
          name,
          {
            type: type as TransitKeyType,
            derived: contextSet,
            convergent,
            exportable: false,
            allowPlaintextBackup: false,
            autoRotatePeriod: 0,
            keySize: 32,
          },
          this.ctx.clock.now(),
        );
        this.keys.set(name, key);
      }
    }
    if (!key) throw badRequest('encryption key not found');
    const found = key;
    return this.respondBatch(req, items, warnings, (item) => {
      const context = decodeOptional(item['context']);
      const nonce = decodeOptional(item['nonce']);
      const result = found.encrypt(stringOf(item['plaintext']), context, intOf(item['key_version']), nonce);
      return { ciphertext: result.ciphertext, key_version: result.keyVersion };
    });
  }

  private decrypt(req: LogicalRequest, params: PathParams): LogicalResponse {
    const items = batchItems(req, ['ciphertext', 'context', 'nonce'], 'ciphertext', 'missing ciphertext to decrypt');
    const key = this.keys.get(params['name'] ?? '');
    if (!key) throw badRequest('encryption key not found');
    return this.respondBatch(req, items, [], (item) => {
      const result = key.decrypt(stringOf(item['ciphertext']), decodeOptional(item['context']));
      return { plaintext: result.plaintext };
    });
  }

  private rewrap(req: LogicalRequest, params: PathParams): LogicalResponse {
    const items = batchItems(req, ['ciphertext', 'context', 'nonce'], 'ciphertext', 'missing ciphertext to decrypt');
    const key = this.keys.get(params['name'] ?? '');
    if (!key) throw badRequest('encryption key not found');
    return this.respondBatch(req, items, [], (item) => {
      const context = decodeOptional(item['context']);
      const plain = key.decrypt(stringOf(item['ciphertext']), context);
      const result = key.encrypt(plain.plaintext, context, intOf(item['key_version']));
      return { ciphertext: result.ciphertext, key_version: result.keyVersion };
    });
  }

  // ----- sign / verify / hmac -------------------------------------------------------------

  private sign(req: LogicalRequest, params: PathParams): LogicalResponse {
    const key = this.keys.get(params['name'] ?? '');
    if (!key) throw badRequest('signing key not found');
    if (!key.supportsSigning) throw badRequest(`key type ${key.type} does not support signing`);
    const { hash, marshaling } = signingOptions(req, params);
    if (boolField(req.data, 'prehashed', false)) throw badRequest('prehashed input is not supported by the Vault test server');
    const keyVersion = intField(req.data, 'key_version', 0);
    const items = batchItems(req, ['input', 'context'], undefined, '');
    // Vault names the derived Ed25519 public key `public_key` in a single answer and
    // `publickey` in batch results (path_sign_verify.go).
    const publicKeyField = req.data['batch_input'] === undefined || req.data['batch_input'] === null ? 'public_key' : 'publickey';
    return this.respondBatch(req, items, [], (item) => {
      if (!('input' in item)) throw new TransitUserError('missing input');
      const input = decodeInput(item['input']);
      const result = key.sign(input, decodeOptional(item['context']), keyVersion, hash, marshaling);
      return {
        signature: result.signature,
        ...(result.publicKey ? { [publicKeyField]: result.publicKey } : {}),
        key_version: result.keyVersion,
      };
    });
  }

  private verify(req: LogicalRequest, params: PathParams): LogicalResponse {
    const key = this.keys.get(params['name'] ?? '');
    if (!key) throw badRequest('signature verification key not found');
    const { hash, marshaling } = signingOptions(req, params);
    if (boolField(req.data, 'prehashed', false)) throw badRequest('prehashed input is not supported by the Vault test server');
    const batch = req.data['batch_input'] !== undefined && req.data['batch_input'] !== null;
    const hasHmac = stringField(req.data, 'hmac') !== '';
    const hasSignature = stringField(req.data, 'signature') !== '';
    if (!batch && hasHmac && hasSignature) throw badRequest("provide one of 'signature' or 'hmac'");
    if (!batch && !hasHmac && !hasSignature) throw badRequest("neither a 'signature' nor an 'hmac' were given to verify");
    const items = batchItems(req, ['input', 'context', 'signature', 'hmac'], undefined, '');
    return this.respondBatch(req, items, [], (item) => {
      if (!('input' in item)) throw new TransitUserError('missing input');
      const input = decodeInput(item['input']);
      const hmacValue = stringOf(item['hmac']);
      if (hmacValue !== '') return { valid: key.verifyHmac(input, hmacValue, hash) };
      const signature = stringOf(item['signature']);
      if (signature === '') throw new TransitUserError('missing signature');
      return { valid: key.verify(input, signature, decodeOptional(item['context']), hash, marshaling) };
    });
  }

  private hmac(req: LogicalRequest, params: PathParams): LogicalResponse {
    const key = this.keys.get(params['name'] ?? '');
    if (!key) throw badRequest('encryption key not found');
    const algorithm = params['algorithm'] || stringField(req.data, 'algorithm', 'sha2-256');
    const hash = digestOf(algorithm);
    if (hash === undefined) throw badRequest(`unsupported algorithm "${algorithm}"`);
    const keyVersion = intField(req.data, 'key_version', 0);
    const items = batchItems(req, ['input'], 'input', 'missing input for HMAC');
    // Vault's HMAC endpoint answers 200 even when batch items fail.
    return this.respondBatch(
      req,
      items,
      [],
      (item) => {
        if (!('input' in item)) throw new TransitUserError('missing input for HMAC');
        return { hmac: key.hmac(decodeInput(item['input']), keyVersion, hash) };
      },
      { itemErrorsFailTheRequest: false },
    );
  }

  // ----- batch plumbing ------------------------------------------------------------------

  /**
   * Runs `operation` per item. Single (non-batch) requests answer 200 with the item's fields or
   * 400 with its error. Batch requests answer `batch_results` in input order; when an item failed
   * the status is 400 (or `partial_failure_response_code` when others succeeded), with the whole
   * envelope as the body (Vault's `logical.RespondWithStatusCode`).
   */
  private respondBatch(
    req: LogicalRequest,
    items: readonly Record<string, unknown>[],
    warnings: readonly string[],
    operation: (item: Record<string, unknown>) => BatchResult,
    options: { itemErrorsFailTheRequest?: boolean } = {},
  ): DataResponse | RawResponse {
    const isBatch = req.data['batch_input'] !== undefined && req.data['batch_input'] !== null;
    const results: BatchResult[] = items.map((item) => {
      try {
        const result = operation(item);
        return 'reference' in item ? { ...result, reference: stringOf(item['reference']) } : result;
      } catch (error) {
        if (!(error instanceof TransitUserError)) throw error;
        return 'reference' in item ? { error: error.message, reference: stringOf(item['reference']) } : { error: error.message };
      }
    });
    if (!isBatch) {
      const only = results[0] ?? {};
      if (typeof only['error'] === 'string') throw badRequest(only['error']);
      return respondData(only, warnings.length > 0 ? { warnings } : {});
    }
    const failed = results.some((r) => 'error' in r);
    const data = { batch_results: results };
    if (!failed || options.itemErrorsFailTheRequest === false) return respondData(data, warnings.length > 0 ? { warnings } : {});
    const succeeded = results.some((r) => !('error' in r));
    let status = 400;
    const allWarnings = [...warnings];
    const override = intField(req.data, 'partial_failure_response_code');
    if (override !== undefined && succeeded) {
      if (override < 1 || override > 599) {
        allWarnings.push(`invalid HTTP response code override from partial_failure_response_code, reverting to ${status}`);
      } else {
        status = override;
      }
    }
    return {
      kind: 'raw',
      status,
      body: pluginStatusBody(req, { data, warnings: allWarnings }),
      headers: { 'Content-Type': 'application/json' },
    };
  }
}

function parseKeyType(type: string): TransitKeyType {
  if ((TRANSIT_KEY_TYPES as readonly string[]).includes(type)) return type as TransitKeyType;
  if (type.startsWith('rsa-') || type === 'managed_key') throw badRequest(`key type ${type} is not supported by the Vault test server`);
  throw badRequest(`unknown key type ${type}`);
}

/**
 * The items of a request: `batch_input` (each a JSON object) or the top-level fields as one item.
 * @param required - a field a single request must carry, else 400 `missingMessage`.
 */
function batchItems(
  req: LogicalRequest,
  fields: readonly string[],
  required: string | undefined,
  missingMessage: string,
): Record<string, unknown>[] {
  const raw = req.data['batch_input'];
  if (raw !== undefined && raw !== null) {
    if (!Array.isArray(raw))
      throw new VaultError(500, [`failed to parse batch input: source data must be an array or slice, got ${typeof raw}`]);
    if (raw.length === 0) throw badRequest('missing batch input to process');
    return raw.map((item: unknown, index) => {
      if (!isPlainObject(item)) throw new VaultError(500, [`failed to parse batch input: [${index}] expected a map, got '${typeof item}'`]);
      for (const field of ['plaintext', 'ciphertext', 'context', 'nonce', 'input', 'signature', 'hmac', 'reference']) {
        const value = item[field];
        if (value !== undefined && value !== null && typeof value !== 'string') {
          throw new VaultError(500, [
            `failed to parse batch input: '[${index}].${field}' expected type 'string', got unconvertible type '${typeof value}'`,
          ]);
        }
      }
      return item;
    });
  }
  if (required !== undefined && (req.data[required] === undefined || req.data[required] === null)) throw badRequest(missingMessage);
  const single: Record<string, unknown> = {};
  for (const field of [...fields, 'key_version']) {
    if (req.data[field] !== undefined && req.data[field] !== null)
      single[field] = field === 'key_version' ? req.data[field] : stringField(req.data, field);
  }
  if (!('input' in single) && fields.includes('input')) single['input'] = '';
  return [single];
}

function signingOptions(req: LogicalRequest, params: PathParams): { hash: string; marshaling: 'asn1' | 'jws' } {
  const algorithm = params['algorithm'] || stringField(req.data, 'hash_algorithm', '') || stringField(req.data, 'algorithm', 'sha2-256');
  const hash = digestOf(algorithm);
  if (hash === undefined) throw badRequest(`unsupported hash algorithm ${algorithm}`);
  const marshaling = stringField(req.data, 'marshaling_algorithm', 'asn1');
  if (marshaling !== 'asn1' && marshaling !== 'jws') throw badRequest(`unsupported marshaling algorithm ${marshaling}`);
  return { hash, marshaling };
}

function stringOf(value: unknown): string {
  return typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value);
}

function intOf(value: unknown): number {
  if (value === undefined || value === null || value === '') return 0;
  const number = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(number)) throw new TransitUserError(`invalid key_version ${String(value)}`);
  return Math.trunc(number);
}

/** Base64 context or nonce; `undefined` when empty. */
function decodeOptional(value: unknown): Buffer | undefined {
  const text = stringOf(value);
  return text === '' ? undefined : decodeStdBase64(text);
}

function decodeInput(value: unknown): Buffer {
  try {
    return decodeStdBase64(stringOf(value));
  } catch (error) {
    throw new TransitUserError(`unable to decode input as base64: ${(error as Error).message}`);
  }
}
