/**
 * Errors thrown inside the server pipeline and turned into Vault's `{"errors":[...]}` bodies.
 */

/** Formats messages like Go's `hashicorp/go-multierror`. */
export function multierror(...messages: string[]): string {
  const head = messages.length === 1 ? '1 error occurred:' : `${messages.length} errors occurred:`;
  return `${head}\n${messages.map((m) => `\t* ${m}`).join('\n')}\n\n`;
}

/** An HTTP error answered as `{"errors": errors}` with `status`. */
export class VaultError extends Error {
  constructor(
    /** HTTP status code. */
    readonly status: number,
    /** The `errors` array of the body (0 or 1 element in practice). */
    readonly errors: readonly string[] = [],
  ) {
    super(errors[0] ?? `HTTP ${status}`);
    this.name = 'VaultError';
  }
}

/** 400 with one message (Go `logical.ErrorResponse(...)` + `ErrInvalidRequest`). */
export function badRequest(message: string): VaultError {
  return new VaultError(400, [message]);
}

/** 404 with an empty `errors` array (read of a missing path). */
export function notFound(): VaultError {
  return new VaultError(404, []);
}

/** 403 raised by the ACL check of a valid token. */
export function aclDenied(): VaultError {
  return new VaultError(403, [multierror('permission denied')]);
}

/** 405 for an operation a matched path does not support. */
export function unsupportedOperation(): VaultError {
  return new VaultError(405, [multierror('unsupported operation')]);
}

/** 404 for a path no pattern of the backend matches. */
export function unsupportedPath(): VaultError {
  return new VaultError(404, [multierror('unsupported path')]);
}

/** 500 for a plain (non-logical) backend error, multierror-wrapped like Vault's core does. */
export function internalError(message: string): VaultError {
  return new VaultError(500, [multierror(message)]);
}
