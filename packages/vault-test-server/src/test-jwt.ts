/**
 * Minting JSON Web Tokens for tests of the Kubernetes and JWT/OIDC auth methods, with
 * `node:crypto` only. The issuer's `publicKeyPem` goes into `jwt_validation_pubkeys` (JWT auth)
 * or `pem_keys` (Kubernetes auth); `sign` produces compact RS256 (or ES256) tokens.
 *
 * ```ts
 * const issuer = createTestJwtIssuer();
 * await server.admin.writeJwtConfig('jwt', { jwt_validation_pubkeys: [issuer.publicKeyPem] });
 * const jwt = issuer.sign({ sub: 'alice', aud: 'vault' }, { expiresInSeconds: 300, nowMs: server.clock.now() });
 * const k8sJwt = issuer.sign(kubernetesServiceAccountClaims({ namespace: 'apps', serviceAccountName: 'web' }));
 * ```
 */
import { generateKeyPairSync, randomUUID, sign as cryptoSign, type KeyObject } from 'node:crypto';

/** Signature algorithms the test issuer can use. */
export type TestJwtAlgorithm = 'RS256' | 'ES256';

/** Options of {@link createTestJwtIssuer}. */
export interface TestJwtIssuerOptions {
  /** `RS256` (default, 2048-bit RSA) or `ES256` (P-256). */
  readonly algorithm?: TestJwtAlgorithm;
  /** `kid` header value (omitted by default). */
  readonly keyId?: string;
}

/** Options of {@link TestJwtIssuer.sign}. */
export interface TestJwtSignOptions {
  /** Adds `exp` = now + this many **seconds** (unless the claims set `exp`). */
  readonly expiresInSeconds?: number;
  /**
   * "Now" in **ms** since the epoch for `iat`/`exp` (default `Date.now()`); pass
   * `server.clock.now()` when the test server's clock is moved.
   */
  readonly nowMs?: number;
  /** Leave out the automatic `iat` claim. */
  readonly omitIssuedAt?: boolean;
}

/** A key pair that signs test JWTs. */
export interface TestJwtIssuer {
  /** The public key as PKIX PEM (`-----BEGIN PUBLIC KEY-----`). */
  readonly publicKeyPem: string;
  readonly algorithm: TestJwtAlgorithm;
  /** Signs `claims` (plus `iat`, and `exp` when asked) into a compact JWS. */
  sign(claims: Readonly<Record<string, unknown>>, options?: TestJwtSignOptions): string;
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

/** Creates a fresh signing key pair. */
export function createTestJwtIssuer(options: TestJwtIssuerOptions = {}): TestJwtIssuer {
  const algorithm = options.algorithm ?? 'RS256';
  const { publicKey, privateKey }: { publicKey: KeyObject; privateKey: KeyObject } =
    algorithm === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' }) : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return {
    publicKeyPem,
    algorithm,
    sign(claims: Readonly<Record<string, unknown>>, signOptions: TestJwtSignOptions = {}): string {
      const now = Math.floor((signOptions.nowMs ?? Date.now()) / 1000);
      const payload: Record<string, unknown> = {};
      if (!signOptions.omitIssuedAt) payload['iat'] = now;
      if (signOptions.expiresInSeconds !== undefined) payload['exp'] = now + signOptions.expiresInSeconds;
      Object.assign(payload, claims);
      const header: Record<string, unknown> = {
        alg: algorithm,
        typ: 'JWT',
        ...(options.keyId !== undefined ? { kid: options.keyId } : {}),
      };
      const signingInput = `${base64url(header)}.${base64url(payload)}`;
      const signature =
        algorithm === 'ES256'
          ? cryptoSign('sha256', Buffer.from(signingInput), { key: privateKey, dsaEncoding: 'ieee-p1363' })
          : cryptoSign('sha256', Buffer.from(signingInput), privateKey);
      return `${signingInput}.${signature.toString('base64url')}`;
    },
  };
}

/** Options of {@link kubernetesServiceAccountClaims}. */
export interface KubernetesServiceAccountClaimsOptions {
  readonly namespace: string;
  readonly serviceAccountName: string;
  /** Service account UID (default: a random UUID). */
  readonly uid?: string;
  /** Legacy tokens: the token secret's name (default `<name>-token-abcde`). */
  readonly secretName?: string;
  /**
   * `true` (default): a projected (bound) token with the `kubernetes.io` claim, `aud` and
   * `iss: https://kubernetes.default.svc.cluster.local`; `false`: a legacy secret-based token
   * with `kubernetes.io/serviceaccount/*` claims and `iss: kubernetes/serviceaccount`.
   */
  readonly projected?: boolean;
  /** `aud` of projected tokens (default `["https://kubernetes.default.svc.cluster.local"]`). */
  readonly audiences?: readonly string[];
  /** Pod name of projected tokens (default `<name>-pod`). */
  readonly podName?: string;
}

/** Claims of a Kubernetes service-account token, to pass to {@link TestJwtIssuer.sign}. */
export function kubernetesServiceAccountClaims(options: KubernetesServiceAccountClaimsOptions): Record<string, unknown> {
  const uid = options.uid ?? randomUUID();
  const subject = `system:serviceaccount:${options.namespace}:${options.serviceAccountName}`;
  if (options.projected === false) {
    return {
      iss: 'kubernetes/serviceaccount',
      sub: subject,
      'kubernetes.io/serviceaccount/namespace': options.namespace,
      'kubernetes.io/serviceaccount/secret.name': options.secretName ?? `${options.serviceAccountName}-token-abcde`,
      'kubernetes.io/serviceaccount/service-account.name': options.serviceAccountName,
      'kubernetes.io/serviceaccount/service-account.uid': uid,
    };
  }
  return {
    aud: [...(options.audiences ?? ['https://kubernetes.default.svc.cluster.local'])],
    iss: 'https://kubernetes.default.svc.cluster.local',
    sub: subject,
    'kubernetes.io': {
      namespace: options.namespace,
      pod: { name: options.podName ?? `${options.serviceAccountName}-pod`, uid: randomUUID() },
      serviceaccount: { name: options.serviceAccountName, uid },
    },
  };
}
