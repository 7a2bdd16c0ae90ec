/**
 * Revocation and tidying for the PKI engine: Vault's `revokeCert` (a revoked certificate joins
 * its issuer's CRL, rebuilt at once unless `auto_rebuild` is set) and `tidy` (expired entries
 * past the safety buffer leave `certs/` and `revoked/`), run synchronously against the server
 * clock, with the state `tidy-status` reports.
 */
import { badRequest } from './errors.js';
import type { PkiMountState, RevokedCertificate } from './pki-mount-state.js';

/**
 * Revokes a stored certificate. Revoking twice keeps the first revocation. Throws Vault's 400
 * for an unknown serial (named as `shownSerial`) or an issuer of the mount. `nowMs` in ms since
 * the epoch.
 */
export async function revokeCertificate(
  state: PkiMountState,
  serialHex: string,
  nowMs: number,
  shownSerial = colon(serialHex),
): Promise<RevokedCertificate> {
  const earlier = state.revoked.get(serialHex);
  if (earlier) return earlier;
  const stored = state.certificates.get(serialHex);
  if (!stored) throw badRequest(`certificate with serial ${shownSerial} not found.`);
  const issuer = [...state.issuers.values()].find((candidate) => candidate.info.serialHex === serialHex);
  if (issuer) throw badRequest(`adding issuer (id: ${issuer.id}) to its own CRL is not allowed`);
  const entry: RevokedCertificate = {
    info: stored.info,
    issuerId: state.issuerOf(stored.info)?.id ?? stored.issuerId,
    revokedAtMs: nowMs,
  };
  state.revoked.set(serialHex, entry);
  if (!state.crlConfig.auto_rebuild) await state.rebuildCrls();
  return entry;
}

/** Parameters of a tidy run. Buffers in **seconds**. */
export interface TidyRequest {
  readonly tidyCertStore: boolean;
  readonly tidyRevokedCerts: boolean;
  readonly tidyRevokedCertIssuerAssociations: boolean;
  readonly tidyExpiredIssuers: boolean;
  readonly tidyMoveLegacyCaBundle: boolean;
  readonly tidyRevocationQueue: boolean;
  readonly tidyCrossClusterRevokedCerts: boolean;
  readonly tidyAcme: boolean;
  readonly safetyBuffer: number;
  readonly issuerSafetyBuffer: number;
  readonly revocationQueueSafetyBuffer: number;
  readonly acmeAccountSafetyBuffer: number;
  /** Go duration string as given (`0s` default). */
  readonly pauseDuration: string;
}

/** The last tidy run. Times in ms since the epoch. */
export interface TidyStatus {
  readonly request: TidyRequest;
  readonly startedMs: number;
  readonly finishedMs: number;
  readonly certStoreDeleted: number;
  readonly revokedCertDeleted: number;
  readonly missingIssuerCerts: number;
}

/** Runs a tidy now (`nowMs`) and returns its status. */
export async function runTidy(state: PkiMountState, request: TidyRequest, nowMs: number): Promise<TidyStatus> {
  let certStoreDeleted = 0;
  let revokedCertDeleted = 0;
  let missingIssuerCerts = 0;
  const expired = (notAfterMs: number, bufferSeconds: number): boolean => nowMs - notAfterMs > bufferSeconds * 1000;
  if (request.tidyCertStore) {
    for (const [serial, stored] of state.certificates) {
      if (expired(stored.info.notAfterMs, request.safetyBuffer)) {
        state.certificates.delete(serial);
        certStoreDeleted += 1;
      }
    }
  }
  let rebuild = false;
  if (request.tidyRevokedCerts || request.tidyRevokedCertIssuerAssociations) {
    for (const [serial, entry] of state.revoked) {
      if (request.tidyRevokedCertIssuerAssociations && !state.issuers.has(entry.issuerId)) {
        missingIssuerCerts += 1;
        const issuer = state.issuerOf(entry.info);
        if (issuer) state.revoked.set(serial, { ...entry, issuerId: issuer.id });
      }
      if (request.tidyRevokedCerts && expired(entry.info.notAfterMs, request.safetyBuffer)) {
        state.revoked.delete(serial);
        state.certificates.delete(serial);
        revokedCertDeleted += 1;
        rebuild = true;
      }
    }
  }
  if (request.tidyExpiredIssuers) {
    for (const issuer of [...state.issuers.values()]) {
      if (issuer.id !== state.defaultIssuerId && expired(issuer.info.notAfterMs, request.issuerSafetyBuffer)) state.deleteIssuer(issuer.id);
    }
  }
  if (rebuild && !state.crlConfig.auto_rebuild) await state.rebuildCrls();
  return { request, startedMs: nowMs, finishedMs: nowMs, certStoreDeleted, revokedCertDeleted, missingIssuerCerts };
}

function colon(hex: string): string {
  return (hex.match(/../g) ?? []).join(':');
}
