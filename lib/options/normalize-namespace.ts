/**
 * Vault's canonical form of a namespace path (Vault Enterprise `namespace.Canonicalize`): no
 * leading `/`, exactly one trailing `/`, e.g. `/team-a` → `team-a/`, `team-a/app//` → `team-a/app/`.
 * The root namespace (`''`, `/`, `root`) is `undefined`: no `X-Vault-Namespace` header is sent.
 *
 * @returns `{ value }` with the canonical path (or undefined for root), or `{ problem }` saying what is wrong.
 */
export function normalizeNamespace(raw: string, option: string): { value?: string; problem?: string } {
  const segments = raw
    .trim()
    .split('/')
    .filter((segment) => segment !== '');
  if (segments.length === 0 || (segments.length === 1 && segments[0] === 'root')) return {};
  const bad = segments.find((segment) => segment === '.' || segment === '..' || /[\s?#%]/.test(segment));
  if (bad !== undefined) {
    return {
      problem: `${option} "${raw.slice(0, 80)}" is not a namespace path: use names separated by "/", e.g. "team-a/" or "team-a/app/"`,
    };
  }
  return { value: `${segments.join('/')}/` };
}
