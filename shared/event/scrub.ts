/**
 * Sentry's default data scrubber (https://docs.sentry.io/security-legal-pii/scrubbing/server-side-scrubbing/):
 * values under sensitive keys, and values that look like credit card numbers,
 * private keys, bearer tokens, US social security numbers or passwords in URLs,
 * become `[Filtered]`; each replacement is noted in `_meta` with its rule.
 */
import type { NormalizedEvent } from '../model.ts';
import { isRecord, MetaRecorder, type Path, type PathSegment } from './meta.ts';

export interface ScrubOptions {
  /** Key names scrubbed besides the defaults (matched as substrings, case-insensitive). */
  sensitiveFields?: string[];
  /** Key names never scrubbed (exact, case-insensitive). */
  safeFields?: string[];
  /** Remove IP addresses (`user.ip_address`, `REMOTE_ADDR`, forwarding headers). */
  scrubIp?: boolean;
  /**
   * The caller hands the event over (it is not read again): it is scrubbed in
   * place. Copying a 5 KB event costs more than scrubbing it.
   */
  inPlace?: boolean;
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
/**
 * `password=…` and the like inside a string (query strings, DSNs, log lines): the value after `=`.
 * Values that look like placeholders (`%s`, `{0}`, `<value>`) are a template's, not a secret.
 */
const SECRET_ASSIGNMENT = /\b([a-z_-]*(?:password|passwd|pwd|secret|api[_-]?key|token))=([^\s&;,'"%{<][^\s&;,'"]*)/gi;
/** The same patterns as {@link STRING_RULES}, global, for replacing only what matched inside a message. */
const PEM_KEY_ALL = new RegExp(PEM_KEY.source, 'g');
const BEARER_ALL = /\b(bearer)\s+[A-Za-z0-9._~+/-]+=*/gi;
const US_SSN_ALL = /\b\d{3}-\d{2}-\d{4}\b/g;
/** Headers whose whole value is a credential, whatever the configuration. */
const ALWAYS_FILTERED_HEADERS: ReadonlySet<string> = new Set(['authorization', 'cookie', 'set-cookie', 'proxy-authorization']);
const IP_HEADERS: ReadonlySet<string> = new Set(['x-forwarded-for', 'x-real-ip', 'forwarded', 'true-client-ip', 'cf-connecting-ip']);

/**
 * Top-level event fields scrubbed field by field in {@link scrubEvent}, or holding no user data
 * (ids, times, levels, names of the release, hashes Ferret computes, `_meta`, debug images as
 * Relay leaves them).
 */
const SCRUBBED_OR_SAFE_FIELDS: ReadonlySet<string> = new Set([
  'event_id', 'timestamp', 'start_timestamp', 'received', 'level', 'platform', 'logger', 'server_name', 'release', 'dist',
  'environment', 'message', 'logentry', 'exception', 'threads', 'stacktrace', 'breadcrumbs', 'tags', 'contexts', 'user',
  'request', 'extra', 'modules', 'fingerprint', '_meta', 'transaction', 'type', 'debug_meta', 'fingerprint_hash', 'grouping',
  'culprit', 'title', 'location', 'version', 'errors', 'key_id', 'project', 'received_at',
]);

/** A path built only when a remark needs it: walking a bag allocates no arrays. */
type Loc = Path | { readonly up: Loc; readonly key: PathSegment };
const at = (up: Loc, key: PathSegment): Loc => ({ up, key });
function toPath(loc: Loc): Path {
  const keys: PathSegment[] = [];
  let l = loc;
  while (!Array.isArray(l)) {
    const node = l as { readonly up: Loc; readonly key: PathSegment };
    keys.push(node.key);
    l = node.up;
  }
  return [...(l as Path), ...keys.reverse()];
}

/**
 * Scrub an event. Pure (the input is not modified, unless `opts.inPlace`) and idempotent.
 */
export function scrubEvent(event: NormalizedEvent, opts: ScrubOptions = {}): NormalizedEvent {
  const out = opts.inPlace === true ? event : structuredClone(event);
  // `out` is handed over or our copy: its `_meta` is annotated where it is, not copied again.
  const meta = new MetaRecorder(out._meta, { owned: true });
  const scrubber = new Scrubber(keyRules(opts), opts, meta);

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
      if (!isRecord(frame)) return;
      if (isRecord(frame['vars'])) frame['vars'] = scrubber.value(frame['vars'], [...path, 'frames', i, 'vars']);
      // Source lines are code a person reads: only a token, card number or key inside is replaced.
      if (typeof frame['context_line'] === 'string') frame['context_line'] = scrubber.text(frame['context_line'], [...path, 'frames', i, 'context_line']);
      for (const k of ['pre_context', 'post_context'] as const) {
        const lines = frame[k];
        if (Array.isArray(lines)) frame[k] = lines.map((l: unknown, j: number) => (typeof l === 'string' ? scrubber.text(l, [...path, 'frames', i, k, j]) : l));
      }
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
  // Messages and exception values are what a person reads first: only the secret inside is replaced,
  // so the title stays readable (Relay's pattern rules replace the match, not the field).
  out.exception?.values.forEach((exc, i) => {
    if (typeof exc.value === 'string') exc.value = scrubber.text(exc.value, ['exception', 'values', i, 'value']);
    if (isRecord(exc.mechanism?.['data'])) exc.mechanism!['data'] = scrubber.value(exc.mechanism!['data'], ['exception', 'values', i, 'mechanism', 'data']);
  });
  out.threads?.values.forEach((t, i) => {
    if (typeof t.name === 'string') t.name = scrubber.text(t.name, ['threads', 'values', i, 'name']);
  });
  // Everything else an SDK may send (sdk settings, spans, fields this version does not know) gets the
  // default rules too, as Relay applies them to the whole event; the fields below are handled above
  // or hold no user data.
  for (const key of Object.keys(out)) {
    if (SCRUBBED_OR_SAFE_FIELDS.has(key)) continue;
    const value = out[key];
    if (value !== null && typeof value === 'object') out[key] = scrubber.value(value, [key]);
    else if (typeof value === 'string') out[key] = scrubber.text(value, [key]);
  }
  if (typeof out.message === 'string') out.message = scrubber.text(out.message, ['message']);
  // A transaction named after a raw URL carries its query string (`/reset?token=…`), as its tag does.
  if (typeof out.transaction === 'string') out.transaction = scrubber.text(out.transaction, ['transaction']);
  if (isRecord(out.logentry)) {
    const le = out.logentry;
    if (typeof le.message === 'string') le.message = scrubber.text(le.message, ['logentry', 'message']);
    if (typeof le.formatted === 'string') le.formatted = scrubber.text(le.formatted, ['logentry', 'formatted']);
    if (Array.isArray(le.params)) le.params = le.params.map((v, i) => (typeof v === 'string' ? scrubber.text(v, ['logentry', 'params', i]) : v));
  }
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
  // Tags are derived from event fields before scrubbing (the `url` tag from request.url): scrubbed alike.
  if (Array.isArray(out.tags)) out.tags = scrubber.pairs(out.tags, ['tags']) as Array<[string, string]>;
  if (!meta.isEmpty()) out._meta = meta.root;
  return out;
}

/** What the configuration makes of one key name (lower-cased): left alone, filtered, or walked. */
interface KeyRule {
  safe: boolean;
  sensitive: boolean;
  ip: boolean;
}

/** Key names seen per configuration; the same few hundred names (vars, headers, data keys) recur in every event. */
class KeyRules {
  private readonly sensitive: string[];
  private readonly safe: ReadonlySet<string>;
  private readonly seen = new Map<string, KeyRule>();

  constructor(opts: ScrubOptions) {
    this.sensitive = [...DEFAULT_SENSITIVE_FIELDS, ...(opts.sensitiveFields ?? [])].map((f) => f.toLowerCase()).filter((f) => f !== '');
    this.safe = new Set((opts.safeFields ?? []).map((f) => f.toLowerCase()));
  }

  of(key: string): KeyRule {
    let rule = this.seen.get(key);
    if (rule) return rule;
    const k = key.toLowerCase();
    const safe = this.safe.has(k);
    // `X-Api-Key` and `api-key` are `api_key` spelled as headers are.
    const underscored = k.includes('-') ? k.replace(/-/g, '_') : k;
    rule = { safe, sensitive: !safe && this.sensitive.some((s) => k.includes(s) || underscored.includes(s)), ip: IP_HEADERS.has(k) };
    if (this.seen.size >= MAX_KEYS_REMEMBERED) this.seen.clear();
    this.seen.set(key, rule);
    return rule;
  }
}

const MAX_KEYS_REMEMBERED = 10_000;
const MAX_CONFIGURATIONS_REMEMBERED = 100;
const rulesByConfiguration = new Map<string, KeyRules>();

function keyRules(opts: ScrubOptions): KeyRules {
  const id = JSON.stringify([opts.sensitiveFields ?? [], opts.safeFields ?? []]);
  let rules = rulesByConfiguration.get(id);
  if (!rules) {
    if (rulesByConfiguration.size >= MAX_CONFIGURATIONS_REMEMBERED) rulesByConfiguration.clear();
    rules = new KeyRules(opts);
    rulesByConfiguration.set(id, rules);
  }
  return rules;
}

const STRING_RULES = [
  ['@pemkey:filter', PEM_KEY],
  ['@bearer:filter', BEARER],
  ['@usssn:filter', US_SSN],
] as const;

/** Whether `value` holds at least `n` ASCII digits: a card number has 13 or more. */
function hasDigits(value: string, n: number): boolean {
  let found = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 48 && c <= 57 && ++found >= n) return true;
  }
  return false;
}

class Scrubber {
  constructor(
    private readonly rules: KeyRules,
    private readonly opts: ScrubOptions,
    private readonly meta: MetaRecorder,
  ) {}

