/**
 * The userpass auth method (`type: "userpass"`), after Vault's `builtin/credential/userpass`:
 * users with (scrypt-hashed) passwords and token parameters, and the unauthenticated
 * `POST auth/<mount>/login/<username>`. Usernames are case-insensitive (lower-cased).
 */
import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import {
  EMPTY_TOKEN_PARAMS,
  EntityAliases,
  issueLoginToken,
  parsePolicyList,
  parseTokenParams,
  revokeMountTokens,
  tokenParamsData,
  UserLockout,
  type TokenParams,
} from './auth-common.js';
import type { BackendContext } from './backend.js';
import { badRequest, internalError, VaultError } from './errors.js';
import { stringField } from './fields.js';
import type { DataResponse, LogicalRequest } from './logical.js';
import { respondData } from './logical.js';
import type { MountDescriptor } from './mount-table.js';
import { FrameworkBackend, type PathDefinition, type PathParams } from './path-router.js';

interface User {
  readonly name: string;
  salt: Buffer;
  hash: Buffer;
  token: TokenParams;
}

const USERNAME = String.raw`(?<username>\w(?:[\w.@-]*\w)?)`;

function hashPassword(password: string, salt: Buffer): Buffer {
  return scryptSync(password, salt, 32, { N: 1024 });
}

/** Backend of a `userpass` auth mount. */
export class UserpassBackend extends FrameworkBackend {
  private readonly users = new Map<string, User>();
  private readonly entities = new EntityAliases();
  private readonly lockout: UserLockout;
  /** Dummy hash compared for unknown users (constant-time-ish like Vault's bcrypt dummy). */
  private readonly dummy = { salt: randomBytes(16), hash: Buffer.alloc(32) };

  protected readonly paths: readonly PathDefinition[] = [
    { pattern: new RegExp(`^login/${USERNAME}$`), operations: { update: (r, p) => this.login(r, p) }, unauthenticated: true },
    { pattern: /^users\/?$/, operations: { list: () => respondData({ keys: [...this.users.keys()].sort() }) } },
    {
      pattern: new RegExp(`^users/${USERNAME}$`),
      operations: {
        read: (_r, p) => this.readUser(p),
        update: (r, p) => this.writeUser(r, p),
        delete: (_r, p) => {
          this.users.delete(userKey(p));
          return null;
        },
      },
      exists: (_r, p) => this.users.has(userKey(p)),
    },
    { pattern: new RegExp(`^users/${USERNAME}/password$`), operations: { update: (r, p) => this.updatePassword(r, p) } },
    { pattern: new RegExp(`^users/${USERNAME}/policies$`), operations: { update: (r, p) => this.updatePolicies(r, p) } },
  ];

  constructor(
    private readonly ctx: BackendContext,
    private readonly mount: MountDescriptor,
  ) {
    super();
    this.lockout = new UserLockout(ctx);
  }

  cleanup(): void {
    revokeMountTokens(this.ctx, this.mount);
  }

  private readUser(params: PathParams): DataResponse | null {
    const user = this.users.get(userKey(params));
    return user ? respondData(tokenParamsData(user.token)) : null;
  }

  private writeUser(req: LogicalRequest, params: PathParams): null {
    const name = userKey(params);
    const existing = this.users.get(name);
    const token = parseTokenParams(req.data, existing?.token ?? EMPTY_TOKEN_PARAMS, ['policies', 'ttl', 'max_ttl', 'bound_cidrs']);
    const password = stringField(req.data, 'password');
    if (!existing && password === '') throw badRequest('missing password');
    const user: User = existing ?? { name, salt: Buffer.alloc(0), hash: Buffer.alloc(0), token };
    user.token = token;
    if (password !== '') this.setPassword(user, password);
    this.users.set(name, user);
    return null;
  }

  private setPassword(user: User, password: string): void {
    user.salt = randomBytes(16);
    user.hash = hashPassword(password, user.salt);
  }

  private updatePassword(req: LogicalRequest, params: PathParams): null {
    const user = this.users.get(userKey(params));
    if (!user) throw badRequest('username does not exist');
    const password = stringField(req.data, 'password');
    if (password === '') throw badRequest('missing password');
    this.setPassword(user, password);
    return null;
  }

  private updatePolicies(req: LogicalRequest, params: PathParams): null {
    const user = this.users.get(userKey(params));
    if (!user) throw badRequest('username does not exist');
    const field = req.data['token_policies'] !== undefined ? 'token_policies' : 'policies';
    user.token = { ...user.token, tokenPolicies: parsePolicyList(req.data, field) };
    return null;
  }

  /** `POST auth/<mount>/login/<username>` (port of userpass `pathLogin`). */
  private login(req: LogicalRequest, params: PathParams): DataResponse {
    const username = userKey(params);
    const password = stringField(req.data, 'password');
    if (password === '') throw internalError('missing password');
    const user = this.users.get(username);
    if (user) this.lockout.assertNotLocked(username);
    const candidate = hashPassword(password, user?.salt ?? this.dummy.salt);
    if (!user || !timingSafeEqual(candidate, user.hash)) {
      if (user) this.lockout.recordFailure(username);
      throw new VaultError(400, ['invalid username or password']);
    }
    this.lockout.recordSuccess(username);
    return issueLoginToken(this.ctx, this.mount, req, this.entities, {
      params: user.token,
      metadata: { username },
      displayName: username,
      aliasName: username,
    });
  }
}

function userKey(params: PathParams): string {
  return (params['username'] ?? '').toLowerCase();
}
