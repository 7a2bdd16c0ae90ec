/**
 * `sys/tools` (https://developer.hashicorp.com/vault/api-docs/system/tools):
 * `POST sys/tools/random(/:source)(/:bytes)` and `POST sys/tools/hash(/:algorithm)`, the same
 * handlers as transit's `random` and `hash` (a missing `input` hashes the empty string here).
 */
import { hashResponse, HASH_PATH_SUFFIX } from './hash-data.js';
import type { PathDefinition } from './path-router.js';
import { randomBytesResponse, RANDOM_PATH_SUFFIX } from './random-bytes.js';

/** The `sys/tools/*` paths, to be spread into the system backend's path list. */
export function toolsPaths(): PathDefinition[] {
  return [
    { pattern: new RegExp(`^tools/${RANDOM_PATH_SUFFIX}$`), operations: { update: (r, p) => randomBytesResponse(r, p) } },
    { pattern: new RegExp(`^tools/${HASH_PATH_SUFFIX}$`), operations: { update: (r, p) => hashResponse(r, p, { requireInput: false }) } },
  ];
}
