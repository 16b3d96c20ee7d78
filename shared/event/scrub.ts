/**
 * Sentry's default data scrubber (https://docs.sentry.io/security-legal-pii/scrubbing/server-side-scrubbing/):
 * values under sensitive keys, and values that look like credit card numbers,
 * private keys, bearer tokens, US social security numbers or passwords in URLs,
 * become `[Filtered]`; each replacement is noted in `_meta` with its rule.
 */
import type { NormalizedEvent } from '../model.ts';
import { isRecord, MetaRecorder, type Path } from './meta.ts';

export interface ScrubOptions {
  /** Key names scrubbed besides the defaults (matched as substrings, case-insensitive). */
  sensitiveFields?: string[];
  /** Key names never scrubbed (exact, case-insensitive). */
  safeFields?: string[];
  /** Remove IP addresses (`user.ip_address`, `REMOTE_ADDR`, forwarding headers). */
  scrubIp?: boolean;
}

export const FILTERED = '[Filtered]';

/**
 * Sentry's `DEFAULT_SCRUBBED_FIELDS` (src/sentry/constants.py), plus the cookie
 * and session names the SDKs' default deny lists carry.
 */
export const DEFAULT_SENSITIVE_FIELDS: readonly string[] = [
  'password', 'secret', 'passwd', 'api_key', 'apikey', 'auth', 'credentials', 'mysql_pwd',
  'privatekey', 'private_key', 'token', 'bearer', 'cookie', 'sessionid', 'csrf',
];

