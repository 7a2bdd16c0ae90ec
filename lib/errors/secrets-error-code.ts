/** Stable error codes carried by every {@link SecretsError}. Match on these, not on messages. */
export const SecretsErrorCode = {
  NotFound: 'SECRETS_NOT_FOUND',
  PermissionDenied: 'SECRETS_PERMISSION_DENIED',
  InvalidToken: 'SECRETS_INVALID_TOKEN',
  VaultUnavailable: 'SECRETS_VAULT_UNAVAILABLE',
  VaultSealed: 'SECRETS_VAULT_SEALED',
  InvalidOptions: 'SECRETS_INVALID_OPTIONS',
  InvalidSecretKey: 'SECRETS_INVALID_SECRET_KEY',
  InvalidRequest: 'SECRETS_INVALID_REQUEST',
  VaultRequest: 'SECRETS_VAULT_REQUEST_FAILED',
  MalformedResponse: 'SECRETS_MALFORMED_RESPONSE',
  Tls: 'SECRETS_TLS_ERROR',
  Unsupported: 'SECRETS_UNSUPPORTED',
  AuthFailed: 'SECRETS_AUTH_FAILED',
  RotationConflict: 'SECRETS_ROTATION_CONFLICT',
  FallbackFile: 'SECRETS_FALLBACK_FILE',
  FallbackKey: 'SECRETS_FALLBACK_KEY',
  FallbackEnv: 'SECRETS_FALLBACK_ENV',
  InvalidSecret: 'SECRETS_INVALID_SECRET',
  FeatureFailed: 'SECRETS_FEATURE_FAILED',
} as const;

/** One of the {@link SecretsErrorCode} values. */
export type SecretsErrorCode = (typeof SecretsErrorCode)[keyof typeof SecretsErrorCode];
