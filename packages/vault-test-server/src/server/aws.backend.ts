/**
 * The AWS secrets engine (`type: 'aws'`, https://developer.hashicorp.com/vault/api-docs/secret/aws). Nothing calls AWS: IAM users and STS
 * sessions are simulated in memory with realistic key pairs (`AKIA...`/`ASIA...` access key
 * ids, 40-character secrets, opaque session tokens).
 *
 * - `aws/config/root`, `aws/config/lease`, `aws/roles/:name` (+ LIST `roles/`);
 * - `GET|POST aws/creds/:role` and `aws/sts/:role`: `iam_user` → renewable lease (TTLs from
 *   `config/lease`, else the mount); `assumed_role` / `federation_token` / `session_token` →
 *   non-renewable lease whose `lease_duration` is the STS TTL (`ttl`, else `default_sts_ttl`,
 *   else 3600, capped by `max_sts_ttl`/mount max; AWS's 900 s minimum is enforced).
 *
 * Not emulated: static roles, root rotation, IAM group policy merging, custom username templates.
 */
import type { BackendContext } from './backend.js';
import { awsAccessKeyId, awsSecretAccessKey, awsSessionToken, defaultAwsUsername, normalizeAwsName } from './credential-generators.js';
import { badRequest } from './errors.js';
import { durationField, intField, stringField, stringMapField, stringSliceField } from './fields.js';
import { DurationParseError, formatGoDuration, parseGoDuration } from './go-duration.js';
import { newUuid } from './ids.js';
import type { DataResponse, LogicalRequest } from './logical.js';
import { respondData } from './logical.js';
import type { MountDescriptor } from './mount-table.js';
import { FrameworkBackend, type PathDefinition, type PathParams } from './path-router.js';

/** AWS credential types of a role. */
export type AwsCredentialType = 'iam_user' | 'assumed_role' | 'federation_token' | 'session_token';

const CREDENTIAL_TYPES: readonly AwsCredentialType[] = ['iam_user', 'assumed_role', 'federation_token', 'session_token'];
const STS_TYPES: readonly AwsCredentialType[] = ['assumed_role', 'federation_token', 'session_token'];

/** Vault's `framework.GenericNameWithAtRegex`. */
const NAME = String.raw`(?<name>\w(?:[\w.@-]*\w)?)`;

/** Fake account id used in ARNs when a role ARN does not carry one. */
const DEFAULT_ACCOUNT = '123456789012';

interface AwsRole {
  credentialType: AwsCredentialType;
  roleArns: string[];
  policyArns: string[];
  policyDocument: string;
  iamGroups: string[];
  iamTags: Record<string, string>;
  /** Seconds (0 = unset). */
  defaultStsTtl: number;
  /** Seconds (0 = unset). */
  maxStsTtl: number;
  userPath: string;
  permissionsBoundaryArn: string;
  mfaSerialNumber: string;
}

interface RootConfig {
  accessKey: string;
  secretKey: string;
  region: string;
  iamEndpoint: string;
  stsEndpoint: string;
  maxRetries: number;
}

/** Backend of an `aws` mount. */
export class AwsBackend extends FrameworkBackend {
  private root: RootConfig | undefined;
  /** `config/lease` in seconds, or undefined when not configured. */
  private leaseConfig: { lease: number; leaseMax: number } | undefined;
  private readonly roles = new Map<string, AwsRole>();
  /** Simulated IAM users: user name → access key id. */
  private readonly iamUsers = new Map<string, string>();

  protected readonly paths: readonly PathDefinition[] = [
    {
      pattern: /^config\/root$/,
      operations: { read: () => this.readRoot(), update: (r) => this.writeRoot(r) },
      exists: () => this.root !== undefined,
    },
    {
      pattern: /^config\/lease$/,
      operations: { read: () => this.readLease(), update: (r) => this.writeLease(r) },
      exists: () => this.leaseConfig !== undefined,
    },
    { pattern: /^roles\/?$/, operations: { list: () => respondData({ keys: [...this.roles.keys()].sort() }) } },
    {
      pattern: new RegExp(`^roles/${NAME}$`),
      operations: {
        read: (_r, p) => this.readRole(p),
        update: (r, p) => this.writeRole(r, p),
        delete: (_r, p) => {
          this.roles.delete(p['name'] ?? '');
          return null;
        },
      },
      exists: (_r, p) => this.roles.has(p['name'] ?? ''),
    },
    {
      pattern: new RegExp(`^(?:creds|sts)/${NAME}$`),
      operations: { read: (r, p) => this.credentials(r, p), update: (r, p) => this.credentials(r, p) },
    },
  ];

