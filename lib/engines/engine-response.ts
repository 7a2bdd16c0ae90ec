import { isJsonObject, type VaultEnvelope } from '../client/vault-envelope.js';
import { MalformedResponseError } from '../errors/malformed-response.error.js';
import type { LeaseInfo } from './secret-engine.js';

/** The `data` object of an envelope, or a MalformedResponseError naming what is missing. */
export function envelopeData(body: VaultEnvelope | undefined, path: string, required: readonly string[]): Record<string, unknown> {
  const data = body?.data;
  if (!isJsonObject(data)) throw new MalformedResponseError('the response has no data object', { path });
  const missing = required.filter((k) => data[k] === undefined || data[k] === null);
  if (missing.length > 0) throw new MalformedResponseError(`data is missing ${missing.join(', ')}`, { path });
  return data;
}

/** The lease of an envelope, when it has one (non-empty `lease_id`). */
export function envelopeLease(body: VaultEnvelope | undefined): LeaseInfo | undefined {
  if (!body || typeof body.lease_id !== 'string' || body.lease_id === '') return undefined;
  const duration = typeof body.lease_duration === 'number' && Number.isFinite(body.lease_duration) ? Math.max(0, body.lease_duration) : 0;
  return { id: body.lease_id, duration, renewable: body.renewable === true };
}
