/**
 * The `code` of a connection Vault closed during, or right after, a TLS handshake in which the
 * client certificate (`clientCert`) was offered: how a listener that requires client certificates
 * refuses one it does not trust when it sends no alert (a TLS 1.2 listener drops the handshake; a
 * TLS 1.3 listener completes it, then closes before answering). Mapped to `VaultTlsError` with
 * `problem: 'client-certificate-refused'`.
 */
export const CLIENT_CERT_CLOSE_CODE = 'ERR_VAULT_TLS_CLOSED_AFTER_CLIENT_CERT';

/** How soon after the handshake (ms) a close that answered nothing still counts as a refusal of the certificate. */
export const RIGHT_AFTER_HANDSHAKE_MS = 2000;

/** When a connection was set up, for {@link clientCertRefusal}. */
export interface HandshakeTimes {
  /** When the request that met the failure started (ms, `performance.now()`). */
  readonly requestStartedAt: number;
  /** When its connection finished the TLS handshake (ms, same clock); undefined when it never did. */
  readonly securedAt: number | undefined;
  /** Whether Vault had answered the handshake (its hello arrived); read only when the handshake did not complete. */
  readonly vaultAnswered?: boolean;
  /** Now (ms, same clock). */
  readonly now: number;
}

/**
 * The error to report instead of a bare closed connection when the close looks like a refusal of
 * the client certificate, or undefined when it does not:
 * - during the handshake: Vault had answered it (its hello arrived) and closed before it completed;
 * - right after it: the connection was opened for this request, completed the handshake at most
 *   {@link RIGHT_AFTER_HANDSHAKE_MS} ago and was closed with no answer.
 * A listener that closes before answering the handshake stays a network failure (an outage).
 *
 * @param error - the failure (`ECONNRESET` during the handshake, undici's `UND_ERR_SOCKET` "other side closed" after it).
 * @param times - when the request and the handshake happened.
 */
export function clientCertRefusal(error: unknown, times: HandshakeTimes): (Error & { code: string }) | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (code !== 'ECONNRESET' && code !== 'UND_ERR_SOCKET' && code !== 'EPIPE') return undefined;
  let reason: string;
  if (times.securedAt === undefined) {
    if (times.vaultAnswered !== true) return undefined;
    reason = 'Vault closed the connection during the TLS handshake, after the client certificate was offered';
  } else {
    const fresh = times.securedAt >= times.requestStartedAt && times.now - times.securedAt <= RIGHT_AFTER_HANDSHAKE_MS;
    if (!fresh) return undefined;
    reason = 'Vault closed the connection right after the TLS handshake without answering, after the client certificate was offered';
  }
  const refusal = Object.assign(new Error(reason), { code: CLIENT_CERT_CLOSE_CODE });
  Object.defineProperty(refusal, 'cause', { value: error, enumerable: false, configurable: true, writable: true });
  return refusal;
}
