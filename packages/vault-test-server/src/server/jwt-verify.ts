/**
 * JSON Web Token checks for the Kubernetes and JWT auth methods, with `node:crypto` only:
 * compact JWS parsing, public keys from PEM (PKIX, PKCS#1 or certificates), signature
 * verification (RS/PS/ES 256-512, EdDSA) and a port of `hashicorp/cap/jwt`'s claim validation
 * (issuer, audience, `nbf`/`exp`/`iat` with leeways) including its error texts.
 */
import { createPublicKey, constants, verify as cryptoVerify, X509Certificate, type KeyObject } from 'node:crypto';

/** Signature algorithms accepted by default (cap's supported set). */
export const SUPPORTED_JWT_ALGS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512', 'EdDSA'] as const;

/** A decoded compact JWS. */
export interface ParsedJwt {
  readonly header: Readonly<Record<string, unknown>>;
  readonly claims: Record<string, unknown>;
  /** `<header>.<payload>` bytes that were signed. */
  readonly signingInput: string;
  readonly signature: Buffer;
}

/** A JWT problem; `message` is the Go-side error text. */
export class JwtError extends Error {}

function decodeSegment(segment: string): Buffer {
  if (!/^[A-Za-z0-9_-]*$/.test(segment)) throw new JwtError('illegal base64 data at input byte 0');
  return Buffer.from(segment, 'base64url');
}

function parseJsonObject(bytes: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new JwtError('invalid character looking for beginning of value');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new JwtError('json: cannot unmarshal into Go value of type map[string]interface {}');
  }
  return value as Record<string, unknown>;
}

/**
 * Parses a compact JWS (`header.payload.signature`) without verifying it.
 * @throws JwtError with go-jose's texts for malformed input
 */
export function parseJwt(token: string): ParsedJwt {
  const parts = token.trim().split('.');
  if (parts.length !== 3) throw new JwtError('go-jose/go-jose: compact JWS format must have three parts');
  const [h = '', p = '', s = ''] = parts;
  const header = parseJsonObject(decodeSegment(h));
  const alg = header['alg'];
  if (typeof alg !== 'string' || !(SUPPORTED_JWT_ALGS as readonly string[]).includes(alg)) {
    throw new JwtError(`go-jose/go-jose: unexpected signature algorithm ${JSON.stringify(String(alg ?? ''))}`);
  }
  return { header, claims: parseJsonObject(decodeSegment(p)), signingInput: `${h}.${p}`, signature: decodeSegment(s) };
}

/**
 * Parses a PEM public key (PKIX `PUBLIC KEY`, PKCS#1 `RSA PUBLIC KEY`, or an X.509 certificate).
 * Only RSA and EC keys are accepted, like Vault's `parsePublicKeyPEM`.
 * @throws JwtError `data does not contain any valid RSA or ECDSA public keys`
 */
export function parsePublicKeyPem(pem: string): KeyObject {
  let key: KeyObject | undefined;
  try {
    key = /-----BEGIN CERTIFICATE-----/.test(pem) ? new X509Certificate(pem).publicKey : createPublicKey(pem);
  } catch {
    key = undefined;
  }
  if (!key || (key.asymmetricKeyType !== 'rsa' && key.asymmetricKeyType !== 'ec')) {
    throw new JwtError('data does not contain any valid RSA or ECDSA public keys');
  }
  return key;
}

const HASHES: Readonly<Record<string, string>> = { '256': 'sha256', '384': 'sha384', '512': 'sha512' };

/** Verifies the JWS signature with one key; false on any mismatch (wrong key type included). */
export function verifyJwtSignature(jwt: ParsedJwt, key: KeyObject): boolean {
  const alg = String(jwt.header['alg']);
  const data = Buffer.from(jwt.signingInput, 'utf8');
  try {
    if (alg === 'EdDSA') return cryptoVerify(null, data, key, jwt.signature);
    const hash = HASHES[alg.slice(2)];
    if (hash === undefined) return false;
    if (alg.startsWith('RS')) return key.asymmetricKeyType === 'rsa' && cryptoVerify(hash, data, key, jwt.signature);
    if (alg.startsWith('PS')) {
      return (
        key.asymmetricKeyType === 'rsa' &&
        cryptoVerify(
          hash,
          data,
          { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST },
          jwt.signature,
        )
      );
    }
    if (alg.startsWith('ES')) {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      const expected = { ES256: 'prime256v1', ES384: 'secp384r1', ES512: 'secp521r1' }[alg];
      if (curve !== expected) return false;
      return cryptoVerify(hash, data, { key, dsaEncoding: 'ieee-p1363' }, jwt.signature);
    }
  } catch {
    return false;
  }
  return false;
}

