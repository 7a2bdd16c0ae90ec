/**
 * ACL policy storage (`sys/policies/acl/:name`). Holds the built-in `default` policy and the
 * implicit `root` policy, and builds a token's {@link Acl} from its policy names.
 */
import { Acl } from './acl.js';
import { badRequest } from './errors.js';
import { parsePolicy, PolicyParseError, type PathRule } from './policy-parser.js';

/** A stored policy. */
export interface StoredPolicy {
  readonly name: string;
  /** The policy text as written. */
  readonly raw: string;
  readonly rules: readonly PathRule[];
}

/** Vault's built-in `default` policy (identity templating paths omitted). */
export const DEFAULT_POLICY_HCL = `# Allow tokens to look up their own properties
path "auth/token/lookup-self" {
    capabilities = ["read"]
}

# Allow tokens to renew themselves
path "auth/token/renew-self" {
    capabilities = ["update"]
}

# Allow tokens to revoke themselves
path "auth/token/revoke-self" {
    capabilities = ["update"]
}

# Allow a token to look up its own capabilities on a path
path "sys/capabilities-self" {
    capabilities = ["update"]
}

# Allow a token to look up its resultant ACL from all policies. This is useful
# for UIs. It is an internal path because the format may change at any time
# based on how the internal ACL features and capabilities change.
path "sys/internal/ui/resultant-acl" {
    capabilities = ["read"]
}

# Allow a token to renew a lease via lease_id in the request body; old path for
# old clients, new path for newer
path "sys/renew" {
    capabilities = ["update"]
}
path "sys/leases/renew" {
    capabilities = ["update"]
}

# Allow looking up lease properties. This requires knowing the lease ID ahead
# of time and does not divulge any sensitive information.
path "sys/leases/lookup" {
    capabilities = ["update"]
}

# Allow a token to manage its own cubbyhole
path "cubbyhole/*" {
    capabilities = ["create", "read", "update", "delete", "list"]
}

# Allow a token to wrap arbitrary values in a response-wrapping token
path "sys/wrapping/wrap" {
    capabilities = ["update"]
}

# Allow a token to look up the creation time and TTL of a given
# response-wrapping token
path "sys/wrapping/lookup" {
    capabilities = ["update"]
}

# Allow a token to unwrap a response-wrapping token. This is a convenience to
# avoid client token swapping since this is also part of the response wrapping
# policy.
path "sys/wrapping/unwrap" {
    capabilities = ["update"]
}

# Allow general purpose tools
path "sys/tools/hash" {
    capabilities = ["update"]
}
path "sys/tools/hash/*" {
    capabilities = ["update"]
}

# Allow checking the status of a Control Group request if the user has the
# accessor
path "sys/control-group/request" {
    capabilities = ["update"]
}
`;

/** Policy storage and ACL construction. */
export class PolicyStore {
  private readonly policies = new Map<string, StoredPolicy>();

  constructor() {
    this.policies.set('default', { name: 'default', raw: DEFAULT_POLICY_HCL, rules: parsePolicy(DEFAULT_POLICY_HCL) });
  }

  /** Normalises a policy name like Vault (trimmed, lower-case). */
  static normalizeName(name: string): string {
    return name.trim().toLowerCase();
  }

  /** A policy by name; `root` is returned as an empty immutable policy. */
  get(name: string): StoredPolicy | undefined {
    const key = PolicyStore.normalizeName(name);
    if (key === 'root') return { name: 'root', raw: '', rules: [] };
    return this.policies.get(key);
  }

  /** Whether a policy exists (`root` always does). */
  exists(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /**
   * Creates or replaces a policy. `raw` may be HCL, JSON, or base64 of either.
   * @throws VaultError 400 on a parse error or for `root`
   */
  set(name: string, raw: string): void {
    const key = PolicyStore.normalizeName(name);
    if (key === '') throw badRequest('policy name must be provided in the URL');
    if (raw === '') throw badRequest("'policy' parameter not supplied or empty");
    const text = decodeMaybeBase64(raw);
    if (key === 'root') throw badRequest('cannot update "root" policy');
    let rules: PathRule[];
    try {
      rules = parsePolicy(text);
    } catch (error: unknown) {
      if (error instanceof PolicyParseError) throw badRequest(`failed to parse policy: ${error.message}`);
      throw error;
    }
    this.policies.set(key, { name: key, raw: text, rules });
  }

  /**
   * Deletes a policy (idempotent).
   * @throws VaultError 400 for `root` and `default`
   */
  delete(name: string): void {
    const key = PolicyStore.normalizeName(name);
    if (key === 'root') throw badRequest('cannot delete "root" policy');
    if (key === 'default') throw badRequest('cannot delete default policy');
    this.policies.delete(key);
  }

  /** Policy names as `LIST sys/policies/acl` returns them: sorted, then `root`. */
  list(): string[] {
    return [...[...this.policies.keys()].sort(), 'root'];
  }

  /** The ACL for a set of policy names (missing policies contribute nothing). */
  aclFor(policyNames: readonly string[]): Acl {
    if (policyNames.includes('root')) return Acl.ROOT;
    const rules: PathRule[] = [];
    for (const name of policyNames) {
      const policy = this.policies.get(PolicyStore.normalizeName(name));
      if (policy) rules.push(...policy.rules);
    }
    return new Acl(rules);
  }
}

function decodeMaybeBase64(raw: string): string {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(raw.trim()) || raw.trim().length % 4 !== 0) return raw;
  const decoded = Buffer.from(raw.trim(), 'base64').toString('utf8');
  return decoded.includes('\uFFFD') ? raw : decoded;
}
