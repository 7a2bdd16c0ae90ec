/**
 * Redaction helpers: the last line of defence that keeps tokens and secret values out of
 * log lines, error messages and stack traces.
 */

/** Placeholder written where a secret was removed. */
export const REDACTED = '[REDACTED]';

/** Vault token shapes: service (`hvs.`), batch (`hvb.`), recovery (`hvr.`) and legacy `s.`/`b.` tokens. */
const TOKEN_PATTERN = /\b(?:hv[sbr]|[sb])\.[A-Za-z0-9_-]{20,}\b/g;

/**
 * Header-like `name: value` or `name=value` pairs whose value is a credential. The name must
 * start a word, or follow `_` as in `DB_PASSWORD=`: a secret key named like `db-password` or
 * `app/api-token`, quoted in one of our own messages, is a name, and the words after it stay.
 */
const CREDENTIAL_PAIR_PATTERN =
  /(?<![A-Za-z0-9./-])((?:[A-Za-z0-9]+_)*(?:x-vault-token|authorization|password|passphrase|secret[_-]?id|client[_-]?token|token|secret|private[_-]?key|secret_key|access_key|session_token|security_token)["']?\s*[:=]\s*["']?)(?:Bearer\s+)?[^\s"',;}]+/gi;

/** PEM private key blocks. */
const PEM_KEY_PATTERN = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g;

/** Live secrets whose exact value is removed from every redacted text, whatever their shape. */
const liveSecrets = new Map<string, number>();

/** Shortest live secret redacted by value; shorter ones would remove ordinary words. */
const MIN_LIVE_SECRET_LENGTH = 4;

/**
 * Registers a value in use right now (the module's current Vault token) so every error message
 * and log line built through {@link redactText} removes it, even when it has no token shape
 * (e.g. a short dev-mode token echoed verbatim in a Vault error body). Returns a function that
 * unregisters it; registrations are counted, so two owners of one value each release theirs.
 */
export function registerLiveSecret(value: string): () => void {
  if (value.length < MIN_LIVE_SECRET_LENGTH) return () => undefined;
  liveSecrets.set(value, (liveSecrets.get(value) ?? 0) + 1);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const count = (liveSecrets.get(value) ?? 1) - 1;
    if (count <= 0) liveSecrets.delete(value);
    else liveSecrets.set(value, count);
  };
}

/**
 * Removes anything that looks like a Vault token, a credential pair or a private key from `text`,
 * plus every exact string listed in `knownSecrets` (values the caller knows are secret) and every
 * live secret registered with {@link registerLiveSecret} (the module's current tokens).
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
  for (const secret of liveSecrets.keys()) {
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  return out;
}

/** Longest run of non-space characters kept whole in a message (a key, a path, an echoed value). */
export const MAX_MESSAGE_RUN = 200;

/**
 * Cuts every run of more than {@link MAX_MESSAGE_RUN} non-space characters (e.g. a
 * 1,000,000-character key echoed into a message) to its first 120 characters plus
 * `…(N characters)`, so a hostile input never becomes a megabyte log line.
 */
export function shortenLongRuns(text: string): string {
  return text.replace(new RegExp(`[^\\s"']{${MAX_MESSAGE_RUN + 1},}`, 'g'), (run) => `${run.slice(0, 120)}…(${run.length} characters)`);
}
