/**
 * Conformance of the PKI engine with Vault's API docs (website/content/api-docs/secret/pki/index.mdx):
 * one test per endpoint and error case, on the wire with plain `fetch`. Certificates are
 * checked as real X.509: chains verify with node:crypto (`X509Certificate.checkIssued` and
 * `verify`), CRLs with `@peculiar/x509`, CSRs and CA material are made by the tests.
 */
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VaultTestServer } from '../src/index.js';
import { call, envelope, errors, root, startServer, unique, type VaultAnswer } from './support.js';
import { fetchBytes, makeCsr, makeSelfSigned, pemToDer, x509 } from './pki-test-material.js';

let server: VaultTestServer;
/** A mount with a root CA (`root-ca`) and the role `web` (example.com and subdomains). */
let mount: string;
let rootCert: RootData;

interface RootData {
  certificate: string;
  issuing_ca: string;
  issuer_id: string;
  issuer_name: string;
  key_id: string;
  key_name: string;
  serial_number: string;
  expiration: number;
  private_key?: string;
}

interface SignedData {
  certificate: string;
  issuing_ca: string;
  ca_chain?: string[];
  serial_number: string;
  expiration: number;
  private_key?: string;
}

const AIA_WARNING =
  "This mount hasn't configured any authority information access (AIA) fields; this may make it harder for systems to find missing certificates in the chain or to validate revocation status of certificates. Consider updating /config/urls or the newly generated issuer with this information.";

const spkiOf = (pem: string): string => new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
const colonSerialOf = (cert: X509Certificate): string => (cert.serialNumber.toLowerCase().match(/../g) ?? []).join(':');

/** Asserts `child` names `parent` as issuer and carries a signature `parent`'s key verifies. */
function expectIssuedBy(child: string, parent: string): void {
  const childCert = new X509Certificate(child);
  const parentCert = new X509Certificate(parent);
  expect(childCert.checkIssued(parentCert)).toBe(true);
  expect(childCert.verify(parentCert.publicKey)).toBe(true);
}

async function newPkiMount(prefix: string): Promise<string> {
  const path = unique(prefix);
  await server.admin.enableSecretsEngine(path, 'pki', undefined, { config: { max_lease_ttl: '87600h' } });
  return path;
}

async function generateRoot(path: string, body: Record<string, unknown> = {}): Promise<RootData> {
  const answer = await root(server, 'POST', `${path}/root/generate/internal`, {
    body: { common_name: 'Conformance Root', ttl: '8760h', ...body },
  });
  expect(answer.status).toBe(200);
  return envelope<RootData>(answer).data;
}

async function issue(path: string, role: string, body: Record<string, unknown>): Promise<VaultAnswer> {
  return root(server, 'POST', `${path}/issue/${role}`, { body });
}

beforeAll(async () => {
  server = await startServer({ startTime: Math.floor(Date.now() / 1000) * 1000 });
  mount = await newPkiMount('pki');
  rootCert = await generateRoot(mount, { issuer_name: 'root-ca', key_type: 'ec' });
  await server.admin.writePkiRole(mount, 'web', {
    allowed_domains: ['example.com'],
    allow_subdomains: true,
    key_type: 'ec',
    max_ttl: '720h',
  });
});
afterAll(() => server.stop());

describe('config/urls (#read-urls, #set-urls)', () => {
  it('answers 404 until the configuration is set ("No URL configuration will be returned until the configuration is set")', async () => {
    const path = await newPkiMount('pki-urls');
    const answer = await root(server, 'GET', `${path}/config/urls`);
    expect(answer.status).toBe(404);
    expect(answer.json).toEqual({ errors: [] });
  });

  it('stores arrays and comma-separated strings and reads them back in the envelope', async () => {
    const path = await newPkiMount('pki-urls');
    const write = await root(server, 'POST', `${path}/config/urls`, {
      body: {
        issuing_certificates: ['http://127.0.0.1:8200/v1/pki/ca'],
        crl_distribution_points: 'http://127.0.0.1:8200/v1/pki/crl,http://crl.example.com/pki.crl',
        ocsp_servers: ['http://ocsp.example.com'],
      },
    });
    expect([200, 204]).toContain(write.status);
    const read = await root(server, 'GET', `${path}/config/urls`);
    expect(read.status).toBe(200);
    expect(envelope(read)).toMatchObject({ lease_id: '', renewable: false, lease_duration: 0, auth: null });
    expect(envelope(read).data).toMatchObject({
      issuing_certificates: ['http://127.0.0.1:8200/v1/pki/ca'],
      crl_distribution_points: ['http://127.0.0.1:8200/v1/pki/crl', 'http://crl.example.com/pki.crl'],
      ocsp_servers: ['http://ocsp.example.com'],
    });
  });

  it('updates one value without affecting the others; a blank string removes values', async () => {
    const path = await newPkiMount('pki-urls');
    await root(server, 'POST', `${path}/config/urls`, {
      body: { issuing_certificates: 'http://a.example.com/ca', ocsp_servers: 'http://ocsp.example.com' },
    });
    await root(server, 'POST', `${path}/config/urls`, { body: { ocsp_servers: '' } });
    expect(envelope(await root(server, 'GET', `${path}/config/urls`)).data).toMatchObject({
      issuing_certificates: ['http://a.example.com/ca'],
      crl_distribution_points: [],
      ocsp_servers: [],
    });
  });

  it('refuses a value that is not a URL (400)', async () => {
    const answer = await root(server, 'POST', `${mount}/config/urls`, { body: { issuing_certificates: ['not a url'] } });
    expect(answer.status).toBe(400);
    expect(errors(answer)).toEqual(['invalid URL found in Authority Information Access (AIA) parameter issuing_certificates: not a url']);
  });

  it('encodes the URLs into issued certificates (AIA issuing certificate and OCSP, CRL distribution points)', async () => {
    const path = await newPkiMount('pki-urls');
    await root(server, 'POST', `${path}/config/urls`, {
      body: {
        issuing_certificates: 'http://ca.example.com/ca',
        crl_distribution_points: 'http://ca.example.com/crl',
        ocsp_servers: 'http://ca.example.com/ocsp',
      },
    });
    const ca = await generateRoot(path, { key_type: 'ec' });
    await server.admin.writePkiRole(path, 'web', { allowed_domains: 'example.com', allow_subdomains: true, key_type: 'ec' });
    const leaf = envelope<SignedData>(await issue(path, 'web', { common_name: 'app.example.com' })).data.certificate;
    for (const pem of [ca.certificate, leaf]) {
      const cert = new x509.X509Certificate(pem);
      const aia = cert.getExtension(x509.AuthorityInfoAccessExtension);
      expect(aia?.caIssuers.map((name) => name.value)).toEqual(['http://ca.example.com/ca']);
      expect(aia?.ocsp.map((name) => name.value)).toEqual(['http://ca.example.com/ocsp']);
      const cdp = cert.getExtension(x509.CRLDistributionPointsExtension);
      expect(
        cdp?.distributionPoints.flatMap((point) => point.distributionPoint?.fullName?.map((name) => name.uniformResourceIdentifier)),
      ).toEqual(['http://ca.example.com/crl']);
    }
    expect(new X509Certificate(leaf).infoAccess).toContain('CA Issuers - URI:http://ca.example.com/ca');
  });

  it('with enable_templating, replaces {{issuer_id}} and {{cluster_aia_path}} at issuance', async () => {
    const path = await newPkiMount('pki-tpl');
    const ca = await generateRoot(path, { key_type: 'ec' });
    const write = await root(server, 'POST', `${path}/config/urls`, {
      body: { enable_templating: true, issuing_certificates: '{{cluster_aia_path}}/issuer/{{issuer_id}}/der' },
    });
    expect(write.status).toBe(200);
    expect(envelope(write).warnings?.[0]).toMatch(
      /^issuance may fail: unable to template AIA URLs as we lack local cluster address information \(aia_path\)/,
    );
    await server.admin.writePkiRole(path, 'web', { allowed_domains: 'example.com', allow_subdomains: true, key_type: 'ec' });
    const failing = await issue(path, 'web', { common_name: 'a.example.com' });
    expect(failing.status).toBe(500);
    expect(errors(failing)[0]).toContain('unable to template AIA URLs as we lack local cluster address information (aia_path)');
    await root(server, 'POST', `${path}/config/cluster`, {
      body: { aia_path: 'http://aia.example.com/v1/pki', path: 'https://vault.example.com/v1/pki' },
    });
    expect(envelope(await root(server, 'GET', `${path}/config/urls`)).data).toMatchObject({ enable_templating: true });
    const leaf = envelope<SignedData>(await issue(path, 'web', { common_name: 'a.example.com' })).data.certificate;
    expect(new X509Certificate(leaf).infoAccess).toContain(`CA Issuers - URI:http://aia.example.com/v1/pki/issuer/${ca.issuer_id}/der`);
  });

  it('refuses to generate a root with a templated {{issuer_id}} (400)', async () => {
    const path = await newPkiMount('pki-tpl');
    await root(server, 'POST', `${path}/config/urls`, {
      body: { enable_templating: true, ocsp_servers: 'http://ocsp.example.com/{{issuer_id}}' },
    });
    const answer = await root(server, 'POST', `${path}/root/generate/internal`, {
      body: { common_name: 'Templated Root', key_type: 'ec' },
    });
    expect(answer.status).toBe(400);
    expect(errors(answer)[0]).toMatch(/^unable to parse AIA URL information: unable to template AIA URLs as we lack an issuer_id/);
  });
});

