/**
 * REFERENCE §7.2: the PKI secrets engine issues real X.509 certificates, checked here with
 * node:crypto's `X509Certificate` (signature, issuer, SANs, validity, serial, key match).
 */
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PkiRootInfo, VaultTestServer } from '../src/index.js';
import { envelope, errors, root, startServer, unique } from './support.js';

let server: VaultTestServer;
let mount: string;
let ca: PkiRootInfo;

interface IssueData {
  certificate: string;
  issuing_ca: string;
  ca_chain: string[];
  private_key: string;
  private_key_type: string;
  serial_number: string;
  expiration: number;
}

beforeAll(async () => {
  server = await startServer({ startTime: Math.floor(Date.now() / 1000) * 1000 });
  mount = unique('pki');
  await server.admin.enableSecretsEngine(mount, 'pki', undefined, { config: { max_lease_ttl: '87600h' } });
  ca = await server.admin.generatePkiRoot(mount, { common_name: 'Test Root CA', ttl: '8760h' });
  await server.admin.writePkiRole(mount, 'web', { allowed_domains: ['example.com'], allow_subdomains: true, max_ttl: '72h' });
});
afterAll(() => server.stop());

function colonSerial(cert: X509Certificate): string {
  return (cert.serialNumber.toLowerCase().match(/../g) ?? []).join(':');
}

