/**
 * Links a user follows. Doc comments ship in the published `.d.ts` files, so what they cite must be
 * reachable by a user: Vault's public API docs (developer.hashicorp.com) or a `/v1/...` endpoint,
 * never the project's internal wire notes (`REFERENCE.md`, which is not published), in both
 * published packages: the library (`lib/`) and the test server (`packages/vault-test-server/src/`).
 * The README and the guides in docs/ link each other: every relative link reaches a file, and an
 * anchor a heading.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { documentationFiles, githubSlug, headingAnchors, markdownLinks } from './markdown.js';
import { libSources, rel, ROOT, serverSources } from './support.js';

/** The sources of both published packages. */
const publishedSources = (): string[] => [...libSources(), ...serverSources()];

/** Every `/** ... *\/` block of a source file, with its line number. */
function docComments(source: string): { line: number; text: string }[] {
  return [...source.matchAll(/\/\*\*[\s\S]*?\*\//g)].map((match) => ({
    line: source.slice(0, match.index).split('\n').length,
    text: match[0],
  }));
}

describe('published doc comments', () => {
  it('cite no file that ships nowhere (REFERENCE.md)', () => {
    const offenders = publishedSources().flatMap((file) =>
      docComments(readFileSync(file, 'utf8'))
        .filter((comment) => /REFERENCE\b/.test(comment.text))
        .map((comment) => `${rel(file)}:${comment.line}`),
    );
    expect(offenders).toEqual([]);
  });

  it('link Vault documentation to its current public site (not the retired vaultproject.io pages)', () => {
    const links = publishedSources().flatMap((file) =>
      [
        ...docComments(readFileSync(file, 'utf8'))
          .map((c) => c.text)
          .join('\n')
          .matchAll(/https?:\/\/[^\s)`'"]*(?:hashicorp|vaultproject)[^\s)`'"]*/gi),
      ].map((m) => m[0]),
    );
    expect(links.length).toBeGreaterThan(20);
    for (const link of links) expect(link).toMatch(/^https:\/\/developer\.hashicorp\.com\/vault\//);
  });
});

/** Problems with the relative links of one Markdown file: `README.md:12: ...`. */
function brokenLinks(file: string, markdown: string, readPage: (file: string) => string | undefined): string[] {
  const problems: string[] = [];
  for (const { target, line } of markdownLinks(markdown)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto: ...
    const [path = '', anchor] = target.split('#', 2) as [string, string | undefined];
    const where = `${rel(file)}:${line}: ${target}`;
    const resolved = path === '' ? file : resolve(dirname(file), decodeURIComponent(path));
    if (path !== '' && !existsSync(resolved)) {
      problems.push(`${where}: no such file`);
      continue;
    }
    if (anchor === undefined) continue;
    const page = readPage(resolved);
    if (page === undefined) problems.push(`${where}: an anchor into a file that is not Markdown`);
    else if (!headingAnchors(page).has(anchor)) problems.push(`${where}: no heading with this anchor in ${rel(resolved)}`);
  }
  return problems;
}

function readMarkdown(file: string): string | undefined {
  return file.endsWith('.md') && existsSync(file) && statSync(file).isFile() ? readFileSync(file, 'utf8') : undefined;
}

describe('documentation links (README.md, CONTRIBUTING.md, docs/)', () => {
  it('name GitHub anchors the way GitHub makes them from headings', () => {
    expect(githubSlug('Injected live secrets: `forFeature` and `@InjectSecret`')).toBe('injected-live-secrets-forfeature-and-injectsecret');
    expect(githubSlug('Rotating resources: `Rotating<T>`')).toBe('rotating-resources-rotatingt');
    expect(githubSlug('NestJS 11, CommonJS and Jest')).toBe('nestjs-11-commonjs-and-jest');
    expect(githubSlug('Timeouts, retries, HA and Vault Agent')).toBe('timeouts-retries-ha-and-vault-agent');
    expect([...headingAnchors('# A\n```md\n# not a heading\n```\n## A\n## b_c')]).toEqual(['a', 'a-1', 'b_c']);
  });

  it('find a missing file, a missing anchor and an anchor into a non-Markdown file (the check can fail)', () => {
    const page = join(ROOT, 'docs', 'made-up.md');
    const markdown = [
      '# Made up',
      '[ok](#made-up) [ok](../README.md) [gone](missing.md) [bad anchor](#nowhere)',
      '[into code](../package.json#name) `[in code](missing-too.md)` [web](https://developer.hashicorp.com/vault)',
    ].join('\n');
    expect(brokenLinks(page, markdown, (file) => (file === page ? markdown : readMarkdown(file)))).toEqual([
      'docs/made-up.md:2: missing.md: no such file',
      'docs/made-up.md:2: #nowhere: no heading with this anchor in docs/made-up.md',
      'docs/made-up.md:3: ../package.json#name: an anchor into a file that is not Markdown',
    ]);
  });

  it('reach an existing file, and an existing heading when they name an anchor', () => {
    const files = documentationFiles();
    expect(files.map(rel)).toEqual(expect.arrayContaining(['README.md', 'CONTRIBUTING.md', 'docs/configuration.md']));
    expect(files.flatMap((file) => brokenLinks(file, readFileSync(file, 'utf8'), readMarkdown))).toEqual([]);
  });

  it('link every page of docs/ from the README', () => {
    const readme = join(ROOT, 'README.md');
    const linked = new Set(markdownLinks(readFileSync(readme, 'utf8')).map(({ target }) => rel(resolve(ROOT, target.split('#')[0] ?? ''))));
    const pages = documentationFiles()
      .map(rel)
      .filter((page) => page.startsWith('docs/'));
    expect(pages.length).toBeGreaterThanOrEqual(5);
    expect(pages.filter((page) => !linked.has(page))).toEqual([]);
  });

  it('link Vault documentation to its current public site', () => {
    const links = documentationFiles().flatMap((file) =>
      markdownLinks(readFileSync(file, 'utf8'))
        .map(({ target }) => target)
        .filter((target) => /hashicorp|vaultproject/i.test(target)),
    );
    expect(links.length).toBeGreaterThan(0);
    for (const link of links) expect(link).toMatch(/^https:\/\/developer\.hashicorp\.com\/vault\b/);
  });
});
