/** Reads a Go-style boolean (`1`, `t`, `true`, `TRUE`, `0`, `f`, `false` ...) as Vault's CLI does; `undefined` when unset or unparseable. */
export function parseGoBool(value: string | undefined): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(value)) return false;
  return undefined;
}

/** The Vault CLI environment variables the module reads, and nothing else. */
export interface VaultEnv {
  VAULT_ADDR?: string;
  VAULT_TOKEN?: string;
  VAULT_NAMESPACE?: string;
  VAULT_CACERT?: string;
  VAULT_SKIP_VERIFY?: string;
  VAULT_CAPATH?: string;
  VAULT_CLIENT_CERT?: string;
  VAULT_CLIENT_KEY?: string;
  VAULT_TLS_SERVER_NAME?: string;
}

/** Picks the Vault CLI variables out of an environment (default `process.env`); empty strings count as unset. */
export function readVaultEnv(env: NodeJS.ProcessEnv = process.env): VaultEnv {
  const pick = (name: keyof VaultEnv): string | undefined => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };
  return {
    VAULT_ADDR: pick('VAULT_ADDR'),
    VAULT_TOKEN: pick('VAULT_TOKEN'),
    VAULT_NAMESPACE: pick('VAULT_NAMESPACE'),
    VAULT_CACERT: pick('VAULT_CACERT'),
    VAULT_SKIP_VERIFY: pick('VAULT_SKIP_VERIFY'),
    VAULT_CAPATH: pick('VAULT_CAPATH'),
    VAULT_CLIENT_CERT: pick('VAULT_CLIENT_CERT'),
    VAULT_CLIENT_KEY: pick('VAULT_CLIENT_KEY'),
    VAULT_TLS_SERVER_NAME: pick('VAULT_TLS_SERVER_NAME'),
  };
}
