import { OPTIONS_SCHEMA } from './options.schema.js';
import { applySchemaChecks } from './schema-checks.js';

/** How long and how many secrets are kept in memory. */
export class CacheOptions {
  /** How long a read is served from memory before Vault is asked again, in milliseconds. Default 300000 (5 minutes). Must be ≥ 1. */
  ttlMs?: number;

  /** Most entries kept (least recently used are evicted). Default 1000. */
  maxEntries?: number;
}

// Type, bounds and messages come from the schema (`OPTIONS_SCHEMA.cache.fields`).
applySchemaChecks(CacheOptions, OPTIONS_SCHEMA.cache.fields, 'cache.');
