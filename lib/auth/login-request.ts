import { encodeSegments } from '../transport/vault-path.js';
import type { AuthContext } from '../contracts/auth-method.js';
import { type AuthResult } from '../contracts/auth-result.js';
import { authResultFromBody } from './auth-result-from-body.js';
import { sentStrings } from '../util/redact-sent.js';

/**
 * `POST auth/<mount>/login[/<suffix>]` with no token, and reads the auth block.
 * Mounts may contain `/` (e.g. `k8s/prod`); each segment is URL-encoded. Every credential sent
 * (secret_id, password, JWT) is redacted from the error of a refused login, in every form Vault
 * might echo it.
 */
export async function postLogin(context: AuthContext, mount: string, body: Record<string, unknown>, suffix?: string): Promise<AuthResult> {
  const path = `auth/${encodeSegments(mount.split('/').filter((s) => s !== ''))}/login${suffix === undefined ? '' : `/${encodeURIComponent(suffix)}`}`;
  const response = await context.client.request({
    method: 'POST',
    path,
    body,
    authenticated: false,
    priority: 'high',
    redact: loginSecrets(body),
  });
  return authResultFromBody(response.body, path);
}

/** The body's values that are credentials: all but the role and certificate names, which help a reader of the error. */
function loginSecrets(body: Record<string, unknown>): string[] {
  const { role: _role, name: _name, ...credentials } = body;
  return sentStrings(credentials);
}
