import { IsArray, IsOptional, IsString } from 'class-validator';
import { OPTIONS_SCHEMA } from './options.schema.js';
import { applySchemaChecks } from './schema-checks.js';

/** KV change detection: which keys are polled and how often. */
export class WatchOptions {
  /** Poll KV metadata for changes. Default `true`. */
  enabled?: boolean;

  /** Keys to watch even before the app reads them (relative to `secretsPath`). Keys the app reads are watched too. */
  @IsOptional()
  @IsArray({ message: 'watch.keys must be an array of keys such as ["database", "kafka/producer"]' })
  @IsString({ each: true, message: 'watch.keys must contain only strings' })
  keys?: string[];

  /**
   * Also subscribe to Vault's KV change events (`sys/events/subscribe/kv-v2/data-*`, a websocket;
   * Vault Enterprise 1.16+) so changes arrive at once; polling stays on as the safety net and is used
   * alone when Vault refuses the subscription. Default `false`.
   */
  events?: boolean;

  /** Poll period in milliseconds (jittered down by up to 10%). Default 60000. */
  intervalMs?: number;
}

// Type, bounds and messages come from the schema (`OPTIONS_SCHEMA.watch.fields`).
applySchemaChecks(WatchOptions, OPTIONS_SCHEMA.watch.fields, 'watch.');
