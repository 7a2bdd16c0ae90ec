/**
 * `POST tidy` and `GET tidy-status` of the PKI engine
 * (https://developer.hashicorp.com/vault/api-docs/secret/pki#tidy): the run is synchronous here
 * (the answer is still Vault's 202 with its warning), and the status reports the last run.
 */
import { badRequest } from './errors.js';
import { pluginStatusBody } from './envelope.js';
import { boolField, durationField, stringField } from './fields.js';
import { formatGoDuration, parseGoDuration } from './go-duration.js';
import type { DataResponse, LogicalRequest, RawResponse } from './logical.js';
import { respondData } from './logical.js';
import type { PathDefinition } from './path-router.js';
import type { PkiContext } from './pki-issuance.js';
import { runTidy, type TidyRequest, type TidyStatus } from './pki-revocation.js';
import { formatRfc3339FromMillis } from './time-format.js';

/** The paths of this module. */
export function pkiTidyPaths(pki: PkiContext): PathDefinition[] {
  let tidy: TidyStatus | undefined;
  const uuid = pki.state.backendUuid;
  return [
    {
      pattern: /^tidy$/,
      operations: {
        update: async (r) => {
          const request = tidyRequest(r.data);
          tidy = await runTidy(pki.state, request, pki.ctx.clock.now());
          return tidyAccepted(r, request);
        },
      },
    },
    { pattern: /^tidy-status$/, operations: { read: () => tidyStatus(tidy, uuid) } },
  ];
}

function tidyRequest(data: Record<string, unknown>): TidyRequest {
  const request: TidyRequest = {
    tidyCertStore: boolField(data, 'tidy_cert_store', false),
    tidyRevokedCerts: boolField(data, 'tidy_revoked_certs', false) || boolField(data, 'tidy_revocation_list', false),
    tidyRevokedCertIssuerAssociations: boolField(data, 'tidy_revoked_cert_issuer_associations', false),
    tidyExpiredIssuers: boolField(data, 'tidy_expired_issuers', false),
    tidyMoveLegacyCaBundle: boolField(data, 'tidy_move_legacy_ca_bundle', false),
    tidyRevocationQueue: boolField(data, 'tidy_revocation_queue', false),
    tidyCrossClusterRevokedCerts: boolField(data, 'tidy_cross_cluster_revoked_certs', false),
    tidyAcme: boolField(data, 'tidy_acme', false),
    safetyBuffer: durationField(data, 'safety_buffer', 72 * 3600),
    issuerSafetyBuffer: durationField(data, 'issuer_safety_buffer', 365 * 24 * 3600),
    revocationQueueSafetyBuffer: durationField(data, 'revocation_queue_safety_buffer', 48 * 3600),
    acmeAccountSafetyBuffer: durationField(data, 'acme_account_safety_buffer', 30 * 24 * 3600),
    pauseDuration: stringField(data, 'pause_duration', '0s'),
  };
  for (const [field, value] of [
    ['safety_buffer', request.safetyBuffer],
    ['issuer_safety_buffer', request.issuerSafetyBuffer],
    ['revocation_queue_safety_buffer', request.revocationQueueSafetyBuffer],
    ['acme_account_safety_buffer', request.acmeAccountSafetyBuffer],
  ] as const) {
    if (value < 1) throw badRequest(`${field} must be greater than zero`);
  }
  if (request.pauseDuration !== '') {
    let pause: number;
    try {
      pause = parseGoDuration(request.pauseDuration);
    } catch (error: unknown) {
      throw badRequest(`Error parsing pause_duration: ${(error as Error).message}`);
    }
    if (pause < 0) throw badRequest('received invalid, negative pause_duration');
  }
  return request;
}

