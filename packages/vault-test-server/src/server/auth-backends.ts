/**
 * Registration of the auth methods of the test server (`sys/auth/:path` types): `approle`,
 * `userpass`, `kubernetes`, `jwt`, `oidc` (the JWT plugin under its second name) and `cert`.
 */
import { AppRoleBackend } from './approle.backend.js';
import type { BackendRegistry } from './backend-registry.js';
import { CertBackend } from './cert.backend.js';
import { JwtBackend } from './jwt.backend.js';
import { KubernetesBackend } from './kubernetes.backend.js';
import { UserpassBackend } from './userpass.backend.js';

/** Registers the auth-method types. */
export function registerAuthBackends(registry: BackendRegistry): void {
  registry.register({ type: 'approle', table: 'auth', factory: (ctx, mount) => new AppRoleBackend(ctx, mount) });
  registry.register({ type: 'cert', table: 'auth', factory: (ctx, mount) => new CertBackend(ctx, mount) });
  registry.register({ type: 'userpass', table: 'auth', factory: (ctx, mount) => new UserpassBackend(ctx, mount) });
  registry.register({
    type: 'kubernetes',
    table: 'auth',
    runningVersion: 'v0.19.0+builtin',
    factory: (ctx, mount) => new KubernetesBackend(ctx, mount),
  });
  for (const type of ['jwt', 'oidc']) {
    registry.register({ type, table: 'auth', runningVersion: 'v0.21.1+builtin', factory: (ctx, mount) => new JwtBackend(ctx, mount) });
  }
}
