import { MalformedResponseError } from '../errors/malformed-response.error.js';
import { SecretsError } from '../errors/secrets.error.js';
import { VaultRequestError } from '../errors/vault-request.error.js';
import type { VaultResponse } from '../contracts/vault-request.js';
import { mapVaultStatus } from '../transport/map-vault-error.js';
import { isJsonObject, type VaultEnvelope } from '../transport/vault-envelope.js';
import { scrub } from './transit-redaction.js';
import type { TransitBatchResult } from './transit.types.js';

/**
 * Reads a transit batch answer (`data.batch_results`) into one result per item, in input order.
 * Vault answers 400 with the whole envelope when an item failed (each failed item carries `error`),
 * and 400 with only `errors` when it refused the request itself: that one is thrown.
 *
 * @param response - the answer to a `batch_input` request sent with `acceptStatus: [400]`.
 * @param items - how many items were sent.
 * @param secrets - every data string sent, redacted from any error (see `scrub`).
 * @param read - reads the value of one successful item (e.g. its `ciphertext`).
 * @throws VaultRequestError when Vault refused the whole batch; MalformedResponseError when the
 *   answer has no `batch_results` or not one per item.
 */
export function readBatchResults<T>(
  response: VaultResponse<VaultEnvelope<Record<string, unknown>>>,
  items: number,
  path: string,
  secrets: readonly string[],
  read: (result: Record<string, unknown>, path: string) => T,
): TransitBatchResult<T>[] {
  const results = response.body?.data?.['batch_results'];
  if (!Array.isArray(results)) {
    if (response.status === 400) throw scrub(mapVaultStatus(400, response.body, path, response.headers), secrets);
    throw new MalformedResponseError('the batch answer has no batch_results', { path, status: response.status });
  }
  if (results.length !== items) {
    throw new MalformedResponseError(`the batch answer has ${results.length} results for ${items} items`, {
      path,
      status: response.status,
    });
  }
  return results.map((result: unknown, index): TransitBatchResult<T> => {
    if (!isJsonObject(result)) return { ok: false, error: new MalformedResponseError(`batch item ${index} is not an object`, { path }) };
    if (typeof result['error'] === 'string' && result['error'] !== '') {
      return { ok: false, error: scrub(new VaultRequestError([result['error']], { path, status: 400 }), secrets) };
    }
    try {
      return { ok: true, value: read(result, path) };
    } catch (error) {
      return {
        ok: false,
        error: error instanceof SecretsError ? error : new MalformedResponseError(`batch item ${index} is unreadable`, { path }),
      };
    }
  });
}
