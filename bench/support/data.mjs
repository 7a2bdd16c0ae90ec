// Secret values the benchmarks seed: 5 string fields, like a database credential.
import { randomBytes } from 'node:crypto';

/** A secret of 5 fields, distinct per `i`. */
export function secretData(i = 0) {
  return {
    host: `db-${i}.internal.example`,
    port: String(5432 + (i % 100)),
    username: `app_user_${i}`,
    password: randomBytes(18).toString('base64url'),
    database: `orders_${i % 16}`,
  };
}

/** Zero-padded key suffix: pad(7, 4) = '0007'. */
export const pad = (n, width) => String(n).padStart(width, '0');
