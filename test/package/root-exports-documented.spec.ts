/**
 * The root entry exports exactly what the documentation documents: every name in the committed
 * API report of `nestjs-vault-secrets` (etc/nestjs-vault-secrets.api.md, which `npm run api:check`
 * keeps equal to the built entry) appears as a word in README.md or a docs/ page. A new export
 * needs its line in the docs, or it is internal and stays out of lib/index.ts and lib/manager.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './support.js';
import { documentationFiles } from './markdown.js';

/** The names the root entry exports, read from its API report. */
function rootExports(): string[] {
  const report = readFileSync(join(ROOT, 'etc', 'nestjs-vault-secrets.api.md'), 'utf8');
  const names = [...report.matchAll(/^export (?:declare )?(?:abstract )?(?:class|interface|type|const|function|enum|namespace) (\w+)/gm)];
  return [...new Set(names.map((match) => match[1]!))].sort();
}

describe('root entry exports', () => {
  it('every export of nestjs-vault-secrets is documented in README.md or docs/*.md', () => {
    const docs = documentationFiles()
      .filter((file) => !file.endsWith('CONTRIBUTING.md'))
      .map((file) => readFileSync(file, 'utf8'))
      .join('\n');
    const exports = rootExports();
    expect(exports.length).toBeGreaterThan(50);
    const undocumented = exports.filter((name) => !new RegExp(`(?<![\\w$])${name}(?![\\w$])`).test(docs));
    expect(undocumented).toEqual([]);
  });
});
