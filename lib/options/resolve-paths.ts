import { pathProblem } from '../util/path-problem.js';
import { OPTION_DEFAULTS } from './options.schema.js';
import type { ResolveContext } from './resolve-context.js';

function trimSlashes(value: string): string {
  return value.replace(/^\/+/, '').replace(/\/+$/, '');
}

/** The KV locations, normalised (no leading or trailing `/`). */
export interface ResolvedPaths {
  readonly secretsPath: string;
  readonly secretsMount: string | undefined;
  readonly paths: Readonly<Record<string, string>>;
}

/** Named `paths`: each name letters, digits, `_` and `-`, each value a clean path. */
function resolveNamedPaths({ config, problems, safeInput }: ResolveContext): Record<string, string> {
  const paths: Record<string, string> = {};
  const rawPaths = safeInput['paths'];
  // JSON config can hold an own "__proto__" key, which class-transformer and any assignment drop silently.
  if (typeof rawPaths === 'object' && rawPaths !== null && Object.hasOwn(rawPaths, '__proto__')) {
    problems.push('paths name "__proto__" is reserved: choose another name');
  }
  if (typeof config.paths !== 'object' || config.paths === null) return paths;
  for (const [name, value] of Object.entries(config.paths)) {
    if (!/^[A-Za-z0-9_-]+$/.test(name)) {
      problems.push(`paths name "${name}" must contain only letters, digits, "_" and "-" (it is written before ":" in keys)`);
      continue;
    }
    if (typeof value !== 'string') {
      problems.push(`paths.${name} must be a path string such as "secret/data/shared"`);
      continue;
    }
    const path = trimSlashes(value);
    const problem = pathProblem(path);
    if (problem) problems.push(`paths.${name} "${path}" ${problem}`);
    else paths[name] = path;
  }
  return paths;
}

/**
 * `secretsPath`, `secretsMount` (which `secretsPath` must start with), the named `paths`, and the
 * check of `watch.keys` (relative paths).
 */
export function resolvePaths(context: ResolveContext): ResolvedPaths {
  const { config, problems } = context;
  const secretsPath = trimSlashes(typeof config.secretsPath === 'string' ? config.secretsPath : OPTION_DEFAULTS.secretsPath);
  if (typeof config.secretsPath === 'string' || config.secretsPath === undefined) {
    const problem = pathProblem(secretsPath);
    if (problem) problems.push(`secretsPath "${secretsPath}" ${problem}`);
  }
  let secretsMount: string | undefined;
  if (typeof config.secretsMount === 'string' && config.secretsMount.length > 0) {
    secretsMount = trimSlashes(config.secretsMount);
    const problem = pathProblem(secretsMount);
    if (problem) problems.push(`secretsMount "${secretsMount}" ${problem}`);
    else if (secretsPath !== secretsMount && !secretsPath.startsWith(`${secretsMount}/`)) {
      problems.push(`secretsPath "${secretsPath}" must start with secretsMount "${secretsMount}"`);
    }
  }
  const paths = resolveNamedPaths(context);
  return { secretsPath, secretsMount, paths: Object.freeze(paths) };
}
