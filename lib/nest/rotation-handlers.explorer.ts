import { Injectable, type Logger } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { pathProblem } from '../util/path-problem.js';
import { InvalidOptionsError } from '../errors/invalid-options.error.js';
import type { RotationOrchestrator } from '../core/rotation/rotation.orchestrator.js';
import type { SecretRotatedEvent } from '../events/secret-rotated.event.js';
import { ON_SECRET_ROTATED_METADATA, type OnSecretRotatedMetadata } from './on-secret-rotated.decorator.js';

/** One `@OnSecretRotated` handler found at boot. */
export interface RotationHandlerRef {
  /** `ClassName.method`. */
  name: string;
  keys: string[];
  /** The named Vault it listens to; `undefined` = the default module. */
  vault?: string;
  /** Calls the method on its instance. */
  call: (event: SecretRotatedEvent) => unknown;
}

/**
 * Finds every `@OnSecretRotated` method at boot and registers it with the rotation orchestrator
 * of its Vault (the model is `@nestjs/schedule`'s explorer registering `@Cron` methods), so
 * handlers run with or without `EventEmitterModule`, exactly once per rotation.
 */
@Injectable()
export class RotationHandlersExplorer {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  /** Every marked handler of every (static-scope) provider and controller. */
  handlers(): RotationHandlerRef[] {
    const found: RotationHandlerRef[] = [];
    for (const wrapper of [...this.discovery.getProviders(), ...this.discovery.getControllers()]) {
      const instance: unknown = wrapper.instance;
      if (!instance || typeof instance !== 'object' || wrapper.isAlias || !wrapper.isDependencyTreeStatic()) continue;
      const prototype = Object.getPrototypeOf(instance) as object | null;
      if (!prototype) continue;
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const fn = (instance as Record<string, unknown>)[method];
        if (typeof fn !== 'function') continue;
        const meta = this.reflector.get<OnSecretRotatedMetadata | undefined>(ON_SECRET_ROTATED_METADATA, fn);
        if (!meta) continue;
        found.push({
          name: `${(instance as object).constructor.name}.${method}`,
          keys: meta.keys,
          vault: meta.vault,
          call: (event) => (fn as (event: SecretRotatedEvent) => unknown).call(instance, event),
        });
      }
    }
    return found;
  }

  /** Names of the named Vaults whose `SecretsService` exists in the app. */
  vaultNames(): string[] {
    const names: string[] = [];
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as { vaultName?: unknown; onRotation?: unknown } | null | undefined;
      if (instance && typeof instance === 'object' && typeof instance.onRotation === 'function' && typeof instance.vaultName === 'string') {
        names.push(instance.vaultName);
      }
    }
    return names;
  }

  /**
   * Checks the handlers of Vault `vault` against what it can produce and registers them with its
   * orchestrator.
   * @param engineNames - registered engines and named `paths` (keys of the form `<name>:<path>` must name one).
   * @returns the handlers registered.
   * @throws InvalidOptionsError listing every key no configuration can produce.
   */
  register(
    orchestrator: RotationOrchestrator,
    vault: string | undefined,
    engineNames: readonly string[],
    logger?: Logger,
  ): RotationHandlerRef[] {
    const all = this.handlers();
    const handlers = all.filter((handler) => handler.vault === vault);
    const problems: string[] = [];
    // Handlers naming a Vault no module of this app provides would never run.
    const vaults = new Set(this.vaultNames());
    for (const handler of all) {
      if (handler.vault !== undefined && !vaults.has(handler.vault)) {
        problems.push(
          `@OnSecretRotated on ${handler.name} names the Vault "${handler.vault}", but no SecretsModule.forRoot({ name: '${handler.vault}' }) is imported`,
        );
      }
    }
    for (const handler of handlers) {
      for (const key of handler.keys) {
        const engine = /^([a-z0-9_-]+):/i.exec(key)?.[1];
        const problem =
          engine !== undefined
            ? engineNames.includes(engine)
              ? undefined
              : `names engine "${engine}", which is not registered`
            : pathProblem(key);
        if (problem)
          problems.push(`@OnSecretRotated("${key}") on ${handler.name}: no configuration can produce this key (the key ${problem})`);
      }
    }
    if (problems.length > 0) throw new InvalidOptionsError(problems);
    for (const handler of handlers) orchestrator.register(handler.keys, handler.call);
    if (handlers.length > 0) logger?.log(`Registered ${handlers.length} @OnSecretRotated handler(s)`);
    return handlers;
  }
}
