/** Event names emitted through `@nestjs/event-emitter`. Payloads never carry a secret value in their `toString`. */
export const SecretsEvents = {
  Rotated: 'secrets.rotated',
  Deleted: 'secrets.deleted',
  LeaseExpired: 'secrets.lease.expired',
  TokenRenewed: 'secrets.token.renewed',
  TokenRenewalFailed: 'secrets.token.renewal-failed',
  TokenExpiring: 'secrets.token.expiring',
  FallbackUsed: 'secrets.fallback.used',
  VaultUnavailable: 'secrets.vault.unavailable',
  VaultRecovered: 'secrets.vault.recovered',
} as const;
