import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { FallbackJsonOptions } from './fallback-json-options.js';
import { flattenValidationErrors } from './option-problems.js';
import type { ResolveContext } from './resolve-context.js';

/** `fallbackJson` as `{ path, keyEnv?, keyFile? }` (a string is the path), its fields checked. */
export function resolveFallbackJson({ config, problems }: ResolveContext): FallbackJsonOptions | undefined {
  if (typeof config.fallbackJson === 'string') return { path: config.fallbackJson };
  if (typeof config.fallbackJson !== 'object' || config.fallbackJson === null) return undefined;
  const fallback = plainToInstance(FallbackJsonOptions, config.fallbackJson);
  const fallbackProblems = flattenValidationErrors(
    validateSync(fallback, { whitelist: true, forbidNonWhitelisted: true, stopAtFirstError: true }),
    'fallbackJson.',
  );
  problems.push(
    ...fallbackProblems.map((p) => (p.startsWith('unknown option') || p.startsWith('fallbackJson.') ? p : `fallbackJson.${p}`)),
  );
  return { ...fallback };
}
