/**
 * The Kubernetes auth method (`type: "kubernetes"`), after `hashicorp/vault-plugin-auth-kubernetes`.
 *
 * The test server cannot call a TokenReview API, so a service-account JWT counts as reviewed when
 * it is a well-formed JWS whose claims name a service account (legacy
 * `kubernetes.io/serviceaccount/*` claims or the projected `kubernetes.io` claim) bound by the
 * role. Everything else follows the plugin: `pem_keys` (when configured) verify the signature,
 * `issuer` is checked when `disable_iss_validation` is false, the role's `audience` is checked,
 * `exp`/`nbf` are checked against the server clock, and errors carry the plugin's texts and codes.
 */
import type { KeyObject } from 'node:crypto';
import {
  EMPTY_TOKEN_PARAMS,
  EntityAliases,
  globListContains,
  goDurationString,
  issueLoginToken,
  parseTokenParams,
  revokeMountTokens,
  tokenParamsData,
  type TokenParams,
} from './auth-common.js';
import type { BackendContext } from './backend.js';
import { badRequest, internalError, VaultError } from './errors.js';
import { boolField, stringField, stringSliceField } from './fields.js';
import { JwtError, parsePublicKeyPem, validateJwt } from './jwt-verify.js';
import type { DataResponse, LogicalRequest } from './logical.js';
import { respondData } from './logical.js';
import type { MountDescriptor } from './mount-table.js';
import { FrameworkBackend, type PathDefinition, type PathParams } from './path-router.js';

interface KubernetesConfig {
  readonly host: string;
  readonly caCert: string;
  readonly pemKeys: readonly string[];
  readonly publicKeys: readonly KeyObject[];
  readonly tokenReviewerJwt: string;
  readonly issuer: string;
  readonly disableIssValidation: boolean;
  readonly disableLocalCaJwt: boolean;
  readonly useAnnotationsAsAliasMetadata: boolean;
}

interface KubernetesRole {
  readonly serviceAccountNames: readonly string[];
  readonly serviceAccountNamespaces: readonly string[];
  readonly namespaceSelector: string;
  readonly audience: string;
  readonly aliasNameSource: 'serviceaccount_uid' | 'serviceaccount_name';
  readonly token: TokenParams;
}

/** A service account as read from JWT claims (legacy secret-based or projected token). */
interface ServiceAccount {
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
  readonly secretName: string;
}

/** Claims of a Kubernetes service-account token → service account (projected form preferred). */
function serviceAccountFrom(claims: Readonly<Record<string, unknown>>): ServiceAccount {
  const str = (value: unknown): string => (typeof value === 'string' ? value : '');
  const projected = claims['kubernetes.io'];
  if (typeof projected === 'object' && projected !== null && !Array.isArray(projected)) {
    const p = projected as Record<string, unknown>;
    const sa =
      typeof p['serviceaccount'] === 'object' && p['serviceaccount'] !== null
        ? (p['serviceaccount'] as Record<string, unknown>)
        : undefined;
    return {
      name: sa ? str(sa['name']) : str(claims['kubernetes.io/serviceaccount/service-account.name']),
      namespace: str(p['namespace']),
      uid: sa ? str(sa['uid']) : str(claims['kubernetes.io/serviceaccount/service-account.uid']),
      secretName: str(claims['kubernetes.io/serviceaccount/secret.name']),
    };
  }
  return {
    name: str(claims['kubernetes.io/serviceaccount/service-account.name']),
    namespace: str(claims['kubernetes.io/serviceaccount/namespace']),
    uid: str(claims['kubernetes.io/serviceaccount/service-account.uid']),
    secretName: str(claims['kubernetes.io/serviceaccount/secret.name']),
  };
}

/** Backend of a `kubernetes` auth mount. */
export class KubernetesBackend extends FrameworkBackend {
  private config: KubernetesConfig | undefined;
  private readonly roles = new Map<string, KubernetesRole>();
  private readonly entities = new EntityAliases();

  protected readonly paths: readonly PathDefinition[] = [
    { pattern: /^login$/, operations: { update: (req) => this.login(req) }, unauthenticated: true },
    {
      pattern: /^config$/,
      operations: { read: () => this.readConfig(), update: (req) => this.writeConfig(req) },
      exists: () => this.config !== undefined,
    },
    { pattern: /^role\/?$/, operations: { list: () => respondData({ keys: [...this.roles.keys()].sort() }) } },
    {
      pattern: /^role\/(?<name>\w(?:[\w.-]*\w)?)$/,
      operations: {
        read: (_r, p) => this.readRole(p),
        update: (r, p) => this.writeRole(r, p),
        delete: (_r, p) => {
          this.roles.delete(roleKey(p));
          return null;
        },
      },
      exists: (_r, p) => this.roles.has(roleKey(p)),
    },
  ];

