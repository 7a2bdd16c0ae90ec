/**
 * Reading the project's Markdown (README.md, CONTRIBUTING.md, docs/**): fenced code blocks with
 * their line numbers and hidden context, links outside code, and the anchors GitHub gives headings.
 * Shared by `doc-snippets.spec.ts` (every TypeScript block type-checks) and `doc-links.spec.ts`
 * (every relative link resolves).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './support.js';

/** The user-facing Markdown files, absolute paths: README.md, CONTRIBUTING.md and every `docs/**\/*.md`. */
export function documentationFiles(): string[] {
  const docs = join(ROOT, 'docs');
  const pages = existsSync(docs)
    ? readdirSync(docs, { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile() && entry.name.endsWith('.md'))
        .map((entry) => join(entry.parentPath, entry.name))
    : [];
  return [join(ROOT, 'README.md'), join(ROOT, 'CONTRIBUTING.md'), ...pages.sort()].filter((file) => existsSync(file));
}

/** One fenced code block. */
export interface CodeBlock {
  /** The info string's first word (`ts`, `bash`, `''` when none). */
  lang: string;
  /** The block's text, without the fences. */
  code: string;
  /** 1-based line, in the Markdown file, of the block's first code line. */
  line: number;
  /**
   * Code the reader does not see but the type check puts before the block: the body of an HTML
   * comment `<!-- snippet-context ... -->` right above the fence (blank lines allowed in between),
   * e.g. `declare const secrets: SecretsService;` for a fragment that uses an injected service.
   */
  context: string;
}

const FENCE = /^( {0,3})(`{3,}|~{3,})\s*([^\s`]*)/;

/** Whether `line` closes a block opened with `fence` (the same character, at least as many, nothing after). */
function closes(line: string, fence: string): boolean {
  const trimmed = line.trim();
  return trimmed.length >= fence.length && /^ {0,3}(`+|~+)\s*$/.test(line) && trimmed[0] === fence[0];
}
const CONTEXT_COMMENT = /<!--\s*snippet-context\b((?:(?!-->)[\s\S])*)-->\s*$/;

/** Every fenced code block of a Markdown text, in order. */
export function codeBlocks(markdown: string): CodeBlock[] {
  const lines = markdown.split('\n');
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]!);
    if (!open) continue;
    const fence = open[2]!;
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !closes(lines[j]!, fence)) {
      body.push(lines[j]!);
      j++;
    }
    const before = lines.slice(0, i).join('\n').trimEnd();
    const context = CONTEXT_COMMENT.exec(before)?.[1]?.trim() ?? '';
    blocks.push({ lang: open[3]!.toLowerCase(), code: body.join('\n'), line: i + 2, context });
    i = j;
  }
  return blocks;
}

/** The Markdown with fenced blocks and inline code spans blanked out (line count kept), so links in code are not read. */
export function withoutCode(markdown: string): string {
  const lines = markdown.split('\n');
  let inFence: string | undefined;
  return lines
    .map((line) => {
      const open = FENCE.exec(line);
      if (inFence === undefined && open) {
        inFence = open[2]!;
        return '';
      }
      if (inFence !== undefined) {
        if (closes(line, inFence)) inFence = undefined;
        return '';
      }
      return line.replace(/(`+)[\s\S]*?\1/g, (span) => ' '.repeat(span.length));
    })
    .join('\n');
}

/** One inline link or image `[text](target)`, or a reference definition `[label]: target`. */
export interface MarkdownLink {
  target: string;
  line: number;
}

/** Every link target of a Markdown text outside code (inline links, images, reference definitions). */
export function markdownLinks(markdown: string): MarkdownLink[] {
  const text = withoutCode(markdown);
  const links: MarkdownLink[] = [];
  const lineOf = (index: number): number => text.slice(0, index).split('\n').length;
  for (const match of text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
    links.push({ target: match[1]!, line: lineOf(match.index) });
  }
  for (const match of text.matchAll(/^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/gm)) {
    links.push({ target: match[1]!, line: lineOf(match.index) });
  }
  return links;
}

/**
 * The anchors GitHub generates for the headings of a Markdown text (ATX `#` headings outside code):
 * the heading's text without Markdown (code spans keep their text, links their label), lower-cased,
 * punctuation other than `-` and `_` dropped, spaces turned into `-`; a repeated anchor gets `-1`,
 * `-2`... Explicit `<a id="...">` / `name="..."` anchors count too.
 */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  const lines = markdown.split('\n');
  let inFence: string | undefined;
  for (const line of lines) {
    const open = FENCE.exec(line);
    if (inFence === undefined && open) {
      inFence = open[2]!;
      continue;
    }
    if (inFence !== undefined) {
      if (closes(line, inFence)) inFence = undefined;
      continue;
    }
    for (const explicit of line.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(explicit[1]!);
    const heading = /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const slug = githubSlug(heading[1]!);
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

/** GitHub's anchor for a heading's Markdown text. */
export function githubSlug(heading: string): string {
  // Code spans keep their text as written (`Rotating<T>`); outside them, links and images keep their label,
  // inline HTML goes and emphasis markers go (`_` stays: GitHub keeps it in anchors).
  const text = heading
    .split(/(`+[^`]*`+)/)
    .map((part, i) =>
      i % 2 === 1
        ? part.replace(/^`+|`+$/g, '')
        : part
            .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
            .replace(/<[^>]+>/g, '')
            .replace(/[*~]{1,3}(\S[^*~]*?)[*~]{1,3}/g, '$1'),
    )
    .join('');
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\p{M}\s_-]/gu, '')
    .replace(/\s/g, '-');
}
