/**
 * The PKI secrets engine (`type: 'pki'`, https://developer.hashicorp.com/vault/api-docs/secret/pki)
 * issuing real X.509 certificates (`@peculiar/x509` on Node's WebCrypto), with Vault 1.11+
 * multi-issuer semantics:
 *
 * - CAs: `root/generate/:type`, `DELETE root`, `intermediate/generate/:type`,
 *   `intermediate/set-signed`, `config/ca` and `issuers/import/*`, `root/sign-intermediate`,
 *   `root/sign-self-issued` (and their `issuer/:ref/...` forms) — see `pki-ca.paths.ts`,
 *   `pki-sign-ca.paths.ts`;
 * - roles (`roles/:name`, LIST `roles`) and certificates under them: `issue/:role`,
 *   `sign/:role`, `sign-verbatim(/:role)` (and their `issuer/:ref/...` forms), `revoke` — see
 *   `pki-issue.paths.ts`;
 * - authority information: `ca`, `ca/pem`, `ca_chain`, `cert/*`, `crl`, `crl/pem`, LIST
 *   `certs`, LIST `issuers`, `issuer/:ref(/json|/der|/pem|/crl...)`, LIST `keys`, `key/:ref`
 *   — see `pki-fetch.paths.ts`;
 * - configuration: `config/urls`, `config/cluster`, `config/crl`, `config/issuers`,
 *   `crl/rotate` — see `pki-config.paths.ts`; `tidy`, `tidy-status` — see `pki-tidy.paths.ts`.
 *
 * Not emulated: ACME, OCSP, delta and unified CRLs, issuer/key update and delete, managed keys,
 * `existing`/`kms` generation, CIEPS, EST/CMPv2, auto-tidy, cross-cluster revocation.
 */
import type { BackendContext } from './backend.js';
import { respondData } from './logical.js';
import type { MountDescriptor } from './mount-table.js';
import { FrameworkBackend, type PathDefinition } from './path-router.js';
import { pkiCaPaths } from './pki-ca.paths.js';
import { pkiConfigPaths } from './pki-config.paths.js';
import { pkiFetchPaths } from './pki-fetch.paths.js';
import type { PkiContext } from './pki-issuance.js';
import { pkiIssuePaths } from './pki-issue.paths.js';
import { PkiMountState } from './pki-mount-state.js';
import { roleData, roleFromRequest, type PkiRole } from './pki-roles.js';
import { pkiSignCaPaths } from './pki-sign-ca.paths.js';
import { pkiTidyPaths } from './pki-tidy.paths.js';

const NAME = String.raw`(?<name>\w(?:[\w.-]*\w)?)`;

/** Backend of a `pki` mount. */
export class PkiBackend extends FrameworkBackend {
  private readonly roles = new Map<string, PkiRole>();
  protected readonly paths: readonly PathDefinition[];

  constructor(
    private readonly ctx: BackendContext,
    private readonly mount: MountDescriptor,
  ) {
    super();
    const pki: PkiContext = { ctx, mount, state: new PkiMountState(ctx.clock), roles: this.roles };
    this.paths = [
      { pattern: /^roles\/?$/, operations: { list: () => respondData({ keys: [...this.roles.keys()].sort() }) } },
      {
        pattern: new RegExp(`^roles/${NAME}$`),
        operations: {
          read: (_r, p) => {
            const role = this.roles.get(p['name'] ?? '');
            return role ? respondData(roleData(role)) : null;
          },
          update: (r, p) => {
            const name = p['name'] ?? '';
            this.roles.set(name, roleFromRequest(r.data, this.roles.get(name)));
            return null;
          },
          delete: (_r, p) => {
            this.roles.delete(p['name'] ?? '');
            return null;
          },
        },
        exists: (_r, p) => this.roles.has(p['name'] ?? ''),
      },
      ...pkiCaPaths(pki),
      ...pkiSignCaPaths(pki),
      ...pkiIssuePaths(pki),
      ...pkiFetchPaths(pki),
      ...pkiConfigPaths(pki),
      ...pkiTidyPaths(pki),
    ];
  }

  /** Mount disabled: its leases go away with it. */
  cleanup(): void {
    this.ctx.leases.background(this.ctx.leases.revokePrefix(this.mount.path, { sync: true, force: true }));
  }
}
