/**
 * Go-style durations, as Vault prints and parses them. All values are whole **seconds**.
 */

/** Go's `time.Duration.String()` for whole seconds: `0s`, `45s`, `1m30s`, `1h0m0s`, `768h0m0s`. */
export function formatGoDuration(totalSeconds: number): string {
  const seconds = Math.trunc(totalSeconds);
  if (seconds === 0) return '0s';
  const sign = seconds < 0 ? '-' : '';
  let rest = Math.abs(seconds);
  const hours = Math.floor(rest / 3600);
  rest -= hours * 3600;
  const minutes = Math.floor(rest / 60);
  const secs = rest - minutes * 60;
  if (hours > 0) return `${sign}${hours}h${minutes}m${secs}s`;
  if (minutes > 0) return `${sign}${minutes}m${secs}s`;
  return `${sign}${secs}s`;
}

/**
 * Vault's `humanDuration` (sdk/framework/lease.go): Go's string with zero trailing units dropped,
 * e.g. `768h`, `1h`, `1h30m`, `767h59m50s`, `2s`. Used in TTL-capping warnings.
 */
export function humanDuration(totalSeconds: number): string {
  let text = formatGoDuration(totalSeconds);
  if (text === '0s') return text;
  if (text.endsWith('m0s')) text = text.slice(0, -2);
  if (text.endsWith('h0m')) text = text.slice(0, -2);
  return text;
}

/** Thrown by {@link parseDurationSeconds} with Go's error text. */
export class DurationParseError extends Error {}

const UNIT_NANOS: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  μs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Go's `time.ParseDuration`, result in **seconds** (may be fractional). */
export function parseGoDuration(text: string): number {
  const original = text;
  let rest = text;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    if (rest.startsWith('-')) sign = -1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') throw new DurationParseError(`time: invalid duration ${JSON.stringify(original)}`);
  let nanos = 0;
  const part = /^(\d+\.?\d*|\.\d+)([^\d.]+)/;
  while (rest.length > 0) {
    const match = part.exec(rest);
    if (!match) throw new DurationParseError(`time: invalid duration ${JSON.stringify(original)}`);
    const amount = match[1] ?? '';
    const unit = match[2] ?? '';
    const factor = UNIT_NANOS[unit];
    if (factor === undefined) {
      if (/^\d/.test(unit) || unit === '') {
        throw new DurationParseError(`time: missing unit in duration ${JSON.stringify(original)}`);
      }
      throw new DurationParseError(`time: unknown unit ${JSON.stringify(unit)} in duration ${JSON.stringify(original)}`);
    }
    nanos += Number(amount) * factor;
    rest = rest.slice(match[0].length);
  }
  return (sign * nanos) / 1e9;
}

/**
 * Vault's `parseutil.ParseDurationSecond` followed by the framework's `TypeDurationSecond`
 * conversion: accepts integer seconds (number or numeric string), `"<n>d"` days, or a Go
 * duration string (`"1h30m"`). Returns whole **seconds** (truncated). Empty/absent → 0.
 */
export function parseDurationSeconds(input: unknown): number {
  if (input === null || input === undefined) return 0;
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) throw new DurationParseError('could not parse duration from input');
    return Math.trunc(input);
  }
  if (typeof input !== 'string') throw new DurationParseError('could not parse duration from input');
  const text = input.trim();
  if (text === '') return 0;
  if (/^[-+]?\d+$/.test(text)) return Number.parseInt(text, 10);
  if (text.endsWith('d')) {
    const days = text.slice(0, -1);
    if (!/^[-+]?\d+$/.test(days)) {
      throw new DurationParseError(`strconv.ParseInt: parsing ${JSON.stringify(days)}: invalid syntax`);
    }
    return Number.parseInt(days, 10) * 86400;
  }
  return Math.trunc(parseGoDuration(text));
}
