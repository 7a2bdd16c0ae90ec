/**
 * The folders of lib/ import one way (DESIGN.md "Layout"; the table is `LAYERS` in
 * eslint.config.js, which also generates the lint rule). Scans every relative import and export of
 * lib/**\/*.ts, type-only ones and dynamic `import()` included, and checks: every edge between two
 * folders goes to a lower layer, and there is no folder cycle.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const LIB = join(ROOT, 'lib');
const CONFIG = join(ROOT, 'eslint.config.js');
const { LAYERS } = (await import(CONFIG)) as { LAYERS: string[][] };

/** The top folder of a lib/ file, or `(root)` for lib/index.ts and lib/manager.ts. */
function folderOf(file: string): string {
  const parts = relative(LIB, file).split(sep);
  return parts.length > 1 ? (parts[0] ?? '(root)') : '(root)';
}

/** Every relative specifier of a file: import/export declarations (type-only too), `import x = require()`, `import()`. */
function relativeSpecifiers(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      found.push(node.moduleSpecifier.text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      found.push(node.argument.literal.text);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] !== undefined &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      found.push(node.arguments[0].text);
    } else if (ts.isExternalModuleReference(node) && ts.isStringLiteral(node.expression)) {
      found.push(node.expression.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found.filter((specifier) => specifier.startsWith('.'));
}

/** Folder → folder edges of lib/, each with the files that make it. */
function folderEdges(): Map<string, string[]> {
  const files = readdirSync(LIB, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
  const edges = new Map<string, string[]>();
  for (const file of files) {
    for (const specifier of relativeSpecifiers(file)) {
      const target = resolve(dirname(file), specifier);
      expect(target.startsWith(LIB + sep), `${relative(ROOT, file)} imports ${specifier}, outside lib/`).toBe(true);
      const [from, to] = [folderOf(file), folderOf(target)];
      if (from === to) continue;
      const key = `${from} -> ${to}`;
      edges.set(key, [...(edges.get(key) ?? []), `${relative(ROOT, file)} (${specifier})`]);
    }
  }
  return edges;
}

/** The rank of a folder in LAYERS; the entries (lib/index.ts, lib/manager.ts) rank above every layer. */
function rankOf(folder: string): number {
  if (folder === '(root)') return LAYERS.length;
  return LAYERS.findIndex((layer) => layer.includes(folder));
}

/** Strongly connected components with more than one folder (Tarjan). */
function cycles(edges: Iterable<string>): string[][] {
  const adjacency = new Map<string, string[]>();
  for (const edge of edges) {
    const [from = '', to = ''] = edge.split(' -> ');
    adjacency.set(from, [...(adjacency.get(from) ?? []), to]);
    if (!adjacency.has(to)) adjacency.set(to, []);
  }
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const found: string[][] = [];
  const connect = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    for (const w of adjacency.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (stack.includes(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of adjacency.keys()) if (!index.has(v)) connect(v);
  return found;
}

describe('lib/ folders import one way', () => {
  const edges = folderEdges();

  it('every folder of lib/ has a place in the layer table', () => {
    const folders = readdirSync(LIB, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
    expect(folders.filter((folder) => rankOf(folder) < 0)).toEqual([]);
    // The scan sees the graph (guards against a walker that finds nothing).
    expect(edges.has('core -> transport')).toBe(true);
    expect(edges.has('(root) -> nest')).toBe(true);
  });

  it('every edge goes to a lower layer (type-only imports included)', () => {
    const upward = [...edges]
      .filter(([edge]) => {
        const [from = '', to = ''] = edge.split(' -> ');
        return rankOf(to) >= rankOf(from);
      })
      .map(([edge, by]) => `${edge}: ${by.join(', ')}`);
    expect(upward).toEqual([]);
  });

  it('has no folder cycle', () => {
    expect(cycles(edges.keys())).toEqual([]);
  });

  it('the cycle finder finds one when there is one (the check can fail)', () => {
    expect(cycles(['a -> b', 'b -> c', 'c -> a', 'c -> d'])).toEqual([['a', 'b', 'c']]);
  });
});
