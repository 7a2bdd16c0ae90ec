/**
 * Redaction helpers: the last line of defence that keeps tokens and secret values out of
 * log lines, error messages and stack traces.
 */

/** Placeholder written where a secret was removed. */
export const REDACTED = '[REDACTED]';

/** Vault token shapes: service (`hvs.`), batch (`hvb.`), recovery (`hvr.`) and legacy `s.`/`b.` tokens. */
const TOKEN_PATTERN = /\b(?:hv[sbr]|[sb])\.[A-Za-z0-9_-]{20,}\b/g;

/** Header-like `name: value` or `name=value` pairs whose value is a credential. */
const CREDENTIAL_PAIR_PATTERN =
  /((?:x-vault-token|authorization|password|passphrase|secret[_-]?id|client[_-]?token|token|secret|private[_-]?key|secret_key|access_key|session_token|security_token)["']?\s*[:=]\s*["']?)(?:Bearer\s+)?[^\s"',;}]+/gi;

/** PEM private key blocks. */
const PEM_KEY_PATTERN = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g;

/**
 * Removes anything that looks like a Vault token, a credential pair or a private key from `text`,
 * plus every exact string listed in `knownSecrets` (values the caller knows are secret).
 *
 * @param text - free text, e.g. an error message from a library or from Vault.
 * @param knownSecrets - exact values to remove; strings shorter than 4 characters are ignored
 *   so that redaction cannot destroy ordinary words.
 * @returns the text with every match replaced by `[REDACTED]`.
 */
export function redactText(text: string, knownSecrets: Iterable<string> = []): string {
  let out = text
    .replace(PEM_KEY_PATTERN, REDACTED)
    .replace(TOKEN_PATTERN, REDACTED)
    .replace(CREDENTIAL_PAIR_PATTERN, (_match, name: string) => `${name}${REDACTED}`);
  for (const secret of knownSecrets) {
    if (secret.length >= 4) out = out.split(secret).join(REDACTED);
  }
  return out;
}
