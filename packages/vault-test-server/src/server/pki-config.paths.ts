/**
 * Managing authority information (https://developer.hashicorp.com/vault/api-docs/secret/pki#managing-authority-information):
 * `config/urls` (AIA and CRL distribution points put into issued certificates, optionally
 * templated), `config/cluster`, `config/crl`, `config/issuers` and `crl/rotate`.
 */
import { badRequest, internalError } from './errors.js';
import { boolField, stringField, stringSliceField } from './fields.js';
import { DurationParseError, formatGoDuration, parseGoDuration } from './go-duration.js';
import type { DataResponse, LogicalRequest } from './logical.js';
import { respondData } from './logical.js';
import type { PathDefinition } from './path-router.js';
import type { PkiContext } from './pki-issuance.js';
import { invalidUrl } from './pki-aia.js';
import type { PkiCrlConfig } from './pki-mount-state.js';

/** The paths of this module. */
export function pkiConfigPaths(pki: PkiContext): PathDefinition[] {
  return [
    { pattern: /^config\/urls$/, operations: { read: () => readUrls(pki), update: (r) => writeUrls(pki, r) } },
    { pattern: /^config\/cluster$/, operations: { read: () => clusterData(pki), update: (r) => writeCluster(pki, r) } },
    { pattern: /^config\/crl$/, operations: { read: () => readCrlConfig(pki), update: (r) => writeCrlConfig(pki, r) } },
    { pattern: /^config\/issuers$/, operations: { read: () => issuersConfig(pki), update: (r) => writeIssuersConfig(pki, r) } },
    { pattern: /^crl\/rotate$/, operations: { read: () => rotateCrl(pki) } },
  ];
}

// ----- config/urls ----------------------------------------------------------------------

function urlsData(pki: PkiContext): Record<string, unknown> {
  const urls = pki.state.urls;
  return {
    crl_distribution_points: [...urls.crlDistributionPoints],
    enable_templating: urls.enableTemplating,
    issuing_certificates: [...urls.issuingCertificates],
    ocsp_servers: [...urls.ocspServers],
  };
}

/** `GET config/urls`: nothing (404) until the configuration is set, as the API docs say. */
function readUrls(pki: PkiContext): DataResponse | null {
  return pki.state.urlsWritten ? respondData(urlsData(pki)) : null;
}

/** `POST config/urls`: fields not sent keep their value; `""` clears a list. */
function writeUrls(pki: PkiContext, req: LogicalRequest): DataResponse {
  const data = req.data;
  const next = { ...pki.state.urls };
  if (data['enable_templating'] !== undefined) next.enableTemplating = boolField(data, 'enable_templating', false);
  if (data['issuing_certificates'] !== undefined) next.issuingCertificates = stringSliceField(data, 'issuing_certificates');
  if (data['crl_distribution_points'] !== undefined) next.crlDistributionPoints = stringSliceField(data, 'crl_distribution_points');
  if (data['ocsp_servers'] !== undefined) next.ocspServers = stringSliceField(data, 'ocsp_servers');
  const warnings: string[] = [];
  if (!next.enableTemplating) {
    for (const [field, list] of [
      ['issuing_certificates', next.issuingCertificates],
      ['crl_distribution_points', next.crlDistributionPoints],
      ['ocsp_servers', next.ocspServers],
    ] as const) {
      const bad = invalidUrl(list);
      if (bad !== undefined) throw badRequest(`invalid URL found in Authority Information Access (AIA) parameter ${field}: ${bad}`);
    }
  }
  pki.state.urls = next;
  pki.state.urlsWritten = true;
  const first = [...pki.state.issuers.keys()].sort()[0];
  if (next.enableTemplating && first !== undefined) {
    try {
      pki.state.aiaUrls(first);
    } catch (error: unknown) {
      warnings.push(
        `issuance may fail: ${(error as Error).message}\n\nConsider setting the cluster-local address if it is not already set.`,
      );
    }
  }
  return respondData(urlsData(pki), { warnings });
}

// ----- config/cluster -------------------------------------------------------------------

function clusterData(pki: PkiContext): DataResponse {
  return respondData({ aia_path: pki.state.cluster.aiaPath, path: pki.state.cluster.path });
}

function writeCluster(pki: PkiContext, req: LogicalRequest): DataResponse {
  const cluster = { ...pki.state.cluster };
  if (req.data['path'] !== undefined) {
    cluster.path = stringField(req.data, 'path');
    if (invalidUrl([cluster.path]) !== undefined) throw internalError(`invalid, non-URL path given to cluster: ${cluster.path}`);
  }
  if (req.data['aia_path'] !== undefined) {
    cluster.aiaPath = stringField(req.data, 'aia_path');
    if (invalidUrl([cluster.aiaPath]) !== undefined) throw internalError(`invalid, non-URL aia_path given to cluster: ${cluster.aiaPath}`);
  }
  pki.state.cluster = cluster;
  return clusterData(pki);
}

