import { isJsonObject, type VaultEnvelope } from '../transport/vault-envelope.js';
import { MalformedResponseError } from '../errors/malformed-response.error.js';
import type { EngineContext, LeaseInfo } from '../contracts/secret-engine.js';

/** The JSON type a response field must have. */
export type FieldType = 'string' | 'number';

/** What a value is, for messages (never the value itself). */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * The `data` object of an envelope, checked: each required field must be present with its JSON
 * type (default string). A MalformedResponseError names the field and what it was, never its value.
 */
export function envelopeData(
  body: VaultEnvelope | undefined,
  path: string,
  required: readonly string[] | Readonly<Record<string, FieldType>>,
): Record<string, unknown> {
  const data = body?.data;
  if (!isJsonObject(data)) throw new MalformedResponseError('the response has no data object', { path });
  const fields: Array<[string, FieldType]> = Array.isArray(required)
    ? required.map((k) => [k, 'string'])
    : Object.entries(required as Record<string, FieldType>);
  const missing = fields.filter(([k]) => data[k] === undefined || data[k] === null).map(([k]) => k);
  if (missing.length > 0) throw new MalformedResponseError(`data is missing ${missing.join(', ')}`, { path });
  const wrong = fields
    .filter(([k, type]) => typeof data[k] !== type)
    .map(([k, type]) => `data.${k} must be a ${type} (got ${kindOf(data[k])})`);
  if (wrong.length > 0) throw new MalformedResponseError(wrong.join('; '), { path });
  return data;
}

/**
 * The lease of an envelope, when it has one (non-empty `lease_id`).
 * @throws MalformedResponseError when `lease_duration` is not a number of seconds ≥ 0.
 */
export function envelopeLease(body: VaultEnvelope | undefined, path?: string): LeaseInfo | undefined {
  if (!body || typeof body.lease_id !== 'string' || body.lease_id === '') return undefined;
  const duration: unknown = body.lease_duration;
  if (typeof duration !== 'number' || !Number.isFinite(duration) || duration < 0) {
    throw new MalformedResponseError(`lease_duration must be a number of seconds (got ${kindOf(duration)})`, { path });
  }
  return { id: body.lease_id, duration, renewable: body.renewable === true };
}

/**
 * Reads an engine response with `parse`; when the response is unusable but carries a lease,
 * that lease is revoked (`PUT sys/leases/revoke`) before the error is thrown, so no credential
 * Vault issued stays alive unmanaged. A failed revocation is ignored: the error that matters is
 * the parse error.
 */
export async function parseLeased<T>(context: EngineContext, body: VaultEnvelope | undefined, parse: () => T): Promise<T> {
  try {
    return parse();
  } catch (error) {
    const leaseId = body?.lease_id;
    if (typeof leaseId === 'string' && leaseId !== '') {
      await context.client.request({ method: 'PUT', path: 'sys/leases/revoke', body: { lease_id: leaseId } }).catch(() => undefined);
    }
    throw error;
  }
}
