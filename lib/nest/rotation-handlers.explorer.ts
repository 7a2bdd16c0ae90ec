import { Injectable } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { pathProblem } from '../client/vault-path.js';
import { InvalidOptionsError } from '../errors/invalid-options.error.js';
import { ON_SECRET_ROTATED_METADATA, type OnSecretRotatedMetadata } from './on-secret-rotated.decorator.js';

/** One `@OnSecretRotated` handler found at boot. */
export interface RotationHandlerRef {
  /** `ClassName.method`. */
  name: string;
  keys: string[];
}

/**
 * Finds every `@OnSecretRotated` method at boot, so the module can check them: that
 * `EventEmitterModule` is there to deliver to them, and that every key they name can exist.
 */
@Injectable()
export class RotationHandlersExplorer {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  /** Every marked handler of every provider and controller. */
  handlers(): RotationHandlerRef[] {
    const found: RotationHandlerRef[] = [];
    for (const wrapper of [...this.discovery.getProviders(), ...this.discovery.getControllers()]) {
      const instance: unknown = wrapper.instance;
      if (!instance || typeof instance !== 'object' || wrapper.isAlias) continue;
      const prototype = Object.getPrototypeOf(instance) as object | null;
      if (!prototype) continue;
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const fn = (instance as Record<string, unknown>)[method];
        if (typeof fn !== 'function') continue;
        const meta = this.reflector.get<OnSecretRotatedMetadata | undefined>(ON_SECRET_ROTATED_METADATA, fn);
        if (meta) found.push({ name: `${(instance as object).constructor.name}.${method}`, keys: meta.keys });
      }
    }
    return found;
  }

  /**
   * Checks the handlers against what the app can produce.
   * @param hasEventEmitter - whether `EventEmitter2` is available.
   * @param engineNames - registered engines (keys of the form `<engine>:<path>` must name one).
   * @throws InvalidOptionsError listing every problem.
   */
  verify(hasEventEmitter: boolean, engineNames: readonly string[]): RotationHandlerRef[] {
    const handlers = this.handlers();
    const problems: string[] = [];
    if (handlers.length > 0 && !hasEventEmitter) {
      problems.push(
        `@OnSecretRotated handlers (${handlers.map((h) => h.name).join(', ')}) need EventEmitterModule: add EventEmitterModule.forRoot() to your AppModule imports`,
      );
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
    return handlers;
  }
}