const CREDIT_CARD = /\b(?:\d[ -]?){12,18}\d\b/g;
const PEM_KEY = /-----BEGIN[A-Z ]*PRIVATE KEY-----[\s\S]+?-----END[A-Z ]*PRIVATE KEY-----/;
const BEARER = /\bbearer\s+[A-Za-z0-9._~+/-]+=*/i;
const US_SSN = /\b\d{3}-\d{2}-\d{4}\b/;
const URL_AUTH = /\b([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]+):([^@/?#\s]+)@/gi;
/** Headers whose whole value is a credential, whatever the configuration. */
const ALWAYS_FILTERED_HEADERS: ReadonlySet<string> = new Set(['authorization', 'cookie', 'set-cookie', 'proxy-authorization']);
const IP_HEADERS: ReadonlySet<string> = new Set(['x-forwarded-for', 'x-real-ip', 'forwarded', 'true-client-ip', 'cf-connecting-ip']);

/**
 * Scrub an event. Pure (the input is not modified) and idempotent.
 */
export function scrubEvent(event: NormalizedEvent, opts: ScrubOptions = {}): NormalizedEvent {
  const out = structuredClone(event);
  const meta = new MetaRecorder(out._meta);
  const scrubber = new Scrubber(opts, meta);

  const stacks: Array<[unknown, Path]> = [];
  out.exception?.values.forEach((exc, i) => {
    stacks.push([exc.stacktrace, ['exception', 'values', i, 'stacktrace']]);
    stacks.push([exc.raw_stacktrace, ['exception', 'values', i, 'raw_stacktrace']]);
  });
  out.threads?.values.forEach((t, i) => {
    stacks.push([t.stacktrace, ['threads', 'values', i, 'stacktrace']]);
    stacks.push([t.raw_stacktrace, ['threads', 'values', i, 'raw_stacktrace']]);
  });
  stacks.push([out['stacktrace'], ['stacktrace']]);
  for (const [st, path] of stacks) {
    if (!isRecord(st) || !Array.isArray(st['frames'])) continue;
    st['frames'].forEach((frame: unknown, i: number) => {
      if (isRecord(frame) && isRecord(frame['vars'])) frame['vars'] = scrubber.value(frame['vars'], [...path, 'frames', i, 'vars']);
    });
  }

  if (isRecord(out.request)) {
    const r = out.request;
    for (const field of ['headers', 'cookies', 'query_string'] as const) {
      if (Array.isArray(r[field])) r[field] = scrubber.pairs(r[field] as unknown[], ['request', field]) as Array<[string, string]>;
      else if (r[field] !== undefined) r[field] = scrubber.value(r[field], ['request', field]) as Record<string, string>;
    }
    if (r.data !== undefined) r.data = scrubber.value(r.data, ['request', 'data']);
    if (r.env !== undefined) r.env = scrubber.value(r.env, ['request', 'env']) as Record<string, unknown>;
    if (typeof r.url === 'string') r.url = scrubber.string(r.url, ['request', 'url']);
    if (opts.scrubIp === true && isRecord(r.env) && r.env['REMOTE_ADDR'] !== undefined) {
      delete r.env['REMOTE_ADDR'];
      meta.remark(['request', 'env', 'REMOTE_ADDR'], ['@ip:replace', 'x']);
    }
  }
  if (out.extra !== undefined) out.extra = scrubber.value(out.extra, ['extra']) as Record<string, unknown>;
  if (out.contexts !== undefined) out.contexts = scrubber.value(out.contexts, ['contexts']) as NormalizedEvent['contexts'];
  out.breadcrumbs?.values.forEach((crumb, i) => {
    if (crumb.data !== undefined) crumb.data = scrubber.value(crumb.data, ['breadcrumbs', 'values', i, 'data']) as Record<string, unknown>;
    if (typeof crumb.message === 'string') crumb.message = scrubber.string(crumb.message, ['breadcrumbs', 'values', i, 'message']);
  });
  if (isRecord(out.user)) {
    for (const [key, value] of Object.entries(out.user)) {
      // The user's identity fields are what the scrubber must leave readable.
      if (key === 'id' || key === 'email' || key === 'username' || key === 'ip_address' || key === 'name') continue;
      out.user[key] = scrubber.entry(key, value, ['user', key]);
    }
    if (opts.scrubIp === true && out.user.ip_address !== undefined) {
      delete out.user.ip_address;
      meta.remark(['user', 'ip_address'], ['@ip:replace', 'x']);
    }
  }
  if (!meta.isEmpty()) out._meta = meta.root;
  return out;
}

class Scrubber {
  private readonly sensitive: string[];
  private readonly safe: ReadonlySet<string>;

  constructor(
    private readonly opts: ScrubOptions,
    private readonly meta: MetaRecorder,
  ) {
    this.sensitive = [...DEFAULT_SENSITIVE_FIELDS, ...(opts.sensitiveFields ?? [])].map((f) => f.toLowerCase()).filter((f) => f !== '');
    this.safe = new Set((opts.safeFields ?? []).map((f) => f.toLowerCase()));
  }

  isSensitiveKey(key: string): boolean {
    const k = key.toLowerCase();
    if (this.safe.has(k)) return false;
    return this.sensitive.some((s) => k.includes(s));
  }

  /** A value under `key`: filtered whole when the key is sensitive, else walked. */
  entry(key: string, value: unknown, path: Path): unknown {
    if (this.safe.has(key.toLowerCase())) return value;
    if (this.isSensitiveKey(key) && value !== null && value !== undefined && value !== '' && value !== FILTERED) {
      this.meta.remark(path, ['@password:filter', 's', 0, FILTERED.length], typeof value === 'string' ? value.length : undefined);
      return FILTERED;
    }
    if (this.opts.scrubIp === true && IP_HEADERS.has(key.toLowerCase()) && value !== FILTERED) {
      this.meta.remark(path, ['@ip:replace', 's', 0, FILTERED.length]);
      return FILTERED;
    }
    return this.value(value, path);
  }

  value(value: unknown, path: Path): unknown {
    if (typeof value === 'string') return this.string(value, path);
    if (Array.isArray(value)) return value.map((v, i) => this.value(v, [...path, i]));
    if (isRecord(value)) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = this.entry(k, v, [...path, k]);
      return out;
    }
    return value;
  }

  /** `[name, value]` pairs (headers, cookies, query): the name decides. */
  pairs(pairs: unknown[], path: Path): unknown[] {
    return pairs.map((pair, i) => {
      if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string') return pair;
      const [name, value] = pair as [string, unknown];
      const lower = name.toLowerCase();
      if (ALWAYS_FILTERED_HEADERS.has(lower) && !this.safe.has(lower) && value !== FILTERED && value !== '') {
        this.meta.remark([...path, i, 1], ['@password:filter', 's', 0, FILTERED.length], typeof value === 'string' ? value.length : undefined);
        return [name, FILTERED];
      }
      return [name, this.entry(name, value, [...path, i, 1])];
    });
  }

  string(value: string, path: Path): string {
    if (value === FILTERED) return value;
    for (const [rule, pattern] of [
      ['@pemkey:filter', PEM_KEY],
      ['@bearer:filter', BEARER],
      ['@usssn:filter', US_SSN],
    ] as const) {
      if (pattern.test(value)) return this.filtered(value, rule, path);
    }
    for (const match of value.matchAll(CREDIT_CARD)) {
      if (luhn(match[0].replace(/[ -]/g, ''))) return this.filtered(value, '@creditcard:filter', path);
    }
    if (URL_AUTH.test(value)) {
      URL_AUTH.lastIndex = 0;
      const replaced = value.replace(URL_AUTH, (_m, head: string, pass: string) => (pass === FILTERED ? _m : `${head}:${FILTERED}@`));
      if (replaced !== value) this.meta.remark(path, ['@urlauth:legacy', 's'], value.length);
      return replaced;
    }
    return value;
  }

  private filtered(value: string, rule: string, path: Path): string {
    this.meta.remark(path, [rule, 's', 0, FILTERED.length], value.length);
    return FILTERED;
  }
}

function luhn(digits: string): boolean {
  if (digits.length < 13 || digits.length > 19) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}