  constructor(
    private readonly ctx: BackendContext,
    private readonly mount: MountDescriptor,
  ) {
    super();
  }

  /** Mount disabled: its leases go away with it. */
  cleanup(): void {
    this.ctx.leases.background(this.ctx.leases.revokePrefix(this.mount.path, { sync: true, force: true }));
  }

  // ----- config ---------------------------------------------------------------------------

  private writeRoot(req: LogicalRequest): null {
    const data = req.data;
    const current = this.root;
    const template = stringField(data, 'username_template');
    if (template !== '') throw badRequest('a custom username_template is not supported by the Vault test server');
    this.root = {
      accessKey: stringField(data, 'access_key', current?.accessKey ?? ''),
      secretKey: stringField(data, 'secret_key', current?.secretKey ?? ''),
      region: stringField(data, 'region', current?.region ?? ''),
      iamEndpoint: stringField(data, 'iam_endpoint', current?.iamEndpoint ?? ''),
      stsEndpoint: stringField(data, 'sts_endpoint', current?.stsEndpoint ?? ''),
      maxRetries: intField(data, 'max_retries', current?.maxRetries ?? -1),
    };
    return null;
  }

  private readRoot(): DataResponse | null {
    const root = this.root;
    if (!root) return null;
    return respondData({
      access_key: root.accessKey,
      iam_endpoint: root.iamEndpoint,
      max_retries: root.maxRetries,
      region: root.region,
      sts_endpoint: root.stsEndpoint,
      username_template: '',
    });
  }

  private writeLease(req: LogicalRequest): null {
    const parse = (field: string): number => {
      const raw = stringField(req.data, field);
      if (raw === '') throw badRequest(`'${field}' is a required parameter`);
      try {
        return Math.trunc(parseGoDuration(raw));
      } catch (error: unknown) {
        if (error instanceof DurationParseError) throw badRequest(`Invalid ${field === 'lease' ? 'lease' : 'lease_max'}: ${error.message}`);
        throw error;
      }
    };
    const lease = parse('lease');
    const leaseMax = parse('lease_max');
    this.leaseConfig = { lease, leaseMax };
    return null;
  }

  private readLease(): DataResponse | null {
    const config = this.leaseConfig;
    if (!config) return null;
    return respondData({ lease: formatGoDuration(config.lease), lease_max: formatGoDuration(config.leaseMax) });
  }

  // ----- roles ----------------------------------------------------------------------------

