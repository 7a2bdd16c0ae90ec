import { VaultRequestError } from '../errors/vault-request.error.js';
import { redactSent } from '../util/redact-sent.js';

/** Request fields that carry data (never quoted in an error). */
const DATA_FIELDS = ['plaintext', 'ciphertext', 'context', 'input', 'signature', 'hmac'] as const;

/** Every data value sent in the request bodies, and the UTF-8 text behind the base64 ones. */
export function sentStrings(bodies: readonly Record<string, unknown>[]): string[] {
  const out: string[] = [];
  for (const body of bodies) {
    for (const field of DATA_FIELDS) {
      const value = body[field];
      if (typeof value !== 'string') continue;
      out.push(value);
      if (!value.startsWith('vault:')) out.push(Buffer.from(value, 'base64').toString('utf8'));
    }
  }
  return out;
}

/**
 * Makes sure no plaintext or ciphertext sent in the request comes back inside an error (a proxy
 * or a future Vault might echo input): a VaultRequestError whose text contains one is rebuilt
 * with it redacted. Other errors pass through (they carry no request data).
 */
export function scrub<E>(error: E, secrets: readonly string[]): E | VaultRequestError {
  if (!(error instanceof VaultRequestError)) return error;
  const redacted = error.vaultErrors.map((e) => redactSent(e, secrets));
  if (redacted.every((e, i) => e === error.vaultErrors[i])) return error;
  return new VaultRequestError(redacted, {
    ...(error.path === undefined ? {} : { path: error.path }),
    ...(error.status === undefined ? {} : { status: error.status }),
  });
}
