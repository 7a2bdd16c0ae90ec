import { Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { SecretFeatureError } from '../errors/secret-feature.error.js';
import { SecretNotFoundError } from '../errors/secret-not-found.error.js';
import { SecretsError } from '../errors/secrets.error.js';
import { VaultUnavailableError } from '../errors/vault-unavailable.error.js';
import type { SecretRotatedEvent } from '../events/secret-rotated.event.js';
import { validateSecret } from '../core/schema/validate-secret.js';
import { Rotating } from './rotating.js';
import { isRotatingDeclaration, type SecretDeclaration, type SecretFeature } from './secret-feature.js';
import { SecretRef } from './secret-ref.js';
import type { SecretsService } from './secrets.service.js';

/** What to do when Vault could not be reached at boot for a declared secret. */
const OUTAGE_ADVICE =
  'Vault could not be reached at boot and these secrets have no fallback value: check that Vault is up and that VAULT_ADDR (the `address` option) points at it; to boot without Vault, give them a fallback (`SECRETS_<KEY>` environment variables or `fallbackJson`).';

interface Loaded {
  data: unknown;
  version: string | number | undefined;
}

/**
 * What one `SecretsModule.forFeature([...])` loaded at boot: a {@link SecretRef} or a
 * {@link Rotating} per entry, kept current through the Vault's rotation orchestrator.
 * Disposes the rotating resources on shutdown, before the module revokes the leases.
 */
export class SecretFeatures implements BeforeApplicationShutdown {
  /** One handle per entry, in the order given. */
  readonly handles: Array<SecretRef<unknown> | Rotating<unknown>> = [];
  readonly #unregister: Array<() => void> = [];
  readonly #disposers: Array<() => Promise<void>> = [];
  readonly #logger: Logger;

  private constructor(vault: string | undefined) {
    this.#logger = new Logger(vault === undefined ? 'SecretsModule' : `SecretsModule(${vault})`);
  }

  /**
   * Reads every entry (in parallel), validates, builds the rotating resources, and subscribes
   * them to rotations.
   * @throws the error of the one entry that failed, or SecretFeatureError listing every failure.
   */
  static async load(service: SecretsService, entries: readonly SecretFeature[]): Promise<SecretFeatures> {
    const features = new SecretFeatures(service.vaultName);
    const results = await Promise.allSettled(entries.map((entry) => features.#create(service, entry)));
    const failures: Array<{ key: string; error: Error }> = [];
    results.forEach((result, index) => {
      if (result.status === 'fulfilled') features.handles.push(result.value);
      else failures.push({ key: keyOf(entries[index]!), error: asError(result.reason) });
    });
    if (failures.length > 0) {
      await features.beforeApplicationShutdown();
      const outage = failures.some(({ error }) => error instanceof VaultUnavailableError);
      if (failures.length === 1 && !outage) throw failures[0]!.error;
      throw new SecretFeatureError(failures, outage ? OUTAGE_ADVICE : undefined);
    }
    return features;
  }

  async #create(service: SecretsService, entry: SecretFeature): Promise<SecretRef<unknown> | Rotating<unknown>> {
    if (!isRotatingDeclaration(entry)) return this.#ref(service, entry);
    const declaration: SecretDeclaration = typeof entry.secret === 'string' ? { key: entry.secret } : entry.secret;
    const first = await read(service, declaration);
    const rotating = new Rotating<unknown>(declaration.key, await entry.build(first.data as never));
    const dispose = async (old: unknown): Promise<void> => {
      await entry.dispose?.(old);
    };
    let chain: Promise<unknown> = Promise.resolve();
    this.#unregister.push(
      service.onRotationUpdate([declaration.key], (event) => {
        // One rebuild at a time: a second rotation waits for the first build.
        const next = chain.then(async () => {
          const built = await entry.build((await validated(declaration, event)) as never);
          // Applied with every other ref of this rotation, before the handlers run.
          return async () => {
            const old = rotating.swap(built);
            this.#logger.log(`Rebuilt the resource of "${declaration.key}" (${event.reason}); disposing the previous one`);
            await dispose(old);
          };
        });
        chain = next.catch(() => undefined);
        return next;
      }),
    );
    this.#disposers.push(() => dispose(rotating.current));
    return rotating;
  }

  async #ref(service: SecretsService, declaration: SecretDeclaration): Promise<SecretRef<unknown>> {
    let first: Loaded;
    try {
      first = await read(service, declaration);
    } catch (error) {
      if (!(declaration.optional && error instanceof SecretNotFoundError)) throw error;
      first = { data: undefined, version: undefined };
    }
    const ref = new SecretRef<unknown>(declaration.key, first.data, first.version);
    this.#unregister.push(
      service.onRotationUpdate([declaration.key], async (event) => {
        const value = await validated(declaration, event);
        // Applied with every other ref of this rotation, before the handlers run.
        return () => {
          const errors = ref.update(value, event.currentVersion ?? event.currentLeaseId);
          for (const error of errors) {
            this.#logger.error(`A SecretRef listener of "${declaration.key}" failed: ${asError(error).message}`);
          }
        };
      }),
    );
    return ref;
  }

  /** @internal Stops following rotations and disposes the current rotating resources. */
  async beforeApplicationShutdown(): Promise<void> {
    for (const unregister of this.#unregister.splice(0)) unregister();
    const results = await Promise.allSettled(this.#disposers.splice(0).map((dispose) => dispose()));
    for (const result of results) {
      if (result.status === 'rejected') this.#logger.warn(`Disposing a rotating resource failed: ${asError(result.reason).message}`);
    }
  }
}

/** Reads a declared secret (KV, dynamic database credentials or another engine) and validates it. */
async function read(service: SecretsService, declaration: SecretDeclaration): Promise<Loaded> {
  let loaded: Loaded;
  if (declaration.engine === undefined) {
    const secret = await service.fetchSecretWithMetadata(declaration.key);
    loaded = { data: secret.data, version: secret.version };
  } else if (declaration.path === undefined) {
    throw new TypeError(`forFeature entry "${declaration.key}": "path" is required with "engine"`);
  } else if (declaration.engine === 'database') {
    const mount = typeof declaration.engineOptions?.mount === 'string' ? declaration.engineOptions.mount : undefined;
    const {
      leaseId,
      leaseDuration: _duration,
      renewable: _renewable,
      expiresAt: _expires,
      ...data
    } = await service.fetchDynamicDbCreds(declaration.path, { mount, key: declaration.key });
    loaded = { data, version: leaseId };
  } else {
    const data = await service.fetchFrom(declaration.engine, declaration.path, declaration.engineOptions, declaration.key);
    loaded = { data, version: undefined };
  }
  if (declaration.schema !== undefined) loaded.data = await validateSecret(declaration.key, loaded.data, declaration.schema);
  return loaded;
}

/** The new value of a rotation, validated against the declaration's schema. */
async function validated(declaration: SecretDeclaration, event: SecretRotatedEvent): Promise<unknown> {
  const value = event.secret<unknown>();
  return declaration.schema === undefined ? value : validateSecret(declaration.key, value, declaration.schema);
}

function keyOf(entry: SecretFeature): string {
  if (!isRotatingDeclaration(entry)) return entry.key;
  return typeof entry.secret === 'string' ? entry.secret : entry.secret.key;
}

function asError(error: unknown): Error {
  return error instanceof SecretsError || error instanceof Error ? error : new Error(String(error));
}
