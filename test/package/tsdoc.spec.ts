/**
 * Every symbol the package exports (from `lib/index.ts`, `lib/testing/index.ts` and the source of
 * any other `exports` entry, following `export * from` re-exports), and every symbol the test server
 * package exports (`packages/vault-test-server/src/index.ts`), has a `/** ... *\/` doc comment
 * with text on its declaration, so editors show something on hover. Uses the TypeScript compiler
 * API on `tsconfig.build.json`.
 */
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { readPackageJson, rel, ROOT, sourceOfDistFile } from './support.js';

/** `lib/index.ts`, `lib/testing/index.ts`, the source of every other code entry of `exports`, and the test server's entry. */
const ENTRY_POINTS = [
  ...new Set([
    'lib/index.ts',
    'lib/testing/index.ts',
    'packages/vault-test-server/src/index.ts',
    ...Object.values(readPackageJson().exports ?? {}).flatMap((target) => {
      const source = typeof target === 'object' ? sourceOfDistFile(target.import.default.replace(/^\.\//, '')) : undefined;
      return source ? [source] : [];
    }),
  ]),
];

function createProgram(): ts.Program {
  const configPath = join(ROOT, 'tsconfig.build.json');
  const parsed = ts.getParsedCommandLineOfConfigFile(
    configPath,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
      },
    },
  );
  if (!parsed) throw new Error(`cannot read ${configPath}`);
  return ts.createProgram(
    ENTRY_POINTS.map((entry) => join(ROOT, entry)),
    { ...parsed.options, noEmit: true },
  );
}

/** The text of a `/** ... *\/` comment right before `node` (ignoring `@tags`), or ''. */
function leadingDocText(node: ts.Node): string {
  const source = node.getSourceFile();
  const ranges = ts.getLeadingCommentRanges(source.text, node.getFullStart()) ?? [];
  const docs = ranges.map((range) => source.text.slice(range.pos, range.end)).filter((text) => text.startsWith('/**'));
  return docs
    .map((text) =>
      text
        .replace(/^\/\*\*|\*\/$/g, '')
        .split('\n')
        .map((line) => line.replace(/^\s*\*?\s?/, ''))
        .filter((line) => !line.startsWith('@'))
        .join(' ')
        .trim(),
    )
    .join(' ')
    .trim();
}

/**
 * Whether a declaration has documentation text. TypeScript attaches no JSDoc to the names of a
 * destructuring export (`export const { A: X, B: Y } = ...`), so for those a doc comment on the
 * binding itself or on the whole `export const` statement counts.
 */
function hasDocText(symbol: ts.Symbol, checker: ts.TypeChecker): boolean {
  if (ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim() !== '') return true;
  return (symbol.declarations ?? []).some((declaration) => {
    if (!ts.isBindingElement(declaration)) return false;
    if (leadingDocText(declaration) !== '') return true;
    let node: ts.Node = declaration;
    while (!ts.isVariableStatement(node) && node.parent) node = node.parent;
    return ts.isVariableStatement(node) && leadingDocText(node) !== '';
  });
}

function where(symbol: ts.Symbol): string {
  const declaration = symbol.declarations?.[0];
  if (!declaration) return '(no declaration)';
  const source = declaration.getSourceFile();
  return `${rel(source.fileName)}:${source.getLineAndCharacterOfPosition(declaration.getStart(source)).line + 1}`;
}

describe('TSDoc on the public API', () => {
  const program = createProgram();
  const checker = program.getTypeChecker();

  it.each(ENTRY_POINTS)(
    'every export of %s has a doc comment',
    (entry) => {
      const source = program.getSourceFile(join(ROOT, entry));
      expect(source, `${entry} is not in the program`).toBeDefined();
      const moduleSymbol = checker.getSymbolAtLocation(source!);
      expect(moduleSymbol, `${entry} is not a module`).toBeDefined();
      const exports = checker.getExportsOfModule(moduleSymbol!);
      expect(exports.length, `${entry} exports nothing`).toBeGreaterThan(0);

      const undocumented = exports
        .map((exported) => ({
          name: exported.name,
          symbol: exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported,
        }))
        .filter(({ symbol }) => !hasDocText(symbol, checker))
        .map(({ name, symbol }) => `${name} (${where(symbol)})`)
        .sort();
      expect(
        undocumented,
        `${undocumented.length} of ${exports.length} exports of ${entry} have no /** ... */ comment ` +
          `(say what it is: shape, units, errors thrown, Vault endpoint):\n  ${undocumented.join('\n  ')}`,
      ).toEqual([]);
    },
    60_000,
  );
});
