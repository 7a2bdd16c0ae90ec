/**
 * Parser for Vault ACL policies: the HCL subset used in practice plus the JSON form.
 *
 * ```hcl
 * # comment
 * path "secret/data/app/*" {
 *   capabilities = ["read", "list"]
 * }
 * path "secret/+/shared" { policy = "read" }   # legacy form
 * ```
 * Supports `#`, `//` and block comments, string escapes, lists, nested objects (parsed and
 * ignored: `allowed_parameters`...), and JSON (`{"path": {"x": {"capabilities": [...]}}}`).
 */

/** A capability of an ACL rule. */
export type Capability = 'create' | 'read' | 'update' | 'patch' | 'delete' | 'list' | 'sudo' | 'deny' | 'subscribe' | 'recover';

/** One `path "..." { ... }` block. */
export interface PathRule {
  /** The path pattern (leading `/` removed); may end in `*` and contain `+` segments. */
  readonly pattern: string;
  readonly capabilities: readonly Capability[];
}

/** Thrown with a message that Vault would prefix with `failed to parse policy: `. */
export class PolicyParseError extends Error {}

const CAPABILITIES: ReadonlySet<string> = new Set([
  'create',
  'read',
  'update',
  'patch',
  'delete',
  'list',
  'sudo',
  'deny',
  'subscribe',
  'recover',
]);

const LEGACY_POLICIES: Readonly<Record<string, readonly Capability[]>> = {
  deny: ['deny'],
  read: ['read', 'list'],
  write: ['read', 'list', 'create', 'update', 'delete'],
  sudo: ['read', 'list', 'create', 'update', 'delete', 'sudo'],
};

const PATH_BLOCK_KEYS: ReadonlySet<string> = new Set([
  'policy',
  'capabilities',
  'allowed_parameters',
  'denied_parameters',
  'required_parameters',
  'min_wrapping_ttl',
  'max_wrapping_ttl',
  'mfa_methods',
  'control_group',
  'subscribe_event_types',
]);

/** Parses policy text (HCL or JSON) into path rules. */
export function parsePolicy(text: string): PathRule[] {
  const trimmed = text.trim();
  const items = trimmed.startsWith('{') ? jsonItems(trimmed) : new HclParser(text).parseDocument();
  const rules: PathRule[] = [];
  for (const item of items) {
    if (item.key === 'name') continue;
    if (item.key !== 'path') throw new PolicyParseError(`invalid key "${item.key}" on line ${item.line}`);
    const pattern = item.label;
    if (pattern === undefined) throw new PolicyParseError(`path block on line ${item.line} has no path`);
    rules.push(buildRule(pattern, item.body));
  }
  return rules;
}

interface Item {
  key: string;
  label: string | undefined;
  body: HclObject;
  line: number;
}

type HclValue = string | number | boolean | null | HclValue[] | HclObject;
interface HclObject {
  readonly kind: 'object';
  readonly entries: Map<string, HclValue>;
}

function buildRule(rawPattern: string, body: HclObject): PathRule {
  const pattern = rawPattern.replace(/^\/+/, '');
  for (const key of body.entries.keys()) {
    if (!PATH_BLOCK_KEYS.has(key)) throw new PolicyParseError(`path ${JSON.stringify(pattern)}: invalid key "${key}"`);
  }
  const capabilities = new Set<Capability>();
  const legacy = body.entries.get('policy');
  if (legacy !== undefined) {
    const mapped = typeof legacy === 'string' ? LEGACY_POLICIES[legacy] : undefined;
    if (!mapped) throw new PolicyParseError(`path ${JSON.stringify(pattern)}: invalid policy ${JSON.stringify(legacy)}`);
    for (const cap of mapped) capabilities.add(cap);
  }
  const caps = body.entries.get('capabilities');
  if (caps !== undefined) {
    const list = Array.isArray(caps) ? caps : [caps];
    for (const cap of list) {
      if (typeof cap !== 'string' || !CAPABILITIES.has(cap)) {
        throw new PolicyParseError(`path ${JSON.stringify(pattern)}: invalid capability ${JSON.stringify(cap)}`);
      }
      capabilities.add(cap as Capability);
    }
  }
  const ordered = capabilities.has('deny') ? (['deny'] as Capability[]) : [...capabilities];
  return { pattern, capabilities: ordered };
}

function jsonItems(text: string): Item[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error: unknown) {
    throw new PolicyParseError(error instanceof Error ? error.message : 'invalid JSON');
  }
  if (!isRecord(doc)) throw new PolicyParseError('policy must be an object');
  const items: Item[] = [];
  for (const [key, value] of Object.entries(doc)) {
    if (key !== 'path') {
      items.push({ key, label: undefined, body: toObject({}), line: 1 });
      continue;
    }
    if (!isRecord(value)) throw new PolicyParseError('"path" must be an object');
    for (const [pattern, rule] of Object.entries(value)) {
      items.push({ key, label: pattern, body: toObject(isRecord(rule) ? rule : {}), line: 1 });
    }
  }
  return items;
}

function toObject(record: Record<string, unknown>): HclObject {
  const entries = new Map<string, HclValue>();
  for (const [key, value] of Object.entries(record)) entries.set(key, toHclValue(value));
  return { kind: 'object', entries };
}

