import { InvalidTokenError } from '../errors/invalid-token.error.js';
import { MalformedResponseError } from '../errors/malformed-response.error.js';
import { PermissionDeniedError } from '../errors/permission-denied.error.js';
import { SecretNotFoundError } from '../errors/secret-not-found.error.js';
import type { SecretsError } from '../errors/secrets.error.js';
import { VaultRequestError } from '../errors/vault-request.error.js';
import { VaultSealedError } from '../errors/vault-sealed.error.js';
import { VaultTlsError } from '../errors/vault-tls.error.js';
import { VaultUnavailableError } from '../errors/vault-unavailable.error.js';
import { vaultErrors } from './vault-envelope.js';

const TLS_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO',
]);

/** Parses `Retry-After` (seconds or HTTP date) into seconds. */
function retryAfterSeconds(header: unknown, nowMs: number): number | undefined {
  if (typeof header !== 'string' || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - nowMs) / 1000));
}

/**
 * Maps a Vault HTTP answer that is not a success to the module's error classes
 * (REFERENCE.md §0.4–0.5). Never includes the body beyond Vault's redacted `errors` strings.
 *
 * @param status - HTTP status.
 * @param body - parsed JSON body, or undefined.
 * @param path - API path without `/v1/`, for the message.
 * @param headers - response headers (for `Retry-After`).
 */
export function mapVaultStatus(
  status: number,
  body: unknown,
  path: string,
  headers: Record<string, unknown> = {},
  nowMs = Date.now(),
): SecretsError {
  const errors = vaultErrors(body);
  const text = errors.join('\n');
  if (status === 403) {
    return /invalid token/i.test(text) ? new InvalidTokenError({ path, status }) : new PermissionDeniedError({ path, status });
  }
  if (status === 404) return new SecretNotFoundError(path, 'missing', { path, status });
  if (status === 503 && /sealed/i.test(text)) return new VaultSealedError({ path, status });
  if (status === 429 || status === 412 || status >= 500) {
    const reason =
      status === 429
        ? 'rate limited (429)'
        : status === 412
          ? 'index state not yet present (412)'
          : `HTTP ${status}${text ? `: ${text.trim()}` : ''}`;
    return new VaultUnavailableError(reason, { path, status, retryAfterSeconds: retryAfterSeconds(headers['retry-after'], nowMs) });
  }
  if (status >= 300 && status < 400) {
    return new VaultRequestError([`unexpected redirect (HTTP ${status}); point address at the active Vault node`], { path, status });
  }
  if (body !== undefined && errors.length === 0 && status >= 400 && typeof body !== 'object') {
    return new MalformedResponseError(`HTTP ${status} with a body that is not Vault's error JSON`, { path, status });
  }
  return new VaultRequestError(errors, { path, status });
}

/**
 * Maps a failure to get any HTTP answer (connection refused, reset, timeout, TLS handshake)
 * to {@link VaultUnavailableError} or, for TLS verification problems, {@link VaultTlsError}.
 */
export function mapTransportError(error: unknown, path: string): SecretsError {
  const source = error as { code?: unknown; message?: unknown; cause?: { code?: unknown } };
  const code = typeof source.code === 'string' ? source.code : typeof source.cause?.code === 'string' ? source.cause.code : undefined;
  const message = typeof source.message === 'string' ? source.message : 'unknown error';
  if (code !== undefined && TLS_CODES.has(code)) return new VaultTlsError(`${code}: ${message}`, { path, cause: error });
  const reason =
    code === 'ECONNABORTED' || code === 'ETIMEDOUT' ? `request timed out (${message})` : `${code ?? 'network error'}: ${message}`;
  return new VaultUnavailableError(reason, { path, cause: error });
}
