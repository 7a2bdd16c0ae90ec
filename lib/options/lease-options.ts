import { OPTIONS_SCHEMA } from './options.schema.js';
import { applySchemaChecks } from './schema-checks.js';

/** How leased and expiring secrets (database, AWS, PKI) are kept alive. All values in milliseconds. */
export class LeaseOptions {
  /** Fetch a replacement at least this long before the old lease or certificate expires. Default 30000. */
  overlapMs?: number;

  /** Time rotation handlers get before the old lease is revoked anyway. Default 10000. */
  handlerTimeoutMs?: number;

  /** Longest wait for lease revocations at shutdown. Default 5000. */
  shutdownTimeoutMs?: number;
}

// Type, bounds and messages come from the schema (`OPTIONS_SCHEMA.leases.fields`).
applySchemaChecks(LeaseOptions, OPTIONS_SCHEMA.leases.fields, 'leases.');
