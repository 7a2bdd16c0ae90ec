import { readdirSync, readFileSync, statSync } from 'node:fs';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { join } from 'node:path';

/**
 * Reads PEM text given inline or as a file path. Problems name the option and the file, never
 * the content (a private key must not reach a message).
 */
export function loadPem(source: string, option: string, kind: 'certificate' | 'private key', problems: string[]): string | undefined {
  const marker = kind === 'certificate' ? /-----BEGIN CERTIFICATE-----/ : /-----BEGIN [A-Z ]*PRIVATE KEY-----/;
  if (source.includes('-----BEGIN')) {
    if (!marker.test(source)) problems.push(`${option} holds PEM text without a ${kind} block`);
    return source;
  }
  let text: string;
  try {
    text = readFileSync(source, 'utf8');
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'unreadable';
    // A private key given inline without its PEM header (base64 of the PEM, a bare DER body) must
    // not be quoted: only a value that plainly is a file path is shown.
    const shown =
      kind === 'certificate' || /^(\/|\.{1,2}\/|~\/)[^\s]{0,1000}$/.test(source)
        ? `file "${source.slice(0, 200)}"`
        : `(${source.length} characters, not shown: not PEM text, and not a readable file)`;
    problems.push(`${option} ${shown} cannot be read (${code}): give the path of a PEM file or the PEM text itself`);
    return undefined;
  }
  if (!marker.test(text)) {
    problems.push(`${option} file "${source.slice(0, 200)}" holds no PEM ${kind}`);
    return undefined;
  }
  return text;
}

/**
 * Loads every CA certificate of a directory (Vault's `VAULT_CAPATH`): each regular file must
 * hold at least one PEM certificate (as Vault's CLI requires); hidden files are skipped.
 */
export function loadCaDirectory(dir: string, option: string, problems: string[]): string[] {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'unreadable';
    problems.push(`${option} "${dir.slice(0, 200)}" cannot be read as a directory (${code}): give a directory of PEM CA files`);
    return [];
  }
  const pems: string[] = [];
  for (const name of names) {
    if (name.startsWith('.')) continue;
    const file = join(dir, name);
    try {
      if (!statSync(file).isFile()) continue;
    } catch {
      continue;
    }
    const pem = loadPem(file, option, 'certificate', problems);
    if (pem !== undefined) pems.push(pem);
  }
  if (pems.length === 0 && !problems.some((p) => p.startsWith(option))) {
    problems.push(`${option} "${dir.slice(0, 200)}" holds no CA certificate file`);
  }
  return pems;
}

/** Whether the client certificate and key belong together (checked at boot, not at the first handshake). */
export function keyPairProblem(certPem: string, keyPem: string, certName: string, keyName: string): string | undefined {
  try {
    const key = createPrivateKey(keyPem);
    const certificate = new X509Certificate(certPem);
    if (!certificate.checkPrivateKey(key))
      return `${keyName} is not the private key of ${certName}: give the key the certificate was issued for`;
    const expired = Date.parse(certificate.validTo) < Date.now();
    if (expired) return `${certName} expired on ${new Date(Date.parse(certificate.validTo)).toISOString()}: renew the client certificate`;
  } catch (error) {
    const code = (error as { code?: string }).code;
    return `${certName} / ${keyName} cannot be parsed${code ? ` (${code})` : ''}: give a PEM certificate and its unencrypted PEM private key`;
  }
  return undefined;
}
