/**
 * REFERENCE §4 (Kubernetes login): config, roles, service-account JWT checks (bound names and
 * namespaces, pem_keys signatures, audience, expiry), auth metadata and error codes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestJwtIssuer, kubernetesServiceAccountClaims, type VaultTestServer } from '../src/index.js';
import { call, ENVELOPE_KEYS, envelope, errors, root, startServer, unique } from './support.js';

const issuer = createTestJwtIssuer();
let server: VaultTestServer;

beforeAll(async () => {
  server = await startServer();
  await server.admin.enableAuthMethod('kubernetes', 'kubernetes');
  await server.admin.writeKubernetesConfig('kubernetes', {
    kubernetes_host: 'https://kubernetes.default.svc',
    token_reviewer_jwt: issuer.sign({ sub: 'reviewer' }),
  });
  await server.admin.writeKubernetesRole('kubernetes', 'web', {
    bound_service_account_names: ['web', 'web-*'],
    bound_service_account_namespaces: ['apps'],
    token_policies: ['web'],
    token_ttl: '1h',
  });
  await server.admin.writeKubernetesRole('kubernetes', 'any', {
    bound_service_account_names: ['*'],
    bound_service_account_namespaces: ['*'],
  });
});
afterAll(() => server.stop());

function login(body: unknown, mount = 'kubernetes') {
  return call(server, 'POST', `auth/${mount}/login`, { body });
}

function saJwt(namespace: string, name: string, options: { projected?: boolean; uid?: string; expiresInSeconds?: number } = {}): string {
  return issuer.sign(
    kubernetesServiceAccountClaims({
      namespace,
      serviceAccountName: name,
      ...(options.uid ? { uid: options.uid } : {}),
      projected: options.projected ?? true,
    }),
    { nowMs: server.clock.now(), ...(options.expiresInSeconds !== undefined ? { expiresInSeconds: options.expiresInSeconds } : {}) },
  );
}

describe('config and roles', () => {
  it('reads the config back (token_reviewer_jwt is write-only)', async () => {
    const answer = await root(server, 'GET', 'auth/kubernetes/config');
    expect(envelope(answer).data).toEqual({
      disable_iss_validation: true,
      disable_local_ca_jwt: false,
      issuer: '',
      kubernetes_ca_cert: '',
      kubernetes_host: 'https://kubernetes.default.svc',
      pem_keys: [],
      token_reviewer_jwt_set: true,
      use_annotations_as_alias_metadata: false,
    });
  });

  it('needs kubernetes_host and valid pem_keys', async () => {
    const mount = unique('k8s');
    await server.admin.enableAuthMethod(mount, 'kubernetes');
    const noHost = await root(server, 'POST', `auth/${mount}/config`, { body: {} });
    expect(noHost.status).toBe(400);
    expect(errors(noHost)).toEqual(['no host provided']);
    const badPem = await root(server, 'POST', `auth/${mount}/config`, { body: { kubernetes_host: 'https://k', pem_keys: ['nope'] } });
    expect(errors(badPem)).toEqual(['data does not contain any valid RSA or ECDSA public keys']);
  });

  it('warns when a role has no audience (200 envelope instead of 204)', async () => {
    const answer = await root(server, 'POST', 'auth/kubernetes/role/warned', {
      body: { bound_service_account_names: ['a'], bound_service_account_namespaces: ['b'] },
    });
    expect(answer.status).toBe(200);
    expect(envelope(answer).warnings).toEqual([
      'This role does not specify an audience. In a future version of Vault, specifying an audience will be required.',
    ]);
    const withAudience = await root(server, 'POST', 'auth/kubernetes/role/quiet', {
      body: { bound_service_account_names: ['a'], bound_service_account_namespaces: ['b'], audience: 'vault' },
    });
    expect(withAudience.status).toBe(204);
  });

  it('reads a role with its bindings and token fields', async () => {
    const data = envelope(await root(server, 'GET', 'auth/kubernetes/role/web')).data;
    expect(data).toMatchObject({
      alias_name_source: 'serviceaccount_uid',
      bound_service_account_names: ['web', 'web-*'],
      bound_service_account_namespaces: ['apps'],
      token_policies: ['web'],
      token_ttl: 3600,
      token_type: 'default',
    });
  });

  it('validates the bound lists', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ bound_service_account_namespaces: ['x'] }, '"bound_service_account_names" can not be empty'],
      [
        { bound_service_account_names: ['x'] },
        '"bound_service_account_namespaces" can not be empty if "bound_service_account_namespace_selector" is not set',
      ],
      [{ bound_service_account_names: ['*', 'x'], bound_service_account_namespaces: ['y'] }, 'can not mix "*" with values'],
    ];
    for (const [body, message] of cases) {
      const answer = await root(server, 'POST', `auth/kubernetes/role/${unique('bad')}`, { body });
      expect(answer.status).toBe(400);
      expect(errors(answer)).toEqual([message]);
    }
  });
});

describe('POST auth/kubernetes/login (§4)', () => {
  it('logs in a projected service-account token with the §4 metadata', async () => {
    const uid = '11111111-2222-3333-4444-555555555555';
    const answer = await login({ role: 'web', jwt: saJwt('apps', 'web', { uid }) });
    expect(answer.status).toBe(200);
    const body = envelope(answer);
    expect(Object.keys(body)).toEqual(ENVELOPE_KEYS);
    expect(body).toMatchObject({ data: null, mount_type: '', lease_duration: 0, renewable: false });
    expect(body.auth).toMatchObject({
      policies: ['default', 'web'],
      token_policies: ['default', 'web'],
      metadata: {
        role: 'web',
        service_account_name: 'web',
        service_account_namespace: 'apps',
        service_account_secret_name: '',
        service_account_uid: uid,
      },
      lease_duration: 3600,
      renewable: true,
      orphan: true,
      token_type: 'service',
    });
    const lookup = envelope(await call(server, 'GET', 'auth/token/lookup-self', { token: body.auth!.client_token })).data;
    expect(lookup).toMatchObject({ display_name: 'kubernetes-apps-web', path: 'auth/kubernetes/login' });
  });

  it('accepts legacy secret-based tokens and globbed names', async () => {
    const answer = await login({ role: 'web', jwt: saJwt('apps', 'web-frontend', { projected: false }) });
    expect(answer.status).toBe(200);
    expect(envelope(answer).auth!.metadata).toMatchObject({
      service_account_name: 'web-frontend',
      service_account_secret_name: 'web-frontend-token-abcde',
    });
  });

  it('answers 400 for missing fields and unknown roles', async () => {
    const cases: Array<[unknown, string]> = [
      [{ jwt: saJwt('apps', 'web') }, 'missing role'],
      [{ role: 'web' }, 'missing jwt'],
      [{ role: 'ghost', jwt: saJwt('apps', 'web') }, 'invalid role name "ghost"'],
    ];
    for (const [body, message] of cases) {
      const answer = await login(body);
      expect(answer.status).toBe(400);
      expect(answer.json).toEqual({ errors: [message] });
    }
  });

  it('answers 403 for unbound service accounts and namespaces', async () => {
    const name = await login({ role: 'web', jwt: saJwt('apps', 'api') });
    expect(name.status).toBe(403);
    expect(name.json).toEqual({ errors: ['service account name not authorized'] });
    const namespace = await login({ role: 'web', jwt: saJwt('other', 'web') });
    expect(namespace.status).toBe(403);
    expect(namespace.json).toEqual({ errors: ['namespace not authorized'] });
    expect((await login({ role: 'any', jwt: saJwt('whatever', 'anything') })).status).toBe(200);
  });

  it('answers 403 permission denied for a malformed JWT', async () => {
    const answer = await login({ role: 'any', jwt: 'not-a-jwt' });
    expect(answer.status).toBe(403);
    expect(answer.json).toEqual({ errors: ['permission denied'] });
  });

  it('checks exp against the server clock (60 s leeway)', async () => {
    const jwt = saJwt('apps', 'web', { expiresInSeconds: 60 });
    expect((await login({ role: 'web', jwt })).status).toBe(200);
    server.clock.advance(121_000);
    const answer = await login({ role: 'web', jwt });
    expect(answer.status).toBe(403);
    expect(answer.json).toEqual({ errors: ['invalid expiration time (exp) claim: token is expired'] });
  });

  it('checks the role audience', async () => {
    await server.admin.writeKubernetesRole('kubernetes', 'aud', {
      bound_service_account_names: ['*'],
      bound_service_account_namespaces: ['*'],
      audience: 'vault',
    });
    const answer = await login({ role: 'aud', jwt: saJwt('apps', 'web') });
    expect(answer.status).toBe(403);
    expect(answer.json).toEqual({ errors: ['invalid audience (aud) claim: audience claim does not match any expected audience'] });
    const good = issuer.sign(kubernetesServiceAccountClaims({ namespace: 'apps', serviceAccountName: 'web', audiences: ['vault'] }), {
      nowMs: server.clock.now(),
    });
    expect((await login({ role: 'aud', jwt: good })).status).toBe(200);
  });

  it('verifies signatures when pem_keys are configured', async () => {
    const mount = unique('k8s/prod');
    await server.admin.enableAuthMethod(mount, 'kubernetes');
    await server.admin.writeKubernetesConfig(mount, { kubernetes_host: 'https://k', pem_keys: [issuer.publicKeyPem] });
    await server.admin.writeKubernetesRole(mount, 'app', {
      bound_service_account_names: ['*'],
      bound_service_account_namespaces: ['*'],
      audience: 'https://kubernetes.default.svc.cluster.local',
    });
    const stranger = createTestJwtIssuer();
    const forged = stranger.sign(kubernetesServiceAccountClaims({ namespace: 'apps', serviceAccountName: 'web' }));
    const denied = await login({ role: 'app', jwt: forged }, mount);
    expect(denied.status).toBe(403);
    expect(denied.json).toEqual({ errors: ['permission denied'] });
    const ok = await login({ role: 'app', jwt: saJwt('apps', 'web') }, mount);
    expect(ok.status).toBe(200);
    const token = envelope(ok).auth!.client_token;
    const lookup = envelope(await call(server, 'GET', 'auth/token/lookup-self', { token })).data;
    expect(lookup['display_name']).toBe(`${mount.replace(/\//g, '-')}-apps-web`);
  });

  it('answers 500 when the mount has no config', async () => {
    const mount = unique('k8s-empty');
    await server.admin.enableAuthMethod(mount, 'kubernetes');
    await server.admin.writeKubernetesRole(mount, 'r', {
      bound_service_account_names: ['*'],
      bound_service_account_namespaces: ['*'],
      audience: 'x',
    });
    const answer = await login({ role: 'r', jwt: saJwt('a', 'b') }, mount);
    expect(answer.status).toBe(500);
    expect(errors(answer)).toEqual(['1 error occurred:\n\t* could not load backend configuration\n\n']);
  });
});