  /** A value under `key`: filtered whole when the key is sensitive, else walked. */
  entry(key: string, value: unknown, path: Loc): unknown {
    const rule = this.rules.of(key);
    if (rule.safe) return value;
    if (rule.sensitive && value !== null && value !== undefined && value !== '' && value !== FILTERED) {
      this.meta.remark(toPath(path), ['@password:filter', 's', 0, FILTERED.length], typeof value === 'string' ? value.length : undefined);
      return FILTERED;
    }
    if (this.opts.scrubIp === true && rule.ip && value !== FILTERED) {
      this.meta.remark(toPath(path), ['@ip:replace', 's', 0, FILTERED.length]);
      return FILTERED;
    }
    return this.value(value, path);
  }

  value(value: unknown, path: Loc): unknown {
    if (typeof value === 'string') return this.string(value, path);
    if (Array.isArray(value)) return value.map((v, i) => this.value(v, at(path, i)));
    if (isRecord(value)) {
      const out: Record<string, unknown> = {};
      for (const k in value) if (Object.hasOwn(value, k)) out[k] = this.entry(k, value[k], at(path, k));
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
      if (ALWAYS_FILTERED_HEADERS.has(lower) && !this.rules.of(name).safe && value !== FILTERED && value !== '') {
        this.meta.remark([...path, i, 1], ['@password:filter', 's', 0, FILTERED.length], typeof value === 'string' ? value.length : undefined);
        return [name, FILTERED];
      }
      return [name, this.entry(name, value, [...path, i, 1])];
    });
  }

