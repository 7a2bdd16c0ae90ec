/**
 * Authority information access for the PKI engine: `config/urls` templating
 * (`{{issuer_id}}`, `{{cluster_path}}`, `{{cluster_aia_path}}`) and Vault's URL validation.
 */
import type { AiaUrls } from './pki-certificates.js';
import type { PkiUrlsConfig } from './pki-mount-state.js';

/**
 * The `config/urls` values for a certificate signed by `issuerId` (`''` when there is none yet),
 * templated when `enable_templating` is set. Throws an `Error` with Vault's text when a template
 * cannot be filled or gives an invalid URL.
 */
export function templateAiaUrls(
  urls: PkiUrlsConfig,
  cluster: { readonly path: string; readonly aiaPath: string },
  issuerId: string,
): AiaUrls {
  const all = [urls.issuingCertificates, urls.crlDistributionPoints, urls.ocspServers];
  if (!urls.enableTemplating || all.every((list) => list.length === 0)) {
    return {
      issuingCertificates: [...urls.issuingCertificates],
      crlDistributionPoints: [...urls.crlDistributionPoints],
      ocspServers: [...urls.ocspServers],
    };
  }
  const template = (name: string, list: readonly string[]): string[] => {
    const out = list.map((uri) => {
      if (uri.includes('{{cluster_path}}') && cluster.path === '') {
        throw new Error('unable to template AIA URLs as we lack local cluster address information (path)');
      }
      if (uri.includes('{{cluster_aia_path}}') && cluster.aiaPath === '') {
        throw new Error('unable to template AIA URLs as we lack local cluster address information (aia_path)');
      }
      if (uri.includes('{{issuer_id}}') && issuerId === '') {
        throw new Error('unable to template AIA URLs as we lack an issuer_id for this operation');
      }
      return uri
        .replaceAll('{{cluster_path}}', cluster.path)
        .replaceAll('{{cluster_aia_path}}', cluster.aiaPath)
        .replaceAll('{{issuer_id}}', issuerId);
    });
    const bad = invalidUrl(out);
    if (bad !== undefined) throw new Error(`error validating templated ${name}; invalid URI: ${bad}`);
    return out;
  };
  return {
    issuingCertificates: template('issuing_certificates', urls.issuingCertificates),
    crlDistributionPoints: template('crl_distribution_points', urls.crlDistributionPoints),
    ocspServers: template('ocsp_servers', urls.ocspServers),
  };
}

/** Vault's `ValidateURLs`: the first value that is not a URL (or still holds a template), else undefined. */
export function invalidUrl(urls: readonly string[]): string | undefined {
  return urls.find((url) => !isUrl(url) || /\{\{(issuer_id|cluster_path|cluster_aia_path)\}\}/.test(url));
}

/** A port of Vault's `isURL` (govalidator-style, `url.ParseRequestURI` based). */
function isUrl(text: string): boolean {
  if (text === '' || [...text].length >= 2083 || text.length <= 3 || text.startsWith('.')) return false;
  const candidate = text.includes(':') && !text.includes('://') ? `http://${text}` : text;
  if (candidate.startsWith('/')) return candidate.slice(1).includes('.');
  if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(candidate)) return false;
  try {
    const url = new URL(candidate);
    if (url.host.startsWith('.')) return false;
    return !(url.host === '' && url.pathname !== '' && !url.pathname.includes('.'));
  } catch {
    return false;
  }
}
