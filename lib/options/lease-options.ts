import { IsInt, IsOptional, Max, Min } from 'class-validator';

/** How leased and expiring secrets (database, AWS, PKI) are kept alive. All values in milliseconds. */
export class LeaseOptions {
  /** Fetch a replacement at least this long before the old lease or certificate expires. Default 30000. */
  @IsOptional()
  @Min(0, { message: 'leases.overlapMs must be at least 0 (milliseconds)' })
  @IsInt({ message: 'leases.overlapMs must be a whole number of milliseconds, e.g. 30000' })
  overlapMs?: number;

  /** Time rotation handlers get before the old lease is revoked anyway. Default 10000. */
  @IsOptional()
  @Min(1, { message: 'leases.handlerTimeoutMs must be at least 1 (milliseconds)' })
  @Max(600_000, { message: 'leases.handlerTimeoutMs must be at most 600000 (10 minutes)' })
  @IsInt({ message: 'leases.handlerTimeoutMs must be a whole number of milliseconds, e.g. 10000' })
  handlerTimeoutMs?: number;

  /** Longest wait for lease revocations at shutdown. Default 5000. */
  @IsOptional()
  @Min(1, { message: 'leases.shutdownTimeoutMs must be at least 1 (milliseconds)' })
  @Max(120_000, { message: 'leases.shutdownTimeoutMs must be at most 120000 (2 minutes)' })
  @IsInt({ message: 'leases.shutdownTimeoutMs must be a whole number of milliseconds, e.g. 5000' })
  shutdownTimeoutMs?: number;
}
