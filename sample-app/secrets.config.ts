import { registerAs } from '@nestjs/config';
import type { VaultConfig } from '../lib/index.js';

/**
 * The module's options, built from the environment through @nestjs/config.
 * VAULT_ADDR / VAULT_TOKEN / VAULT_NAMESPACE / VAULT_CACERT are also read by the module itself
 * when a field is left out; they are spelled out here to show the mapping.
 */
export const secretsConfig = registerAs('secrets', (): VaultConfig => ({
  address: process.env.VAULT_ADDR,
  token: process.env.VAULT_TOKEN,
  // SAMPLE_SECRETS_PATH, not SECRETS_*: that prefix is the module's env fallback (SECRETS_<KEY>).
  secretsPath: process.env.SAMPLE_SECRETS_PATH ?? 'secret/data/app',
  cache: { ttlMs: 60_000 },
  // Poll the keys the app read every 10 s, so the demo's key rotation shows quickly.
  watch: { intervalMs: 10_000 },
}));
