/**
 * REFERENCE §4 (JWT login): config (`jwt_validation_pubkeys`, `bound_issuer`, `default_role`),
 * roles, signature/time/audience/bound-claim checks against the server clock, and errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestJwtIssuer, type VaultTestServer } from '../src/index.js';
import { call, ENVELOPE_KEYS, envelope, errors, root, startServer, unique } from './support.js';

const issuer = createTestJwtIssuer();
let server: VaultTestServer;

beforeAll(async () => {
  server = await startServer();
  await server.admin.enableAuthMethod('jwt', 'jwt');
  await server.admin.writeJwtConfig('jwt', {
    jwt_validation_pubkeys: [issuer.publicKeyPem],
    bound_issuer: 'https://idp.example.com',
    default_role: 'ci',
  });
  await server.admin.writeJwtRole('jwt', 'ci', {
    user_claim: 'sub',
    bound_audiences: ['vault'],
    bound_claims: { project: ['alpha', 'beta'] },
    claim_mappings: { email: 'email', '/org/team': 'team' },
    token_policies: ['ci'],
    token_ttl: '15m',
  });
});
afterAll(() => server.stop());

function login(body: unknown, mount = 'jwt') {
  return call(server, 'POST', `auth/${mount}/login`, { body });
}

function jwt(claims: Record<string, unknown> = {}, expiresInSeconds = 300, signer = issuer): string {
  return signer.sign(
    {
      iss: 'https://idp.example.com',
      aud: 'vault',
      sub: 'build-42',
      project: 'alpha',
      email: 'ci@example.com',
      org: { team: 'platform' },
      ...claims,
    },
    { expiresInSeconds, nowMs: server.clock.now() },
  );
}

describe('config and roles', () => {
  it('reads the config back', async () => {
    const data = envelope(await root(server, 'GET', 'auth/jwt/config')).data;
    expect(data).toMatchObject({
      bound_issuer: 'https://idp.example.com',
      default_role: 'ci',
      jwt_validation_pubkeys: [issuer.publicKeyPem.trim()],
      oidc_discovery_url: '',
      jwks_url: '',
    });
  });

  it('needs exactly one key source and parseable keys', async () => {
    const mount = unique('jwt');
    await server.admin.enableAuthMethod(mount, 'jwt');
    const none = await root(server, 'POST', `auth/${mount}/config`, { body: { bound_issuer: 'x' } });
    expect(none.status).toBe(400);
    expect(errors(none)).toEqual(["exactly one of 'jwt_validation_pubkeys', 'jwks_url' or 'oidc_discovery_url' must be set"]);
    const bad = await root(server, 'POST', `auth/${mount}/config`, { body: { jwt_validation_pubkeys: ['garbage'] } });
    expect(errors(bad)).toEqual(['error parsing public key: data does not contain any valid public keys']);
  });

  it('validates roles like the plugin', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ role_type: 'jwt', bound_audiences: ['x'] }, 'a user claim must be defined on the role'],
      [{ role_type: 'jwt', user_claim: 'sub' }, 'must have at least one bound constraint when creating/updating a role'],
      [{ user_claim: 'sub', bound_audiences: ['x'] }, "'allowed_redirect_uris' must be set if 'role_type' is 'oidc' or unspecified."],
      [{ role_type: 'saml', user_claim: 'sub' }, "invalid 'role_type': saml"],
    ];
    for (const [body, message] of cases) {
      const answer = await root(server, 'POST', `auth/jwt/role/${unique('bad')}`, { body });
      expect(answer.status).toBe(400);
      expect(errors(answer)).toEqual([message]);
    }
  });

  it('reads a role with its defaults', async () => {
    const data = envelope(await root(server, 'GET', 'auth/jwt/role/ci')).data;
    expect(data).toMatchObject({
      role_type: 'jwt',
      user_claim: 'sub',
      bound_audiences: ['vault'],
      bound_claims: { project: ['alpha', 'beta'] },
      bound_claims_type: 'string',
      clock_skew_leeway: 60,
      expiration_leeway: 150,
      not_before_leeway: 150,
      token_policies: ['ci'],
      token_ttl: 900,
    });
  });
});

describe('POST auth/jwt/login (§4)', () => {
  it('logs in; metadata is the role plus claim_mappings', async () => {
    const answer = await login({ role: 'ci', jwt: jwt() });
    expect(answer.status).toBe(200);
    const body = envelope(answer);
    expect(Object.keys(body)).toEqual(ENVELOPE_KEYS);
    expect(body).toMatchObject({ data: null, mount_type: '' });
    expect(body.auth).toMatchObject({
      policies: ['ci', 'default'],
      metadata: { role: 'ci', email: 'ci@example.com', team: 'platform' },
      lease_duration: 900,
      renewable: true,
      orphan: true,
      token_type: 'service',
    });
    const lookup = envelope(await call(server, 'GET', 'auth/token/lookup-self', { token: body.auth!.client_token })).data;
    expect(lookup).toMatchObject({ display_name: 'jwt-build-42', path: 'auth/jwt/login' });
  });

  it('uses default_role when no role is given', async () => {
    expect((await login({ jwt: jwt() })).status).toBe(200);
  });

  it('answers the §4 errors', async () => {
    const other = createTestJwtIssuer();
    const cases: Array<[unknown, string]> = [
      [{ role: 'nope', jwt: jwt() }, 'role "nope" could not be found'],
      [{ role: 'ci' }, 'missing token'],
      [
        { role: 'ci', jwt: 'garbage' },
        'error validating token: error verifying token signature: go-jose/go-jose: compact JWS format must have three parts',
      ],
      [
        { role: 'ci', jwt: jwt({}, 300, other) },
        'error validating token: error verifying token signature: no known key successfully validated the token signature',
      ],
      [{ role: 'ci', jwt: jwt({ iss: 'https://evil.example.com' }) }, 'error validating token: invalid issuer (iss) claim'],
      [
        { role: 'ci', jwt: jwt({ aud: 'other' }) },
        'error validating token: invalid audience (aud) claim: audience claim does not match any expected audience',
      ],
      [
        { role: 'ci', jwt: jwt({ project: 'gamma' }) },
        'error validating claims: claim "project" does not match any associated bound claim values',
      ],
      [{ role: 'ci', jwt: jwt({ project: undefined }) }, 'error validating claims: claim "project" is missing'],
      [{ role: 'ci', jwt: jwt({ sub: undefined }) }, 'claim "sub" not found in token'],
    ];
    for (const [body, message] of cases) {
      const answer = await login(body);
      expect(answer.status).toBe(400);
      expect(answer.json).toEqual({ errors: [message] });
    }
  });

  it('answers missing role when there is no default_role', async () => {
    const mount = unique('jwt-nodefault');
    await server.admin.enableAuthMethod(mount, 'jwt');
    await server.admin.writeJwtConfig(mount, { jwt_validation_pubkeys: [issuer.publicKeyPem] });
    const answer = await login({ jwt: jwt() }, mount);
    expect(answer.status).toBe(400);
    expect(errors(answer)).toEqual(['missing role']);
  });

  it('checks exp and nbf against the server clock with the role leeways', async () => {
    const token = jwt({}, 60);
    expect((await login({ role: 'ci', jwt: token })).status).toBe(200);
    server.clock.advance(121_000);
    expect(errors(await login({ role: 'ci', jwt: token }))).toEqual([
      'error validating token: invalid expiration time (exp) claim: token is expired',
    ]);
    const future = jwt({ nbf: Math.floor(server.clock.now() / 1000) + 600 });
    expect(errors(await login({ role: 'ci', jwt: future }))).toEqual([
      'error validating token: invalid not before (nbf) claim: token not yet valid',
    ]);
  });

  it('rejects tokens without any time claim', async () => {
    const token = issuer.sign({ iss: 'https://idp.example.com', aud: 'vault', sub: 'x', project: 'alpha' }, { omitIssuedAt: true });
    expect(errors(await login({ role: 'ci', jwt: token }))).toEqual([
      'error validating token: no issued at (iat), not before (nbf), or expiration time (exp) claims in token',
    ]);
  });

  it('rejects an aud claim when the role binds no audience', async () => {
    await server.admin.writeJwtRole('jwt', 'subject-only', { user_claim: 'sub', bound_subject: 'build-42' });
    const answer = await login({ role: 'subject-only', jwt: jwt() });
    expect(errors(answer)).toEqual(['audience claim found in JWT but no audiences bound to the role']);
    expect((await login({ role: 'subject-only', jwt: jwt({ aud: undefined }) })).status).toBe(200);
    expect(errors(await login({ role: 'subject-only', jwt: jwt({ aud: undefined, sub: 'other' }) }))).toEqual([
      'error validating token: invalid subject (sub) claim',
    ]);
  });

  it('supports glob bound claims', async () => {
    await server.admin.writeJwtRole('jwt', 'glob', {
      user_claim: 'sub',
      bound_audiences: ['vault'],
      bound_claims_type: 'glob',
      bound_claims: { ref: 'refs/heads/release-*' },
    });
    expect((await login({ role: 'glob', jwt: jwt({ ref: 'refs/heads/release-1.2' }) })).status).toBe(200);
    expect(errors(await login({ role: 'glob', jwt: jwt({ ref: 'refs/heads/main' }) }))).toEqual([
      'error validating claims: claim "ref" does not match any associated bound claim values',
    ]);
  });

  it('verifies ES256 signatures', async () => {
    const ec = createTestJwtIssuer({ algorithm: 'ES256' });
    const mount = unique('jwt-ec');
    await server.admin.enableAuthMethod(mount, 'jwt');
    await server.admin.writeJwtConfig(mount, { jwt_validation_pubkeys: [ec.publicKeyPem] });
    await server.admin.writeJwtRole(mount, 'r', { user_claim: 'sub', bound_audiences: ['vault'] });
    expect((await login({ role: 'r', jwt: jwt({}, 300, ec) }, mount)).status).toBe(200);
    expect((await login({ role: 'r', jwt: jwt({}, 300, issuer) }, mount)).status).toBe(400);
  });

  it('refuses oidc roles on the login endpoint', async () => {
    await server.admin.writeJwtRole('jwt', 'browser', {
      role_type: 'oidc',
      user_claim: 'sub',
      allowed_redirect_uris: ['http://localhost/cb'],
    });
    expect(errors(await login({ role: 'browser', jwt: jwt() }))).toEqual(['role with oidc role_type is not allowed']);
  });
});