/** The CRL served at `path` (DER), parsed. */
async function readCrl(path: string): Promise<x509.X509Crl> {
  const answer = await fetchBytes(server, `${path}/crl`);
  expect(answer.status).toBe(200);
  return new x509.X509Crl(answer.bytes);
}

async function crlVerifies(crl: x509.X509Crl, issuerPem: string): Promise<boolean> {
  return crl.verify({ publicKey: new x509.X509Certificate(issuerPem).publicKey });
}

describe('config/crl (#read-crl-configuration, #set-revocation-configuration)', () => {
  it('answers 404 until the configuration is set, but the CRL defaults to enabled with a 72h expiry', async () => {
    const path = await newPkiMount('pki-crlcfg');
    const ca = await generateRoot(path, { key_type: 'ec' });
    expect((await root(server, 'GET', `${path}/config/crl`)).status).toBe(404);
    const crl = await readCrl(path);
    expect(await crlVerifies(crl, ca.certificate)).toBe(true);
    expect((crl.nextUpdate?.getTime() ?? 0) - crl.thisUpdate.getTime()).toBe(72 * 3_600_000);
  });

  it('stores the documented fields and reads them back; the CRL follows `expiry`', async () => {
    const path = await newPkiMount('pki-crlcfg');
    await generateRoot(path, { key_type: 'ec' });
    const write = await root(server, 'POST', `${path}/config/crl`, {
      body: { expiry: '48h', disable: 'false', auto_rebuild: 'true', auto_rebuild_grace_period: '8h' },
    });
    expect([200, 204]).toContain(write.status);
    const read = await root(server, 'GET', `${path}/config/crl`);
    expect(read.status).toBe(200);
    expect(envelope(read).data).toEqual({
      expiry: '48h',
      disable: false,
      ocsp_disable: false,
      ocsp_expiry: '12h',
      auto_rebuild: true,
      auto_rebuild_grace_period: '8h',
      enable_delta: false,
      delta_rebuild_interval: '15m',
      cross_cluster_revocation: false,
      unified_crl: false,
      unified_crl_on_existing_paths: false,
    });
    await root(server, 'GET', `${path}/crl/rotate`);
    const crl = await readCrl(path);
    expect((crl.nextUpdate?.getTime() ?? 0) - crl.thisUpdate.getTime()).toBe(48 * 3_600_000);
  });

  it('refuses an expiry that is not a duration (400)', async () => {
    const answer = await root(server, 'POST', `${mount}/config/crl`, { body: { expiry: 'forever' } });
    expect(answer.status).toBe(400);
    expect(errors(answer)).toEqual(['given expiry could not be decoded: time: invalid duration "forever"']);
  });

  it('refuses delta CRLs without auto_rebuild, and a grace period not shorter than the expiry (400)', async () => {
    const delta = await root(server, 'POST', `${mount}/config/crl`, { body: { enable_delta: true } });
    expect(delta.status).toBe(400);
    expect(errors(delta)).toEqual([
      'Delta CRLs cannot be enabled when auto rebuilding is disabled as the complete CRL is always regenerated!',
    ]);
    const grace = await root(server, 'POST', `${mount}/config/crl`, {
      body: { auto_rebuild: true, expiry: '12h', auto_rebuild_grace_period: '12h' },
    });
    expect(grace.status).toBe(400);
    expect(errors(grace)[0]).toMatch(/^CRL auto-rebuilding grace period \(12h\) must be strictly shorter than CRL expiry \(12h\)/);
  });

  it('refuses the Enterprise-only unified_crl (400)', async () => {
    const answer = await root(server, 'POST', `${mount}/config/crl`, { body: { auto_rebuild: true, unified_crl: true } });
    expect(answer.status).toBe(400);
    expect(errors(answer)).toEqual(['unified_crl can only be enabled on Vault Enterprise']);
  });

  it('with disable=true serves a signed but empty CRL', async () => {
    const path = await newPkiMount('pki-crlcfg');
    const ca = await generateRoot(path, { key_type: 'ec' });
    await server.admin.writePkiRole(path, 'web', { allowed_domains: 'example.com', allow_subdomains: true, key_type: 'ec' });
    const leaf = envelope<SignedData>(await issue(path, 'web', { common_name: 'r.example.com' })).data;
    await root(server, 'POST', `${path}/revoke`, { body: { serial_number: leaf.serial_number } });
    expect((await readCrl(path)).entries).toHaveLength(1);
    await root(server, 'POST', `${path}/config/crl`, { body: { disable: true } });
    const crl = await readCrl(path);
    expect(crl.entries).toHaveLength(0);
    expect(await crlVerifies(crl, ca.certificate)).toBe(true);
  });
});

