import { InvalidTokenError } from '../errors/invalid-token.error.js';
import { MalformedResponseError } from '../errors/malformed-response.error.js';
import { PermissionDeniedError } from '../errors/permission-denied.error.js';
import { SecretNotFoundError } from '../errors/secret-not-found.error.js';
import type { SecretsError } from '../errors/secrets.error.js';
import { VaultRequestError } from '../errors/vault-request.error.js';
import { VaultSealedError } from '../errors/vault-sealed.error.js';
import { VaultTlsError, type VaultTlsProblem } from '../errors/vault-tls.error.js';
import { VaultUnavailableError } from '../errors/vault-unavailable.error.js';
import { vaultErrors } from './vault-envelope.js';
import { CLIENT_CERT_CLOSE_CODE } from './client-cert-refusal.js';

/** OpenSSL certificate verification results and Node's TLS checks, as `error.code` (Node/axios). */
const TLS_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_CHAIN_TOO_LONG',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
  'INVALID_CA',
  'INVALID_PURPOSE',
  'PATH_LENGTH_EXCEEDED',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_TLS_CERT_ALTNAME_FORMAT',
  // The handshake itself failed: e.g. https:// to a plain-HTTP port ("wrong version number").
  'EPROTO',
  // Vault closed the connection during or right after a handshake that offered the client certificate.
  CLIENT_CERT_CLOSE_CODE,
]);

/** OpenSSL errors raised during the handshake (`ERR_SSL_WRONG_VERSION_NUMBER`, `ERR_SSL_TLSV1_ALERT_UNKNOWN_CA`, ...). */
const TLS_CODE_PREFIX = 'ERR_SSL_';

function isTlsCode(code: string): boolean {
  return TLS_CODES.has(code) || code.startsWith(TLS_CODE_PREFIX);
}

/**
 * Which TLS problem a code names. `hasClientCert` tells a listener that wants a certificate
 * (none configured) from one that refused the configured certificate.
 */
export function tlsProblemOf(code: string, hasClientCert = false): VaultTlsProblem {
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID' || code === 'ERR_TLS_CERT_ALTNAME_FORMAT' || code === 'HOSTNAME_MISMATCH')
    return 'hostname-mismatch';
  if (
    code === 'CERT_HAS_EXPIRED' ||
    code === 'CERT_NOT_YET_VALID' ||
    code === 'ERROR_IN_CERT_NOT_BEFORE_FIELD' ||
    code === 'ERROR_IN_CERT_NOT_AFTER_FIELD'
  )
    return 'expired';
  if (
    [
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      'UNABLE_TO_GET_ISSUER_CERT',
      'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
      'SELF_SIGNED_CERT_IN_CHAIN',
      'DEPTH_ZERO_SELF_SIGNED_CERT',
      'CERT_UNTRUSTED',
      'CERT_SIGNATURE_FAILURE',
      'INVALID_CA',
      'CERT_CHAIN_TOO_LONG',
      'PATH_LENGTH_EXCEEDED',
    ].includes(code)
  )
    return 'untrusted-ca';
  if (code === 'EPROTO' || code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'ERR_SSL_PACKET_LENGTH_TOO_LONG') return 'not-tls';
  if (code === CLIENT_CERT_CLOSE_CODE) return 'client-certificate-refused';
  if (code === 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED')
    return hasClientCert ? 'client-certificate-refused' : 'client-certificate-required';
  if (
    /^ERR_SSL_(?:TLSV1|SSLV3)_ALERT_(?:UNKNOWN_CA|BAD_CERTIFICATE|CERTIFICATE_EXPIRED|CERTIFICATE_REVOKED|CERTIFICATE_UNKNOWN|UNSUPPORTED_CERTIFICATE|ACCESS_DENIED|DECRYPT_ERROR)$/.test(
      code,
    )
  )
    return 'client-certificate-refused';
  if (code === 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE') return hasClientCert ? 'client-certificate-refused' : 'client-certificate-required';
  return 'other';
}

/** The `code`s of an error and of its `cause` chain (axios wraps Node's error), outermost first. */
function errorCodes(error: unknown): string[] {
  const codes: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') codes.push(code);
    current = (current as { cause?: unknown }).cause;
  }
  return codes;
}

/** Parses `Retry-After` (seconds or HTTP date) into seconds. */
function retryAfterSeconds(header: unknown, nowMs: number): number | undefined {
  if (typeof header !== 'string' || header.trim() === '') return undefined;
  // A number is delay-seconds (RFC 9110 §10.2.3), never a date: a negative one is invalid
  // (Date.parse('-1') would read it as the year 2001, a date in the past, so no wait at all).
  if (/^\s*[-+]?\d+(\.\d+)?\s*$/.test(header)) {
    const seconds = Number(header);
    return seconds >= 0 ? seconds : undefined;
  }
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - nowMs) / 1000));
}

/**
 * Maps a Vault HTTP answer that is not a success to the module's error classes
 * (https://developer.hashicorp.com/vault/api-docs#http-status-codes). Never includes the body beyond Vault's redacted `errors` strings.
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
    return /invalid token/i.test(text)
      ? new InvalidTokenError({ path, status })
      : new PermissionDeniedError({ path, status, vaultErrors: errors });
  }
  if (status === 404) return new SecretNotFoundError(path, 'missing', { path, status });
  if (status === 503 && /sealed/i.test(text)) return new VaultSealedError({ path, status });
  if (status === 429 || status === 412 || status >= 500) {
    // Vault's reason is kept on every status (a quota's own message on a 429).
    const label = status === 429 ? 'rate limited (429)' : status === 412 ? 'index state not yet present (412)' : `HTTP ${status}`;
    const reason = `${label}${text ? `: ${text.trim()}` : ''}`;
    return new VaultUnavailableError(reason, {
      path,
      status,
      kind: 'status',
      retryAfterSeconds: retryAfterSeconds(headers['retry-after'], nowMs),
    });
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
 * to {@link VaultUnavailableError} or, for TLS problems, {@link VaultTlsError}: a configuration
 * problem, never retried, whose `problem` names what failed (hostname mismatch, unknown CA, expired
 * certificate, client certificate required or refused). The TLS code may sit on the error or
 * anywhere in its `cause` chain.
 */
export function mapTransportError(error: unknown, path: string, tls: { hasClientCert?: boolean } = {}): SecretsError {
  const codes = errorCodes(error);
  const rawMessage = (error as { message?: unknown } | null)?.message;
  const message = typeof rawMessage === 'string' ? rawMessage : 'unknown error';
  const tlsCode = codes.find(isTlsCode);
  if (tlsCode !== undefined)
    return new VaultTlsError(`${tlsCode}: ${message}`, { path, cause: error }, tlsProblemOf(tlsCode, tls.hasClientCert));
  const code = codes[0];
  const timeout = code === 'ECONNABORTED' || code === 'ETIMEDOUT';
  const reason = timeout ? `request timed out (${message})` : `${code ?? 'network error'}: ${message}`;
  return new VaultUnavailableError(reason, { path, cause: error, kind: timeout ? 'timeout' : 'network' });
}
