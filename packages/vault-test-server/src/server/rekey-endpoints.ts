/**
 * `sys/rekey/init`, `sys/rekey/update` and `sys/rekey/verify`
 * (https://developer.hashicorp.com/vault/api-docs/system/rekey): replace the unseal key and its
 * shares, with the optional verification step. Raw, unauthenticated handlers like Vault's. PGP
 * encryption of the new shares is not supported by the test server (400, said plainly);
 * `sys/rekey-recovery-key/*` answers like a Shamir-sealed Vault (recovery keys unsupported).
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { asStruct } from './go-json.js';
import { emptyResult, errorResult, jsonResult, type HttpResult } from './envelope.js';
import { VaultError } from './errors.js';
import { guarded, sealedError, type RawHandlerRegistry } from './operator-endpoints.js';
import { decodeKeyShare, keyLengthProblem, RawBody } from './raw-body.js';
import type { RawRequest } from './router.js';
import { rebuildKey, sealConfigProblem, UnsealKeys, type SealShape } from './unseal-keys.js';
import type { VaultCore } from './vault-core.js';

/** A rekey in progress (Vault's `barrierRekeyConfig`). */
interface RekeyState {
  readonly shape: SealShape;
  readonly nonce: string;
  readonly verificationRequired: boolean;
  progress: Buffer[];
  /** Set once the old shares were accepted and verification is required. */
  verification?: { key: Buffer; shares: Buffer[]; nonce: string; progress: Buffer[] };
}

/** Registers the rekey handlers of one server. */
export function registerRekeyEndpoints(router: RawHandlerRegistry, core: VaultCore): void {
  const rekey = new RekeyEndpoints(core);
  router.registerRawHandler(
    'sys/rekey/init',
    guarded((r) => rekey.init(r)),
  );
  router.registerRawHandler(
    'sys/rekey/update',
    guarded((r) => rekey.update(r)),
  );
  router.registerRawHandler(
    'sys/rekey/verify',
    guarded((r) => rekey.verify(r)),
  );
  const noRecovery = guarded(() => {
    throw new VaultError(400, ['recovery rekeying not supported']);
  });
  for (const path of ['init', 'update', 'verify']) router.registerRawHandler(`sys/rekey-recovery-key/${path}`, noRecovery);
}

class RekeyEndpoints {
  private state: RekeyState | undefined;

  constructor(private readonly core: VaultCore) {}

  init(r: RawRequest): HttpResult {
    switch (r.method) {
      case 'GET':
        return this.status();
      case 'PUT':
      case 'POST':
        return this.start(RawBody.parse(r.body));
      case 'DELETE':
        this.requireUnsealed();
        this.state = undefined;
        return emptyResult(204);
      default:
        return errorResult(405);
    }
  }

  /** Like Vault's handler, any method is read as a key submission. */
  update(r: RawRequest): HttpResult {
    const body = RawBody.parse(r.body);
    const key = this.keyShare(body);
    this.requireUnsealed();
    const problem = keyLengthProblem(key);
    if (problem !== undefined) throw new VaultError(400, [problem]);
    const state = this.state;
    if (!state) throw new VaultError(400, ['no barrier rekey in progress']);
    if (state.verification) {
      throw new VaultError(400, [
        `rekey operation already finished; verification must be performed; nonce for the verification operation is ${JSON.stringify(state.verification.nonce)}`,
      ]);
    }
    const nonce = body.string('nonce');
    if (nonce !== state.nonce) {
      throw new VaultError(400, [`incorrect nonce supplied; nonce for this rekey operation is ${JSON.stringify(state.nonce)}`]);
    }
    if (state.progress.some((given) => sameBytes(given, key))) {
      throw new VaultError(400, ['given key has already been provided during this generation operation']);
    }
    state.progress.push(key);
    const keys = this.core.unsealKeys;
    if (state.progress.length < keys.config.threshold) return this.status();
    const parts = state.progress;
    state.progress = [];
    const rebuilt = rebuildOrFail(keys, parts, 'failed to compute root key');
    if (!keys.matches(rebuilt)) {
      throw new VaultError(500, ['failed to read root key: failed to decrypt keys from storage: cipher: message authentication failed']);
    }
    const { key: newKey, shares } = UnsealKeys.generate(state.shape);
    let verificationNonce: string | undefined;
    if (state.verificationRequired) {
      verificationNonce = randomUUID();
      state.verification = { key: newKey, shares, nonce: verificationNonce, progress: [] };
    } else {
      keys.install(state.shape, newKey, shares);
      this.state = undefined;
    }
    return jsonResult(
      200,
      asStruct({
        nonce,
        complete: true,
        keys: shares.map((share) => share.toString('hex')),
        keys_base64: shares.map((share) => share.toString('base64')),
        pgp_fingerprints: null,
        backup: false,
        verification_required: state.verificationRequired,
        verification_nonce: verificationNonce,
      }),
    );
  }

