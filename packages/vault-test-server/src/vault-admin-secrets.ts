/**
 * Parameter and result types of the `VaultAdmin` helpers for leases and the database, AWS and
 * PKI secrets engines. Field names are Vault's own API parameters; TTLs are Go durations
 * (`"1h"`) or **seconds**.
 */

/** A Go duration (`"1h30m"`) or a number of **seconds**. */
export type VaultDuration = string | number;

/** `database/config/:name` for the `postgresql-database-plugin`. */
export interface DatabaseConfigFields {
  /** Default `postgresql-database-plugin` (the only plugin of the test server). */
  readonly plugin_name?: string;
  /** e.g. `postgresql://{{username}}:{{password}}@127.0.0.1:5432/test?sslmode=disable`. */
  readonly connection_url: string;
  readonly username?: string;
  readonly password?: string;
  /** Role names (globs) allowed to use this connection; `"*"` for all. */
  readonly allowed_roles?: string | readonly string[];
  /** Connect and ping on write (default true). */
  readonly verify_connection?: boolean;
  /** `scram-sha-256` substitutes a SCRAM verifier for `{{password}}`. */
  readonly password_authentication?: 'password' | 'scram-sha-256';
  readonly max_open_connections?: number;
}

/** `database/roles/:name` (dynamic credentials). */
export interface DatabaseRoleFields {
  readonly db_name: string;
  /** SQL with `{{name}}`, `{{password}}`, `{{expiration}}`; one string or several. */
  readonly creation_statements: string | readonly string[];
  /** Default: revoke grants, then `DROP ROLE IF EXISTS`. */
  readonly revocation_statements?: string | readonly string[];
  /** Default: `ALTER ROLE "{{name}}" VALID UNTIL '{{expiration}}';`. */
  readonly renew_statements?: string | readonly string[];
  readonly rollback_statements?: string | readonly string[];
  readonly default_ttl?: VaultDuration;
  readonly max_ttl?: VaultDuration;
}

/** `database/static-roles/:name` (rotated password of an existing database user). */
export interface DatabaseStaticRoleFields {
  readonly db_name: string;
  readonly username: string;
  readonly rotation_period: VaultDuration;
  /** Default: `ALTER ROLE "{{username}}" WITH PASSWORD '{{password}}';`. */
  readonly rotation_statements?: string | readonly string[];
}

/** A leased secret as read from `<mount>/creds/:role` and friends. `lease_duration` in **seconds**. */
export interface LeasedSecret<T> {
  readonly lease_id: string;
  readonly lease_duration: number;
  readonly renewable: boolean;
  readonly data: T;
  readonly warnings: string[] | null;
}

/** `data` of `database/creds/:role`. */
export interface DatabaseCredentials {
  readonly username: string;
  readonly password: string;
}

/** `data` of `database/static-creds/:role`. `ttl`/`rotation_period` in **seconds**. */
export interface DatabaseStaticCredentials {
  readonly username: string;
  readonly password: string;
  /** RFC 3339 time of the last rotation. */
  readonly last_vault_rotation: string;
  readonly rotation_period: number;
  readonly ttl: number;
}

/** `aws/config/root`. Never used to call AWS by the test server. */
export interface AwsRootConfigFields {
  readonly access_key?: string;
  readonly secret_key?: string;
  readonly region?: string;
  readonly iam_endpoint?: string;
  readonly sts_endpoint?: string;
  readonly max_retries?: number;
}

/** `aws/roles/:name`. */
export interface AwsRoleFields {
  readonly credential_type: 'iam_user' | 'assumed_role' | 'federation_token' | 'session_token';
  readonly role_arns?: string | readonly string[];
  readonly policy_arns?: string | readonly string[];
  /** IAM policy JSON. */
  readonly policy_document?: string;
  readonly iam_groups?: string | readonly string[];
  readonly iam_tags?: Readonly<Record<string, string>>;
  readonly default_sts_ttl?: VaultDuration;
  readonly max_sts_ttl?: VaultDuration;
  readonly user_path?: string;
  readonly permissions_boundary_arn?: string;
  readonly mfa_serial_number?: string;
}

/** `data` of `aws/creds/:role` / `aws/sts/:role`. */
export interface AwsCredentials {
  readonly access_key: string;
  readonly secret_key: string;
  /** STS session token (null for `iam_user`); same value as `session_token`. */
  readonly security_token: string | null;
  readonly session_token: string | null;
  /** Assumed-role ARN (`assumed_role` only). */
  readonly arn?: string;
}

