import { isIP } from 'node:net';
import type { ResolveContext } from './resolve-context.js';

/**
 * Whether traffic to `hostname` (a URL's hostname: IPv6 in brackets) stays on this machine:
 * `localhost`, 127.0.0.0/8, `::1` (also IPv4-mapped loopback). A `.invalid` name (RFC 6761) never
 * resolves, so nothing can leave the machine either (the in-memory testing module uses one).
 */
function isLocalHost(hostname: string): boolean {
  const host = hostname
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');
  if (host === 'localhost' || host === 'invalid' || host.endsWith('.invalid')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) {
    if (host === '::1') return true;
    // WHATWG URLs write IPv4-mapped addresses in hex: ::ffff:127.0.0.1 -> ::ffff:7f00:1
    const mapped = /^::ffff:([0-9a-f]{1,4}):[0-9a-f]{1,4}$/.exec(host);
    return mapped !== null && Number.parseInt(mapped[1] ?? '0', 16) >> 8 === 127;
  }
  return false;
}

/**
 * `address` (or `VAULT_ADDR`) as `http(s)://host:port[/prefix]` without a trailing `/` or `/v1`;
 * `''` when missing or invalid (a problem is then recorded). Warns about plain `http://` to a host
 * that is not loopback.
 */
export function resolveAddress({ config, vaultEnv, problems, warnings }: ResolveContext): string {
  const rawAddress = config.address ?? vaultEnv.VAULT_ADDR;
  let address = '';
  if (rawAddress === undefined) {
    problems.push('address is required: set `address` (e.g. "http://127.0.0.1:8200") or the VAULT_ADDR environment variable');
  } else if (typeof rawAddress === 'string') {
    try {
      const url = new URL(rawAddress);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        problems.push(`address must use http:// or https://, got "${url.protocol}"`);
      } else if (url.username || url.password) {
        problems.push('address must not contain credentials; pass the token through `token` or VAULT_TOKEN');
      } else if (url.search || url.hash) {
        problems.push('address must not contain a query string or fragment');
      }
      address = `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
      if (address.endsWith('/v1')) address = address.slice(0, -3);
    } catch {
      problems.push('address is not a valid URL: use the form "https://vault.example.com:8200"');
    }
  }
  if (address.startsWith('http://') && !isLocalHost(new URL(address).hostname)) {
    warnings.push(
      `address ${address} uses plain http:// to a host that is not loopback: the token and every secret cross the network unencrypted; use https://`,
    );
  }
  return address;
}
