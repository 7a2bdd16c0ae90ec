import { inspect } from 'node:util';

/** Values planted in tests so that a leak into a log, an error or an event is easy to find. */
export const MARKER_TOKEN = 'hvs.ATTACKmarker0token0must0never0leak00';
export const MARKER_VALUE = 'ATTACK-MARKER-SECRET-VALUE-91f3';
export const MARKER_CRED = 'ATTACK-MARKER-LOGIN-CRED-55ab';
export const MARK = 'ATTACK2-MARKER-SECRET-7d1e';

/** Everything an app could print about a value. */
export function dump(value: unknown): string {
  const out: string[] = [];
  out.push(inspect(value, { depth: 30, showHidden: true }));
  out.push(inspect(value, { depth: 30, showHidden: true, customInspect: false }));
  try {
    out.push(JSON.stringify(value) ?? '');
  } catch {
    /* circular */
  }
  let e: unknown = value;
  for (let i = 0; i < 10 && e instanceof Error; i += 1) {
    out.push(String(e.stack), e.message, String(e));
    e = (e as { cause?: unknown }).cause;
  }
  return out.join('\n');
}
