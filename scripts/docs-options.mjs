// Rewrites the configuration table of docs/configuration.md from lib/options/options.schema.ts (run
// `npm run docs:options`; the script builds first). test/unit/options-schema.spec.ts fails when the page and the
// schema differ.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as prettier from 'prettier';
import { OPTIONS_SCHEMA } from '../dist/options/options.schema.js';
import { optionTableRows, renderOptionsTable, replaceOptionsTable } from '../dist/options/options-table.js';

const pagePath = join(import.meta.dirname, '..', 'docs', 'configuration.md');
const before = readFileSync(pagePath, 'utf8');
const replaced = replaceOptionsTable(before, renderOptionsTable(optionTableRows(OPTIONS_SCHEMA)));
const config = (await prettier.resolveConfig(pagePath)) ?? {};
const after = await prettier.format(replaced, { ...config, filepath: pagePath });
if (after === before) {
  process.stdout.write('docs/configuration.md: the configuration table is up to date\n');
} else {
  writeFileSync(pagePath, after);
  process.stdout.write(`docs/configuration.md: configuration table rewritten (${optionTableRows(OPTIONS_SCHEMA).length} rows)\n`);
}
