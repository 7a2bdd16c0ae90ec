import { IsArray, IsBoolean, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';

/** KV change detection: which keys are polled and how often. */
export class WatchOptions {
  /** Poll KV metadata for changes. Default `true`. */
  @IsOptional()
  @IsBoolean({ message: 'watch.enabled must be true or false' })
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
  @IsOptional()
  @IsBoolean({ message: 'watch.events must be true or false' })
  events?: boolean;

  /** Poll period in milliseconds (jittered down by up to 10%). Default 60000. */
  @IsOptional()
  @Min(100, { message: 'watch.intervalMs must be at least 100 (milliseconds)' })
  @Max(86_400_000, { message: 'watch.intervalMs must be at most 86400000 (one day)' })
  @IsInt({ message: 'watch.intervalMs must be a whole number of milliseconds, e.g. 60000' })
  intervalMs?: number;
}