/** `pki/root/generate/:type`. */
export interface PkiRootFields {
  readonly common_name: string;
  readonly ttl?: VaultDuration;
  readonly key_type?: 'rsa' | 'ec' | 'ed25519';
  /** RSA 2048 (default)/3072/4096/8192; EC 256 (default)/384/521. */
  readonly key_bits?: number;
  readonly issuer_name?: string;
  readonly alt_names?: string | readonly string[];
  readonly ip_sans?: string | readonly string[];
  readonly organization?: string | readonly string[];
  readonly ou?: string | readonly string[];
  readonly exclude_cn_from_sans?: boolean;
}

/** `data` of `pki/root/generate/:type`. `expiration` in unix **seconds**. */
export interface PkiRootInfo {
  readonly certificate: string;
  readonly issuing_ca: string;
  readonly serial_number: string;
  readonly expiration: number;
  readonly issuer_id: string;
  readonly issuer_name: string;
  readonly key_id: string;
  readonly key_name: string;
  /** Only for `exported`. */
  readonly private_key?: string;
  readonly private_key_type?: string;
}

/** `pki/roles/:name`. */
export interface PkiRoleFields {
  readonly allowed_domains?: string | readonly string[];
  readonly allow_subdomains?: boolean;
  readonly allow_bare_domains?: boolean;
  readonly allow_glob_domains?: boolean;
  readonly allow_any_name?: boolean;
  readonly allow_localhost?: boolean;
  readonly allow_ip_sans?: boolean;
  readonly allow_wildcard_certificates?: boolean;
  readonly enforce_hostnames?: boolean;
  readonly ttl?: VaultDuration;
  readonly max_ttl?: VaultDuration;
  readonly key_type?: 'rsa' | 'ec' | 'ed25519' | 'any';
  readonly key_bits?: number;
  /** Issue certificates with a (non-renewable) lease. */
  readonly generate_lease?: boolean;
  readonly no_store?: boolean;
  readonly server_flag?: boolean;
  readonly client_flag?: boolean;
  readonly require_cn?: boolean;
  readonly not_before_duration?: VaultDuration;
  readonly organization?: string | readonly string[];
  readonly ou?: string | readonly string[];
  readonly issuer_ref?: string;
}

/** `data` of `sys/leases/lookup`. Times RFC 3339, `ttl` in **seconds**. */
export interface LeaseLookup {
  readonly id: string;
  readonly issue_time: string;
  readonly expire_time: string | null;
  readonly last_renewal: string | null;
  readonly renewable: boolean;
  readonly ttl: number;
}

/** The result of `sys/leases/renew`. `lease_duration` in **seconds**; capping warnings included. */
export interface LeaseRenewalResult {
  readonly lease_id: string;
  readonly lease_duration: number;
  readonly renewable: boolean;
  readonly warnings: string[] | null;
}

/** `transit/keys/:name` (creation settings; they cannot change afterwards). */
export interface TransitKeyFields {
  /** Default `aes256-gcm96`; the test server also knows `aes128-gcm96`, `chacha20-poly1305`, `ed25519`, `ecdsa-p256/384/521`, `hmac`. */
  readonly type?: string;
  /** Every operation must carry a context (key derivation). */
  readonly derived?: boolean;
  /** Same plaintext + context → same ciphertext; requires `derived`. */
  readonly convergent_encryption?: boolean;
  readonly exportable?: boolean;
  readonly allow_plaintext_backup?: boolean;
  /** Go duration or **seconds**; 0 = off, else at least one hour. */
  readonly auto_rotate_period?: VaultDuration;
  /** Bytes, `hmac` keys only. */
  readonly key_size?: number;
}

/** `transit/keys/:name/config`. */
export interface TransitKeyConfigFields {
  readonly min_decryption_version?: number;
  readonly min_encryption_version?: number;
  readonly deletion_allowed?: boolean;
  readonly exportable?: boolean;
  readonly allow_plaintext_backup?: boolean;
  readonly auto_rotate_period?: VaultDuration;
}

/** `data` of `GET transit/keys/:name` (the fields the tests use; `keys` maps version → creation). */
export interface TransitKeyInfo {
  readonly name: string;
  readonly type: string;
  readonly derived: boolean;
  readonly deletion_allowed: boolean;
  readonly latest_version: number;
  readonly min_decryption_version: number;
  readonly min_encryption_version: number;
  readonly supports_encryption: boolean;
  readonly supports_decryption: boolean;
  readonly supports_signing: boolean;
  readonly supports_derivation: boolean;
  /** Symmetric keys: version → unix **seconds**; asymmetric: version → `{ public_key, creation_time, name }`. */
  readonly keys: Record<string, number | { readonly public_key: string; readonly creation_time: string; readonly name: string }>;
}
