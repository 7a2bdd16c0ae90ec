/**
 * ACL evaluation like Vault's `vault/acl.go`: rules of all the token's policies are merged per
 * pattern (deny wins), then the most specific matching pattern decides:
 * 1. the pattern whose first wildcard (`+` segment or trailing `*`) comes later wins;
 * 2. a pattern not ending in `*` beats one that does;
 * 3. fewer `+` segments win; 4. the longer pattern wins; 5. the lexically greater one wins.
 * An exact pattern therefore always beats a glob.
 */
import type { Operation } from './logical.js';
import type { Capability, PathRule } from './policy-parser.js';

interface CompiledRule {
  readonly pattern: string;
  readonly capabilities: ReadonlySet<Capability>;
  readonly glob: boolean;
  readonly plusCount: number;
  readonly firstWildcard: number;
  readonly matcher: (path: string) => boolean;
  readonly segments: readonly string[];
}

/** The capability an operation needs. */
export function capabilityFor(operation: Operation): Capability {
  return operation;
}

/** The resolved access-control list of one token. */
export class Acl {
  /** The ACL of a token with the `root` policy: everything is allowed. */
  static readonly ROOT = new Acl([], true);

  private readonly rules: CompiledRule[];

  constructor(
    rules: readonly PathRule[],
    /** True for the root policy. */
    readonly isRoot = false,
  ) {
    const merged = new Map<string, Set<Capability>>();
    for (const rule of rules) {
      const caps = merged.get(rule.pattern) ?? new Set<Capability>();
      for (const cap of rule.capabilities) caps.add(cap);
      merged.set(rule.pattern, caps);
    }
    this.rules = [...merged].map(([pattern, caps]) => compile(pattern, caps.has('deny') ? new Set<Capability>(['deny']) : caps));
  }

  /** The capabilities granted on `path` (`['root']` for root, `['deny']` when nothing matches). */
  capabilities(path: string): string[] {
    if (this.isRoot) return ['root'];
    const rule = this.bestRule(path);
    if (!rule || rule.capabilities.size === 0) return ['deny'];
    return [...rule.capabilities].sort();
  }

  /** Whether `operation` is allowed on the full request `path`. */
  allows(path: string, operation: Operation): boolean {
    if (this.isRoot) return true;
    const rule = this.bestRule(path);
    if (!rule || rule.capabilities.has('deny')) return false;
    return rule.capabilities.has(capabilityFor(operation));
  }

  /** Whether the token holds `sudo` on `path` (root always does). */
  isSudo(path: string): boolean {
    if (this.isRoot) return true;
    const rule = this.bestRule(path);
    return !!rule && !rule.capabilities.has('deny') && rule.capabilities.has('sudo');
  }

  /**
   * Whether the token has any capability on or under a mount (`hasMountAccess` in Vault), used
   * by `sys/internal/ui/mounts/:path`. `mountPath` ends with `/`.
   */
  hasMountAccess(mountPath: string): boolean {
    if (this.isRoot) return true;
    const direct = this.capabilities(mountPath);
    if (!direct.includes('deny')) return true;
    const mountSegments = mountPath.replace(/\/$/, '').split('/');
    return this.rules.some((rule) => {
      if (rule.capabilities.has('deny') || rule.capabilities.size === 0) return false;
      if (rule.plusCount === 0) return rule.pattern.startsWith(mountPath);
      return segmentsCouldMatch(rule, mountSegments);
    });
  }

  private bestRule(path: string): CompiledRule | undefined {
    let best: CompiledRule | undefined;
    for (const rule of this.rules) {
      if (!rule.matcher(path)) continue;
      if (!best || isMoreSpecific(rule, best)) best = rule;
    }
    return best;
  }
}

function compile(pattern: string, capabilities: ReadonlySet<Capability>): CompiledRule {
  const glob = pattern.endsWith('*');
  const segments = pattern.split('/');
  let plusCount = 0;
  let firstPlus = Number.POSITIVE_INFINITY;
  let offset = 0;
  for (const segment of segments) {
    if (segment === '+') {
      plusCount += 1;
      firstPlus = Math.min(firstPlus, offset);
    }
    offset += segment.length + 1;
  }
  const firstWildcard = Math.min(firstPlus, glob ? pattern.length - 1 : Number.POSITIVE_INFINITY);
  let matcher: (path: string) => boolean;
  if (plusCount === 0) {
    const prefix = glob ? pattern.slice(0, -1) : pattern;
    matcher = glob ? (path) => path.startsWith(prefix) : (path) => path === pattern;
  } else {
    const body = segments
      .map((segment, index) => {
        if (segment === '+') return '[^/]*';
        const isLast = index === segments.length - 1;
        if (isLast && glob) return `${escapeRegex(segment.slice(0, -1))}.*`;
        return escapeRegex(segment);
      })
      .join('/');
    const regex = new RegExp(`^${body}$`, 's');
    matcher = (path) => regex.test(path);
  }
  return { pattern, capabilities, glob, plusCount, firstWildcard, matcher, segments };
}

function isMoreSpecific(a: CompiledRule, b: CompiledRule): boolean {
  if (a.firstWildcard !== b.firstWildcard) return a.firstWildcard > b.firstWildcard;
  if (a.glob !== b.glob) return !a.glob;
  if (a.plusCount !== b.plusCount) return a.plusCount < b.plusCount;
  if (a.pattern.length !== b.pattern.length) return a.pattern.length > b.pattern.length;
  return a.pattern > b.pattern;
}

/** Whether a `+` pattern can match some path under a mount whose segments are given. */
function segmentsCouldMatch(rule: CompiledRule, mountSegments: readonly string[]): boolean {
  for (let i = 0; i < mountSegments.length; i += 1) {
    const segment = rule.segments[i];
    const mountSegment = mountSegments[i] ?? '';
    if (segment === undefined) return false;
    if (segment === '+') continue;
    const isLast = i === rule.segments.length - 1;
    if (isLast && rule.glob) return mountSegment.startsWith(segment.slice(0, -1));
    if (segment !== mountSegment) return false;
  }
  return true;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
