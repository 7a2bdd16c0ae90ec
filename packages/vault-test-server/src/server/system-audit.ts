/**
 * `sys/audit` and `sys/audit/:path` (https://developer.hashicorp.com/vault/api-docs/system/audit)
 * and `sys/audit-hash/:path` (…/system/audit-hash), served by the system backend. Devices of type
 * `file`, `socket` and `syslog` are recorded with their options and a random salt; a `file` device
 * creates (or opens for append) its `file_path` like Vault does at enable time, but the test
 * server writes no audit entries. `audit-hash` is Vault's salted HMAC: `hmac-sha256:<hex>`.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import type { BackendContext } from './backend.js';
import { aclDenied, badRequest } from './errors.js';
import { boolField, stringField, stringMapField } from './fields.js';
import type { DataResponse, LogicalRequest } from './logical.js';
import { respondData } from './logical.js';
import type { PathDefinition, PathParams } from './path-router.js';

/** An enabled audit device. */
interface AuditDevice {
  /** Path with a trailing slash (`file/`). */
  readonly path: string;
  readonly type: string;
  readonly description: string;
  readonly options: Readonly<Record<string, string>>;
  readonly local: boolean;
  /** The device's salt (a UUID, as Vault's `salt.NewSalt` makes). */
  readonly salt: string;
}

const AUDIT_TYPES = new Set(['file', 'socket', 'syslog']);

/** The audit path definitions. `context` is read lazily, like the lease paths. */
export function auditPaths(context: () => BackendContext): PathDefinition[] {
  const audit = new AuditDevices(context);
  return [
    { pattern: /^audit\/?$/, operations: { read: (r) => audit.list(r) } },
    {
      pattern: /^audit\/(?<path>.+)$/s,
      operations: { update: (r, p) => audit.enable(r, p), delete: (r, p) => audit.disable(r, p) },
    },
    { pattern: /^audit-hash\/(?<path>.+)$/s, operations: { update: (r, p) => audit.hash(r, p) } },
  ];
}

class AuditDevices {
  private readonly devices = new Map<string, AuditDevice>();

  constructor(private readonly context: () => BackendContext) {}

  /** `GET sys/audit` (sudo): path → `{type, description, options, path, local}`, also at the top level. */
  list(req: LogicalRequest): DataResponse {
    this.requireSudo(req);
    const data: Record<string, unknown> = {};
    for (const device of this.devices.values()) {
      data[device.path] = {
        description: device.description,
        local: device.local,
        options: { ...device.options },
        path: device.path,
        type: device.type,
      };
    }
    return respondData(data, { injectDataAtTopLevel: true });
  }

  /** `POST sys/audit/:path` (sudo): 204, or 400 for an unknown type, a missing option or a used path. */
  enable(req: LogicalRequest, params: PathParams): null {
    this.requireSudo(req);
    const path = withSlash(params['path'] ?? '');
    if (path === '/') throw badRequest('backend path must be specified');
    const type = stringField(req.data, 'type');
    const options = stringMapField(req.data, 'options') ?? {};
    for (const existing of this.devices.keys()) {
      if (existing.startsWith(path) || path.startsWith(existing)) throw badRequest('path already in use');
    }
    if (!AUDIT_TYPES.has(type)) throw badRequest(`unknown backend type: ${JSON.stringify(type)}`);
    if (type === 'file') openFileDevice(options);
    if (type === 'socket' && (options['address'] ?? '') === '') throw badRequest('invalid parameter: address is required');
    this.devices.set(path, {
      path,
      type,
      description: stringField(req.data, 'description'),
      options,
      local: boolField(req.data, 'local', false),
      salt: randomUUID(),
    });
    return null;
  }

  /** `DELETE sys/audit/:path` (sudo): 204, also when no device is there. */
  disable(req: LogicalRequest, params: PathParams): null {
    this.requireSudo(req);
    this.devices.delete(withSlash(params['path'] ?? ''));
    return null;
  }

  /** `POST sys/audit-hash/:path` with `input`: `{hash: "hmac-sha256:<hex>"}` with the device's salt. */
  hash(req: LogicalRequest, params: PathParams): DataResponse {
    const input = stringField(req.data, 'input');
    if (input === '') throw badRequest('the "input" parameter is empty');
    const path = withSlash(params['path'] ?? '');
    const device = this.devices.get(path);
    if (!device) throw badRequest(`unknown audit backend ${JSON.stringify(path)}`);
    const hash = `hmac-sha256:${createHmac('sha256', device.salt).update(input).digest('hex')}`;
    return respondData({ hash }, { injectDataAtTopLevel: true });
  }

  private requireSudo(req: LogicalRequest): void {
    const ctx = this.context();
    const token = req.token ?? ctx.authenticate(req.clientToken);
    if (!ctx.aclFor(token).isSudo(req.path)) throw aclDenied();
  }
}

function withSlash(path: string): string {
  const trimmed = path.replace(/^\/+/, '');
  return trimmed.endsWith('/') ? trimmed : `${trimmed}/`;
}

/** Opens (creating, mode `mode` or 0600) the file a `file` device appends to; `stdout`/`discard` need none. */
function openFileDevice(options: Readonly<Record<string, string>>): void {
  const filePath = options['file_path'] ?? options['path'] ?? '';
  if (filePath === '') throw badRequest('invalid parameter: file_path is required');
  if (filePath === 'stdout' || filePath === 'discard') return;
  const modeText = options['mode'] ?? '0600';
  const mode = /^[0-7]+$/.test(modeText) ? Number.parseInt(modeText, 8) : Number.NaN;
  if (Number.isNaN(mode))
    throw badRequest(`unable to parse 'mode': strconv.ParseUint: parsing ${JSON.stringify(modeText)}: invalid syntax`);
  try {
    closeSync(openSync(filePath, 'a', mode === 0 ? 0o600 : mode));
  } catch (error: unknown) {
    const reason = error instanceof Error ? error.message : String(error);
    throw badRequest(`sanity check failed; unable to open ${JSON.stringify(filePath)} for writing: ${reason}`);
  }
}
