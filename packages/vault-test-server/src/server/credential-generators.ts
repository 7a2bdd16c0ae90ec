/**
 * Generated credentials shaped like Vault's: database usernames from the default
 * `username_template`, passwords from the default password policy, AWS key pairs.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { randomBase62 } from './ids.js';

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGITS = '0123456789';
const PASSWORD_CHARSET = `${LOWER}${UPPER}${DIGITS}-`;

/** `length` characters drawn uniformly from `charset`. */
export function randomFrom(charset: string, length: number): string {
  let out = '';
  for (let i = 0; i < length; i += 1) out += charset[randomInt(charset.length)];
  return out;
}

/**
 * Vault's default password policy (https://developer.hashicorp.com/vault/docs/concepts/password-policies): 20 characters
 * from `[a-zA-Z0-9-]` with at
 * least one lowercase letter, one uppercase letter, one digit and one `-`.
 */
export function generateDatabasePassword(): string {
  for (;;) {
    const candidate = randomFrom(PASSWORD_CHARSET, 20);
    if (/[a-z]/.test(candidate) && /[A-Z]/.test(candidate) && /[0-9]/.test(candidate) && candidate.includes('-')) return candidate;
  }
}

/** Go template `truncate n` (byte-wise for ASCII input). */
function truncate(text: string, length: number): string {
  return text.length > length ? text.slice(0, length) : text;
}

/**
 * The PostgreSQL plugin's default `username_template`:
 * `{{ printf "v-%s-%s-%s-%s" (.DisplayName | truncate 8) (.RoleName | truncate 8) (random 20) (unix_time) | truncate 63 }}`.
 * @param nowMs the server clock (for `unix_time`)
 */
export function defaultDatabaseUsername(displayName: string, roleName: string, nowMs: number): string {
  const unix = Math.floor(nowMs / 1000);
  return truncate(`v-${truncate(displayName, 8)}-${truncate(roleName, 8)}-${randomBase62(20)}-${unix}`, 63);
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const BASE64 = `${UPPER}${LOWER}${DIGITS}+/`;

/** An AWS access key id: `AKIA` (IAM user) or `ASIA` (STS) + 16 base32 characters. */
export function awsAccessKeyId(kind: 'iam' | 'sts'): string {
  return `${kind === 'iam' ? 'AKIA' : 'ASIA'}${randomFrom(BASE32, 16)}`;
}

/** A 40-character AWS secret access key. */
export function awsSecretAccessKey(): string {
  return randomFrom(BASE64, 40);
}

/** An STS session token (opaque base64, shaped like AWS's `IQoJb3JpZ2luX2Vj...`). */
export function awsSessionToken(): string {
  return `IQoJb3JpZ2luX2VjE${randomBytes(540).toString('base64')}`;
}

/** AWS's `normalizeDisplayName` as used by Vault: characters outside `[a-zA-Z0-9+=,.@_-]` become `_`. */
export function normalizeAwsName(name: string): string {
  return name.replace(/[^a-zA-Z0-9+=,.@_-]/g, '_');
}

/**
 * The AWS engine's default `username_template`: STS names are `vault-<unix>-<random 20>` (max 32),
 * IAM users / assumed-role session names are
 * `vault-<display>-<policy (42 max with display)>-<unix>-<random 20>` (max 64).
 */
export function defaultAwsUsername(type: 'iam' | 'sts', displayName: string, policyName: string, nowMs: number): string {
  const unix = Math.floor(nowMs / 1000);
  if (type === 'sts') return truncate(`vault-${unix}-${randomBase62(20)}`, 32);
  const prefix = truncate(`${normalizeAwsName(displayName)}-${normalizeAwsName(policyName)}`, 42);
  return truncate(`vault-${prefix}-${unix}-${randomBase62(20)}`, 64);
}