  constructor(
    private readonly ctx: BackendContext,
    private readonly mount: MountDescriptor,
  ) {
    super();
  }

  cleanup(): void {
    revokeMountTokens(this.ctx, this.mount);
  }

  // ----- config -----------------------------------------------------------------------------

  private readConfig(): DataResponse | null {
    const config = this.config;
    if (!config) return null;
    return respondData({
      disable_iss_validation: config.disableIssValidation,
      disable_local_ca_jwt: config.disableLocalCaJwt,
      issuer: config.issuer,
      kubernetes_ca_cert: config.caCert,
      kubernetes_host: config.host,
      pem_keys: [...config.pemKeys],
      token_reviewer_jwt_set: config.tokenReviewerJwt !== '',
      use_annotations_as_alias_metadata: config.useAnnotationsAsAliasMetadata,
    });
  }

  private writeConfig(req: LogicalRequest): null {
    const data = req.data;
    const host = stringField(data, 'kubernetes_host');
    if (host === '') throw badRequest('no host provided');
    // Plugin v0.18 (Vault 1.16) needs a CA with disable_local_ca_jwt; v0.19 (Vault 1.17) falls back
    // to the host's root CAs.
    if (
      this.ctx.settings.vaultVersion === '1.16' &&
      boolField(data, 'disable_local_ca_jwt', false) &&
      stringField(data, 'kubernetes_ca_cert') === ''
    ) {
      throw badRequest('kubernetes_ca_cert must be given when disable_local_ca_jwt is true');
    }
    const tokenReviewerJwt = stringField(data, 'token_reviewer_jwt');
    if (tokenReviewerJwt !== '' && tokenReviewerJwt.split('.').length !== 3) {
      throw internalError('token is malformed: token contains an invalid number of segments');
    }
    const pemKeys = stringSliceField(data, 'pem_keys');
    const publicKeys: KeyObject[] = [];
    for (const pem of pemKeys) {
      try {
        publicKeys.push(parsePublicKeyPem(pem));
      } catch (error: unknown) {
        throw badRequest(error instanceof Error ? error.message : String(error));
      }
    }
    this.config = {
      host,
      caCert: stringField(data, 'kubernetes_ca_cert'),
      pemKeys,
      publicKeys,
      tokenReviewerJwt,
      issuer: stringField(data, 'issuer'),
      disableIssValidation: boolField(data, 'disable_iss_validation', true),
      disableLocalCaJwt: boolField(data, 'disable_local_ca_jwt', false),
      useAnnotationsAsAliasMetadata: boolField(data, 'use_annotations_as_alias_metadata', false),
    };
    return null;
  }

  // ----- roles ------------------------------------------------------------------------------

  private readRole(params: PathParams): DataResponse | null {
    const role = this.roles.get(roleKey(params));
    if (!role) return null;
    const data: Record<string, unknown> = {
      alias_name_source: role.aliasNameSource,
      bound_service_account_names: [...role.serviceAccountNames],
      bound_service_account_namespace_selector: role.namespaceSelector,
      bound_service_account_namespaces: [...role.serviceAccountNamespaces],
      ...tokenParamsData(role.token),
    };
    if (role.audience !== '') data['audience'] = role.audience;
    return respondData(data);
  }