  private writeRole(req: LogicalRequest, params: PathParams): null {
    const name = params['name'] ?? '';
    const data = req.data;
    const existing = this.roles.get(name);
    const typeText = data['credential_type'] !== undefined ? stringField(data, 'credential_type') : (existing?.credentialType ?? '');
    if (typeText === '') throw badRequest('did not supply credential_type');
    if (!CREDENTIAL_TYPES.includes(typeText as AwsCredentialType)) {
      throw badRequest(
        `unrecognized credential_type: ${JSON.stringify(typeText)}, not one of []string{${CREDENTIAL_TYPES.map((t) => JSON.stringify(t)).join(', ')}}`,
      );
    }
    const type = typeText as AwsCredentialType;
    const list = (field: string, current: string[] | undefined): string[] =>
      data[field] !== undefined ? stringSliceField(data, field) : [...(current ?? [])];
    let policyDocument = data['policy_document'] !== undefined ? stringField(data, 'policy_document') : (existing?.policyDocument ?? '');
    if (policyDocument !== '') {
      try {
        policyDocument = JSON.stringify(JSON.parse(policyDocument));
      } catch (error: unknown) {
        throw badRequest(`cannot parse policy document: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    const role: AwsRole = {
      credentialType: type,
      roleArns: list('role_arns', existing?.roleArns),
      policyArns: list('policy_arns', existing?.policyArns),
      policyDocument,
      iamGroups: list('iam_groups', existing?.iamGroups),
      iamTags: data['iam_tags'] !== undefined ? tagsField(data, 'iam_tags') : { ...(existing?.iamTags ?? {}) },
      defaultStsTtl: durationField(data, 'default_sts_ttl') ?? existing?.defaultStsTtl ?? 0,
      maxStsTtl: durationField(data, 'max_sts_ttl') ?? existing?.maxStsTtl ?? 0,
      userPath: data['user_path'] !== undefined ? stringField(data, 'user_path') : (existing?.userPath ?? ''),
      permissionsBoundaryArn:
        data['permissions_boundary_arn'] !== undefined
          ? stringField(data, 'permissions_boundary_arn')
          : (existing?.permissionsBoundaryArn ?? ''),
      mfaSerialNumber: data['mfa_serial_number'] !== undefined ? stringField(data, 'mfa_serial_number') : (existing?.mfaSerialNumber ?? ''),
    };
    if (role.roleArns.length > 0 && type !== 'assumed_role')
      throw badRequest("cannot supply role_arns when credential_type isn't assumed_role");
    const isSts = STS_TYPES.includes(type);
    if (!isSts && role.defaultStsTtl > 0) {
      throw badRequest('default_sts_ttl parameter only valid for assumed_role, federation_token, and session_token credential types');
    }
    if (!isSts && role.maxStsTtl > 0) {
      throw badRequest('max_sts_ttl parameter only valid for assumed_role, federation_token, and session_token credential types');
    }
    if (role.maxStsTtl > 0 && role.defaultStsTtl > role.maxStsTtl) throw badRequest('default_sts_ttl cannot exceed max_sts_ttl');
    if (role.userPath !== '') {
      if (type !== 'iam_user') throw badRequest('user_path is only valid when credential_type is iam_user');
      if (!/^\/(?:[\x21-\x7f]{0,510}\/)?$/.test(role.userPath)) {
        throw badRequest('The specified value for user_path is invalid. It must match "^/([\\x21-\\x7F]{0,510}/)?$" regexp');
      }
    }
    if (role.permissionsBoundaryArn !== '' && type !== 'iam_user') {
      throw badRequest("cannot supply permissions_boundary_arn when credential_type isn't iam_user");
    }
    this.roles.set(name, role);
    return null;
  }

  private readRole(params: PathParams): DataResponse | null {
    const role = this.roles.get(params['name'] ?? '');
    if (!role) return null;
    return respondData({
      credential_type: role.credentialType,
      default_sts_ttl: role.defaultStsTtl,
      external_id: '',
      iam_groups: [...role.iamGroups],
      iam_tags: { ...role.iamTags },
      max_sts_ttl: role.maxStsTtl,
      mfa_serial_number: role.mfaSerialNumber,
      permissions_boundary_arn: role.permissionsBoundaryArn,
      policy_arns: [...role.policyArns],
      policy_document: role.policyDocument,
      role_arns: [...role.roleArns],
      session_tags: {},
      user_path: role.userPath,
    });
  }

  // ----- credentials ----------------------------------------------------------------------

  /** `GET|POST aws/creds/:role` and `aws/sts/:role` (Vault's `pathCredsRead`). */
  private credentials(req: LogicalRequest, params: PathParams): DataResponse {
    const roleName = params['name'] ?? '';
    const role = this.roles.get(roleName);
    if (!role) throw badRequest(`Role ${JSON.stringify(roleName)} not found`);
    let ttl = durationField(req.data, 'ttl') ?? (role.defaultStsTtl > 0 ? role.defaultStsTtl : 3600);
    const maxTtl = role.maxStsTtl > 0 ? role.maxStsTtl : this.ctx.mountMaxTtl(this.mount);
    if (ttl > maxTtl) ttl = maxTtl;
    const displayName = req.token?.displayName ?? '';
    switch (role.credentialType) {
      case 'iam_user':
        return this.createIamUser(req, roleName, displayName);
      case 'assumed_role': {
        let roleArn = stringField(req.data, 'role_arn');
        if (roleArn === '') {
          if (role.roleArns.length !== 1) throw badRequest('did not supply a role_arn parameter and unable to determine one');
          roleArn = role.roleArns[0] ?? '';
        } else if (!role.roleArns.includes(roleArn)) {
          throw badRequest(`role_arn ${JSON.stringify(roleArn)} not in allowed role arns for Vault role ${JSON.stringify(roleName)}`);
        }
        const requestedSession = stringField(req.data, 'role_session_name');
        const sessionName =
          requestedSession !== ''
            ? normalizeAwsName(requestedSession)
            : defaultAwsUsername('iam', displayName, roleName, this.ctx.clock.now());
        checkStsDuration(
          'Error assuming role',
          ttl,
          43_200,
          'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
        );
        return this.stsResponse(req, ttl, { arn: assumedRoleArn(roleArn, sessionName) });
      }
      case 'federation_token':
        if (role.policyDocument === '' && role.policyArns.length === 0) {
          throw badRequest('must specify at least one of policy_arns or policy_document with federation_token credential_type');
        }
        checkStsDuration('Error generating STS keys', ttl, 129_600);
        return this.stsResponse(req, ttl, {});
      case 'session_token':
        if (role.mfaSerialNumber !== '' && !/^\d{6}$/.test(stringField(req.data, 'mfa_code'))) {
          throw badRequest(
            `Error generating STS keys: AccessDenied: MultiFactorAuthentication failed with invalid MFA one time pass code.\n\tstatus code: 403, request id: ${newUuid()}`,
          );
        }
        checkStsDuration('Error generating STS keys', ttl, 129_600);
        return this.stsResponse(req, ttl, {});
    }
  }

  private createIamUser(req: LogicalRequest, roleName: string, displayName: string): DataResponse {
    const username = defaultAwsUsername('iam', displayName, roleName, this.ctx.clock.now());
    const accessKey = awsAccessKeyId('iam');
    this.iamUsers.set(username, accessKey);
    const config = this.leaseConfig;
    const lease = this.ctx.leases.create({
      path: req.path,
      mount: this.mount,
      token: req.token,
      ttlSeconds: config?.lease ?? 0,
      maxTtlSeconds: config?.leaseMax ?? 0,
      renewable: true,
      internal: { username, policy: roleName, is_sts: false },
      handlers: {
        revoke: () => {
          this.iamUsers.delete(username);
        },
        renew: () => ({ ttlSeconds: this.leaseConfig?.lease ?? 0, maxTtlSeconds: this.leaseConfig?.leaseMax ?? 0 }),
      },
    });
    return respondData({ access_key: accessKey, secret_key: awsSecretAccessKey(), security_token: null, session_token: null }, { lease });
  }

  private stsResponse(req: LogicalRequest, ttl: number, extra: Record<string, unknown>): DataResponse {
    const token = awsSessionToken();
    const lease = this.ctx.leases.create({
      path: req.path,
      mount: this.mount,
      token: req.token,
      ttlSeconds: ttl,
      maxTtlSeconds: ttl,
      renewable: false,
      internal: { is_sts: true },
      handlers: { revoke: () => undefined },
    });
    return respondData(
      { access_key: awsAccessKeyId('sts'), secret_key: awsSecretAccessKey(), security_token: token, session_token: token, ...extra },
      { lease },
    );
  }
}

/** AWS's own `DurationSeconds` validation (900 s minimum). */
function checkStsDuration(prefix: string, ttl: number, max: number, tooLong?: string): void {
  const requestId = newUuid();
  if (ttl < 900) {
    throw badRequest(
      `${prefix}: ValidationError: 1 validation error detected: Value '${ttl}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900\n\tstatus code: 400, request id: ${requestId}`,
    );
  }
  if (ttl > max) {
    const message =
      tooLong ??
      `1 validation error detected: Value '${ttl}' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to ${max}`;
    throw badRequest(`${prefix}: ValidationError: ${message}\n\tstatus code: 400, request id: ${requestId}`);
  }
}

/** `arn:aws:sts::<account>:assumed-role/<role name>/<session name>` for a role ARN. */
function assumedRoleArn(roleArn: string, sessionName: string): string {
  const match = /^arn:(?<partition>[^:]+):iam::(?<account>\d*):role\/(?:.*\/)?(?<name>[^/]+)$/.exec(roleArn);
  const partition = match?.groups?.['partition'] ?? 'aws';
  const account = match?.groups?.['account'] || DEFAULT_ACCOUNT;
  const name = match?.groups?.['name'] ?? roleArn.split('/').pop() ?? 'role';
  return `arn:${partition}:sts::${account}:assumed-role/${name}/${sessionName}`;
}

/** `iam_tags`: a map, or `key=value` pairs (string or list). */
function tagsField(data: Record<string, unknown>, field: string): Record<string, string> {
  const raw = data[field];
  if (raw === undefined || raw === null || raw === '') return {};
  if (typeof raw === 'object' && !Array.isArray(raw)) return stringMapField(data, field) ?? {};
  const tags: Record<string, string> = {};
  for (const pair of stringSliceField(data, field)) {
    const index = pair.indexOf('=');
    if (index <= 0) throw badRequest(`invalid tag: ${JSON.stringify(pair)}; expected key=value`);
    tags[pair.slice(0, index)] = pair.slice(index + 1);
  }
  return tags;
}
