/**
 * Timestamp formatting like Go's `time.RFC3339Nano` in UTC: nanosecond fraction with trailing
 * zeros removed (`2024-05-01T12:00:05.12345Z`, or no fraction at all on a whole second).
 */

/** Texts of recently formatted instants (the same stored times are formatted on every read). */
const formatted = new Map<bigint, string>();
const MAX_FORMATTED = 4096;

/** Formats nanoseconds since the Unix epoch as RFC 3339 with nanoseconds (UTC, `Z`). */
export function formatRfc3339Nano(epochNanos: bigint): string {
  let text = formatted.get(epochNanos);
  if (text === undefined) {
    text = format(epochNanos);
    if (formatted.size >= MAX_FORMATTED) formatted.clear();
    formatted.set(epochNanos, text);
  }
  return text;
}

function format(epochNanos: bigint): string {
  const wholeSeconds = epochNanos / 1_000_000_000n;
  let fraction = epochNanos % 1_000_000_000n;
  let seconds = wholeSeconds;
  if (fraction < 0n) {
    fraction += 1_000_000_000n;
    seconds -= 1n;
  }
  const base = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  const digits = fraction.toString().padStart(9, '0').replace(/0+$/, '');
  return `${base}${digits === '' ? '' : `.${digits}`}Z`;
}

/** Formats milliseconds since the epoch as RFC 3339 (nanosecond style, UTC). */
export function formatRfc3339FromMillis(epochMillis: number): string {
  return formatRfc3339Nano(BigInt(Math.trunc(epochMillis)) * 1_000_000n);
}