// ----- config/crl -----------------------------------------------------------------------

/** `GET config/crl`: nothing (404) until the configuration is set, as the API docs say. */
function readCrlConfig(pki: PkiContext): DataResponse | null {
  return pki.state.crlConfigWritten ? respondData({ ...pki.state.crlConfig }) : null;
}

function parseDuration(field: string, text: string): number {
  try {
    return parseGoDuration(text);
  } catch (error: unknown) {
    if (error instanceof DurationParseError) throw badRequest(`given ${field} could not be decoded: ${error.message}`);
    throw error;
  }
}

/** `POST config/crl` with Vault's validation; a change of `disable`, `auto_rebuild` or `enable_delta` rebuilds the CRLs. */
async function writeCrlConfig(pki: PkiContext, req: LogicalRequest): Promise<DataResponse> {
  const data = req.data;
  const old = pki.state.crlConfig;
  const next: PkiCrlConfig = { ...old };
  for (const field of ['expiry', 'ocsp_expiry', 'auto_rebuild_grace_period', 'delta_rebuild_interval'] as const) {
    if (data[field] === undefined) continue;
    const text = stringField(data, field);
    const seconds = parseDuration(field, text);
    if (field === 'ocsp_expiry' && seconds < 0)
      throw badRequest(`ocsp_expiry must be greater than or equal to 0 got: ${formatGoDuration(seconds)}`);
    next[field] = text;
  }
  for (const field of [
    'disable',
    'ocsp_disable',
    'auto_rebuild',
    'enable_delta',
    'cross_cluster_revocation',
    'unified_crl',
    'unified_crl_on_existing_paths',
  ] as const) {
    if (data[field] !== undefined) next[field] = boolField(data, field, false);
  }
  if (next.unified_crl_on_existing_paths && !next.unified_crl) {
    throw badRequest('unified_crl_on_existing_paths cannot be enabled if unified_crl is disabled');
  }
  const expiry = parseGoDuration(next.expiry);
  if (next.auto_rebuild && parseGoDuration(next.auto_rebuild_grace_period) >= expiry) {
    throw badRequest(
      `CRL auto-rebuilding grace period (${next.auto_rebuild_grace_period}) must be strictly shorter than CRL expiry (${next.expiry}) value when auto-rebuilding of CRLs is enabled`,
    );
  }
  if (next.enable_delta && parseGoDuration(next.delta_rebuild_interval) >= expiry) {
    throw badRequest(
      `CRL delta rebuild window (${next.delta_rebuild_interval}) must be strictly shorter than CRL expiry (${next.expiry}) value when delta CRLs are enabled`,
    );
  }
  if (!next.auto_rebuild && next.enable_delta) {
    throw badRequest('Delta CRLs cannot be enabled when auto rebuilding is disabled as the complete CRL is always regenerated!');
  }
  if (!next.auto_rebuild && next.cross_cluster_revocation) {
    throw badRequest(
      'Global, cross-cluster revocation queue cannot be enabled when auto rebuilding is disabled as the local cluster may not have the certificate entry!',
    );
  }
  if (next.cross_cluster_revocation) {
    throw badRequest('Global, cross-cluster revocation queue (cross_cluster_revocation) can only be enabled on Vault Enterprise.');
  }
  if (next.unified_crl) throw badRequest('unified_crl can only be enabled on Vault Enterprise');
  pki.state.crlConfig = next;
  pki.state.crlConfigWritten = true;
  if (old.disable !== next.disable || (old.auto_rebuild && !next.auto_rebuild) || old.enable_delta !== next.enable_delta) {
    await pki.state.rebuildCrls();
  }
  return respondData({ ...next });
}

/** `GET crl/rotate`: rebuilds every issuer's CRL. */
async function rotateCrl(pki: PkiContext): Promise<DataResponse> {
  await pki.state.rebuildCrls();
  return respondData({ success: true });
}

// ----- config/issuers -------------------------------------------------------------------

function issuersConfig(pki: PkiContext): DataResponse {
  return respondData({ default: pki.state.defaultIssuerId ?? '', default_follows_latest_issuer: false });
}

function writeIssuersConfig(pki: PkiContext, req: LogicalRequest): DataResponse {
  const ref = stringField(req.data, 'default');
  if (ref === '' || ref.toLowerCase() === 'default')
    throw badRequest("Invalid issuer specification; must be non-empty and can't be 'default'.");
  const found = pki.state.lookupIssuer(ref);
  if ('error' in found) throw badRequest(`Error resolving issuer reference: ${found.error}`);
  pki.state.defaultIssuerId = found.issuer.id;
  return issuersConfig(pki);
}