  private writeRole(req: LogicalRequest, params: PathParams): DataResponse | null {
    const name = roleKey(params);
    const existing = this.roles.get(name);
    const data = req.data;
    const token = parseTokenParams(data, existing?.token ?? EMPTY_TOKEN_PARAMS, [
      'policies',
      'bound_cidrs',
      'num_uses',
      'ttl',
      'max_ttl',
      'period',
    ]);
    const mountMax = this.ctx.mountMaxTtl(this.mount);
    if (token.tokenPeriod > mountMax) {
      throw badRequest(
        `token period of '${JSON.stringify(goDurationString(token.tokenPeriod))}' is greater than the backend's maximum lease TTL of '${JSON.stringify(goDurationString(mountMax))}'`,
      );
    }
    if (token.tokenMaxTtl > 0 && token.tokenTtl > token.tokenMaxTtl) throw badRequest('token ttl should not be greater than token max ttl');
    const warnings: string[] = [];
    if (token.tokenMaxTtl > mountMax) {
      warnings.push(
        "max_ttl is greater than the system or backend mount's maximum TTL value; issued tokens' max TTL value will be truncated",
      );
    }
    const names =
      data['bound_service_account_names'] !== undefined
        ? stringSliceField(data, 'bound_service_account_names')
        : (existing?.serviceAccountNames ?? []);
    if (names.length === 0) throw badRequest('"bound_service_account_names" can not be empty');
    if (names.length > 1 && names.includes('*')) throw badRequest('can not mix "*" with values');
    const namespaces =
      data['bound_service_account_namespaces'] !== undefined
        ? stringSliceField(data, 'bound_service_account_namespaces')
        : (existing?.serviceAccountNamespaces ?? []);
    const selector = stringField(data, 'bound_service_account_namespace_selector');
    if (namespaces.length === 0 && selector === '') {
      throw badRequest('"bound_service_account_namespaces" can not be empty if "bound_service_account_namespace_selector" is not set');
    }
    if (namespaces.length > 1 && namespaces.includes('*')) throw badRequest('can not mix "*" with values');
    const audience = data['audience'] !== undefined ? stringField(data, 'audience') : (existing?.audience ?? '');
    if (audience.trim() === '') {
      warnings.push('This role does not specify an audience. In a future version of Vault, specifying an audience will be required.');
    }
    const sourceText =
      data['alias_name_source'] !== undefined
        ? stringField(data, 'alias_name_source')
        : (existing?.aliasNameSource ?? 'serviceaccount_uid');
    const source = sourceText === '' ? 'serviceaccount_uid' : sourceText;
    if (source !== 'serviceaccount_uid' && source !== 'serviceaccount_name') {
      throw badRequest(`invalid alias_name_source ${JSON.stringify(source)}, must be one of: serviceaccount_uid, serviceaccount_name`);
    }
    this.roles.set(name, {
      serviceAccountNames: names,
      serviceAccountNamespaces: namespaces,
      namespaceSelector: selector,
      audience,
      aliasNameSource: source,
      token,
    });
    return warnings.length > 0 ? respondData(null, { warnings }) : null;
  }

  // ----- login ------------------------------------------------------------------------------

  /** `POST auth/<mount>/login` (port of the plugin's `pathLogin`). */
  private login(req: LogicalRequest): DataResponse {
    const roleName = stringField(req.data, 'role');
    if (roleName === '') throw badRequest('missing role');
    const jwt = stringField(req.data, 'jwt');
    if (jwt === '') throw badRequest('missing jwt');
    const role = this.roles.get(roleName.toLowerCase());
    if (!role) throw badRequest(`invalid role name ${JSON.stringify(roleName)}`);
    const config = this.config;
    if (!config) throw internalError('could not load backend configuration');

    let claims: Record<string, unknown>;
    try {
      claims = validateJwt(jwt, {
        keys: config.publicKeys,
        ...(!config.disableIssValidation && config.issuer !== '' ? { issuer: config.issuer } : {}),
        ...(role.audience.trim() !== '' ? { audiences: [role.audience] } : {}),
        allowMissingTimes: true,
        nowMs: this.ctx.clock.now(),
      });
    } catch (error: unknown) {
      if (!(error instanceof JwtError)) throw error;
      if (error.message.includes('verifying token signature')) throw new VaultError(403, ['permission denied']);
      throw new VaultError(403, [error.message]);
    }
    const sa = serviceAccountFrom(claims);
    if (role.serviceAccountNames.length > 1 || role.serviceAccountNames[0] !== '*') {
      if (!globListContains(role.serviceAccountNames, sa.name)) throw new VaultError(403, ['service account name not authorized']);
    }
    const namespaceAllowed =
      role.serviceAccountNamespaces.length > 0 &&
      (role.serviceAccountNamespaces[0] === '*' || globListContains(role.serviceAccountNamespaces, sa.namespace));
    if (!namespaceAllowed) throw new VaultError(403, ['namespace not authorized']);
    // The TokenReview stand-in: a reviewed token must name a complete service account.
    if (sa.uid === '') throw internalError('could not parse UID from claims');
    if (sa.name === '' || sa.namespace === '') throw new VaultError(403, ['permission denied']);

    const aliasName = role.aliasNameSource === 'serviceaccount_name' ? `${sa.namespace}/${sa.name}` : sa.uid;
    return issueLoginToken(this.ctx, this.mount, req, this.entities, {
      params: role.token,
      metadata: {
        role: roleName,
        service_account_name: sa.name,
        service_account_namespace: sa.namespace,
        service_account_secret_name: sa.secretName,
        service_account_uid: sa.uid,
      },
      displayName: `${sa.namespace}-${sa.name}`,
      aliasName,
    });
  }
}

function roleKey(params: PathParams): string {
  return (params['name'] ?? '').toLowerCase();
}
