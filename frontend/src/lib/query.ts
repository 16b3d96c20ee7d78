/**
 * Sentry's issue search syntax (https://docs.sentry.io/concepts/search/):
 * `key:value` and `!key:value` tokens, quoted values, and free text.
 */

export interface SearchToken {
  key: string;
  value: string;
  negated: boolean;
}

export interface ParsedQuery {
  tokens: SearchToken[];
  text: string;
}

const TOKEN = /(!?)([a-zA-Z_][\w.\-]*):("(?:[^"\\]|\\.)*"|\S+)|"((?:[^"\\]|\\.)*)"|(\S+)/g;

export function parseQuery(query: string): ParsedQuery {
  const tokens: SearchToken[] = [];
  const words: string[] = [];
  for (const m of query.matchAll(TOKEN)) {
    if (m[2] !== undefined && m[3] !== undefined) {
      const raw = m[3];
      const value = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
      tokens.push({ key: m[2], value, negated: m[1] === '!' });
    } else if (m[4] !== undefined) {
      words.push(`"${m[4]}"`);
    } else if (m[5] !== undefined) {
      words.push(m[5]);
    }
  }
  return { tokens, text: words.join(' ') };
}

function quote(value: string): string {
  return /[\s"]/.test(value) || value === '' ? `"${value.replace(/(["\\])/g, '\\$1')}"` : value;
}

export function formatQuery({ tokens, text }: ParsedQuery): string {
  const parts = tokens.map((t) => `${t.negated ? '!' : ''}${t.key}:${quote(t.value)}`);
  if (text.trim()) parts.push(text.trim());
  return parts.join(' ');
}

/** The value of the first non-negated `key:` token, if any. */
export function getFilter(query: string, key: string): string | undefined {
  return parseQuery(query).tokens.find((t) => t.key === key && !t.negated)?.value;
}

/** Replaces every `key:` token with one `key:value`, or removes them when value is empty. */
export function setFilter(query: string, key: string, value: string | undefined): string {
  const parsed = parseQuery(query);
  const tokens = parsed.tokens.filter((t) => t.key !== key);
  if (value) tokens.push({ key, value, negated: false });
  return formatQuery({ tokens, text: parsed.text });
}

/** `is:` carries both status (`unresolved`) and other states (`assigned`); status is the one the portal sets. */
export const STATUS_VALUES = ['unresolved', 'resolved', 'ignored'] as const;

export function getStatus(query: string): string | undefined {
  return parseQuery(query).tokens.find((t) => t.key === 'is' && !t.negated && (STATUS_VALUES as readonly string[]).includes(t.value))?.value;
}

export function setStatus(query: string, status: string | undefined): string {
  const parsed = parseQuery(query);
  const tokens = parsed.tokens.filter((t) => !(t.key === 'is' && (STATUS_VALUES as readonly string[]).includes(t.value)));
  if (status) tokens.unshift({ key: 'is', value: status, negated: false });
  return formatQuery({ tokens, text: parsed.text });
}

export const DEFAULT_QUERY = 'is:unresolved';
