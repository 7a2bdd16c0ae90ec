/**
 * The checks `secrets.request()` makes before sending: which methods, which path shapes (relative
 * to /v1/, one leading "/" tolerated, no "v1/" prefix, no scheme/host, no dot segments, no query
 * in the path), bodies only on writes, scalar queries; messages say what to fix and stay short.
 */
import { describe, expect, it } from 'vitest';
import { InvalidRequestError } from '../../lib/index.js';
import { toVaultRequest, type RawVaultRequest } from '../../lib/core/raw-request.js';

function rejection(request: unknown): InvalidRequestError {
  try {
    toVaultRequest(request as RawVaultRequest);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as InvalidRequestError).code).toBe('SECRETS_INVALID_REQUEST');
    return error as InvalidRequestError;
  }
  throw new Error(`accepted ${JSON.stringify(request)}`);
}

describe('toVaultRequest', () => {
  it('accepts the six methods in any case and normalises them', () => {
    for (const method of ['GET', 'list', 'Post', 'PUT', 'patch', 'DELETE']) {
      expect(toVaultRequest({ method: method as 'GET', path: 'sys/mounts' }).method).toBe(method.toUpperCase());
    }
    expect(rejection({ method: 'HEAD', path: 'sys/health' }).message).toBe(
      'Invalid method: "HEAD" is not one of GET, LIST, POST, PUT, PATCH, DELETE',
    );
    expect(rejection({ method: undefined, path: 'x' }).argument).toBe('method');
  });

  it('takes the path relative to /v1/, tolerates one leading "/", keeps a trailing "/" and encodes segments', () => {
    expect(toVaultRequest({ method: 'GET', path: '/secret/data/app' }).path).toBe('secret/data/app');
    expect(toVaultRequest({ method: 'LIST', path: 'secret/metadata/' }).path).toBe('secret/metadata/');
    expect(toVaultRequest({ method: 'GET', path: 'secret/data/a b/ü%' }).path).toBe('secret/data/a%20b/%C3%BC%25');
  });

  it('refuses a v1/ prefix, a scheme or host, dot and empty segments, "?"/"#", control characters', () => {
    const cases: Array<[string, RegExp]> = [
      ['v1/secret/data/app', /starts with "v1\/"; the module adds \/v1\/ itself/],
      ['/v1/secret/data/app', /starts with "v1\/"/],
      ['https://vault.example/v1/secret', /names a scheme or host/],
      ['//evil.example/secret', /names a scheme or host/],
      ['secret/../sys/mounts', /"\." or "\.\." segment/],
      ['./secret', /"\." or "\.\." segment/],
      ['secret//data', /empty segment/],
      ['secret/data/app?version=2', /pass query parameters in `query`/],
      ['secret/data/app#x', /"\?" or "#"/],
      ['secret/\ndata', /control character/],
      ['', /it is empty/],
      ['/', /it is empty/],
    ];
    for (const [path, message] of cases) expect(rejection({ method: 'GET', path }).message, path).toMatch(message);
    expect(rejection({ method: 'GET', path: 42 }).message).toBe('Invalid path: expected a string such as "sys/mounts", got number');
  });

  it('quotes at most 80 characters of a long path', () => {
    const error = rejection({ method: 'GET', path: `../${'a'.repeat(1_000_000)}` });
    expect(error.message.length).toBeLessThan(200);
    const huge = rejection({ method: 'GET', path: `secret/${'a'.repeat(5000)}` });
    expect(huge.message).toBe('Invalid path: it is 5007 characters long (at most 4096)');
  });

  it('allows a JSON object body on POST/PUT/PATCH only; PATCH is sent as merge-patch', () => {
    expect(toVaultRequest({ method: 'POST', path: 'a/b', body: { x: 1 } }).body).toEqual({ x: 1 });
    expect(toVaultRequest({ method: 'PATCH', path: 'a/b', body: { x: 1 } }).contentType).toBe('application/merge-patch+json');
    expect(rejection({ method: 'GET', path: 'a/b', body: {} }).message).toMatch(/a GET request carries no body/);
    expect(rejection({ method: 'DELETE', path: 'a/b', body: {} }).argument).toBe('body');
    expect(rejection({ method: 'POST', path: 'a/b', body: [1] }).message).toMatch(/JSON object, got an array/);
    expect(rejection({ method: 'POST', path: 'a/b', body: 'text' }).message).toMatch(/got string/);
  });

  it('takes scalar query values and drops undefined ones', () => {
    expect(toVaultRequest({ method: 'GET', path: 'a/b', query: { version: 2, list: true, x: 'y', skip: undefined } }).query).toEqual({
      version: 2,
      list: true,
      x: 'y',
    });
    expect(rejection({ method: 'GET', path: 'a/b', query: { tags: ['a'] } }).message).toMatch(
      /parameter "tags" must be a string, number or boolean, got object/,
    );
    expect(rejection({ method: 'GET', path: 'a/b', query: 'x=1' }).argument).toBe('query');
    expect(rejection(null).argument).toBe('request');
  });
});
