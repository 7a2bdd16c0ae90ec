import { AuthFailedError } from '../errors/auth-failed.error.js';
import { InvalidRequestError } from '../errors/invalid-request.error.js';

/**
 * Characters an HTTP field value may not hold (RFC 9110 §5.5: a value is HTAB, SP, visible ASCII
 * and obs-text, U+0080 to U+00FF); undici refuses to send a header holding any other.
 */
const NOT_FIELD_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

/** Whether `value` can be sent as an HTTP header value as it is (no control character, CR, LF or NUL, nothing above U+00FF). */
export function isHeaderValue(value: string): boolean {
  return !NOT_FIELD_VALUE.test(value);
}

const WHY = 'holds a character an HTTP header cannot carry (a control character, CR, LF or one above U+00FF)';

/**
 * Checks that a request's token and namespace can be sent as `X-Vault-Token` and
 * `X-Vault-Namespace`. undici refuses such a header as if the network had failed; a token like
 * that can never be valid, and a namespace like that is a bug in what gave it: neither is an
 * outage to retry. The value itself is never quoted.
 *
 * @throws AuthFailedError for the token; InvalidRequestError (argument `namespace`) for the namespace.
 */
export function assertSendable(path: string, token: string | undefined, namespace: string | undefined): void {
  if (token !== undefined && !isHeaderValue(token)) {
    throw new AuthFailedError(
      `The Vault token for ${path} ${WHY}, so it cannot be sent; log in again or provide a valid token (VAULT_TOKEN)`,
      { path },
    );
  }
  if (namespace && !isHeaderValue(namespace)) throw new InvalidRequestError('namespace', `the namespace for ${path} ${WHY}`);
}
