import type { OptionDefault, OptionSpec } from './option-spec.js';

/** The comments of docs/configuration.md between which the configuration table is generated (`npm run docs:options`). */
export const OPTIONS_TABLE_MARKERS = {
  begin: '<!-- options-table:begin (generated from lib/options/options.schema.ts by `npm run docs:options`; do not edit) -->',
  end: '<!-- options-table:end -->',
} as const;

/** The header cells of the configuration table. */
export const OPTIONS_TABLE_HEADER: readonly string[] = ['Option', 'Type', 'Default', 'Meaning'];

function escapePipes(text: string): string {
  return text.replace(/\|/g, '\\|');
}

function formatDefault(value: OptionDefault): string {
  if (Array.isArray(value)) return `\`[${value.map((v) => `'${v}'`).join(', ')}]\``;
  return typeof value === 'string' ? `\`'${value}'\`` : `\`${String(value)}\``;
}

/**
 * The table's rows, one per option and one per field of an object option (`cache.ttlMs`), in schema
 * order; each row is `[option, type, default, meaning]` as Markdown cells (pipes escaped). A field of
 * `auth` that only some methods accept starts its meaning with those methods (`` `approle`: ``).
 */
export function optionTableRows(schema: Readonly<Record<string, OptionSpec>>, prefix = ''): string[][] {
  const allMethods = new Set(Object.values(schema).flatMap((spec) => spec.methods ?? []));
  return Object.entries(schema).flatMap(([name, spec]) => {
    const defaultCell = spec.defaultText ?? (spec.default === undefined ? '–' : formatDefault(spec.default));
    const methods = spec.methods && spec.methods.length < allMethods.size ? `${spec.methods.map((m) => `\`${m}\``).join(', ')}: ` : '';
    const row = [`\`${prefix}${name}\``, `\`${spec.type}\``, defaultCell, `${methods}${spec.doc}`].map(escapePipes);
    return [row, ...(spec.fields ? optionTableRows(spec.fields, `${prefix}${name}.`) : [])];
  });
}

/** The Markdown table (header, separator, rows), unaligned: Prettier aligns it in docs/configuration.md. */
export function renderOptionsTable(rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(OPTIONS_TABLE_HEADER), line(OPTIONS_TABLE_HEADER.map(() => '---')), ...rows.map(line)].join('\n');
}

/**
 * Reads the table between the markers back into rows of trimmed cells (header and separator dropped).
 * @throws Error when the markers are missing.
 */
export function parseOptionsTable(readme: string): string[][] {
  const begin = readme.indexOf(OPTIONS_TABLE_MARKERS.begin);
  const end = readme.indexOf(OPTIONS_TABLE_MARKERS.end);
  if (begin < 0 || end < begin)
    throw new Error(`docs/configuration.md has no "${OPTIONS_TABLE_MARKERS.begin}" ... "${OPTIONS_TABLE_MARKERS.end}" block`);
  return readme
    .slice(begin + OPTIONS_TABLE_MARKERS.begin.length, end)
    .split('\n')
    .filter((line) => line.trim().startsWith('|'))
    .map((line) =>
      line
        .trim()
        .replace(/^\||\|$/g, '')
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim()),
    )
    .slice(2);
}

/**
 * Replaces the block between the markers with `table`.
 * @throws Error when the markers are missing.
 */
export function replaceOptionsTable(readme: string, table: string): string {
  const begin = readme.indexOf(OPTIONS_TABLE_MARKERS.begin);
  const end = readme.indexOf(OPTIONS_TABLE_MARKERS.end);
  if (begin < 0 || end < begin)
    throw new Error(`docs/configuration.md has no "${OPTIONS_TABLE_MARKERS.begin}" ... "${OPTIONS_TABLE_MARKERS.end}" block`);
  return `${readme.slice(0, begin + OPTIONS_TABLE_MARKERS.begin.length)}\n\n${table}\n\n${readme.slice(end)}`;
}