/** What {@link validateJwt} expects (cap's `jwt.Expected`). Leeways in **seconds**; 0 = cap default. */
export interface JwtExpectations {
  /** Public keys; empty = signature not verified (Kubernetes without `pem_keys`). */
  readonly keys: readonly KeyObject[];
  readonly issuer?: string;
  readonly subject?: string;
  readonly audiences?: readonly string[];
  /** Allowed `alg` values (default: all supported). */
  readonly algorithms?: readonly string[];
  readonly notBeforeLeeway?: number;
  readonly expirationLeeway?: number;
  /** Clock skew leeway (0 → 60 s, negative → none). */
  readonly clockSkewLeeway?: number;
  /** Accept tokens without any of `iat`/`nbf`/`exp` (cap's `ValidateAllowMissingIatNbfExp`). */
  readonly allowMissingTimes?: boolean;
  /** Current time in **ms** (the server clock). */
  readonly nowMs: number;
}

function numericDate(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? Math.trunc(value) : 0;
}

/** The `aud` claim as a list (string or array). */
export function audienceClaim(claims: Readonly<Record<string, unknown>>): string[] {
  const aud = claims['aud'];
  if (typeof aud === 'string') return [aud];
  if (Array.isArray(aud)) return aud.filter((item): item is string => typeof item === 'string');
  return [];
}

/**
 * A port of `cap/jwt` `Validator.validateAll`: verifies the signature, the algorithm, issuer,
 * subject, audience and the time claims, returning all claims.
 * @throws JwtError with cap's messages (`error verifying token signature: ...`,
 *   `invalid expiration time (exp) claim: token is expired`, ...)
 */
export function validateJwt(token: string, expected: JwtExpectations): Record<string, unknown> {
  let jwt: ParsedJwt;
  try {
    jwt = parseJwt(token);
  } catch (error: unknown) {
    throw new JwtError(`error verifying token signature: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (expected.keys.length > 0 && !expected.keys.some((key) => verifyJwtSignature(jwt, key))) {
    throw new JwtError('error verifying token signature: no known key successfully validated the token signature');
  }
  const algorithms = expected.algorithms && expected.algorithms.length > 0 ? expected.algorithms : SUPPORTED_JWT_ALGS;
  if (!algorithms.includes(String(jwt.header['alg']))) {
    throw new JwtError('invalid algorithm (alg) header parameter: token signed with unexpected algorithm');
  }
  const claims = jwt.claims;
  if (expected.issuer && expected.issuer !== claims['iss']) throw new JwtError('invalid issuer (iss) claim');
  if (expected.subject && expected.subject !== claims['sub']) throw new JwtError('invalid subject (sub) claim');
  if (expected.audiences && expected.audiences.length > 0) {
    const aud = audienceClaim(claims);
    if (!expected.audiences.some((audience) => aud.includes(audience))) {
      throw new JwtError('invalid audience (aud) claim: audience claim does not match any expected audience');
    }
  }

  const iat = numericDate(claims['iat']);
  let exp = numericDate(claims['exp']);
  let nbf = numericDate(claims['nbf']);
  if (iat === 0 && exp === 0 && nbf === 0) {
    if (expected.allowMissingTimes) return claims;
    throw new JwtError('no issued at (iat), not before (nbf), or expiration time (exp) claims in token');
  }
  const leeway = (value: number | undefined, fallback: number): number =>
    value === undefined || value === 0 ? fallback : value < 0 ? 0 : value;
  if (exp === 0) exp = Math.max(iat, nbf) + leeway(expected.expirationLeeway, 150);
  if (nbf === 0) nbf = iat !== 0 ? iat : exp - leeway(expected.notBeforeLeeway, 150);
  const skew = leeway(expected.clockSkewLeeway, 60) * 1000;
  const now = expected.nowMs;
  if (now + skew < nbf * 1000) throw new JwtError('invalid not before (nbf) claim: token not yet valid');
  if (now - skew > exp * 1000) throw new JwtError('invalid expiration time (exp) claim: token is expired');
  if (iat !== 0 && now + skew < iat * 1000) throw new JwtError('invalid issued at (iat) claim: token issued in the future');
  return claims;
}

/**
 * A claim by name, or by JSON pointer when it starts with `/` (the JWT plugin's `getClaim`).
 * Returns undefined when absent.
 */
export function getClaim(claims: Readonly<Record<string, unknown>>, name: string): unknown {
  if (!name.startsWith('/')) return claims[name];
  let current: unknown = claims;
  for (const raw of name.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof current !== 'object' || current === null) return undefined;
    current = Array.isArray(current) ? current[Number(key)] : (current as Record<string, unknown>)[key];
  }
  return current;
}
