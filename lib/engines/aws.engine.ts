import { encodeSegments, splitSecretKey } from '../transport/vault-path.js';
import type { VaultEnvelope } from '../transport/vault-envelope.js';
import { envelopeData, envelopeLease, parseLeased } from './engine-response.js';
import type { EngineContext, EngineSecret, SecretEngine } from '../contracts/secret-engine.js';

/** AWS credentials. `sessionToken` is set for STS types (assumed_role, federation_token, session_token). */
export interface AwsCredentialsData {
  accessKey: string;
  secretKey: string;
  sessionToken?: string;
  /** The assumed role's ARN, when Vault reports it. */
  arn?: string;
}

/** Options of an AWS engine read. */
export interface AwsFetchOptions {
  /** Mount of the AWS engine, default `aws`. */
  mount?: string;
  /** `creds` (`<mount>/creds/<role>`, default) or `sts` (`<mount>/sts/<role>`). */
  type?: 'creds' | 'sts';
  /** Requested TTL for STS credentials, in seconds. */
  ttl?: number;
  /** Role ARN to assume, when the Vault role allows several. */
  roleArn?: string;
  /** Session name of the assumed role (`role_session_name`, assumed_role and STS types). */
  roleSessionName?: string;
  /**
   * MFA code (`mfa_code`) for a role whose IAM policy requires MFA (session_token type). Read at
   * each fetch when given as a function, since codes are single-use and expire.
   */
  mfaCode?: string | (() => string | Promise<string>);
}

/**
 * The AWS secrets engine (https://developer.hashicorp.com/vault/api-docs/secret/aws#generate-credentials):
 * `POST <mount>/creds/<role>` or `<mount>/sts/<role>`.
 * IAM-user keys come with a renewable lease; STS credentials are not renewable and are fetched
 * again before they expire. Reads `session_token` and falls back to `security_token`.
 */
export const awsEngine: SecretEngine<AwsCredentialsData, AwsFetchOptions> = {
  name: 'aws',
  async fetch(context: EngineContext, role: string, options: AwsFetchOptions = {}): Promise<EngineSecret<AwsCredentialsData>> {
    const mount = encodeSegments(splitSecretKey(options.mount ?? 'aws'));
    const path = `${mount}/${options.type === 'sts' ? 'sts' : 'creds'}/${encodeSegments(splitSecretKey(role))}`;
    const body: Record<string, unknown> = {};
    if (options.ttl !== undefined) body.ttl = options.ttl;
    if (options.roleArn !== undefined) body.role_arn = options.roleArn;
    if (options.roleSessionName !== undefined) body.role_session_name = options.roleSessionName;
    if (options.mfaCode !== undefined) body.mfa_code = typeof options.mfaCode === 'function' ? await options.mfaCode() : options.mfaCode;
    const response = await context.client.request<VaultEnvelope>({ method: 'POST', path, body });
    return parseLeased(context, response.body, () => {
      const data = envelopeData(response.body, path, ['access_key', 'secret_key']);
      const sessionToken = [data.session_token, data.security_token].find((v): v is string => typeof v === 'string' && v !== '');
      const lease = envelopeLease(response.body, path);
      return {
        data: {
          accessKey: data.access_key as string,
          secretKey: data.secret_key as string,
          ...(sessionToken === undefined ? {} : { sessionToken }),
          ...(typeof data.arn === 'string' ? { arn: data.arn } : {}),
        },
        lease,
        version: data.access_key as string,
      };
    });
  },
};
