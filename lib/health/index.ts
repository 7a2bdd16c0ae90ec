/** `nestjs-vault-secrets/health`: the `@nestjs/terminus` health indicator (needs the optional peer `@nestjs/terminus`). */
export { VaultHealthIndicator, type VaultHealthOptions } from './vault.health-indicator.js';
export type { VaultHealth } from '../transport/vault-health.js';
