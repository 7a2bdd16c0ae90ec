import { IsBoolean, IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import type { OptionSpec } from './option-spec.js';

/** `1 | 2 | 'auto'` → `[1, 2, 'auto']`; undefined unless every member is a number or a quoted string literal. */
function literalsOf(type: string): (string | number)[] | undefined {
  const members = type.split(' | ').map((m) => m.trim());
  if (members.length < 2) return undefined;
  const values: (string | number)[] = [];
  for (const member of members) {
    if (/^'[^']*'$/.test(member)) values.push(member.slice(1, -1));
    else if (/^-?\d+$/.test(member)) values.push(Number(member));
    else return undefined;
  }
  return values;
}

/** The class-validator decorators of one option, built from its schema entry (none when the entry declares no check). */
function decoratorsOf(name: string, spec: OptionSpec): PropertyDecorator[] {
  const ms = name.endsWith('Ms');
  if (spec.integer !== undefined) {
    const { min, max, maxText, minHint = '' } = spec.integer;
    const example = typeof spec.default === 'number' ? `, e.g. ${spec.default}` : '';
    return [
      IsInt({ message: `${name} must be a whole number${ms ? ' of milliseconds' : ''}${example}` }),
      ...(max === undefined ? [] : [Max(max, { message: `${name} must be at most ${max}${maxText ? ` (${maxText})` : ''}` })]),
      Min(min, { message: `${name} must be at least ${min}${ms ? ' (milliseconds)' : ''}${minHint}` }),
    ];
  }
  if (spec.type === 'boolean') return [IsBoolean({ message: `${name} must be true or false` })];
  const literals = literalsOf(spec.type);
  if (literals !== undefined) {
    const shown = literals.map((v) => (typeof v === 'string' ? `'${v}'` : String(v)));
    return [IsIn(literals, { message: `${name} must be ${shown.slice(0, -1).join(', ')} or ${shown.at(-1) ?? ''}` })];
  }
  return [];
}

/**
 * Registers on `target` (a validation class such as `VaultConfig` or `CacheOptions`) the
 * class-validator checks that `schema` declares: whole numbers within `integer` bounds, booleans,
 * and unions of literals (`1 | 2 | 'auto'`), each optional. The checks and their messages are
 * generated here from the schema, so an option's type and bounds are written once, in
 * `OPTIONS_SCHEMA`. Options whose checks need more (strings with hints, functions, nested
 * objects) keep their decorators in the class. Module-only options are skipped.
 *
 * @param prefix - the name of the object option the fields belong to, with a dot (`cache.`), for messages.
 * @returns the names of the properties that received checks.
 */
export function applySchemaChecks(target: abstract new () => object, schema: Readonly<Record<string, OptionSpec>>, prefix = ''): string[] {
  const checked: string[] = [];
  for (const [name, spec] of Object.entries(schema)) {
    if (spec.scope === 'module') continue;
    const decorators = decoratorsOf(`${prefix}${name}`, spec);
    if (decorators.length === 0) continue;
    // Registered in the order TypeScript applies stacked decorators (bottom first), so with
    // `stopAtFirstError` a non-number is reported as "whole number" rather than as out of range.
    for (const decorate of [...decorators, IsOptional()]) decorate(target.prototype as object, name);
    checked.push(name);
  }
  return checked;
}
