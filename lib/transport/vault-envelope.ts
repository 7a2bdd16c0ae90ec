/** The `auth` block of a Vault response (login, token create, renew-self). Durations in seconds. */
export interface VaultAuthBlock {
  client_token: string;
  accessor: string;
  policies: string[] | null;
  token_policies?: string[];
  metadata: Record<string, string> | null;
  /** Token TTL in seconds. */
  lease_duration: number;
  renewable: boolean;
  entity_id?: string;
  token_type?: 'service' | 'batch';
  orphan?: boolean;
  num_uses?: number;
}

/** The standard JSON success body of Vault's logical endpoints (https://developer.hashicorp.com/vault/api-docs#api-operations). */
export interface VaultEnvelope<TData = Record<string, unknown>> {
  request_id: string;
  lease_id: string;
  renewable: boolean;
  /** Lease TTL in seconds; 0 when the response is not a lease. */
  lease_duration: number;
  data: TData | null;
  wrap_info: Record<string, unknown> | null;
  warnings: string[] | null;
  auth: VaultAuthBlock | null;
  mount_type?: string;
}

/** Vault's error body: `{"errors": [...]}` with zero or one (possibly multi-line) message. */
export interface VaultErrorBody {
  errors: string[];
}

/** Type guard for a JSON object (not null, not an array). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads the `errors` strings out of a body, tolerating anything malformed. */
export function vaultErrors(body: unknown): string[] {
  if (!isJsonObject(body) || !Array.isArray(body.errors)) return [];
  return body.errors.filter((e): e is string => typeof e === 'string');
}
