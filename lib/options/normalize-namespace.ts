/** `U+0000`-style name of a character, so a message can name it without carrying it. */
function codePoint(char: string): string {
  return `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** A namespace shown in a message: at most 80 characters, control and non-ASCII ones as `\u{...}`. */
function shown(raw: string): string {
  return [...raw.slice(0, 80)].map((c) => (/[\x20-\x7e]/.test(c) ? c : `\\u{${(c.codePointAt(0) ?? 0).toString(16)}}`)).join('');
}

const ALLOWED = 'printable ASCII letters, digits and punctuation other than "?", "#" and "%", names separated by "/"';

/**
 * Vault's canonical form of a namespace path (Vault Enterprise `namespace.Canonicalize`): no
 * leading `/`, exactly one trailing `/`, e.g. `/team-a` → `team-a/`, `team-a/app//` → `team-a/app/`.
 * The root namespace (`''`, `/`, `root`) is `undefined`: no `X-Vault-Namespace` header is sent.
 *
 * A namespace is a path of names sent in an HTTP header, so it may hold only printable ASCII
 * (U+0021 to U+007E) without whitespace, `?`, `#` or `%`, and no `.` or `..` name. Leading and
 * trailing whitespace (a newline at the end of a file) is trimmed. A control character or a
 * non-ASCII one is refused naming its code point (a header cannot carry it, and a client that
 * dropped it would reach another namespace: `team\u0000a` is not `teama`).
 *
 * @param option - the name used in the problem (`namespace`, `VAULT_NAMESPACE`, `auth.namespace`).
 * @returns `{ value }` with the canonical path (or undefined for root), or `{ problem }` saying what is wrong.
 */
export function normalizeNamespace(raw: string, option: string): { value?: string; problem?: string } {
  const trimmed = raw.trim();
  const control = /\p{Cc}/u.exec(trimmed);
  if (control) {
    return {
      problem: `${option} "${shown(raw)}" contains the control character ${codePoint(control[0])}: a namespace may hold only ${ALLOWED}`,
    };
  }
  const nonAscii = /\P{ASCII}/u.exec(trimmed);
  if (nonAscii) {
    return {
      problem: `${option} "${shown(raw)}" contains the non-ASCII character ${codePoint(nonAscii[0])}, which the X-Vault-Namespace header cannot carry: a namespace may hold only ${ALLOWED}`,
    };
  }
  const segments = trimmed.split('/').filter((segment) => segment !== '');
  if (segments.length === 0 || (segments.length === 1 && segments[0] === 'root')) return {};
  const bad = segments.find((segment) => segment === '.' || segment === '..' || /[\s?#%]/.test(segment));
  if (bad !== undefined) {
    return {
      problem: `${option} "${shown(raw)}" is not a namespace path: use names separated by "/", e.g. "team-a/" or "team-a/app/"`,
    };
  }
  return { value: `${segments.join('/')}/` };
}
