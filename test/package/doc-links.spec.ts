/**
 * Doc comments ship in the published `.d.ts` files, so what they cite must be reachable by a user:
 * Vault's public API docs (developer.hashicorp.com) or a `/v1/...` endpoint, never the project's
 * internal wire notes (`REFERENCE.md`, which is not published). Both published packages: the
 * library (`lib/`) and the test server (`packages/vault-test-server/src/`).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { libSources, rel, serverSources } from './support.js';

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
