/**
 * Characters an HTTP field value may not hold (RFC 9110 §5.5: a value is HTAB, SP, visible ASCII
 * and obs-text, U+0080 to U+00FF); undici refuses to send a header holding any other.
 */
const NOT_FIELD_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

/** Whether `value` can be sent as an HTTP header value as it is (no control character, CR, LF or NUL, nothing above U+00FF). */
export function isHeaderValue(value: string): boolean {
  return !NOT_FIELD_VALUE.test(value);
}
