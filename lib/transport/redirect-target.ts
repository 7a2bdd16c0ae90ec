import { VaultRequestError } from '../errors/vault-request.error.js';

/**
 * Where a standby's redirect (307/308 with the active node's address,
 * https://developer.hashicorp.com/vault/docs/concepts/ha) sends the request next: `location`
 * resolved against the URL that answered. The token, namespace and body are re-sent there, so the
 * target must be an http(s) URL with no credentials in it, and never http after https. The
 * `Location` itself is never quoted (it could carry credentials).
 *
 * @param from - the absolute URL that answered the redirect.
 * @returns the absolute URL to send to.
 * @throws VaultRequestError (with `path` and `status`) when the Location is no URL, not http(s),
 *   carries a user name or password, or goes from https to http.
 */
export function redirectTarget(location: string, from: string, path: string, status: number): string {
  const refuse = (why: string): VaultRequestError => new VaultRequestError([`refused to follow a redirect ${why}`], { path, status });
  let next: URL;
  try {
    next = new URL(location, from);
  } catch {
    throw refuse('whose Location header is not a URL');
  }
  if (next.protocol !== 'http:' && next.protocol !== 'https:') throw refuse(`to a ${next.protocol} URL (only http and https are followed)`);
  if (next.username !== '' || next.password !== '') throw refuse('to a URL carrying a user name or password');
  if (new URL(from).protocol === 'https:' && next.protocol !== 'https:') throw refuse(`from https to ${next.protocol}//${next.host}`);
  return next.toString();
}
