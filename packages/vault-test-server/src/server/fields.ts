/**
 * Weak decoding of request fields, like Vault's framework (`mapstructure.WeakDecode`):
 * `"true"` is a bool, `"5"` is an int, `"a,b"` is a string slice, and so on.
 * Conversion failures become 400 `Field validation failed: ...` errors.
 */
import { badRequest } from './errors.js';
import { DurationParseError, parseDurationSeconds } from './go-duration.js';

function fieldError(field: string, raw: unknown, reason: string): Error {
  const shown = typeof raw === 'string' ? raw : JSON.stringify(raw);
  return badRequest(`Field validation failed: error converting input ${shown} for field "${field}": ${reason}`);
}

/** Go `strconv.ParseBool`. Returns undefined for an unparseable string. */
export function parseGoBool(text: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false;
  return undefined;
}

/** Weakly decodes a bool (`""` → false). Absent → `fallback`. */
export function boolField(data: Record<string, unknown>, field: string, fallback: boolean): boolean;
export function boolField(data: Record<string, unknown>, field: string, fallback?: undefined): boolean | undefined;
export function boolField(data: Record<string, unknown>, field: string, fallback?: boolean): boolean | undefined {
  const raw = data[field];
  if (raw === undefined || raw === null) return fallback;
  if (typeof raw === 'boolean') return raw;
  if (typeof raw === 'number') return raw !== 0;
  if (typeof raw === 'string') {
    if (raw === '') return false;
    const parsed = parseGoBool(raw);
    if (parsed !== undefined) return parsed;
  }
  throw fieldError(field, raw, `cannot parse '' as bool: strconv.ParseBool: parsing ${JSON.stringify(String(raw))}: invalid syntax`);
}

/** Weakly decodes an int (truncating floats; `""` → 0). Absent → `fallback`. */
export function intField(data: Record<string, unknown>, field: string, fallback: number): number;
export function intField(data: Record<string, unknown>, field: string, fallback?: undefined): number | undefined;
export function intField(data: Record<string, unknown>, field: string, fallback?: number): number | undefined {
  const raw = data[field];
  if (raw === undefined || raw === null) return fallback;
  const value = toInt(raw);
  if (value === undefined) {
    throw fieldError(field, raw, `cannot parse '' as int: strconv.ParseInt: parsing ${JSON.stringify(String(raw))}: invalid syntax`);
  }
  return value;
}

/** Weak int conversion of one value, undefined when impossible. */
export function toInt(raw: unknown): number | undefined {
  if (typeof raw === 'number') return Number.isFinite(raw) ? Math.trunc(raw) : undefined;
  if (typeof raw === 'boolean') return raw ? 1 : 0;
  if (typeof raw === 'string') {
    const text = raw.trim();
    if (text === '') return 0;
    if (/^[-+]?\d+$/.test(text)) return Number.parseInt(text, 10);
    if (/^[-+]?0x[0-9a-f]+$/i.test(text)) return Number.parseInt(text, 16);
  }
  return undefined;
}

/** Weakly decodes a string. Absent → `fallback`. */
export function stringField(data: Record<string, unknown>, field: string, fallback = ''): string {
  const raw = data[field];
  if (raw === undefined || raw === null) return fallback;
  if (typeof raw === 'string') return raw;
  if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
  throw fieldError(field, raw, `'' expected type 'string', got unconvertible type '${Array.isArray(raw) ? 'slice' : 'map'}'`);
}

/** A string slice from an array or a comma-separated string (items trimmed, empties dropped). */
export function stringSliceField(data: Record<string, unknown>, field: string): string[] {
  const raw = data[field];
  if (raw === undefined || raw === null || raw === '') return [];
  if (Array.isArray(raw)) return raw.map((item: unknown) => String(item).trim()).filter((item) => item !== '');
  if (typeof raw === 'string')
    return raw
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
  return [String(raw)];
}

/** A comma-separated or array list of ints (Vault `TypeCommaIntSlice`). */
export function intSliceField(data: Record<string, unknown>, field: string): number[] {
  const raw = data[field];
  if (raw === undefined || raw === null || raw === '') return [];
  const items: unknown[] = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : [raw];
  return items.map((item) => {
    const value = toInt(typeof item === 'string' ? item.trim() : item);
    if (value === undefined) throw fieldError(field, raw, 'invalid syntax');
    return value;
  });
}

/** A duration in whole **seconds** (int seconds or Go duration string). Absent → `fallback`. */
export function durationField(data: Record<string, unknown>, field: string, fallback: number): number;
export function durationField(data: Record<string, unknown>, field: string, fallback?: undefined): number | undefined;
export function durationField(data: Record<string, unknown>, field: string, fallback?: number): number | undefined {
  const raw = data[field];
  if (raw === undefined || raw === null) return fallback;
  try {
    return parseDurationSeconds(raw);
  } catch (error: unknown) {
    if (error instanceof DurationParseError) throw fieldError(field, raw, error.message);
    throw error;
  }
}

/** Whether a value is a plain JSON object. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A `map[string]string` field (values weakly converted to strings). Absent → undefined. */
export function stringMapField(data: Record<string, unknown>, field: string): Record<string, string> | undefined {
  const raw = data[field];
  if (raw === undefined || raw === null) return undefined;
  if (!isPlainObject(raw)) throw fieldError(field, raw, `'' expected a map, got '${Array.isArray(raw) ? 'slice' : typeof raw}'`);
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    out[key] = value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
  return out;
}
