import { encodeSegments } from '../transport/vault-path.js';
import type { AuthContext } from '../contracts/auth-method.js';
import { type AuthResult } from '../contracts/auth-result.js';
import { authResultFromBody } from './auth-result-from-body.js';

/**
 * `POST auth/<mount>/login[/<suffix>]` with no token, and reads the auth block.
 * Mounts may contain `/` (e.g. `k8s/prod`); each segment is URL-encoded.
 */
export async function postLogin(context: AuthContext, mount: string, body: Record<string, unknown>, suffix?: string): Promise<AuthResult> {
  const path = `auth/${encodeSegments(mount.split('/').filter((s) => s !== ''))}/login${suffix === undefined ? '' : `/${encodeURIComponent(suffix)}`}`;
  const response = await context.client.request({ method: 'POST', path, body, authenticated: false, priority: 'high' });
  return authResultFromBody(response.body, path);
}
