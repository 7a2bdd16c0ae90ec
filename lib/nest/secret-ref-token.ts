/**
 * The injection token of the {@link SecretRef} that `SecretsModule.forFeature([{ key }], vault)`
 * registers: `SecretRef:<key>` for the default Vault, `SecretRef:<vault>:<key>` for a named one.
 * `@InjectSecret(key, vault)` is `@Inject(getSecretRefToken(key, vault))`.
 */
export function getSecretRefToken(key: string, vault?: string): string {
  return vault === undefined ? `SecretRef:${key}` : `SecretRef:${vault}:${key}`;
}
