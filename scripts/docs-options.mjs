// Rewrites the README's configuration table from lib/options/options.schema.ts (run `npm run docs:options`;
// the script builds first). test/unit/options-schema.spec.ts fails when the README and the schema differ.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as prettier from 'prettier';
import { OPTIONS_SCHEMA } from '../dist/options/options.schema.js';
import { optionTableRows, renderOptionsTable, replaceOptionsTable } from '../dist/options/options-table.js';

const readmePath = join(import.meta.dirname, '..', 'README.md');
const before = readFileSync(readmePath, 'utf8');
const replaced = replaceOptionsTable(before, renderOptionsTable(optionTableRows(OPTIONS_SCHEMA)));
const config = (await prettier.resolveConfig(readmePath)) ?? {};
const after = await prettier.format(replaced, { ...config, filepath: readmePath });
if (after === before) {
  process.stdout.write('README.md: the configuration table is up to date\n');
} else {
  writeFileSync(readmePath, after);
  process.stdout.write(`README.md: configuration table rewritten (${optionTableRows(OPTIONS_SCHEMA).length} rows)\n`);
}
