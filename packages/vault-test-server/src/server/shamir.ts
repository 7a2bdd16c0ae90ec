/**
 * Shamir's secret sharing over GF(2^8), shaped like Vault's `shamir` package: a share is the
 * secret's length of y-values followed by one byte holding its (non-zero, distinct) x-coordinate,
 * so a share is one byte longer than the secret (`ShareOverhead`). The field is the AES field
 * (reduction polynomial x^8 + x^4 + x^3 + x + 1); shares from real Vault are not interchangeable
 * with these, and need not be: they only ever unseal this server.
 */
import { randomBytes } from 'node:crypto';

/** Bytes a share adds to the secret (the x-coordinate). */
export const SHARE_OVERHEAD = 1;

const EXP = new Uint8Array(510);
const LOG = new Uint8Array(256);
{
  let value = 1;
  for (let i = 0; i < 255; i += 1) {
    EXP[i] = value;
    LOG[value] = i;
    // Multiply by the generator 3: value * 2 (reduced) XOR value.
    let doubled = value << 1;
    if (doubled & 0x100) doubled ^= 0x11b;
    value = doubled ^ value;
  }
  for (let i = 255; i < 510; i += 1) EXP[i] = EXP[i - 255] ?? 0;
}

function mul(a: number, b: number): number {
  if (a === 0 || b === 0) return 0;
  return EXP[(LOG[a] ?? 0) + (LOG[b] ?? 0)] ?? 0;
}

function div(a: number, b: number): number {
  if (b === 0) throw new RangeError('divide by zero');
  if (a === 0) return 0;
  return EXP[(LOG[a] ?? 0) + 255 - (LOG[b] ?? 0)] ?? 0;
}

/** Errors of {@link combineShares}, with Vault's messages. */
export class ShamirError extends Error {
  override readonly name = 'ShamirError';
}

/**
 * Splits `secret` into `parts` shares, any `threshold` of which rebuild it.
 * @throws ShamirError for parameters Vault's `shamir.Split` refuses
 */
export function splitSecret(secret: Uint8Array, parts: number, threshold: number): Buffer[] {
  if (parts < threshold) throw new ShamirError('parts cannot be less than threshold');
  if (parts > 255) throw new ShamirError('parts cannot exceed 255');
  if (threshold < 2) throw new ShamirError('threshold must be at least 2');
  if (threshold > 255) throw new ShamirError('threshold cannot exceed 255');
  if (secret.length === 0) throw new ShamirError('cannot split an empty secret');
  const xs = distinctCoordinates(parts);
  const shares = xs.map((x) => {
    const share = Buffer.alloc(secret.length + SHARE_OVERHEAD);
    share[secret.length] = x;
    return share;
  });
  for (let index = 0; index < secret.length; index += 1) {
    // A random polynomial of degree threshold - 1 whose constant term is the secret byte.
    const coefficients = [secret[index] ?? 0, ...randomBytes(threshold - 1)];
    shares.forEach((share, part) => {
      const x = xs[part] ?? 1;
      let y = 0;
      for (let power = coefficients.length - 1; power >= 0; power -= 1) y = mul(y, x) ^ (coefficients[power] ?? 0);
      share[index] = y;
    });
  }
  return shares;
}

/**
 * Rebuilds a secret from shares (Lagrange interpolation at x = 0). With fewer shares than the
 * threshold, or a wrong share, the result is simply a different byte string.
 * @throws ShamirError for inputs Vault's `shamir.Combine` refuses
 */
export function combineShares(shares: readonly Uint8Array[]): Buffer {
  if (shares.length < 2) throw new ShamirError('less than two parts cannot be used to reconstruct the secret');
  const length = shares[0]?.length ?? 0;
  if (length < 2) throw new ShamirError('parts must be at least two bytes');
  if (shares.some((share) => share.length !== length)) throw new ShamirError('all parts must be the same length');
  const xs = shares.map((share) => share[length - 1] ?? 0);
  if (new Set(xs).size !== xs.length) throw new ShamirError('duplicate part detected');
  const secret = Buffer.alloc(length - 1);
  for (let index = 0; index < length - 1; index += 1) {
    let value = 0;
    shares.forEach((share, i) => {
      const xi = xs[i] ?? 0;
      let basis = 1;
      xs.forEach((xj, j) => {
        if (j !== i) basis = mul(basis, div(xj, xj ^ xi));
      });
      value ^= mul(share[index] ?? 0, basis);
    });
    secret[index] = value;
  }
  return secret;
}

/** `count` distinct random x-coordinates in 1..255. */
function distinctCoordinates(count: number): number[] {
  const pool = Array.from({ length: 255 }, (_, i) => i + 1);
  const random = randomBytes(255);
  for (let i = pool.length - 1; i > 0; i -= 1) {
    const j = (random[i] ?? 0) % (i + 1);
    [pool[i], pool[j]] = [pool[j] ?? 0, pool[i] ?? 0];
  }
  return pool.slice(0, count);
}
