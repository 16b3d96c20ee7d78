const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** "just now", "5 min ago", "3 h ago", "2 d ago", or a date past a month. */
export function relativeTime(iso: string | null | undefined, now: number = Date.now()): string {
  if (!iso) return '—';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '—';
  const s = Math.round((now - t) / 1000);
  const future = s < 0;
  const a = Math.abs(s);
  let text: string;
  if (a < 45) return 'just now';
  else if (a < HOUR) text = `${Math.round(a / MINUTE)} min`;
  else if (a < DAY) text = `${Math.round(a / HOUR)} h`;
  else if (a < 30 * DAY) text = `${Math.round(a / DAY)} d`;
  else return new Date(t).toISOString().slice(0, 10);
  return future ? `in ${text}` : `${text} ago`;
}

export function absoluteTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

/** Compact counts: 999, 1.2k, 34k, 1.5M. Sentry sends counts as strings. */
export function compactCount(n: number | string | null | undefined): string {
  const v = typeof n === 'string' ? Number(n) : (n ?? 0);
  if (!Number.isFinite(v)) return String(n ?? '0');
  if (v < 1000) return String(v);
  if (v < 1_000_000) return `${+(v / 1000).toFixed(v < 10_000 ? 1 : 0)}k`;
  return `${+(v / 1_000_000).toFixed(1)}M`;
}

/**
 * C0/C1 controls other than tab, line feed and carriage return, and the Unicode
 * bidirectional formatting characters (UAX #9: ALM, LRM/RLM, LRE…RLO, LRI…PDI).
 * In event text the latter can reorder what the reader sees ("Trojan Source",
 * CVE-2021-42574), the former are invisible or draw as boxes.
 */
const HIDDEN_CHARS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Event text with its hidden characters named: `[U+0007]` for BEL, `[U+202E]`
 * for RLO. Code points rather than U+2400 control pictures, which many
 * monospace fonts lack and would draw as boxes.
 */
export function visibleText(text: string): string {
  return text.replace(HIDDEN_CHARS, (c) => `[U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}]`);
}

/** Text for any JSON value as the SDK sent it; strings are shown as written, hidden characters made visible. */
export function displayValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return '';
  if (typeof value === 'string') return visibleText(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  try {
    return visibleText(JSON.stringify(value, null, 2));
  } catch {
    return visibleText(String(value));
  }
}

/** `HH:MM:SS.mmm` of an ISO time, for breadcrumbs. */
export function clockTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toISOString().slice(11, 23);
}

/** Only http(s) URLs become links; anything else (`javascript:`, `data:`) stays text. */
export function safeHref(url: unknown): string | undefined {
  if (typeof url !== 'string') return undefined;
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : undefined;
  } catch {
    return undefined;
  }
}
