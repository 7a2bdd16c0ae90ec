import type { InternalAxiosRequestConfig } from 'axios';

/** Where a request goes. */
export interface Target {
  /** `scheme://host[:port]`. */
  origin: string;
  /** Path and query, e.g. `/v1/secret/data/app?version=2`. */
  path: string;
}

/** An absolute `http(s)://host[:port]` prefix and the rest. */
const ABSOLUTE = /^(https?:\/\/[^/?#]+)([^#]*)/i;

/**
 * Where a request goes: `baseURL` + `url` + `params` as axios would join them (an absolute `url`
 * ignores `baseURL`), the common case (absolute `url`, no `params`) without building a `URL`.
 *
 * @throws TypeError (`ERR_INVALID_URL`) when the URL cannot be parsed.
 */
export function requestTarget(config: InternalAxiosRequestConfig): Target {
  if (config.params === undefined || config.params === null) {
    const match = ABSOLUTE.exec(config.url ?? '');
    if (match) return { origin: (match[1] as string).toLowerCase(), path: match[2] || '/' };
  }
  const url = fullUrl(config);
  return { origin: url.origin, path: `${url.pathname}${url.search}` };
}

function fullUrl(config: InternalAxiosRequestConfig): URL {
  const url = config.url ?? '';
  const absolute = /^[a-z][a-z\d+\-.]*:\/\//i.test(url);
  const base = config.baseURL ?? '';
  const joined = absolute || base === '' ? new URL(url) : new URL(`${base.replace(/\/+$/, '')}/${url.replace(/^\/+/, '')}`);
  const params = config.params as Record<string, unknown> | URLSearchParams | undefined;
  if (params instanceof URLSearchParams) {
    for (const [name, value] of params) joined.searchParams.append(name, value);
  } else if (params !== undefined && params !== null) {
    for (const name of Object.keys(params)) {
      const value = params[name];
      if (value !== undefined && value !== null) joined.searchParams.append(name, String(value as string | number | boolean));
    }
  }
  return joined;
}
