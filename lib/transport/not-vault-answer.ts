import { MalformedResponseError } from '../errors/malformed-response.error.js';

/** Vault's built-in mounts, there on every Vault: a 404 without Vault's JSON under them means the server is not Vault. */
const ALWAYS_MOUNTED = /^(?:sys|auth\/token)\//;

/**
 * The error for an answer no Vault gives: a 404 page that is not JSON (an HTML page from a web
 * server or proxy), or an empty 404 from a path every Vault serves (`sys/...`, `auth/token/...`,
 * e.g. the boot's `auth/token/lookup-self`). Says that `address` does not answer like Vault and
 * names `VAULT_ADDR` and the `address` option. `undefined` for any other answer.
 *
 * @param status - HTTP status of the answer.
 * @param text - the raw body.
 * @param path - API path without `/v1/`.
 * @param address - the configured Vault address.
 */
export function notVaultAnswer(status: number, text: unknown, path: string, address: string): MalformedResponseError | undefined {
  if (status !== 404) return undefined;
  const body = typeof text === 'string' ? text.trim() : '';
  const empty = body === '';
  if (empty ? !ALWAYS_MOUNTED.test(path) : body.startsWith('{')) return undefined;
  const what = empty ? 'an empty 404' : 'a 404 page that is not JSON';
  return new MalformedResponseError(
    `${address} does not answer like Vault (${what}, where Vault answers JSON): check VAULT_ADDR or the \`address\` option; it must be Vault's API address, e.g. https://vault.example.com:8200`,
    { path, status },
  );
}
