/**
 * Helpers shared by the token auth method and the login methods: policy-name sanitising and the
 * `auth` block that describes a token.
 */
import type { AuthBlock } from './logical.js';
import type { TokenEntry } from './token-store.js';

/** Vault's `policyutil.SanitizePolicies`: trimmed, lower-cased, de-duplicated, sorted; `root` alone wins. */
export function sanitizePolicies(policies: readonly string[], addDefault: boolean): string[] {
  if (policies.includes('root')) return ['root'];
  const all = addDefault ? [...policies, 'default'] : [...policies];
  return [...new Set(all.map((p) => p.trim().toLowerCase()).filter((p) => p !== ''))].sort();
}

/** The `auth` block describing a token. `leaseDuration` in **seconds**. */
export function tokenAuthBlock(entry: TokenEntry, leaseDuration: number, renewable: boolean): AuthBlock {
  return {
    client_token: entry.id,
    accessor: entry.accessor,
    policies: [...entry.policies],
    token_policies: [...entry.policies],
    metadata: entry.meta ? { ...entry.meta } : null,
    lease_duration: leaseDuration,
    renewable,
    entity_id: entry.entityId,
    token_type: entry.type,
    orphan: entry.parentId === null,
    mfa_requirement: null,
    num_uses: Math.max(0, entry.numUses),
  };
}
