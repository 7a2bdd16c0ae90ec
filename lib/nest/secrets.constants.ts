/** Injection token of the resolved, validated configuration ({@link ResolvedVaultConfig}). */
export const SECRETS_CONFIG = Symbol.for('nestjs-vault-secrets:SECRETS_CONFIG');

/** Injection token of an optional {@link Clock} (tests provide one they can move). */
export const SECRETS_CLOCK = Symbol.for('nestjs-vault-secrets:SECRETS_CLOCK');

/** Injection token of an optional {@link VaultTransport} replacing the HTTP client (used by `SecretsTestingModule`). */
export const SECRETS_TRANSPORT = Symbol.for('nestjs-vault-secrets:SECRETS_TRANSPORT');

/** Injection token of the name of a named Vault (`SecretsModule.forRoot({ name })`); absent for the default module. */
export const SECRETS_VAULT_NAME = Symbol('SECRETS_VAULT_NAME');
