/**
 * Timestamps as SDKs send them: epoch seconds (float), epoch milliseconds,
 * RFC 3339 with a zone, or naive date-times (read as UTC), also as strings.
 */

/** Epoch seconds beyond this are read as milliseconds (1e11 s is the year 5138). */
const MILLISECONDS_THRESHOLD = 1e11;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const NUMERIC = /^[+-]?\d+(?:\.\d+)?(?:e[+-]?\d+)?$/i;

/** Epoch seconds, or undefined when `value` is not a timestamp. */
export function parseTimestamp(value: unknown): number | undefined {
  if (typeof value === 'number') return fromNumber(value);
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (NUMERIC.test(text)) return fromNumber(Number(text));
  const m = DATE_TIME.exec(text);
  if (m === null) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac, zone] = m;
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return undefined;
  let seconds = Date.UTC(Number(y), month - 1, day, hour, minute, second) / 1000;
  if (frac !== undefined) seconds += Number(frac);
  if (zone !== undefined && zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offset = Number(digits.slice(0, 2)) * 3600 + Number(digits.slice(2, 4) || '0') * 60;
    seconds -= sign * offset;
  }
  return Number.isFinite(seconds) ? round(seconds) : undefined;
}

function fromNumber(n: number): number | undefined {
  if (!Number.isFinite(n) || n < 0) return undefined;
  return round(n > MILLISECONDS_THRESHOLD ? n / 1000 : n);
}

/** Microsecond precision, as Sentry stores; keeps re-parsing a fixed point. */
function round(seconds: number): number {
  return Math.round(seconds * 1e6) / 1e6;
}

/** RFC 3339 (UTC, milliseconds) for epoch seconds. */
export function formatTimestamp(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}
