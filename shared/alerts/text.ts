/**
 * Making attacker-controlled event text safe to show in an alert: control and
 * bidirectional-override characters removed, length bounded, HTML escaped.
 * Every string that reaches an email or a chat message passes through here.
 */

/** C0/C1 controls except tab/newline/CR (handled per context), bidi overrides and isolates, BOM. */
const CONTROL_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u200E\u200F\u202A-\u202E\u2066-\u2069\uFEFF]/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const LINE_BREAKS = /[\r\n\u2028\u2029\u0085]+/g;
const ELLIPSIS = '…';

/** Escape the five HTML-significant characters; safe in text and in quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Cut to at most `max` code points (never inside a surrogate pair), marking the cut with `…`.
 * `alreadyCut` says the caller dropped a tail before cleaning, so the mark is due even if it now fits.
 */
export function truncate(value: string, max: number, alreadyCut = false): string {
  // Cheap pre-cut so a multi-megabyte string is never split into code points whole.
  const head = value.length > max * 2 + 2 ? value.slice(0, max * 2 + 2) : value;
  const points = Array.from(head);
  if (!alreadyCut && head === value && points.length <= max) return value;
  return points.slice(0, Math.max(0, max - 1)).join('') + ELLIPSIS;
}

/** Bound the work of the cleaning regexes: a huge value costs O(max), not O(length). */
function preCut(value: string, max: number): [string, boolean] {
  const limit = max * 4 + 16;
  return value.length > limit ? [value.slice(0, limit), true] : [value, false];
}

function stripControls(value: string): string {
  return value.replace(LONE_SURROGATE, '\uFFFD').replace(CONTROL_CHARS, '');
}

/** One display line: line breaks and tabs become spaces, controls go, runs of spaces shrink, length bounded. */
export function oneLine(value: string, max: number): string {
  const [head, cut] = preCut(value, max);
  const cleaned = stripControls(head.replace(LINE_BREAKS, ' ').replace(/\t/g, ' '))
    .replace(/ {2,}/g, ' ')
    .trim();
  return truncate(cleaned, max, cut);
}

/** A source line: trailing newline dropped, tabs expanded, indentation kept, length bounded. */
export function codeLine(value: string, max: number): string {
  const [head, cut] = preCut(value, max);
  const cleaned = stripControls(head.replace(/[\r\n]+$/, '').replace(LINE_BREAKS, ' ').replace(/\t/g, '    '));
  return truncate(cleaned, max, cut);
}

/** Event fields are typed loosely: accept strings and finite numbers, ignore anything else. */
export function asText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** Render any JSON-ish value (a local variable) as one bounded line. */
export function displayValue(value: unknown, max: number): string {
  if (typeof value === 'string') return oneLine(value, max);
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    json = undefined;
  }
  return oneLine(json ?? Object.prototype.toString.call(value), max);
}

const SCHEME_SEPARATOR = /([a-z0-9+.-]):\/\//gi;
// Autolinkers only take `www.` at the start of a word, not inside `Module.www.fn`.
const WWW = /(^|[\s(<[{"'])www\./gi;

/**
 * Stop mail and chat clients from turning event text into links: a zero-width
 * space after the scheme's colon and inside `www.` breaks their autolinkers,
 * while a reader still sees the address. A link a stranger put in an event is
 * a phishing lure with Ferret's name on it.
 */
export function defang(value: string): string {
  return value.replace(SCHEME_SEPARATOR, '$1:\u200B//').replace(WWW, '$1www\u200B.');
}
