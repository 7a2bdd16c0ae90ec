/**
 * Wire formats: Vault's success envelope (`HTTPResponse`), error bodies and empty answers.
 * Headers common to every answer are added by the HTTP writer (`Cache-Control: no-store`).
 */
import { asStruct, encodeGoJson, encodeGoJsonStruct } from './go-json.js';
import type { AuthBlock, LogicalRequest } from './logical.js';

/** A fully decided HTTP answer. */
export interface HttpResult {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** Body text ('' = no body). */
  readonly body: string;
  /** Binary body (DER); when set it is written instead of `body`. */
  readonly bytes?: Buffer;
}

/** Fields of the success envelope. */
export interface EnvelopeFields {
  readonly requestId: string;
  readonly leaseId?: string;
  readonly renewable?: boolean;
  /** `lease_duration` in **seconds**. */
  readonly leaseDuration?: number;
  readonly data: Record<string, unknown> | null;
  readonly warnings?: readonly string[] | null;
  readonly auth?: AuthBlock | null;
  readonly mountType: string;
}

/** Builds the envelope object with every key present, in Vault's order. */
export function buildEnvelope(fields: EnvelopeFields): Record<string, unknown> {
  return asStruct(envelopeFields(fields));
}

/** The envelope of {@link buildEnvelope} as a JSON answer (`json.Encoder`, trailing newline). */
export function envelopeResult(status: number, fields: EnvelopeFields): HttpResult {
  return { status, headers: JSON_HEADERS, body: encodeGoJsonStruct(envelopeFields(fields)) };
}

/** The envelope's fields in Vault's order (a Go struct: encode it as one). */
function envelopeFields(fields: EnvelopeFields): Record<string, unknown> {
  return {
    request_id: fields.requestId,
    lease_id: fields.leaseId ?? '',
    renewable: fields.renewable ?? false,
    lease_duration: fields.leaseDuration ?? 0,
    data: fields.data,
    wrap_info: null,
    warnings: fields.warnings && fields.warnings.length > 0 ? [...fields.warnings] : null,
    auth: fields.auth ? authStruct(fields.auth) : null,
    mount_type: fields.mountType,
  };
}

function authStruct(auth: AuthBlock): Record<string, unknown> {
  return asStruct({
    client_token: auth.client_token,
    accessor: auth.accessor,
    policies: auth.policies,
    token_policies: auth.token_policies && auth.token_policies.length > 0 ? auth.token_policies : undefined,
    identity_policies: auth.identity_policies && auth.identity_policies.length > 0 ? auth.identity_policies : undefined,
    metadata: auth.metadata,
    lease_duration: auth.lease_duration,
    renewable: auth.renewable,
    entity_id: auth.entity_id,
    token_type: auth.token_type,
    orphan: auth.orphan,
    mfa_requirement: auth.mfa_requirement,
    num_uses: auth.num_uses,
  });
}

/**
 * Prepends every `data` key to the envelope, like Vault's `HTTPSysInjector` for legacy `sys/`
 * routes (`sys/mounts`, `sys/auth`...).
 */
export function injectDataAtTopLevel(envelope: Record<string, unknown>): Record<string, unknown> {
  const data = envelope['data'];
  if (!data || typeof data !== 'object') return envelope;
  const keys = Object.keys(data).sort();
  const merged: Record<string, unknown> = {};
  for (const key of keys) merged[key] = (data as Record<string, unknown>)[key];
  for (const [key, value] of Object.entries(envelope)) merged[key] = value;
  return asStruct(merged);
}

const JSON_HEADERS = { 'Content-Type': 'application/json' } as const;

/** A JSON answer encoded like Go's `json.Encoder` (trailing newline). */
export function jsonResult(status: number, body: unknown): HttpResult {
  return { status, headers: JSON_HEADERS, body: encodeGoJson(body) };
}

/** `{"errors":[...]}` with a trailing newline. */
export function errorResult(status: number, errors: readonly string[] = []): HttpResult {
  return { status, headers: JSON_HEADERS, body: encodeGoJsonStruct({ errors }) };
}

/** Empty body; `Content-Type: application/json` is still set, like Vault. */
export function emptyResult(status = 204): HttpResult {
  return { status, headers: JSON_HEADERS, body: '' };
}

/**
 * The body a plugin produces with `logical.RespondWithStatusCode(resp, req, code)`: the full
 * envelope marshalled by the plugin (`json.Marshal`, so no trailing newline, and `mount_type`
 * empty). `fields === null` gives an empty body.
 */
export function pluginStatusBody(
  req: Pick<LogicalRequest, 'id'>,
  fields: { data?: Record<string, unknown> | null; warnings?: readonly string[] } | null,
): string {
  if (fields === null) return '';
  const envelope = buildEnvelope({
    requestId: req.id,
    data: fields.data ?? null,
    warnings: fields.warnings ?? null,
    mountType: '',
  });
  return encodeGoJson(envelope, { trailingNewline: false });
}
