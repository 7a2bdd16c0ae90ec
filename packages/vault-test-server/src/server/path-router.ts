/**
 * A small version of Vault's `sdk/framework`: a backend declares path patterns with one
 * handler per operation; the first pattern that matches the whole sub-path wins.
 * No pattern → 404 `unsupported path`; pattern without a handler for the operation →
 * 405 `unsupported operation`. `create` falls back to the `update` handler.
 */
import type { Backend } from './backend.js';
import { unsupportedOperation, unsupportedPath } from './errors.js';
import type { LogicalRequest, LogicalResponse, Operation } from './logical.js';

/** Named groups captured by a path pattern. */
export type PathParams = Readonly<Record<string, string>>;

/** A handler for one operation on one path pattern. */
export type PathHandler = (req: LogicalRequest, params: PathParams) => LogicalResponse | null | Promise<LogicalResponse | null>;

/** One path of a framework backend. */
export interface PathDefinition {
  /** Matched against the whole sub-path (anchor it with `^...$`); named groups become params. */
  readonly pattern: RegExp;
  readonly operations: Partial<Record<Operation, PathHandler>>;
  /** Existence check: decides `create` vs `update` for POST/PUT. */
  readonly exists?: (req: LogicalRequest, params: PathParams) => boolean;
  /** Callable without a token (login paths). */
  readonly unauthenticated?: boolean;
}

/** Base class for backends defined as a list of {@link PathDefinition}s. */
export abstract class FrameworkBackend implements Backend {
  /** The paths, in priority order. */
  protected abstract readonly paths: readonly PathDefinition[];

  /** The last request matched and its match (the core asks up to three times per request). */
  private lastRequest: LogicalRequest | undefined;
  private lastSubPath = '';
  private lastMatch: { definition: PathDefinition; params: PathParams } | undefined;

  handle(req: LogicalRequest): LogicalResponse | null | Promise<LogicalResponse | null> {
    const match = this.matchRequest(req);
    if (!match) throw unsupportedPath();
    const ops = match.definition.operations;
    const handler = ops[req.operation] ?? (req.operation === 'create' ? ops.update : undefined);
    if (!handler) throw unsupportedOperation();
    return handler(req, match.params);
  }

  exists(req: LogicalRequest): boolean | undefined {
    const match = this.matchRequest(req);
    if (!match?.definition.exists) return undefined;
    return match.definition.exists(req, match.params);
  }

  isUnauthenticated(req: LogicalRequest): boolean {
    return this.matchRequest(req)?.definition.unauthenticated === true;
  }

  /** {@link match} of the request's sub-path, remembered for the same request and sub-path. */
  private matchRequest(req: LogicalRequest): { definition: PathDefinition; params: PathParams } | undefined {
    if (req !== this.lastRequest || req.subPath !== this.lastSubPath) {
      this.lastMatch = this.match(req.subPath);
      this.lastRequest = req;
      this.lastSubPath = req.subPath;
    }
    return this.lastMatch;
  }

  /** Finds the first path whose pattern matches the whole `subPath`. */
  protected match(subPath: string): { definition: PathDefinition; params: PathParams } | undefined {
    for (const definition of this.paths) {
      definition.pattern.lastIndex = 0;
      const found = definition.pattern.exec(subPath);
      if (found && found.index === 0 && found[0].length === subPath.length) {
        const params: Record<string, string> = {};
        const groups = found.groups;
        if (groups) for (const name in groups) params[name] = groups[name] ?? '';
        return { definition, params };
      }
    }
    return undefined;
  }
}