  string(value: string, path: Loc): string {
    if (value === FILTERED) return value;
    // Each pattern is tried only when the string can hold it (a cheap, exact necessary condition).
    for (const [rule, pattern] of STRING_RULES) {
      if (pattern === PEM_KEY && !value.includes('-----BEGIN')) continue;
      if (pattern === US_SSN && !value.includes('-')) continue;
      if (pattern.test(value)) return this.filtered(value, rule, path);
    }
    if (hasDigits(value, 13)) {
      for (const match of value.matchAll(CREDIT_CARD)) {
        if (luhn(match[0].replace(/[ -]/g, ''))) return this.filtered(value, '@creditcard:filter', path);
      }
    }
    if (value.includes('://') && URL_AUTH.test(value)) {
      URL_AUTH.lastIndex = 0;
      const replaced = value.replace(URL_AUTH, (_m, head: string, pass: string) => (pass === FILTERED ? _m : `${head}:${FILTERED}@`));
      if (replaced !== value) this.meta.remark(toPath(path), ['@urlauth:legacy', 's'], value.length);
      return this.assignments(replaced, path, value.length);
    }
    return this.assignments(value, path, value.length);
  }

  /** `password=…` inside a string: the value is replaced, the rest kept. */
  private assignments(value: string, path: Loc, originalLength: number): string {
    if (!value.includes('=')) return value;
    SECRET_ASSIGNMENT.lastIndex = 0;
    const replaced = value.replace(SECRET_ASSIGNMENT, (m, key: string, secret: string) => (secret === FILTERED ? m : `${key}=${FILTERED}`));
    if (replaced !== value) this.meta.remark(toPath(path), ['@password:filter', 's'], originalLength);
    return replaced;
  }

  /**
   * A message or exception value: each secret the patterns find is replaced
   * where it stands (cards, bearer tokens, private keys, SSNs, URL passwords,
   * `password=…`); the rest of the text is kept.
   */
  text(value: string, path: Path): string {
    let out = value;
    const rules: string[] = [];
    const swap = (rule: string, pattern: RegExp, replace: (m: string, ...groups: string[]) => string) => {
      pattern.lastIndex = 0;
      const next = out.replace(pattern, replace as (m: string) => string);
      if (next !== out) {
        rules.push(rule);
        out = next;
      }
    };
    if (out.includes('-----BEGIN')) swap('@pemkey:filter', PEM_KEY_ALL, () => FILTERED);
    if (/bearer/i.test(out)) swap('@bearer:filter', BEARER_ALL, (m, word) => (m.endsWith(FILTERED) ? m : `${word} ${FILTERED}`));
    if (out.includes('-')) swap('@usssn:filter', US_SSN_ALL, () => FILTERED);
    if (hasDigits(out, 13)) swap('@creditcard:filter', CREDIT_CARD, (m) => (luhn(m.replace(/[ -]/g, '')) ? FILTERED : m));
    if (out.includes('://')) swap('@urlauth:legacy', URL_AUTH, (m, head, pass) => (pass === FILTERED ? m : `${head}:${FILTERED}@`));
    if (out.includes('=')) swap('@password:filter', SECRET_ASSIGNMENT, (m, key, secret) => (secret === FILTERED ? m : `${key}=${FILTERED}`));
    for (const rule of rules) this.meta.remark(path, [rule, 's'], value.length);
    return out;
  }

  private filtered(value: string, rule: string, path: Loc): string {
    this.meta.remark(toPath(path), [rule, 's', 0, FILTERED.length], value.length);
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