describe('CRLs: crl, crl/pem, cert/crl, crl/rotate, issuer/:ref/crl (#read-issuer-crl, #rotate-crls)', () => {
  let path: string;
  let ca: RootData;
  beforeAll(async () => {
    path = await newPkiMount('pki-crl');
    ca = await generateRoot(path, { key_type: 'ec', issuer_name: 'crl-root' });
    await server.admin.writePkiRole(path, 'web', { allowed_domains: 'example.com', allow_subdomains: true, key_type: 'ec' });
  });

  it('serves the default issuer CRL as DER (application/pkix-crl), unauthenticated, a v2 CRL signed by the issuer', async () => {
    const answer = await fetchBytes(server, `${path}/crl`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('application/pkix-crl');
    const crl = new x509.X509Crl(answer.bytes);
    expect(crl.issuer).toBe(new x509.X509Certificate(ca.certificate).subject);
    expect(crl.version).toBe(1);
    expect(await crlVerifies(crl, ca.certificate)).toBe(true);
    expect(crl.getExtension('2.5.29.20')).not.toBeNull();
    expect(crl.getExtension('2.5.29.35')).not.toBeNull();
  });

  it('lists a revoked certificate with its revocation time, in DER, PEM and the JSON forms', async () => {
    const leaf = envelope<SignedData>(await issue(path, 'web', { common_name: 'revoked.example.com' })).data;
    server.clock.advance(5_000);
    const revoked = await root(server, 'POST', `${path}/revoke`, { body: { serial_number: leaf.serial_number } });
    expect(revoked.status).toBe(200);
    const revocationTime = envelope<{ revocation_time: number }>(revoked).data.revocation_time;
    expect(revocationTime).toBe(Math.floor(server.clock.now() / 1000));
    const crl = await readCrl(path);
    const entry = crl.findRevoked(leaf.serial_number.replace(/:/g, ''));
    expect(entry?.revocationDate.getTime()).toBe(revocationTime * 1000);
    const pem = await call(server, 'GET', `${path}/crl/pem`);
    expect(pem.status).toBe(200);
    expect(pem.headers.get('content-type')).toBe('application/x-pem-file');
    expect(pem.text).toMatch(/^-----BEGIN X509 CRL-----\n[\s\S]+\n-----END X509 CRL-----$/);
    expect(pemToDer(pem.text)).toEqual(Buffer.from(crl.rawData));
    const json = await call(server, 'GET', `${path}/cert/crl`);
    expect(envelope<{ certificate: string }>(json).data.certificate).toBe(pem.text);
    const byIssuer = await call(server, 'GET', `${path}/issuer/crl-root/crl`);
    expect(pemToDer(envelope<{ crl: string }>(byIssuer).data.crl)).toEqual(Buffer.from(crl.rawData));
    const der = await fetchBytes(server, `${path}/issuer/crl-root/crl/der`);
    expect(der.bytes).toEqual(Buffer.from(crl.rawData));
    expect((await call(server, 'GET', `${path}/issuer/crl-root/crl/pem`)).text).toBe(`${pem.text}\n`);
    const list = await root(server, 'LIST', `${path}/certs/revoked`);
    expect(envelope<{ keys: string[] }>(list).data.keys).toContain(leaf.serial_number);
  });

  it('crl/rotate answers {"success": true} and builds a new CRL (new number, new thisUpdate)', async () => {
    const before = await readCrl(path);
    server.clock.advance(60_000);
    const answer = await root(server, 'GET', `${path}/crl/rotate`);
    expect(answer.status).toBe(200);
    expect(envelope(answer).data).toEqual({ success: true });
    const after = await readCrl(path);
    expect(after.thisUpdate.getTime()).toBe(before.thisUpdate.getTime() + 60_000);
    expect(Buffer.from(after.getExtension('2.5.29.20')?.value ?? new ArrayBuffer(0))).not.toEqual(
      Buffer.from(before.getExtension('2.5.29.20')?.value ?? new ArrayBuffer(0)),
    );
    expect(after.entries.map((e) => e.serialNumber)).toEqual(before.entries.map((e) => e.serialNumber));
  });

  it('with auto_rebuild, a revocation waits for the next rebuild', async () => {
    const auto = await newPkiMount('pki-crl');
    await generateRoot(auto, { key_type: 'ec' });
    await server.admin.writePkiRole(auto, 'web', { allowed_domains: 'example.com', allow_subdomains: true, key_type: 'ec' });
    await root(server, 'POST', `${auto}/config/crl`, { body: { auto_rebuild: true } });
    const leaf = envelope<SignedData>(await issue(auto, 'web', { common_name: 'late.example.com' })).data;
    await readCrl(auto);
    await root(server, 'POST', `${auto}/revoke`, { body: { serial_number: leaf.serial_number } });
    expect((await readCrl(auto)).entries).toHaveLength(0);
    await root(server, 'GET', `${auto}/crl/rotate`);
    expect((await readCrl(auto)).entries).toHaveLength(1);
  });

  it('answers 204 for the CRL of a mount without issuer', async () => {
    const empty = await newPkiMount('pki-empty');
    expect((await fetchBytes(server, `${empty}/crl`)).status).toBe(204);
    expect((await fetchBytes(server, `${empty}/crl/pem`)).status).toBe(204);
  });
});

describe('revoke (#revoke-certificate)', () => {
  it('revokes by serial (colon or hyphen separated) and returns the revocation time; cert/:serial shows it', async () => {
    const leaf = envelope<SignedData>(await issue(mount, 'web', { common_name: 'rv.example.com' })).data;
    const answer = await root(server, 'POST', `${mount}/revoke`, {
      body: { serial_number: leaf.serial_number.replace(/:/g, '-').toUpperCase() },
    });
    expect(answer.status).toBe(200);
    const now = Math.floor(server.clock.now() / 1000);
    expect(envelope(answer).data).toMatchObject({ revocation_time: now });
    const read = envelope(await call(server, 'GET', `${mount}/cert/${leaf.serial_number}`)).data;
    expect(read).toMatchObject({ certificate: leaf.certificate, revocation_time: now, issuer_id: rootCert.issuer_id });
  });

  it('revokes by certificate (PEM) signed by an issuer of the mount', async () => {
    const leaf = envelope<SignedData>(await issue(mount, 'web', { common_name: 'byo.example.com' })).data;
    const answer = await root(server, 'POST', `${mount}/revoke`, { body: { certificate: leaf.certificate } });
    expect(answer.status).toBe(200);
    expect(envelope<{ keys: string[] }>(await root(server, 'LIST', `${mount}/certs/revoked`)).data.keys).toContain(leaf.serial_number);
  });

  it('revoking the lease of a certificate (role generate_lease) puts it on the CRL', async () => {
    await server.admin.writePkiRole(mount, 'leased', {
      allowed_domains: 'example.com',
      allow_subdomains: true,
      key_type: 'ec',
      ttl: '1h',
      generate_lease: true,
    });
    const issued = envelope<SignedData>(await issue(mount, 'leased', { common_name: 'lease.example.com' }));
    expect(issued.lease_id).toMatch(new RegExp(`^${mount}/issue/leased/`));
    await server.admin.revokeLease(issued.lease_id);
    await server.settle();
    const crl = await readCrl(mount);
    expect(crl.findRevoked(issued.data.serial_number.replace(/:/g, ''))).not.toBeNull();
  });

  it('needs exactly one of serial_number and certificate (400)', async () => {
    expect(errors(await root(server, 'POST', `${mount}/revoke`, { body: {} }))).toEqual([
      'The serial number or certificate to revoke must be provided.',
    ]);
    expect(errors(await root(server, 'POST', `${mount}/revoke`, { body: { serial_number: 'aa', certificate: 'x' } }))).toEqual([
      'Must provide either the certificate or the serial to revoke; not both.',
    ]);
  });

  it('refuses an issuer ("It is not possible to revoke issuers using this path") and an unknown serial (400)', async () => {
    const issuer = await root(server, 'POST', `${mount}/revoke`, { body: { serial_number: rootCert.serial_number } });
    expect(issuer.status).toBe(400);
    expect(errors(issuer)).toEqual([`adding issuer (id: ${rootCert.issuer_id}) to its own CRL is not allowed`]);
    const unknown = await root(server, 'POST', `${mount}/revoke`, { body: { serial_number: '01:02:03' } });
    expect(errors(unknown)).toEqual(['certificate with serial 01:02:03 not found.']);
  });
});

describe('config/ca (#import-ca-certificates-and-keys)', () => {
  it('imports a PEM bundle (key + CA certificate): imported_issuers, imported_keys, mapping; the issuer then signs', async () => {
    const source = await newPkiMount('pki-src');
    const exported = await root(server, 'POST', `${source}/root/generate/exported`, {
      body: { common_name: 'Imported Root', key_type: 'ec' },
    });
    const material = envelope<RootData>(exported).data;
    const target = await newPkiMount('pki-import');
    const answer = await root(server, 'POST', `${target}/config/ca`, {
      body: { pem_bundle: `${material.private_key}\n${material.certificate}` },
    });
    expect(answer.status).toBe(200);
    const data = envelope<{
      imported_issuers: string[];
      imported_keys: string[];
      mapping: Record<string, string>;
      existing_issuers: string[];
      existing_keys: string[];
    }>(answer).data;
    expect(data.imported_issuers).toHaveLength(1);
    expect(data.imported_keys).toHaveLength(1);
    expect(data.mapping).toEqual({ [data.imported_issuers[0] as string]: data.imported_keys[0] });
    expect(data.existing_issuers).toEqual([]);
    expect(data.existing_keys).toEqual([]);
    await server.admin.writePkiRole(target, 'web', { allowed_domains: 'example.com', allow_subdomains: true, key_type: 'ec' });
    const leaf = envelope<SignedData>(await issue(target, 'web', { common_name: 'imported.example.com' })).data;
    expectIssuedBy(leaf.certificate, material.certificate);
    expect(leaf.issuing_ca).toBe(material.certificate);
  });

  it('reports entries already present as existing_issuers / existing_keys', async () => {
    const material = await makeSelfSigned('CN=Bundle Root');
    const target = await newPkiMount('pki-import');
    const bundle = `${material.keyPem}${material.pem}`;
    const first = envelope<{ imported_issuers: string[]; imported_keys: string[] }>(
      await root(server, 'POST', `${target}/config/ca`, { body: { pem_bundle: bundle } }),
    ).data;
    const again = envelope<{ imported_issuers: string[]; existing_issuers: string[]; existing_keys: string[] }>(
      await root(server, 'POST', `${target}/config/ca`, { body: { pem_bundle: bundle } }),
    ).data;
    expect(again.imported_issuers).toEqual([]);
    expect(again.existing_issuers).toEqual(first.imported_issuers);
    expect(again.existing_keys).toEqual(first.imported_keys);
  });

  it('refuses an empty bundle, a too-short value, data without a PEM block and a non-CA certificate (400)', async () => {
    expect(errors(await root(server, 'POST', `${mount}/config/ca`, { body: {} }))).toEqual([
      "'pem_bundle' and 'certificate' parameters were empty",
    ]);
    expect(errors(await root(server, 'POST', `${mount}/config/ca`, { body: { pem_bundle: '/tmp/ca.pem' } }))).toEqual([
      'provided data for import was too short; perhaps a path was passed to the API rather than the contents of a PEM file',
    ]);
    expect(errors(await root(server, 'POST', `${mount}/config/ca`, { body: { pem_bundle: 'x'.repeat(120) } }))).toEqual([
      'provided PEM block contained no data',
    ]);
    const leaf = envelope<SignedData>(await issue(mount, 'web', { common_name: 'leaf.example.com' })).data.certificate;
    const nonCa = await root(server, 'POST', `${mount}/config/ca`, { body: { pem_bundle: leaf } });
    expect(nonCa.status).toBe(400);
    expect(errors(nonCa)[0]).toMatch(/^Error parsing issuer 0: Refusing to import non-CA certificate\n-----BEGIN CERTIFICATE-----/);
  });

  it('issuers/import/cert refuses private keys (400)', async () => {
    const material = await makeSelfSigned('CN=Keyed Root');
    const answer = await root(server, 'POST', `${mount}/issuers/import/cert`, {
      body: { pem_bundle: `${material.keyPem}${material.pem}` },
    });
    expect(answer.status).toBe(400);
    expect(errors(answer)).toEqual(['private keys found in the PEM bundle but not allowed by the path; use /issuers/import/bundle']);
  });
});

describe('issuers (#list-issuers, #read-issuer, #read-issuer-certificate)', () => {
  it('LIST issuers is unauthenticated and answers keys + key_info with the issuer names', async () => {
    const answer = await call(server, 'LIST', `${mount}/issuers`);
    expect(answer.status).toBe(200);
    const data = envelope<{ keys: string[]; key_info: Record<string, { issuer_name: string }> }>(answer).data;
    expect(data.keys).toContain(rootCert.issuer_id);
    expect(data.key_info[rootCert.issuer_id]).toMatchObject({ issuer_name: 'root-ca' });
    expect(Object.keys(data.key_info).sort()).toEqual([...data.keys].sort());
  });

  it('LIST issuers on a mount without issuer answers 404', async () => {
    const empty = await newPkiMount('pki-empty');
    expect((await call(server, 'LIST', `${empty}/issuers`)).status).toBe(404);
  });

  it('GET issuer/:ref by id, name or `default` returns the issuer with its chain, key, usage and AIA fields', async () => {
    for (const ref of [rootCert.issuer_id, 'root-ca', 'default']) {
      const answer = await root(server, 'GET', `${mount}/issuer/${ref}`);
      expect(answer.status).toBe(200);
      const data = envelope<Record<string, unknown>>(answer).data;
      expect(data).toMatchObject({
        issuer_id: rootCert.issuer_id,
        issuer_name: 'root-ca',
        key_id: rootCert.key_id,
        leaf_not_after_behavior: 'err',
        manual_chain: null,
        usage: 'read-only,issuing-certificates,crl-signing,ocsp-signing',
        revocation_signature_algorithm: '',
        issuing_certificates: [],
        crl_distribution_points: [],
        ocsp_servers: [],
      });
      expect(spkiOf(data['certificate'] as string)).toBe(spkiOf(rootCert.certificate));
      expect((data['ca_chain'] as string[]).map(spkiOf)).toEqual([spkiOf(rootCert.certificate)]);
    }
  });

  it('GET issuer/:ref needs a token (403) and answers 500 for an unknown reference', async () => {
    expect((await call(server, 'GET', `${mount}/issuer/default`)).status).toBe(403);
    const unknown = await root(server, 'GET', `${mount}/issuer/nope`);
    expect(unknown.status).toBe(500);
    expect(errors(unknown)[0]).toContain('unable to find PKI issuer for reference: nope');
  });

  it('issuer/:ref/json, /pem and /der are unauthenticated and serve the same certificate', async () => {
    const json = await call(server, 'GET', `${mount}/issuer/root-ca/json`);
    expect(json.status).toBe(200);
    const data = envelope<{ certificate: string; ca_chain: string[]; issuer_id: string; issuer_name: string }>(json).data;
    expect(data).toMatchObject({ issuer_id: rootCert.issuer_id, issuer_name: 'root-ca' });
    expect(data.ca_chain).toHaveLength(1);
    const pem = await call(server, 'GET', `${mount}/issuer/root-ca/pem`);
    expect(pem.headers.get('content-type')).toBe('application/pem-certificate-chain');
    expect(pem.text).toBe(data.certificate);
    const der = await fetchBytes(server, `${mount}/issuer/root-ca/der`);
    expect(der.headers.get('content-type')).toBe('application/pkix-cert');
    expect(der.bytes).toEqual(pemToDer(rootCert.certificate));
  });
});

describe('ca, ca/pem, ca_chain, cert/ca, cert/ca_chain, cert/:serial (#read-issuer-certificate, #read-default-issuer-certificate-chain, #read-certificate)', () => {
  it('GET ca is the default issuer certificate in DER (application/pkix-cert), unauthenticated', async () => {
    const answer = await fetchBytes(server, `${mount}/ca`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('application/pkix-cert');
    expect(answer.bytes).toEqual(pemToDer(rootCert.certificate));
  });

  it('GET ca/pem is the PEM certificate', async () => {
    const answer = await call(server, 'GET', `${mount}/ca/pem`);
    expect(answer.status).toBe(200);
    expect(answer.text.trim()).toBe(rootCert.certificate);
  });

  it('GET cert/ca and cert/ca_chain answer in an envelope (revocation_time 0)', async () => {
    const ca = envelope(await call(server, 'GET', `${mount}/cert/ca`)).data;
    expect(ca).toMatchObject({ certificate: rootCert.certificate, revocation_time: 0 });
    const chain = envelope<{ certificate: string; ca_chain: string; revocation_time: number }>(
      await call(server, 'GET', `${mount}/cert/ca_chain`),
    ).data;
    expect(chain.revocation_time).toBe(0);
    expect(chain.certificate.trim()).toBe(rootCert.certificate);
    expect(chain.ca_chain).toBe(chain.certificate);
  });

  it('on a mount without issuer: ca and ca_chain answer 204, cert/ca 400', async () => {
    const empty = await newPkiMount('pki-empty');
    expect((await fetchBytes(server, `${empty}/ca`)).status).toBe(204);
    expect((await fetchBytes(server, `${empty}/ca/pem`)).status).toBe(204);
    expect((await fetchBytes(server, `${empty}/ca_chain`)).status).toBe(204);
    const json = await call(server, 'GET', `${empty}/cert/ca`);
    expect(json.status).toBe(400);
    expect(errors(json)).toEqual(['no default issuer currently configured']);
  });

  it('GET cert/:serial, /raw (DER) and /raw/pem serve an issued certificate, unauthenticated; unknown serial 404', async () => {
    const leaf = envelope<SignedData>(await issue(mount, 'web', { common_name: 'read.example.com' })).data;
    const json = await call(server, 'GET', `${mount}/cert/${leaf.serial_number}`);
    expect(json.status).toBe(200);
    expect(envelope(json).data).toMatchObject({ certificate: leaf.certificate, revocation_time: 0, revocation_time_rfc3339: '' });
    const der = await fetchBytes(server, `${mount}/cert/${leaf.serial_number}/raw`);
    expect(der.headers.get('content-type')).toBe('application/pkix-cert');
    expect(der.bytes).toEqual(pemToDer(leaf.certificate));
    expect((await call(server, 'GET', `${mount}/cert/${leaf.serial_number}/raw/pem`)).text.trim()).toBe(leaf.certificate);
    expect((await call(server, 'GET', `${mount}/cert/01:02:03:04`)).status).toBe(404);
  });

  it('LIST certs needs a token', async () => {
    expect((await call(server, 'LIST', `${mount}/certs`)).status).toBe(403);
    expect(envelope<{ keys: string[] }>(await root(server, 'LIST', `${mount}/certs`)).data.keys).toContain(rootCert.serial_number);
  });
});

describe('intermediates: intermediate/generate, root/sign-intermediate, intermediate/set-signed (#generate-intermediate-csr, #sign-intermediate)', () => {
  let intermediateMount: string;
  let csr: string;
  let keyId: string;
  let signed: SignedData;

  beforeAll(async () => {
    intermediateMount = await newPkiMount('pki-int');
  });

  it('intermediate/generate/internal returns a CSR signed by a new key kept by the mount (no private_key)', async () => {
    const answer = await root(server, 'POST', `${intermediateMount}/intermediate/generate/internal`, {
      body: { common_name: 'Conformance Intermediate', key_type: 'ec', organization: 'Acme' },
    });
    expect(answer.status).toBe(200);
    const data = envelope<{ csr: string; key_id: string; private_key?: string }>(answer).data;
    expect(data.csr).toMatch(/^-----BEGIN CERTIFICATE REQUEST-----\n[\s\S]+\n-----END CERTIFICATE REQUEST-----$/);
    expect(data).not.toHaveProperty('private_key');
    expect(data.key_id).toMatch(/^[0-9a-f-]{36}$/);
    const request = new x509.Pkcs10CertificateRequest(data.csr);
    expect(await request.verify()).toBe(true);
    expect(request.subject).toBe('O=Acme, CN=Conformance Intermediate');
    expect(envelope(answer).warnings?.[0]).toMatch(/^This mount hasn't configured any authority information access \(AIA\) fields/);
    csr = data.csr;
    keyId = data.key_id;
  });

  it('intermediate/generate/exported also returns the private key matching the CSR', async () => {
    const path = await newPkiMount('pki-int');
    const answer = await root(server, 'POST', `${path}/intermediate/generate/exported`, {
      body: { common_name: 'Exported Intermediate', key_type: 'rsa' },
    });
    const data = envelope<{ csr: string; private_key: string; private_key_type: string }>(answer).data;
    expect(data.private_key_type).toBe('rsa');
    expect(data.private_key).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n/);
    const request = new x509.Pkcs10CertificateRequest(data.csr);
    expect(createPublicKey(createPrivateKey(data.private_key)).export({ type: 'spki', format: 'der' })).toEqual(
      Buffer.from(request.publicKey.rawData),
    );
  });

  it('intermediate/generate refuses an unknown type and a missing common_name (400)', async () => {
    const badType = await root(server, 'POST', `${intermediateMount}/intermediate/generate/bogus`, { body: { common_name: 'x' } });
    expect(errors(badType)).toEqual(['the "exported" path parameter must be "internal", "existing", exported" or "kms"']);
    const noCn = await root(server, 'POST', `${intermediateMount}/intermediate/generate/internal`, { body: {} });
    expect(noCn.status).toBe(400);
    expect(errors(noCn)[0]).toMatch(/^the common_name field is required/);
  });

  it('root/sign-intermediate signs the CSR into a CA certificate chaining to the root', async () => {
    const answer = await root(server, 'POST', `${mount}/root/sign-intermediate`, {
      body: { csr, common_name: 'Conformance Intermediate', ttl: '2160h' },
    });
    expect(answer.status).toBe(200);
    signed = envelope<SignedData>(answer).data;
    const cert = new X509Certificate(signed.certificate);
    expect(cert.ca).toBe(true);
    expect(cert.subject).toBe('CN=Conformance Intermediate');
    expectIssuedBy(signed.certificate, rootCert.certificate);
    expect(cert.publicKey.export({ type: 'spki', format: 'der' })).toEqual(
      Buffer.from(new x509.Pkcs10CertificateRequest(csr).publicKey.rawData),
    );
    expect(signed.issuing_ca).toBe(rootCert.certificate);
    expect(signed.ca_chain).toEqual([signed.certificate, rootCert.certificate]);
    expect(signed.serial_number).toBe(colonSerialOf(cert));
    expect(signed.expiration).toBe(Math.floor(server.clock.now() / 1000) + 2160 * 3600);
  });

  it('root/sign-intermediate truncates a notAfter beyond the signing issuer, with a warning', async () => {
    const answer = await root(server, 'POST', `${mount}/root/sign-intermediate`, {
      body: { csr, common_name: 'Long Intermediate', ttl: '87000h' },
    });
    expect(answer.status).toBe(200);
    expect(envelope<SignedData>(answer).data.expiration).toBe(rootCert.expiration);
    expect(envelope(answer).warnings).toContain("the signed intermediary CA certificate's notAfter was truncated to the issuer's notAfter");
  });

  it('root/sign-intermediate with use_csr_values keeps the CSR subject', async () => {
    const answer = await root(server, 'POST', `${mount}/root/sign-intermediate`, { body: { csr, use_csr_values: true } });
    expect(new X509Certificate(envelope<SignedData>(answer).data.certificate).subject).toBe('O=Acme\nCN=Conformance Intermediate');
  });

  it('root/sign-intermediate with format=der answers base64 DER (certificate, issuing_ca, ca_chain)', async () => {
    const answer = await root(server, 'POST', `${mount}/root/sign-intermediate`, {
      body: { csr, common_name: 'DER Intermediate', format: 'der' },
    });
    const data = envelope<SignedData>(answer).data;
    const der = Buffer.from(data.certificate, 'base64');
    expect(new X509Certificate(der).checkIssued(new X509Certificate(rootCert.certificate))).toBe(true);
    expect(Buffer.from(data.issuing_ca, 'base64')).toEqual(pemToDer(rootCert.certificate));
    expect(data.ca_chain?.map((entry) => Buffer.from(entry, 'base64'))).toEqual([der, pemToDer(rootCert.certificate)]);
  });

  it('root/sign-intermediate refuses a missing or unreadable CSR (400) and answers 500 without an issuer', async () => {
    expect(errors(await root(server, 'POST', `${mount}/root/sign-intermediate`, { body: { common_name: 'x' } }))).toEqual([
      '"csr" is empty',
    ]);
    expect(errors(await root(server, 'POST', `${mount}/root/sign-intermediate`, { body: { csr: 'garbage', common_name: 'x' } }))).toEqual([
      'csr contains no data',
    ]);
    const empty = await newPkiMount('pki-empty');
    const noIssuer = await root(server, 'POST', `${empty}/root/sign-intermediate`, { body: { csr, common_name: 'x' } });
    expect(noIssuer.status).toBe(500);
    expect(errors(noIssuer)[0]).toContain('could not fetch the CA certificate (was one set?): no default issuer currently configured');
  });

  it('intermediate/set-signed imports the signed certificate (and its parent) as issuers linked to the generated key', async () => {
    const answer = await root(server, 'POST', `${intermediateMount}/intermediate/set-signed`, {
      body: { certificate: `${signed.certificate}\n${rootCert.certificate}` },
    });
    expect(answer.status).toBe(200);
    const data = envelope<{ imported_issuers: string[]; imported_keys: string[]; mapping: Record<string, string> }>(answer).data;
    expect(data.imported_issuers).toHaveLength(2);
    expect(data.imported_keys).toEqual([]);
    const [intermediateId, parentId] = data.imported_issuers as [string, string];
    expect(data.mapping).toEqual({ [intermediateId]: keyId, [parentId]: '' });
    const issuer = envelope<{ ca_chain: string[]; key_id: string }>(
      await root(server, 'GET', `${intermediateMount}/issuer/${intermediateId}`),
    ).data;
    expect(issuer.key_id).toBe(keyId);
    expect(issuer.ca_chain.map(spkiOf)).toEqual([spkiOf(signed.certificate), spkiOf(rootCert.certificate)]);
  });

  it('the intermediate mount issues leaves that chain leaf → intermediate → root', async () => {
    await server.admin.writePkiRole(intermediateMount, 'svc', {
      allowed_domains: 'svc.example.com',
      allow_subdomains: true,
      key_type: 'ec',
      max_ttl: '24h',
    });
    const leaf = envelope<SignedData>(await issue(intermediateMount, 'svc', { common_name: 'api.svc.example.com' })).data;
    expectIssuedBy(leaf.certificate, signed.certificate);
    expectIssuedBy(signed.certificate, rootCert.certificate);
    expect(leaf.issuing_ca).toBe(signed.certificate);
    expect(leaf.ca_chain).toEqual([signed.certificate, rootCert.certificate]);
    const chain = await call(server, 'GET', `${intermediateMount}/ca_chain`);
    expect(chain.status).toBe(200);
    const pems = chain.text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    expect(pems.map(spkiOf)).toEqual([spkiOf(signed.certificate), spkiOf(rootCert.certificate)]);
  });

  it('intermediate/set-signed refuses private keys (400)', async () => {
    const material = await makeSelfSigned('CN=Keyed');
    const answer = await root(server, 'POST', `${intermediateMount}/intermediate/set-signed`, {
      body: { certificate: `${material.keyPem}${material.pem}` },
    });
    expect(errors(answer)).toEqual(['private keys found in the PEM bundle but not allowed by the path; use /issuers/import/bundle']);
  });
});

describe('sign/:role (#sign-certificate)', () => {
  beforeAll(async () => {
    await server.admin.writePkiRole(mount, 'csr-rsa', {
      allowed_domains: 'example.com',
      allow_subdomains: true,
      key_type: 'rsa',
      key_bits: 2048,
    });
  });

  it('signs a CSR: the certificate holds the CSR key and names, chains to the issuer, and no private_key is returned', async () => {
    const request = await makeCsr({ subject: 'CN=csr.example.com', dnsNames: ['csr.example.com', 'alt.example.com'], keyType: 'ec' });
    const answer = await root(server, 'POST', `${mount}/sign/web`, { body: { csr: request.pem, ttl: '1h' } });
    expect(answer.status).toBe(200);
    const body = envelope<SignedData>(answer);
    expect(body).toMatchObject({ lease_id: '', renewable: false, lease_duration: 0, warnings: null });
    expect(Object.keys(body.data).sort()).toEqual(['ca_chain', 'certificate', 'expiration', 'issuing_ca', 'serial_number']);
    const cert = new X509Certificate(body.data.certificate);
    expectIssuedBy(body.data.certificate, rootCert.certificate);
    expect(cert.publicKey.export({ type: 'spki', format: 'der' })).toEqual(request.spki);
    expect(cert.subject).toBe('CN=csr.example.com');
    expect(cert.subjectAltName).toBe('DNS:csr.example.com, DNS:alt.example.com');
    expect(cert.ca).toBe(false);
    expect(body.data.issuing_ca).toBe(rootCert.certificate);
    expect(body.data.ca_chain).toEqual([rootCert.certificate]);
    expect(body.data.expiration).toBe(Math.floor(server.clock.now() / 1000) + 3600);
  });

  it('applies the role: names outside allowed_domains are refused (400)', async () => {
    const request = await makeCsr({ subject: 'CN=evil.com', keyType: 'ec' });
    const answer = await root(server, 'POST', `${mount}/sign/web`, { body: { csr: request.pem } });
    expect(answer.status).toBe(400);
    expect(errors(answer)).toEqual(['common name evil.com not allowed by this role']);
  });

  it('refuses a CSR key of another type than the role key_type, or smaller than key_bits (400)', async () => {
    const ec = await makeCsr({ subject: 'CN=a.example.com', keyType: 'ec' });
    expect(errors(await root(server, 'POST', `${mount}/sign/csr-rsa`, { body: { csr: ec.pem } }))).toEqual([
      'role requires keys of type rsa',
    ]);
    const small = await makeCsr({ subject: 'CN=a.example.com', keyType: 'rsa-1024' });
    expect(errors(await root(server, 'POST', `${mount}/sign/csr-rsa`, { body: { csr: small.pem } }))).toEqual([
      "role requires a minimum of a 2048-bit key, but CSR's key is 1024 bits",
    ]);
  });

  it('warns that common_name is ignored when the role uses the CSR common name; uses it when use_csr_common_name=false', async () => {
    const request = await makeCsr({ subject: 'CN=from-csr.example.com', keyType: 'ec' });
    const ignored = await root(server, 'POST', `${mount}/sign/web`, {
      body: { csr: request.pem, common_name: 'from-api.example.com', ttl: '1h' },
    });
    expect(new X509Certificate(envelope<SignedData>(ignored).data.certificate).subject).toBe('CN=from-csr.example.com');
    expect(envelope(ignored).warnings).toEqual([
      'the common_name field was provided but the role is set with "use_csr_common_name" set to true',
    ]);
    await server.admin.writePkiRole(mount, 'api-cn', {
      allowed_domains: 'example.com',
      allow_subdomains: true,
      key_type: 'ec',
      use_csr_common_name: false,
    } as Record<string, unknown>);
    const used = await root(server, 'POST', `${mount}/sign/api-cn`, { body: { csr: request.pem, common_name: 'from-api.example.com' } });
    expect(new X509Certificate(envelope<SignedData>(used).data.certificate).subject).toBe('CN=from-api.example.com');
  });

  it('answers 400 for an unknown role and a missing CSR', async () => {
    const request = await makeCsr({ subject: 'CN=a.example.com', keyType: 'ec' });
    expect(errors(await root(server, 'POST', `${mount}/sign/nope`, { body: { csr: request.pem } }))).toEqual(['unknown role: nope']);
    expect(errors(await root(server, 'POST', `${mount}/sign/web`, { body: {} }))).toEqual(['"csr" is empty']);
  });
});

describe('sign-verbatim(/:role) (#sign-verbatim)', () => {
  it('signs the CSR values as they are: subject and SANs from the CSR, not a CA', async () => {
    const request = await makeCsr({
      subject: 'O=Acme, CN=Anything Goes',
      dnsNames: ['not-in-a-role.test'],
      ipAddresses: ['10.1.2.3'],
      keyType: 'ec',
    });
    const answer = await root(server, 'POST', `${mount}/sign-verbatim`, { body: { csr: request.pem, ttl: '2h' } });
    expect(answer.status).toBe(200);
    const data = envelope<SignedData>(answer).data;
    const cert = new X509Certificate(data.certificate);
    expectIssuedBy(data.certificate, rootCert.certificate);
    expect(cert.subject).toBe('O=Acme\nCN=Anything Goes');
    expect(cert.subjectAltName).toBe('DNS:not-in-a-role.test, IP Address:10.1.2.3');
    expect(cert.publicKey.export({ type: 'spki', format: 'der' })).toEqual(request.spki);
    expect(cert.ca).toBe(false);
    expect(data.expiration).toBe(Math.floor(server.clock.now() / 1000) + 7200);
  });

  it('refuses to issue a CA: a basic constraints request is ignored with a warning', async () => {
    const request = await makeCsr({ subject: 'CN=Wannabe CA', keyType: 'ec', basicConstraintsCa: true });
    const answer = await root(server, 'POST', `${mount}/sign-verbatim`, { body: { csr: request.pem } });
    expect(new X509Certificate(envelope<SignedData>(answer).data.certificate).ca).toBe(false);
    expect(envelope(answer).warnings).toContain('specified CSR contained a Basic Constraints extension that was ignored during issuance');
  });

  it('with a role, takes its ttl and generate_lease; an unknown role is refused (400)', async () => {
    await server.admin.writePkiRole(mount, 'verbatim', { allowed_domains: 'example.com', ttl: '30m', generate_lease: true });
    const request = await makeCsr({ subject: 'CN=leased', keyType: 'ec' });
    const answer = await root(server, 'POST', `${mount}/sign-verbatim/verbatim`, { body: { csr: request.pem } });
    expect(answer.status).toBe(200);
    const body = envelope<SignedData>(answer);
    expect(body.lease_id).toMatch(new RegExp(`^${mount}/sign-verbatim/verbatim/[A-Za-z0-9]{24}$`));
    expect(body).toMatchObject({ renewable: false, lease_duration: 1800 });
    expect(errors(await root(server, 'POST', `${mount}/sign-verbatim/nope`, { body: { csr: request.pem } }))).toEqual([
      'unknown role: nope',
    ]);
  });
});

describe('root/sign-self-issued (#sign-self-issued)', () => {
  it('re-signs a self-issued CA certificate with the issuer: same subject, serial and key, issuer DN and signature from the root', async () => {
    const material = await makeSelfSigned('CN=Old Root', { keyType: 'ec' });
    const answer = await root(server, 'POST', `${mount}/root/sign-self-issued`, { body: { certificate: material.pem } });
    expect(answer.status).toBe(200);
    const data = envelope<{ certificate: string; issuing_ca: string }>(answer).data;
    expect(Object.keys(data).sort()).toEqual(['certificate', 'issuing_ca']);
    const original = new X509Certificate(material.pem);
    const resigned = new X509Certificate(data.certificate);
    expect(resigned.subject).toBe(original.subject);
    expect(resigned.serialNumber).toBe(original.serialNumber);
    expect(resigned.publicKey.export({ type: 'spki', format: 'der' })).toEqual(original.publicKey.export({ type: 'spki', format: 'der' }));
    expect(resigned.validTo).toBe(original.validTo);
    expect(resigned.ca).toBe(true);
    expectIssuedBy(data.certificate, rootCert.certificate);
    expect(data.issuing_ca).toBe(rootCert.certificate);
  });

  it('refuses a non-CA certificate, a certificate that is not self-issued, and more than one certificate (400)', async () => {
    const leaf = await makeSelfSigned('CN=Leaf', { ca: false });
    expect(errors(await root(server, 'POST', `${mount}/root/sign-self-issued`, { body: { certificate: leaf.pem } }))).toEqual([
      'given certificate is not a CA certificate',
    ]);
    const intermediate = await makeCsr({ subject: 'CN=Some Intermediate', keyType: 'ec' });
    const signedIntermediate = envelope<SignedData>(
      await root(server, 'POST', `${mount}/root/sign-intermediate`, { body: { csr: intermediate.pem, common_name: 'Some Intermediate' } }),
    ).data.certificate;
    expect(errors(await root(server, 'POST', `${mount}/root/sign-self-issued`, { body: { certificate: signedIntermediate } }))).toEqual([
      'given certificate is not self-issued',
    ]);
    const two = `${leaf.pem}\n${signedIntermediate}`;
    expect(errors(await root(server, 'POST', `${mount}/root/sign-self-issued`, { body: { certificate: two } }))).toEqual([
      '2 certificates found in PEM file, expected 1',
    ]);
  });
});

describe('tidy, tidy-status (#tidy, #tidy-status)', () => {
  it('tidy-status is Inactive before any tidy', async () => {
    const path = await newPkiMount('pki-tidy');
    const answer = await root(server, 'GET', `${path}/tidy-status`);
    expect(answer.status).toBe(200);
    expect(envelope(answer).data).toMatchObject({
      state: 'Inactive',
      safety_buffer: null,
      tidy_cert_store: null,
      time_started: null,
      time_finished: null,
    });
  });

  it('answers 202 with a warning, and says when there is nothing to tidy', async () => {
    const nothing = await root(server, 'POST', `${mount}/tidy`, { body: {} });
    expect(nothing.status).toBe(202);
    expect(envelope(nothing).warnings?.[0]).toMatch(/^No targets to tidy; specify tidy_cert_store=true or tidy_revoked_certs=true/);
    const started = await root(server, 'POST', `${mount}/tidy`, { body: { tidy_cert_store: true } });
    expect(started.status).toBe(202);
    expect(envelope(started).data).toBeNull();
    expect(envelope(started).warnings).toEqual([
      "Tidy operation successfully started. Any information from the operation will be printed to Vault's server logs.",
    ]);
  });

  it('removes certificates expired longer than safety_buffer from the store and from the CRL; tidy-status reports it', async () => {
    const path = await newPkiMount('pki-tidy');
    await generateRoot(path, { key_type: 'ec' });
    await server.admin.writePkiRole(path, 'short', { allowed_domains: 'example.com', allow_subdomains: true, key_type: 'ec' });
    const expiring = envelope<SignedData>(await issue(path, 'short', { common_name: 'old.example.com', ttl: '1h' })).data;
    const revoked = envelope<SignedData>(await issue(path, 'short', { common_name: 'gone.example.com', ttl: '1h' })).data;
    const lasting = envelope<SignedData>(await issue(path, 'short', { common_name: 'new.example.com', ttl: '100h' })).data;
    await root(server, 'POST', `${path}/revoke`, { body: { serial_number: revoked.serial_number } });
    expect((await readCrl(path)).entries).toHaveLength(1);
    server.clock.advance(3 * 3_600_000);
    const answer = await root(server, 'POST', `${path}/tidy`, {
      body: { tidy_cert_store: true, tidy_revoked_certs: true, safety_buffer: '1h' },
    });
    expect(answer.status).toBe(202);
    const keys = envelope<{ keys: string[] }>(await root(server, 'LIST', `${path}/certs`)).data.keys;
    expect(keys).not.toContain(expiring.serial_number);
    expect(keys).not.toContain(revoked.serial_number);
    expect(keys).toContain(lasting.serial_number);
    expect((await readCrl(path)).entries).toHaveLength(0);
    const status = envelope<Record<string, unknown>>(await root(server, 'GET', `${path}/tidy-status`)).data;
    expect(status).toMatchObject({
      state: 'Finished',
      safety_buffer: 3600,
      tidy_cert_store: true,
      tidy_revoked_certs: true,
      error: null,
      revoked_cert_deleted_count: 1,
    });
    // both expired certificates leave certs/ (the revoked one too); the revoked one also leaves revoked/
    expect(status['cert_store_deleted_count']).toBe(2);
    expect(Date.parse(status['time_started'] as string)).toBe(server.clock.now());
    expect(Date.parse(status['time_finished'] as string)).toBe(server.clock.now());
  });

  it('refuses a zero safety_buffer (400)', async () => {
    const answer = await root(server, 'POST', `${mount}/tidy`, { body: { tidy_cert_store: true, safety_buffer: 0 } });
    expect(answer.status).toBe(400);
    expect(errors(answer)).toEqual(['safety_buffer must be greater than zero']);
  });
});

describe('root/generate, DELETE root (#generate-root, #delete-all-issuers-and-keys)', () => {
  it('returns the documented fields, with issuer and key ids that issuers/keys know', async () => {
    const path = await newPkiMount('pki-gen');
    const answer = await root(server, 'POST', `${path}/issuers/generate/root/exported`, {
      body: { common_name: 'Named Root', issuer_name: 'named', key_name: 'named-key', key_type: 'ec', ttl: '24h' },
    });
    expect(answer.status).toBe(200);
    const data = envelope<RootData & { private_key: string; private_key_type: string }>(answer).data;
    expect(Object.keys(data).sort()).toEqual([
      'certificate',
      'expiration',
      'issuer_id',
      'issuer_name',
      'issuing_ca',
      'key_id',
      'key_name',
      'private_key',
      'private_key_type',
      'serial_number',
    ]);
    expect(data).toMatchObject({ issuer_name: 'named', key_name: 'named-key', private_key_type: 'ec' });
    expect(envelope(answer).warnings).toEqual([AIA_WARNING]);
    expectIssuedBy(data.certificate, data.certificate);
    expect(envelope<Record<string, unknown>>(await root(server, 'GET', `${path}/key/named-key`)).data).toEqual({
      key_id: data.key_id,
      key_name: 'named-key',
      key_type: 'ec',
    });
    expect(envelope<{ default: string }>(await root(server, 'GET', `${path}/config/issuers`)).data.default).toBe(data.issuer_id);
  });

  it('refuses the reserved issuer name `default` and a name in use (400)', async () => {
    expect(
      errors(await root(server, 'POST', `${mount}/root/generate/internal`, { body: { common_name: 'x', issuer_name: 'default' } })),
    ).toEqual(["reserved keyword 'default' can not be used as issuer name"]);
    expect(
      errors(await root(server, 'POST', `${mount}/root/generate/internal`, { body: { common_name: 'x', issuer_name: 'root-ca' } })),
    ).toEqual(['issuer name already in use']);
  });

  it('DELETE root removes every issuer and key (with a warning); the mount then has no CA', async () => {
    const path = await newPkiMount('pki-del');
    await generateRoot(path, { key_type: 'ec' });
    const answer = await root(server, 'DELETE', `${path}/root`);
    expect(answer.status).toBe(200);
    expect(envelope(answer).warnings?.[0]).toMatch(/^DELETE \/root deletes all keys and issuers/);
    expect((await call(server, 'LIST', `${path}/issuers`)).status).toBe(404);
    expect((await fetchBytes(server, `${path}/ca`)).status).toBe(204);
  });
});

describe('issue/:role against the issuer (#generate-certificate-and-key)', () => {
  it('issuer/:ref/issue/:role and issuer/:ref/sign/:role use the issuer of the path instead of the role issuer_ref', async () => {
    const path = await newPkiMount('pki-multi');
    const first = await generateRoot(path, { key_type: 'ec', issuer_name: 'first' });
    const second = await generateRoot(path, { key_type: 'ec', issuer_name: 'second', common_name: 'Second Root' });
    await server.admin.writePkiRole(path, 'web', { allowed_domains: 'example.com', allow_subdomains: true, key_type: 'ec' });
    const byRole = envelope<SignedData>(await issue(path, 'web', { common_name: 'a.example.com' })).data;
    expectIssuedBy(byRole.certificate, first.certificate);
    const byPath = await root(server, 'POST', `${path}/issuer/second/issue/web`, { body: { common_name: 'b.example.com' } });
    expect(byPath.status).toBe(200);
    expectIssuedBy(envelope<SignedData>(byPath).data.certificate, second.certificate);
    const request = await makeCsr({ subject: 'CN=c.example.com', keyType: 'ec' });
    const signed = await root(server, 'POST', `${path}/issuer/${second.issuer_id}/sign/web`, { body: { csr: request.pem } });
    expectIssuedBy(envelope<SignedData>(signed).data.certificate, second.certificate);
  });

  it('answers 500 "could not fetch the CA certificate" on a mount without issuer', async () => {
    const path = await newPkiMount('pki-empty');
    await server.admin.writePkiRole(path, 'web', { allow_any_name: true });
    const answer = await issue(path, 'web', { common_name: 'a.example.com' });
    expect(answer.status).toBe(500);
    expect(errors(answer)[0]).toContain('could not fetch the CA certificate (was one set?): no default issuer currently configured');
  });

  it('refuses an unknown format (400)', async () => {
    expect(errors(await issue(mount, 'web', { common_name: 'a.example.com', format: 'p12' }))).toEqual([
      'the "format" path parameter must be "pem", "der", or "pem_bundle"',
    ]);
  });
});
