/**
 * `sys/generate-root/attempt` and `sys/generate-root/update`
 * (https://developer.hashicorp.com/vault/api-docs/system/generate-root): a new root token from
 * unseal key shares, returned XOR-ed with a one-time password and base64-encoded (no padding),
 * like Vault's `roottoken.EncodeToken`. Raw, unauthenticated handlers like Vault's. A `pgp_key`
 * is not supported by the test server (400, said plainly).
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { asStruct } from './go-json.js';
import { emptyResult, errorResult, jsonResult, type HttpResult } from './envelope.js';
import { VaultError } from './errors.js';
import { newRootTokenId, randomBase62 } from './ids.js';
import { guarded, sealedError, type RawHandlerRegistry } from './operator-endpoints.js';
import { decodeKeyShare, keyLengthProblem, RawBody } from './raw-body.js';
import type { RawRequest } from './router.js';
import type { VaultCore } from './vault-core.js';

/** `TokenLength + TokenPrefixLength` (24 + `hvs.`): the length of an OTP and of a root token. */
export const OTP_LENGTH = 28;

/** Encodes a token with an OTP like Vault's `roottoken.EncodeToken` (XOR, then unpadded base64). */
export function encodeRootToken(token: string, otp: string): string {
  const a = Buffer.from(token, 'utf8');
  const b = Buffer.from(otp, 'utf8');
  if (a.length !== b.length) throw new Error('xor of root token failed: length of byte slices is not equivalent');
  return Buffer.from(a.map((byte, i) => byte ^ (b[i] ?? 0)))
    .toString('base64')
    .replace(/=+$/, '');
}

interface Attempt {
  readonly nonce: string;
  readonly otp: string;
  progress: Buffer[];
}

/** Registers the generate-root handlers of one server. */
export function registerGenerateRootEndpoints(router: RawHandlerRegistry, core: VaultCore): void {
  const endpoints = new GenerateRootEndpoints(core);
  router.registerRawHandler(
    'sys/generate-root/attempt',
    guarded((r) => endpoints.attempt(r)),
  );
  router.registerRawHandler(
    'sys/generate-root/update',
    guarded((r) => endpoints.update(r)),
  );
}

class GenerateRootEndpoints {
  private current: Attempt | undefined;

  constructor(private readonly core: VaultCore) {}

  attempt(r: RawRequest): HttpResult {
    switch (r.method) {
      case 'GET':
        return this.status('');
      case 'PUT':
      case 'POST':
        return this.start(RawBody.parse(r.body, true));
      case 'DELETE':
        this.requireUnsealed();
        this.current = undefined;
        return emptyResult(204);
      default:
        return errorResult(405);
    }
  }

  /** Like Vault's handler, any method is read as a key submission. */
  update(r: RawRequest): HttpResult {
    const body = RawBody.parse(r.body);
    const text = body.string('key');
    if (text === '') throw new VaultError(400, ["'key' must be specified in request body as JSON"]);
    const key = decodeKeyShare(text);
    const problem = keyLengthProblem(key);
    if (problem !== undefined) throw new VaultError(400, [`invalid key: ${problem}`]);
    this.requireUnsealed();
    const attempt = this.current;
    if (!attempt) throw new VaultError(400, ['no root generation in progress']);
    const nonce = body.string('nonce');
    if (nonce !== attempt.nonce) {
      throw new VaultError(400, [`incorrect nonce supplied; nonce for this root generation operation is ${JSON.stringify(attempt.nonce)}`]);
    }
    if (attempt.progress.some((given) => given.length === key.length && timingSafeEqual(given, key))) {
      throw new VaultError(400, ['given key has already been provided during this generation operation']);
    }
    attempt.progress.push(key);
    const keys = this.core.unsealKeys;
    const required = keys.config.threshold;
    const progress = attempt.progress.length;
    let encoded = '';
    if (progress >= required) {
      const parts = attempt.progress;
      attempt.progress = [];
      let rebuilt: Buffer;
      try {
        rebuilt = keys.rebuild(parts, 'failed to compute root key');
      } catch (error: unknown) {
        throw new VaultError(400, [error instanceof Error ? error.message : String(error)]);
      }
      if (!keys.matches(rebuilt)) {
        throw new VaultError(400, [
          'root generation aborted: unable to authenticate: unable to retrieve stored keys: failed to decrypt keys from storage: cipher: message authentication failed',
        ]);
      }
      const token = this.core.tokenBackend.createRootToken(newRootTokenId());
      encoded = encodeRootToken(token.id, attempt.otp);
      this.current = undefined;
    }
    return jsonResult(
      200,
      statusBody({ nonce, started: true, progress, required, complete: progress >= required, encoded, otp: '', otpLength: 0 }),
    );
  }

  private start(body: RawBody): HttpResult {
    let otp = body.string('otp');
    const pgpKey = body.string('pgp_key');
    if (otp !== '' && pgpKey !== '') throw new VaultError(400, ['only one of "otp" and "pgp_key" must be specified']);
    if (pgpKey !== '') throw new VaultError(400, ['the Vault test server does not support PGP-encrypted root tokens (pgp_key)']);
    const generated = otp === '';
    if (generated) otp = randomBase62(OTP_LENGTH);
    else if (otp.length !== OTP_LENGTH) throw new VaultError(400, ['OTP string is wrong length']);
    this.requireUnsealed();
    if (this.current) throw new VaultError(400, ['root generation already in progress']);
    this.current = { nonce: randomUUID(), otp, progress: [] };
    return this.status(generated ? otp : '');
  }

  private status(otp: string): HttpResult {
    this.requireUnsealed();
    const attempt = this.current;
    return jsonResult(
      200,
      statusBody({
        nonce: attempt?.nonce ?? '',
        started: attempt !== undefined,
        progress: attempt?.progress.length ?? 0,
        required: this.core.unsealKeys.config.threshold,
        complete: false,
        encoded: '',
        otp,
        otpLength: OTP_LENGTH,
      }),
    );
  }

  private requireUnsealed(): void {
    if (this.core.sealed) throw sealedError();
  }
}

/** Vault's `GenerateRootStatusResponse`, fields in declaration order. */
function statusBody(s: {
  nonce: string;
  started: boolean;
  progress: number;
  required: number;
  complete: boolean;
  encoded: string;
  otp: string;
  otpLength: number;
}): Record<string, unknown> {
  return asStruct({
    nonce: s.nonce,
    started: s.started,
    progress: s.progress,
    required: s.required,
    complete: s.complete,
    encoded_token: s.encoded,
    encoded_root_token: s.encoded,
    pgp_fingerprint: '',
    otp: s.otp,
    otp_length: s.otpLength,
  });
}