describe('pki/root/generate (§7.2)', () => {
  it('creates a real self-signed CA', () => {
    const cert = new X509Certificate(ca.certificate);
    expect(cert.ca).toBe(true);
    expect(cert.subject).toBe('CN=Test Root CA');
    expect(cert.checkIssued(cert)).toBe(true);
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(ca.issuing_ca).toBe(ca.certificate);
    expect(ca.serial_number).toBe(colonSerial(cert));
    expect(ca.expiration).toBe(Math.floor(Date.parse(cert.validTo) / 1000));
    expect(ca.expiration).toBe(Math.floor(server.clock.now() / 1000) + 8760 * 3600);
    expect(ca.issuer_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(ca).not.toHaveProperty('private_key');
  });

  it('exports the key with `exported`, supports EC and caps the TTL at the mount max with a warning', async () => {
    const ecMount = unique('pki-ec');
    await server.admin.enableSecretsEngine(ecMount, 'pki');
    const answer = await root(server, 'POST', `${ecMount}/root/generate/exported`, {
      body: { common_name: 'ec.example', key_type: 'ec', ttl: '1000h' },
    });
    expect(answer.status).toBe(200);
    const body = envelope<PkiRootInfo>(answer);
    expect(body.warnings).toEqual([
      "This mount hasn't configured any authority information access (AIA) fields; this may make it harder for systems to find missing certificates in the chain or to validate revocation status of certificates. Consider updating /config/urls or the newly generated issuer with this information.",
      'TTL "1000h0m0s" is longer than permitted maxTTL "768h0m0s", so maxTTL is being used',
    ]);
    expect(body.data.private_key_type).toBe('ec');
    expect(body.data.private_key).toMatch(/^-----BEGIN EC PRIVATE KEY-----\n[\s\S]+\n-----END EC PRIVATE KEY-----$/);
    const cert = new X509Certificate(body.data.certificate);
    expect(cert.publicKey.asymmetricKeyType).toBe('ec');
    expect(createPublicKey(createPrivateKey(body.data.private_key!)).export({ format: 'pem', type: 'spki' })).toBe(
      cert.publicKey.export({ format: 'pem', type: 'spki' }),
    );
    expect(errors(await root(server, 'POST', `${ecMount}/root/generate/internal`, { body: {} }))[0]).toMatch(
      /^the common_name field is required/,
    );
  });
});

describe('POST pki/issue/:role (§7.2)', () => {
  it('issues a leaf certificate signed by the CA with every §7.2 field', async () => {
    const answer = await root(server, 'POST', `${mount}/issue/web`, {
      body: { common_name: 'app.example.com', alt_names: 'api.example.com', ip_sans: '10.0.0.1', ttl: '24h' },
    });
    expect(answer.status).toBe(200);
    const body = envelope<IssueData>(answer);
    expect(body).toMatchObject({ lease_id: '', renewable: false, lease_duration: 0, mount_type: 'pki', warnings: null });
    expect(Object.keys(body.data).sort()).toEqual([
      'ca_chain',
      'certificate',
      'expiration',
      'issuing_ca',
      'private_key',
      'private_key_type',
      'serial_number',
    ]);
    const leaf = new X509Certificate(body.data.certificate);
    const issuer = new X509Certificate(body.data.issuing_ca);
    expect(body.data.issuing_ca).toBe(ca.certificate);
    expect(body.data.ca_chain).toEqual([ca.certificate]);
    expect(leaf.ca).toBe(false);
    expect(leaf.subject).toBe('CN=app.example.com');
    expect(leaf.checkIssued(issuer)).toBe(true);
    expect(leaf.verify(issuer.publicKey)).toBe(true);
    expect(leaf.subjectAltName).toBe('DNS:app.example.com, DNS:api.example.com, IP Address:10.0.0.1');
    expect(body.data.serial_number).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2})+$/);
    expect(body.data.serial_number).toBe(colonSerial(leaf));
    expect(body.data.expiration).toBe(Math.floor(Date.parse(leaf.validTo) / 1000));
    expect(body.data.expiration).toBe(Math.floor(server.clock.now() / 1000) + 24 * 3600);
    expect(Date.parse(leaf.validFrom)).toBe(server.clock.now() - 30_000);
    expect(body.data.private_key_type).toBe('rsa');
    expect(body.data.private_key).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n/);
    expect(createPublicKey(createPrivateKey(body.data.private_key)).export({ format: 'pem', type: 'spki' })).toBe(
      leaf.publicKey.export({ format: 'pem', type: 'spki' }),
    );
    const stored = envelope<{ certificate: string; revocation_time: number }>(
      await root(server, 'GET', `${mount}/cert/${body.data.serial_number}`),
    );
    expect(stored.data).toMatchObject({ certificate: body.data.certificate, revocation_time: 0 });
  });

  it('caps the TTL at the role max_ttl with a warning, and never past the CA (400)', async () => {
    const capped = await root(server, 'POST', `${mount}/issue/web`, { body: { common_name: 'a.example.com', ttl: '100h' } });
    expect(capped.status).toBe(200);
    expect(envelope(capped).warnings).toEqual(['TTL "100h0m0s" is longer than permitted maxTTL "72h0m0s", so maxTTL is being used']);
    expect(envelope<IssueData>(capped).data.expiration).toBe(Math.floor(server.clock.now() / 1000) + 72 * 3600);

    await server.admin.writePkiRole(mount, 'long', { allowed_domains: 'example.com', allow_subdomains: true, max_ttl: '87600h' });
    const atCaExpiry = await root(server, 'POST', `${mount}/issue/long`, { body: { common_name: 'b.example.com', ttl: '8760h' } });
    expect(atCaExpiry.status).toBe(200);
    expect(envelope<IssueData>(atCaExpiry).data.expiration).toBe(ca.expiration);
    const beyond = await root(server, 'POST', `${mount}/issue/long`, { body: { common_name: 'c.example.com', ttl: '8761h' } });
    expect(beyond.status).toBe(400);
    const notAfter = new Date(server.clock.now() + 8761 * 3_600_000).toISOString().replace('.000Z', 'Z');
    const caNotAfter = new Date(ca.expiration * 1000).toISOString().replace('.000Z', 'Z');
    expect(errors(beyond)).toEqual([
      `cannot satisfy request, as TTL would result in notAfter of ${notAfter} that is beyond the expiration of the CA certificate at ${caNotAfter}`,
    ]);
    server.clock.advance(3_600_000);
    expect((await root(server, 'POST', `${mount}/issue/long`, { body: { common_name: 'd.example.com', ttl: '8760h' } })).status).toBe(400);
  });

  it('enforces the role: domains, subdomains, localhost, any name; unknown role', async () => {
    const issue = (role: string, body: Record<string, unknown>) => root(server, 'POST', `${mount}/issue/${role}`, { body });
    expect(errors(await issue('web', { common_name: 'evil.com' }))).toEqual(['common name evil.com not allowed by this role']);
    expect(errors(await issue('web', { common_name: 'example.com' }))).toEqual(['common name example.com not allowed by this role']);
    expect(errors(await issue('web', { common_name: 'a.example.com', alt_names: 'b.evil.com' }))).toEqual([
      'subject alternate name b.evil.com not allowed by this role',
    ]);
    expect((await issue('web', { common_name: 'localhost' })).status).toBe(200);
    expect((await issue('web', { common_name: '*.example.com' })).status).toBe(200);
    expect(errors(await issue('web', {}))[0]).toMatch(/^the common_name field is required/);
    const unknown = await issue('nope', { common_name: 'a.example.com' });
    expect(unknown.status).toBe(400);
    expect(errors(unknown)).toEqual(['unknown role: nope']);

    await server.admin.writePkiRole(mount, 'bare', {
      allowed_domains: 'example.com',
      allow_bare_domains: true,
      allow_localhost: false,
      key_type: 'ec',
    });
    const bare = await issue('bare', { common_name: 'example.com' });
    expect(bare.status).toBe(200);
    expect(envelope<IssueData>(bare).data.private_key_type).toBe('ec');
    expect(errors(await issue('bare', { common_name: 'localhost' }))).toEqual(['common name localhost not allowed by this role']);
    await server.admin.writePkiRole(mount, 'any', { allow_any_name: true, enforce_hostnames: false });
    expect((await issue('any', { common_name: 'Anything At All' })).status).toBe(200);
  });

  it('adds a non-renewable lease only with generate_lease', async () => {
    await server.admin.writePkiRole(mount, 'leased', {
      allowed_domains: 'example.com',
      allow_subdomains: true,
      generate_lease: true,
      ttl: '1h',
    });
    const answer = await root(server, 'POST', `${mount}/issue/leased`, { body: { common_name: 'lease.example.com' } });
    const body = envelope<IssueData>(answer);
    expect(body.lease_id).toMatch(new RegExp(`^${mount}/issue/leased/[A-Za-z0-9]{24}$`));
    expect(body).toMatchObject({ renewable: false, lease_duration: 3600 });
    expect(errors(await root(server, 'PUT', 'sys/leases/renew', { body: { lease_id: body.lease_id } }))).toEqual([
      'lease is not renewable',
    ]);
    await server.admin.revokeLease(body.lease_id);
    const stored = envelope<{ revocation_time: number }>(await root(server, 'GET', `${mount}/cert/${body.data.serial_number}`)).data;
    expect(stored.revocation_time).toBe(Math.floor(server.clock.now() / 1000));
  });
});

describe('CA reads', () => {
  it('serves pki/ca/pem raw and pki/cert/ca in an envelope', async () => {
    const pem = await root(server, 'GET', `${mount}/ca/pem`);
    expect(pem.status).toBe(200);
    expect(pem.headers.get('content-type')).toBe('application/pem-certificate-chain');
    expect(pem.text).toBe(ca.certificate);
    expect(envelope(await root(server, 'GET', `${mount}/cert/ca`)).data).toMatchObject({ certificate: ca.certificate });
    const empty = unique('pki-empty');
    await server.admin.enableSecretsEngine(empty, 'pki');
    expect((await root(server, 'GET', `${empty}/ca/pem`)).status).toBe(204);
  });
});