function toHclValue(value: unknown): HclValue {
  if (Array.isArray(value)) return value.map((item: unknown) => toHclValue(item));
  if (isRecord(value)) return toObject(value);
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  return null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

interface Token {
  readonly type: 'string' | 'ident' | 'number' | 'punct' | 'eof';
  readonly value: string;
  readonly line: number;
}

class HclParser {
  private readonly tokens: Token[];
  private pos = 0;

  constructor(text: string) {
    this.tokens = tokenize(text);
  }

  parseDocument(): Item[] {
    const items: Item[] = [];
    while (this.peek().type !== 'eof') items.push(this.parseItem());
    return items;
  }

  private parseItem(): Item {
    const keyToken = this.next();
    if (keyToken.type !== 'ident' && keyToken.type !== 'string') {
      throw new PolicyParseError(`unexpected ${JSON.stringify(keyToken.value)} on line ${keyToken.line}`);
    }
    const labels: string[] = [];
    while (this.peek().type === 'string') labels.push(this.next().value);
    const open = this.next();
    if (open.type === 'punct' && open.value === '=' && labels.length === 0) {
      const value = this.parseValue();
      const body: HclObject = { kind: 'object', entries: new Map([[keyToken.value, value]]) };
      return { key: keyToken.value, label: undefined, body, line: keyToken.line };
    }
    if (open.type !== 'punct' || open.value !== '{') {
      throw new PolicyParseError(`expected "{" after ${JSON.stringify(keyToken.value)} on line ${open.line}`);
    }
    const body = this.parseObjectBody();
    return { key: keyToken.value, label: labels[0], body, line: keyToken.line };
  }

  /** Parses `key = value` pairs (and nested blocks) up to the closing `}`. */
  private parseObjectBody(): HclObject {
    const entries = new Map<string, HclValue>();
    for (;;) {
      const token = this.next();
      if (token.type === 'punct' && token.value === '}') return { kind: 'object', entries };
      if (token.type === 'punct' && token.value === ',') continue;
      if (token.type === 'eof') throw new PolicyParseError('unexpected end of policy: missing "}"');
      if (token.type !== 'ident' && token.type !== 'string') {
        throw new PolicyParseError(`unexpected ${JSON.stringify(token.value)} on line ${token.line}`);
      }
      const after = this.peek();
      if (after.type === 'punct' && (after.value === '=' || after.value === ':')) {
        this.next();
        entries.set(token.value, this.parseValue());
      } else if (after.type === 'punct' && after.value === '{') {
        this.next();
        entries.set(token.value, this.parseObjectBody());
      } else {
        throw new PolicyParseError(`expected "=" after ${JSON.stringify(token.value)} on line ${after.line}`);
      }
    }
  }

  private parseValue(): HclValue {
    const token = this.next();
    switch (token.type) {
      case 'string':
        return token.value;
      case 'number':
        return Number(token.value);
      case 'ident':
        if (token.value === 'true') return true;
        if (token.value === 'false') return false;
        if (token.value === 'null') return null;
        return token.value;
      case 'punct':
        if (token.value === '[') return this.parseList();
        if (token.value === '{') return this.parseObjectBody();
        break;
      case 'eof':
        break;
    }
    throw new PolicyParseError(`unexpected ${JSON.stringify(token.value)} on line ${token.line}`);
  }

  private parseList(): HclValue[] {
    const list: HclValue[] = [];
    for (;;) {
      const token = this.peek();
      if (token.type === 'punct' && token.value === ']') {
        this.next();
        return list;
      }
      if (token.type === 'punct' && token.value === ',') {
        this.next();
        continue;
      }
      if (token.type === 'eof') throw new PolicyParseError('unexpected end of policy: missing "]"');
      list.push(this.parseValue());
    }
  }

  private peek(): Token {
    return this.tokens[this.pos] ?? { type: 'eof', value: '', line: 0 };
  }

  private next(): Token {
    const token = this.peek();
    if (this.pos < this.tokens.length) this.pos += 1;
    return token;
  }
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  while (i < text.length) {
    const ch = text[i] ?? '';
    if (ch === '\n') {
      line += 1;
      i += 1;
    } else if (/\s/.test(ch)) {
      i += 1;
    } else if (ch === '#' || (ch === '/' && text[i + 1] === '/')) {
      while (i < text.length && text[i] !== '\n') i += 1;
    } else if (ch === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) throw new PolicyParseError(`unterminated comment on line ${line}`);
      line += (text.slice(i, end).match(/\n/g) ?? []).length;
      i = end + 2;
    } else if (ch === '"') {
      const start = line;
      let value = '';
      i += 1;
      for (;;) {
        const c = text[i];
        if (c === undefined || c === '\n') throw new PolicyParseError(`unterminated string on line ${start}`);
        if (c === '"') break;
        if (c === '\\') {
          const escaped = text[i + 1] ?? '';
          value += escaped === 'n' ? '\n' : escaped === 't' ? '\t' : escaped;
          i += 2;
        } else {
          value += c;
          i += 1;
        }
      }
      i += 1;
      tokens.push({ type: 'string', value, line: start });
    } else if ('{}[]=,:'.includes(ch)) {
      tokens.push({ type: 'punct', value: ch, line });
      i += 1;
    } else if (/[0-9-]/.test(ch)) {
      const match = /^-?\d+(\.\d+)?/.exec(text.slice(i));
      if (!match) throw new PolicyParseError(`unexpected ${JSON.stringify(ch)} on line ${line}`);
      tokens.push({ type: 'number', value: match[0], line });
      i += match[0].length;
    } else if (/[A-Za-z_]/.test(ch)) {
      const match = /^[A-Za-z_][A-Za-z0-9_.-]*/.exec(text.slice(i));
      const value = match?.[0] ?? ch;
      tokens.push({ type: 'ident', value, line });
      i += value.length;
    } else {
      throw new PolicyParseError(`unexpected ${JSON.stringify(ch)} on line ${line}`);
    }
  }
  return tokens;
}