  verify(r: RawRequest): HttpResult {
    switch (r.method) {
      case 'GET':
        return this.verificationStatus();
      case 'DELETE':
        this.requireUnsealed();
        if (this.state?.verification) {
          this.state.verification.progress = [];
          this.state.verification.nonce = randomUUID();
        }
        return this.verificationStatus();
      case 'PUT':
      case 'POST':
        return this.submitVerification(RawBody.parse(r.body));
      default:
        return errorResult(405);
    }
  }

  private start(body: RawBody): HttpResult {
    const pgpKeys = body.strings('pgp_keys');
    const shape = { shares: body.int('secret_shares'), threshold: body.int('secret_threshold') };
    if (body.bool('backup') && pgpKeys.length === 0) {
      throw new VaultError(400, ['cannot request a backup of the new keys without providing PGP keys for encryption']);
    }
    if (pgpKeys.length > 0 && pgpKeys.length !== shape.shares) throw new VaultError(400, ['incorrect number of PGP keys for rekey']);
    if (pgpKeys.length > 0) throw new VaultError(400, ['the Vault test server does not support PGP-encrypted key shares (pgp_keys)']);
    if (shape.threshold > shape.shares) throw new VaultError(400, ['provided threshold greater than the total shares']);
    const problem = sealConfigProblem(shape);
    if (problem !== undefined) throw new VaultError(500, [`invalid rekey seal configuration: ${problem}`]);
    this.requireUnsealed();
    if (this.state) throw new VaultError(400, ['rekey already in progress']);
    this.state = { shape, nonce: randomUUID(), verificationRequired: body.bool('require_verification'), progress: [] };
    return this.status();
  }

  private status(): HttpResult {
    this.requireUnsealed();
    const state = this.state;
    return jsonResult(
      200,
      asStruct({
        nonce: state?.nonce ?? '',
        started: state !== undefined,
        t: state?.shape.threshold ?? 0,
        n: state?.shape.shares ?? 0,
        progress: state?.progress.length ?? 0,
        required: this.core.unsealKeys.config.threshold,
        pgp_fingerprints: null,
        backup: false,
        verification_required: state?.verificationRequired ?? false,
        verification_nonce: state?.verification?.nonce || undefined,
      }),
    );
  }

  private verificationStatus(): HttpResult {
    this.requireUnsealed();
    const state = this.state;
    if (!state) throw new VaultError(400, ['no rekey configuration found']);
    return jsonResult(
      200,
      asStruct({
        nonce: state.verification?.nonce ?? '',
        started: state.verification !== undefined,
        t: state.shape.threshold,
        n: state.shape.shares,
        progress: state.verification?.progress.length ?? 0,
      }),
    );
  }

  private submitVerification(body: RawBody): HttpResult {
    const key = this.keyShare(body);
    this.requireUnsealed();
    const problem = keyLengthProblem(key);
    if (problem !== undefined) throw new VaultError(400, [problem]);
    const state = this.state;
    if (!state) throw new VaultError(400, ['no rekey in progress']);
    const verification = state.verification;
    if (!verification) throw new VaultError(400, ['no rekey verification in progress']);
    if (body.string('nonce') !== verification.nonce) {
      throw new VaultError(400, [`incorrect nonce supplied; nonce for this verify operation is ${JSON.stringify(verification.nonce)}`]);
    }
    if (verification.progress.some((given) => sameBytes(given, key))) {
      throw new VaultError(400, ['given key has already been provided during this verify operation']);
    }
    verification.progress.push(key);
    if (verification.progress.length < state.shape.threshold) return this.verificationStatus();
    const parts = verification.progress;
    verification.progress = [];
    let rebuilt: Buffer;
    try {
      rebuilt = rebuildKey(parts, state.shape.threshold, 'failed to compute key for verification');
    } catch (error: unknown) {
      verification.nonce = randomUUID();
      throw new VaultError(500, [error instanceof Error ? error.message : String(error)]);
    }
    if (!sameBytes(rebuilt, verification.key)) {
      verification.nonce = randomUUID();
      throw new VaultError(400, ['rekey verification failed; incorrect key shares supplied']);
    }
    this.core.unsealKeys.install(state.shape, verification.key, verification.shares);
    this.state = undefined;
    return jsonResult(200, asStruct({ nonce: verification.nonce, complete: true }));
  }

  private keyShare(body: RawBody): Buffer {
    const text = body.string('key');
    if (text === '') throw new VaultError(400, ["'key' must be specified in request body as JSON"]);
    return decodeKeyShare(text);
  }

  private requireUnsealed(): void {
    if (this.core.sealed) throw sealedError();
  }
}

function rebuildOrFail(keys: UnsealKeys, parts: readonly Buffer[], prefix: string): Buffer {
  try {
    return keys.rebuild(parts, prefix);
  } catch (error: unknown) {
    throw new VaultError(500, [error instanceof Error ? error.message : String(error)]);
  }
}

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
