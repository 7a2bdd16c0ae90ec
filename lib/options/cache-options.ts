import { IsInt, IsOptional, Max, Min } from 'class-validator';

/** How long and how many secrets are kept in memory. */
export class CacheOptions {
  /** How long a read is served from memory before Vault is asked again, in milliseconds. Default 300000 (5 minutes). Must be ≥ 1. */
  @IsOptional()
  @Min(1, { message: 'cache.ttlMs must be at least 1 (milliseconds); use fetchSecret(key, { refresh: true }) to bypass the cache' })
  @IsInt({ message: 'cache.ttlMs must be a whole number of milliseconds, e.g. 300000 for 5 minutes' })
  ttlMs?: number;

  /** Most entries kept (least recently used are evicted). Default 1000. */
  @IsOptional()
  @Min(1, { message: 'cache.maxEntries must be at least 1' })
  @Max(10_000_000, { message: 'cache.maxEntries must be at most 10000000' })
  @IsInt({ message: 'cache.maxEntries must be a whole number, e.g. 1000' })
  maxEntries?: number;
}