/** `POST tidy`: 202 with the warning Vault gives (the run itself is synchronous here). */
function tidyAccepted(req: LogicalRequest, request: TidyRequest): RawResponse {
  const anyTarget =
    request.tidyCertStore ||
    request.tidyRevokedCerts ||
    request.tidyRevokedCertIssuerAssociations ||
    request.tidyExpiredIssuers ||
    request.tidyMoveLegacyCaBundle ||
    request.tidyRevocationQueue ||
    request.tidyCrossClusterRevokedCerts;
  const warning = anyTarget
    ? "Tidy operation successfully started. Any information from the operation will be printed to Vault's server logs."
    : 'No targets to tidy; specify tidy_cert_store=true or tidy_revoked_certs=true or tidy_revoked_cert_issuer_associations=true or tidy_expired_issuers=true or tidy_move_legacy_ca_bundle=true or tidy_revocation_queue=true or tidy_cross_cluster_revoked_certs=true to start a tidy operation.';
  return {
    kind: 'raw',
    status: 202,
    body: pluginStatusBody(req, { data: null, warnings: [warning] }),
    headers: { 'Content-Type': 'application/json' },
  };
}

/** `GET tidy-status`: `Inactive` before any run, then the last run (`Finished`). */
function tidyStatus(status: TidyStatus | undefined, backendUuid: string): DataResponse {
  const data: Record<string, unknown> = {
    acme_account_deleted_count: null,
    acme_account_revoked_count: null,
    acme_account_safety_buffer: null,
    acme_orders_deleted_count: null,
    cert_store_deleted_count: null,
    cross_revoked_cert_deleted_count: null,
    current_cert_store_count: null,
    current_revoked_cert_count: null,
    error: null,
    internal_backend_uuid: backendUuid,
    issuer_safety_buffer: null,
    message: null,
    missing_issuer_cert_count: null,
    pause_duration: null,
    revocation_queue_deleted_count: null,
    revoked_cert_deleted_count: null,
    safety_buffer: null,
    state: 'Inactive',
    tidy_acme: null,
    tidy_cert_store: null,
    tidy_cross_cluster_revoked_certs: null,
    tidy_expired_issuers: null,
    tidy_move_legacy_ca_bundle: null,
    tidy_revocation_queue: null,
    tidy_revoked_cert_issuer_associations: null,
    tidy_revoked_certs: null,
    time_finished: null,
    time_started: null,
    total_acme_account_count: null,
  };
  if (!status) return respondData(data);
  const r = status.request;
  return respondData({
    ...data,
    acme_account_deleted_count: 0,
    acme_account_revoked_count: 0,
    acme_account_safety_buffer: r.acmeAccountSafetyBuffer,
    acme_orders_deleted_count: 0,
    cert_store_deleted_count: status.certStoreDeleted,
    cross_revoked_cert_deleted_count: 0,
    issuer_safety_buffer: r.issuerSafetyBuffer,
    last_auto_tidy_finished: formatRfc3339FromMillis(status.finishedMs),
    missing_issuer_cert_count: status.missingIssuerCerts,
    pause_duration: formatGoDuration(parseGoDuration(r.pauseDuration === '' ? '0s' : r.pauseDuration)),
    revocation_queue_deleted_count: 0,
    revocation_queue_safety_buffer: r.revocationQueueSafetyBuffer,
    revoked_cert_deleted_count: status.revokedCertDeleted,
    safety_buffer: r.safetyBuffer,
    state: 'Finished',
    tidy_acme: r.tidyAcme,
    tidy_cert_store: r.tidyCertStore,
    tidy_cross_cluster_revoked_certs: r.tidyCrossClusterRevokedCerts,
    tidy_expired_issuers: r.tidyExpiredIssuers,
    tidy_move_legacy_ca_bundle: r.tidyMoveLegacyCaBundle,
    tidy_revocation_queue: r.tidyRevocationQueue,
    tidy_revoked_cert_issuer_associations: r.tidyRevokedCertIssuerAssociations,
    tidy_revoked_certs: r.tidyRevokedCerts,
    time_finished: formatRfc3339FromMillis(status.finishedMs),
    time_started: formatRfc3339FromMillis(status.startedMs),
    total_acme_account_count: 0,
  });
}
