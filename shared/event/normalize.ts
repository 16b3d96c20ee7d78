/**
 * Event normalization (https://develop.sentry.dev/sdk/data-model/event-payloads/):
 * whatever an SDK sent → the canonical {@link NormalizedEvent}. As in Relay, an
 * ordered list of small named steps; the receive time and client IP are passed
 * in, never read here. Bad fields are removed and noted in `_meta`; unknown
 * fields are kept. Normalizing a normalized event changes nothing.
 */
import { ProtocolError } from '../errors.ts';
import type { Breadcrumb, Level, NormalizedEvent } from '../model.ts';
import {
  BAG_LARGER,
  BAG_MASSIVE,
  BAG_MEDIUM,
  MAX_BREADCRUMBS,
  MAX_CULPRIT_CHARS,
  MAX_DIST_CHARS,
  MAX_ENVIRONMENT_CHARS,
  MAX_LOGGER_CHARS,
  MAX_MESSAGE_CHARS,
  MAX_RELEASE_CHARS,
  MAX_SECONDS_IN_FUTURE,
  MAX_SECONDS_IN_PAST,
  MAX_TAG_KEY_CHARS,
  MAX_TAG_VALUE_CHARS,
  MIN_CLOCK_DRIFT_SECONDS,
} from './limits.ts';
import { isRecord, MetaRecorder } from './meta.ts';
import { lenientString, normalizeException, normalizeStacktrace, normalizeThread, setString, valuesOf } from './stacktrace.ts';
import { withDerivedTags } from './tags.ts';
import { inferUserAgentContexts } from './user-agent.ts';
import { parseTimestamp } from './time.ts';
import { trimBag, trimString } from './trim.ts';

export interface NormalizeContext {
  /** Epoch ms when ingest received the event. */
  receivedAt: number;
  clientIp?: string;
  /** `sent_at` of the envelope header (RFC 3339), to correct clock drift. */
  sentAt?: string;
  /** Replace `{{auto}}` (and infer) `user.ip_address` from `clientIp`. Default false. */
  storeIp?: boolean;
  /** The id ingest answered with (`ParsedIngest.eventId`), used when the payload has none. */
  eventId?: string;
  /**
   * The caller hands `raw` over (freshly parsed, never read again): it is
   * normalized in place. Copying a 5 KB event costs about half of normalizing it.
   */
  owned?: boolean;
}

type Working = Record<string, unknown>;
interface StepState {
  ctx: NormalizeContext;
  meta: MetaRecorder;
  /** Epoch seconds. */
  received: number;
}
type Step = (event: Working, state: StepState) => void;

/** The steps, in order. Exported so tests and tools can name them. */
export const NORMALIZE_STEPS: ReadonlyArray<readonly [name: string, step: Step]> = [
  ['legacyAliases', legacyAliases],
  ['eventId', eventId],
  ['timestamps', timestamps],
  ['level', level],
  ['platform', platform],
  ['attributes', attributes],
  ['logentry', logentry],
  ['exception', exception],
  ['stacktrace', stacktrace],
  ['threads', threads],
  ['breadcrumbs', breadcrumbs],
  ['tags', tags],
  ['contexts', contexts],
  ['user', user],
  ['request', request],
  ['sdk', sdk],
  ['fingerprint', fingerprint],
  ['extra', extra],
  ['modules', modules],
];

/**
 * Normalize a parsed event payload. Pure (unless `ctx.owned`), idempotent.
 * Throws ProtocolError only when `raw` is not a JSON object.
 */
export function normalizeEvent(raw: unknown, ctx: NormalizeContext): NormalizedEvent {
  if (!isRecord(raw)) throw new ProtocolError('event payload is not a JSON object');
  const event: Working = ctx.owned === true ? raw : structuredClone(raw);
  // `event` is the caller's to give or our copy: its `_meta` is annotated where it is, not copied again.
  const meta = new MetaRecorder(event['_meta'], { owned: true });
  delete event['_meta'];
  const state: StepState = { ctx, meta, received: ctx.receivedAt / 1000 };
  for (const [, step] of NORMALIZE_STEPS) step(event, state);
  if (!meta.isEmpty()) event['_meta'] = meta.root;
  // Contexts from the User-Agent, then tags, read the normalized fields (contexts, user, request): they come last.
  const normalized = event as NormalizedEvent;
  inferUserAgentContexts(normalized);
  normalized.tags = withDerivedTags(normalized);
  return normalized;
}

/** Interface names of the legacy protocol (sentry.interfaces.*) → today's keys. */
const LEGACY_ALIASES: Record<string, string> = {
  'sentry.interfaces.Exception': 'exception',
  'sentry.interfaces.Stacktrace': 'stacktrace',
  'sentry.interfaces.Message': 'logentry',
  'sentry.interfaces.Http': 'request',
  'sentry.interfaces.User': 'user',
  'sentry.interfaces.Breadcrumbs': 'breadcrumbs',
  'sentry.interfaces.Template': 'template',
  'sentry.interfaces.Threads': 'threads',
  'sentry.interfaces.Contexts': 'contexts',
  'sentry.interfaces.DebugMeta': 'debug_meta',
  'sentry.interfaces.Csp': 'csp',
};

function legacyAliases(event: Working): void {
  for (const [legacy, key] of Object.entries(LEGACY_ALIASES)) {
    if (!(legacy in event)) continue;
    if (event[key] === undefined || event[key] === null) event[key] = event[legacy];
    delete event[legacy];
  }
}

const EVENT_ID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

function toEventId(value: unknown): string | undefined {
  if (typeof value !== 'string' || !EVENT_ID.test(value.trim())) return undefined;
  return value.trim().replace(/-/g, '').toLowerCase();
}

function eventId(event: Working, { ctx, meta }: StepState): void {
  const id = toEventId(event['event_id']);
  if (id !== undefined) {
    event['event_id'] = id;
    return;
  }
  if (event['event_id'] !== undefined && event['event_id'] !== null) meta.error(['event_id'], 'expected a UUID', event['event_id']);
  event['event_id'] = toEventId(ctx.eventId) ?? globalThis.crypto.randomUUID().replace(/-/g, '');
}

function timestamps(event: Working, state: StepState): void {
  const { ctx, meta, received } = state;
  event['received'] = received;
  for (const field of ['timestamp', 'start_timestamp']) {
    if (event[field] === undefined || event[field] === null) continue;
    const t = parseTimestamp(event[field]);
    if (t === undefined) {
      meta.error([field], 'expected a timestamp', event[field]);
      delete event[field];
    } else event[field] = t;
  }
  breadcrumbTimestamps(event, meta);

  const errors = Array.isArray(event['errors']) ? (event['errors'] as unknown[]) : [];
  const alreadyCorrected = errors.some((e) => isRecord(e) && e['type'] === 'clock_drift');
  const sentAt = ctx.sentAt === undefined ? undefined : parseTimestamp(ctx.sentAt);
  if (sentAt !== undefined && !alreadyCorrected) {
    const drift = received - sentAt;
    if (Math.abs(drift) >= MIN_CLOCK_DRIFT_SECONDS) {
      shiftTimestamps(event, drift);
      event['errors'] = [...errors, { type: 'clock_drift', name: 'timestamp', sender_time: ctx.sentAt, adjustment_seconds: Math.round(drift) }];
    }
  }

  const ts = event['timestamp'];
  if (typeof ts !== 'number') {
    event['timestamp'] = received;
  } else if (ts > received + MAX_SECONDS_IN_FUTURE) {
    addError(event, { type: 'future_timestamp', name: 'timestamp', value: ts });
    event['timestamp'] = received;
  } else if (ts < received - MAX_SECONDS_IN_PAST) {
    addError(event, { type: 'past_timestamp', name: 'timestamp', value: ts });
    event['timestamp'] = received;
  }
}

function breadcrumbTimestamps(event: Working, meta: MetaRecorder): void {
  const values = isRecord(event['breadcrumbs']) ? event['breadcrumbs']['values'] : event['breadcrumbs'];
  if (!Array.isArray(values)) return;
  values.forEach((crumb, i) => {
    if (!isRecord(crumb) || crumb['timestamp'] === undefined || crumb['timestamp'] === null) return;
    const t = parseTimestamp(crumb['timestamp']);
    if (t === undefined) {
      meta.error(['breadcrumbs', 'values', i, 'timestamp'], 'expected a timestamp', crumb['timestamp']);
      delete crumb['timestamp'];
    } else crumb['timestamp'] = t;
  });
}

function shiftTimestamps(event: Working, seconds: number): void {
  const shift = (t: unknown): unknown => (typeof t === 'number' ? Math.round((t + seconds) * 1e6) / 1e6 : t);
  if (event['timestamp'] !== undefined) event['timestamp'] = shift(event['timestamp']);
  if (event['start_timestamp'] !== undefined) event['start_timestamp'] = shift(event['start_timestamp']);
  const values = isRecord(event['breadcrumbs']) ? event['breadcrumbs']['values'] : event['breadcrumbs'];
  if (Array.isArray(values)) for (const crumb of values) if (isRecord(crumb) && crumb['timestamp'] !== undefined) crumb['timestamp'] = shift(crumb['timestamp']);
}

function addError(event: Working, error: Record<string, unknown>): void {
  const errors = Array.isArray(event['errors']) ? (event['errors'] as unknown[]) : [];
  event['errors'] = [...errors, error];
}

const LEVEL_NAMES: Record<string, Level> = {
  debug: 'debug',
  info: 'info',
  log: 'info',
  warning: 'warning',
  warn: 'warning',
  error: 'error',
  fatal: 'fatal',
  critical: 'fatal',
};
/** Python logging's numeric levels, which old clients sent. */
const NUMERIC_LEVELS: Record<number, Level> = { 10: 'debug', 20: 'info', 30: 'warning', 40: 'error', 50: 'fatal' };

/** A {@link Level} from a name or a Python logging number; undefined otherwise. */
export function parseLevel(value: unknown): Level | undefined {
  if (typeof value === 'string') return LEVEL_NAMES[value.trim().toLowerCase()] ?? NUMERIC_LEVELS[Number(value)];
  if (typeof value === 'number') return NUMERIC_LEVELS[value];
  return undefined;
}

function level(event: Working, { meta }: StepState): void {
  const parsed = parseLevel(event['level']);
  if (parsed === undefined && event['level'] !== undefined && event['level'] !== null) meta.error(['level'], 'expected a level', event['level']);
  event['level'] = parsed ?? (event['type'] === 'transaction' ? 'info' : 'error');
}

/** Relay's `VALID_PLATFORMS`; anything else becomes `other`. */
const VALID_PLATFORMS: ReadonlySet<string> = new Set([
  'as3', 'c', 'cfml', 'cocoa', 'csharp', 'elixir', 'haskell', 'go', 'groovy', 'java', 'javascript',
  'native', 'node', 'objc', 'other', 'perl', 'php', 'python', 'ruby', 'dart',
]);

function platform(event: Working): void {
  const p = typeof event['platform'] === 'string' ? event['platform'].trim().toLowerCase() : '';
  event['platform'] = VALID_PLATFORMS.has(p) ? p : 'other';
}

/** Characters Sentry refuses in release and environment names. */
const INVALID_RELEASE = /[\n\r\t\f\\/]|^\s*$|^(?:\.|\.\.|latest)$/;
const INVALID_ENVIRONMENT = /[\n\r\f/]|^\s*$/;

function attributes(event: Working, { meta }: StepState): void {
  setString(event, 'logger', MAX_LOGGER_CHARS, [], meta);
  setString(event, 'dist', MAX_DIST_CHARS, [], meta);
  setString(event, 'server_name', MAX_CULPRIT_CHARS, [], meta);
  setString(event, 'transaction', MAX_CULPRIT_CHARS, [], meta);
  setString(event, 'culprit', MAX_CULPRIT_CHARS, [], meta);
  for (const [field, max, invalid] of [
    ['release', MAX_RELEASE_CHARS, INVALID_RELEASE],
    ['environment', MAX_ENVIRONMENT_CHARS, INVALID_ENVIRONMENT],
  ] as const) {
    const value = lenientString(event[field]);
    if (event[field] === undefined) continue;
    if (value === undefined || invalid.test(value) || value.trim().length > max) {
      if (event[field] !== null) meta.error([field], `invalid ${field} name`, event[field]);
      delete event[field];
    } else event[field] = value.trim();
  }
  for (const field of ['logger', 'dist', 'server_name', 'transaction', 'culprit']) {
    if (event[field] === '') delete event[field];
  }
}

const PRINTF = /%(?:%|[sdifr])/g;

function logentry(event: Working, { meta }: StepState): void {
  let entry = event['logentry'];
  if (typeof entry === 'string') entry = { formatted: entry };
  if (entry !== undefined && entry !== null && !isRecord(entry)) {
    meta.error(['logentry'], 'expected a log entry object', entry);
    entry = undefined;
  }
  const out: Record<string, unknown> = isRecord(entry) ? { ...entry } : {};
  if (out['formatted'] === undefined && out['message'] === undefined) {
    const legacy = event['message'];
    if (typeof legacy === 'string') out['formatted'] = legacy;
    else if (isRecord(legacy)) Object.assign(out, legacy);
    else if (legacy !== undefined && legacy !== null) {
      const s = lenientString(legacy);
      if (s !== undefined) out['formatted'] = s;
      else meta.error(['message'], 'expected a string', legacy);
    }
  }
  for (const field of ['message', 'formatted']) {
    const s = lenientString(out[field]);
    if (s === undefined || s === '') delete out[field];
    else out[field] = trimString(s, MAX_MESSAGE_CHARS, ['logentry', field], meta);
  }
  if (out['params'] !== undefined && !Array.isArray(out['params']) && !isRecord(out['params'])) delete out['params'];
  if (out['formatted'] === undefined && typeof out['message'] === 'string' && Array.isArray(out['params']) && out['params'].length > 0) {
    const params = out['params'] as unknown[];
    let i = 0;
    out['formatted'] = out['message'].replace(PRINTF, (token) => (token === '%%' ? '%' : i < params.length ? String(lenientString(params[i++]) ?? JSON.stringify(params[i - 1])) : token));
  }
  if (out['formatted'] === undefined && out['message'] === undefined) {
    delete event['logentry'];
    delete event['message'];
    return;
  }
  event['logentry'] = out;
  event['message'] = (out['formatted'] ?? out['message']) as string;
}

function exception(event: Working, { meta }: StepState): void {
  const raw = event['exception'];
  if (raw === undefined) return;
  const values = valuesOf(raw, (o) => 'type' in o || 'value' in o || 'stacktrace' in o);
  if (values === undefined) {
    if (raw !== null) meta.error(['exception'], 'expected a list of exceptions', raw);
    delete event['exception'];
    return;
  }
  const out = [];
  for (let i = 0; i < values.length; i++) {
    const exc = normalizeException(values[i], ['exception', 'values', i], meta);
    if (exc !== undefined) out.push(exc);
  }
  if (out.length === 0) delete event['exception'];
  else event['exception'] = { ...(isRecord(raw) && Array.isArray(raw['values']) ? raw : {}), values: out };
}

function stacktrace(event: Working, { meta }: StepState): void {
  if (event['stacktrace'] === undefined) return;
  const st = normalizeStacktrace(event['stacktrace'], ['stacktrace'], meta);
  if (st === undefined) {
    delete event['stacktrace'];
    return;
  }
  // The legacy top-level stack trace belongs to the exception when there is exactly one without its own.
  const values = (event['exception'] as NormalizedEvent['exception'])?.values;
  if (values?.length === 1 && values[0] !== undefined && values[0].stacktrace === undefined) {
    values[0].stacktrace = st;
    delete event['stacktrace'];
  } else event['stacktrace'] = st;
}

function threads(event: Working, { meta }: StepState): void {
  const raw = event['threads'];
  if (raw === undefined) return;
  const values = valuesOf(raw, (o) => 'id' in o || 'stacktrace' in o);
  if (values === undefined) {
    if (raw !== null) meta.error(['threads'], 'expected a list of threads', raw);
    delete event['threads'];
    return;
  }
  const out = [];
  for (let i = 0; i < values.length; i++) {
    const t = normalizeThread(values[i], ['threads', 'values', i], meta);
    if (t !== undefined) out.push(t);
  }
  if (out.length === 0) delete event['threads'];
  else event['threads'] = { values: out };
}

function breadcrumbs(event: Working, { meta }: StepState): void {
  const raw = event['breadcrumbs'];
  if (raw === undefined) return;
  const values = valuesOf(raw, () => false);
  if (values === undefined) {
    if (raw !== null) meta.error(['breadcrumbs'], 'expected a list of breadcrumbs', raw);
    delete event['breadcrumbs'];
    return;
  }
  let out: Breadcrumb[] = [];
  values.forEach((crumb, i) => {
    const path = ['breadcrumbs', 'values', i];
    if (!isRecord(crumb)) {
      meta.error(path, 'expected a breadcrumb object', crumb);
      return;
    }
    const b: Breadcrumb = { ...crumb };
    if (b.timestamp !== undefined && typeof b.timestamp !== 'number') delete b.timestamp;
    setString(b, 'type', MAX_CULPRIT_CHARS, path, meta);
    setString(b, 'category', MAX_CULPRIT_CHARS, path, meta);
    if (b.message !== undefined) {
      const s = lenientString(b.message);
      if (s === undefined) {
        if (b.message !== null) meta.error([...path, 'message'], 'expected a string', b.message);
        delete b.message;
      } else b.message = trimString(s, MAX_MESSAGE_CHARS, [...path, 'message'], meta);
    }
    const lvl = parseLevel(b.level);
    if (lvl === undefined) delete b.level;
    else b.level = lvl;
    if (b.data !== undefined) {
      if (isRecord(b.data)) b.data = trimBag(b.data, BAG_MEDIUM, [...path, 'data'], meta) as Record<string, unknown>;
      else {
        if (b.data !== null) meta.error([...path, 'data'], 'expected an object', b.data);
        delete b.data;
      }
    }
    out.push(b);
  });
  if (out.length > MAX_BREADCRUMBS) {
    meta.remark(['breadcrumbs', 'values'], ['!limit', 'x'], out.length);
    out = out.slice(out.length - MAX_BREADCRUMBS);
  }
  if (out.length === 0) delete event['breadcrumbs'];
  else event['breadcrumbs'] = { values: out };
}

function tags(event: Working, { meta }: StepState): void {
  const raw = event['tags'];
  let pairs: unknown[] = [];
  if (Array.isArray(raw)) pairs = raw;
  else if (isRecord(raw)) pairs = Object.entries(raw);
  else if (raw !== undefined && raw !== null) meta.error(['tags'], 'expected tags as an object or a list of pairs', raw);
  const out: Array<[string, string]> = [];
  const seen = new Set<string>();
  pairs.forEach((pair, i) => {
    const path = ['tags', i];
    if (!Array.isArray(pair) || pair.length !== 2) {
      meta.error(path, 'expected a [key, value] pair', pair);
      return;
    }
    const key = lenientString(pair[0])?.trim();
    const value = lenientString(pair[1])?.trim();
    if (key === undefined || key === '' || key.length > MAX_TAG_KEY_CHARS) {
      meta.error(path, 'invalid tag key', pair[0]);
      return;
    }
    if (value === undefined || value === '' || value.length > MAX_TAG_VALUE_CHARS || /[\n\r]/.test(value)) {
      if (pair[1] !== null) meta.error(path, 'invalid tag value', pair[1]);
      return;
    }
    if (seen.has(key)) return;
    seen.add(key);
    out.push([key, value]);
  });
  event['tags'] = out;
}

function contexts(event: Working, { meta }: StepState): void {
  const raw = event['contexts'];
  if (raw === undefined) return;
  if (!isRecord(raw)) {
    if (raw !== null) meta.error(['contexts'], 'expected an object', raw);
    delete event['contexts'];
    return;
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (!isRecord(value)) {
      if (value !== null) meta.error(['contexts', key], 'expected a context object', value);
      continue;
    }
    const ctx = trimBag(value, BAG_LARGER, ['contexts', key], meta) as Record<string, unknown>;
    if (typeof ctx['type'] !== 'string') ctx['type'] = key;
    out[key] = ctx;
  }
  if (Object.keys(out).length === 0) delete event['contexts'];
  else event['contexts'] = out;
}

const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)$/;
const IPV6 = /^[0-9a-f:]+(?:%[\w.]+)?$/i;
const AUTO_IP = '{{auto}}';
/** Platforms whose SDKs relied on the server to fill the user's IP before `{{auto}}` existed. */
const INFER_IP_PLATFORMS: ReadonlySet<string> = new Set(['javascript', 'cocoa', 'objc']);

export function isIpAddress(value: string): boolean {
  return IPV4.test(value) || (value.includes(':') && IPV6.test(value));
}

function user(event: Working, { ctx, meta }: StepState): void {
  const raw = event['user'];
  if (raw !== undefined && !isRecord(raw)) {
    if (raw !== null) meta.error(['user'], 'expected a user object', raw);
    delete event['user'];
  }
  const u: Record<string, unknown> = isRecord(raw) ? { ...raw } : {};
  if (u['id'] !== undefined) {
    const id = lenientString(u['id']);
    if (id === undefined || id === '') delete u['id'];
    else u['id'] = trimString(id, MAX_CULPRIT_CHARS, ['user', 'id'], meta);
  }
  for (const field of ['email', 'username', 'name', 'segment']) setString(u, field, MAX_CULPRIT_CHARS, ['user'], meta);
  if (u['data'] !== undefined) {
    if (isRecord(u['data'])) u['data'] = trimBag(u['data'], BAG_LARGER, ['user', 'data'], meta);
    else delete u['data'];
  }

  const sdkSettings = isRecord(event['sdk']) && isRecord(event['sdk']['settings']) ? event['sdk']['settings'] : undefined;
  const inferIp = sdkSettings?.['infer_ip'];
  const wantsAuto =
    u['ip_address'] === AUTO_IP ||
    (u['ip_address'] === undefined && (inferIp === 'auto' || (inferIp === undefined && INFER_IP_PLATFORMS.has(String(event['platform'])))));
  if (wantsAuto) {
    if (ctx.storeIp === true && ctx.clientIp !== undefined && isIpAddress(ctx.clientIp)) u['ip_address'] = ctx.clientIp;
    else delete u['ip_address'];
  } else if (u['ip_address'] !== undefined) {
    const ip = typeof u['ip_address'] === 'string' ? u['ip_address'].trim() : undefined;
    if (ip === undefined || !isIpAddress(ip)) {
      if (u['ip_address'] !== null) meta.error(['user', 'ip_address'], 'expected an IP address', u['ip_address']);
      delete u['ip_address'];
    } else u['ip_address'] = ip;
  }
  if (Object.keys(u).length === 0) delete event['user'];
  else event['user'] = u;
}

/** `content-type` → `Content-Type`, as Relay normalizes header names. */
function headerName(name: string): string {
  return name
    .trim()
    .split('-')
    .map((part) => (part === '' ? part : part[0]!.toUpperCase() + part.slice(1).toLowerCase()))
    .join('-');
}

function toPairs(raw: unknown, path: readonly (string | number)[], meta: MetaRecorder, splitString?: (s: string) => Array<[string, string]>): Array<[string, string]> | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw === 'string') return splitString?.(raw);
  const entries: unknown[] = Array.isArray(raw) ? raw : isRecord(raw) ? Object.entries(raw) : [];
  if (!Array.isArray(raw) && !isRecord(raw)) {
    meta.error(path, 'expected an object or a list of pairs', raw);
    return undefined;
  }
  const out: Array<[string, string]> = [];
  for (const entry of entries) {
    if (!Array.isArray(entry) || entry.length !== 2) continue;
    const k = lenientString(entry[0]);
    if (k === undefined) continue;
    const v = lenientString(entry[1]) ?? (Array.isArray(entry[1]) ? entry[1].map((x) => lenientString(x) ?? '').join(', ') : undefined);
    if (v === undefined) continue;
    out.push([k, v]);
  }
  return out;
}

function splitQuery(s: string): Array<[string, string]> {
  const text = s.startsWith('?') ? s.slice(1) : s;
  if (text === '') return [];
  return text.split('&').filter((p) => p !== '').map((part) => {
    const eq = part.indexOf('=');
    const [k, v] = eq === -1 ? [part, ''] : [part.slice(0, eq), part.slice(eq + 1)];
    return [safeDecode(k), safeDecode(v)];
  });
}

function splitCookies(s: string): Array<[string, string]> {
  return s.split(';').map((p) => p.trim()).filter((p) => p !== '').map((part) => {
    const eq = part.indexOf('=');
    return eq === -1 ? [part, ''] : [part.slice(0, eq).trim(), part.slice(eq + 1).trim()];
  });
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

function request(event: Working, { meta }: StepState): void {
  const raw = event['request'];
  if (raw === undefined) return;
  if (!isRecord(raw)) {
    if (raw !== null) meta.error(['request'], 'expected a request object', raw);
    delete event['request'];
    return;
  }
  const r: Record<string, unknown> = { ...raw };
  setString(r, 'url', Infinity, ['request'], meta);
  if (typeof r['method'] === 'string') r['method'] = r['method'].trim().toUpperCase();
  else if (r['method'] !== undefined) delete r['method'];
  if (typeof r['url'] === 'string' && r['query_string'] === undefined) {
    const q = r['url'].indexOf('?');
    if (q !== -1) {
      const hash = r['url'].indexOf('#', q);
      r['query_string'] = r['url'].slice(q + 1, hash === -1 ? undefined : hash);
      r['url'] = r['url'].slice(0, q);
    }
  }
  const headers = toPairs(r['headers'], ['request', 'headers'], meta);
  if (headers === undefined) delete r['headers'];
  else r['headers'] = headers.map(([k, v]) => [headerName(k), v]);
  for (const [field, split] of [['query_string', splitQuery], ['cookies', splitCookies]] as const) {
    const pairs = toPairs(r[field], ['request', field], meta, split);
    if (pairs === undefined) delete r[field];
    else r[field] = pairs;
  }
  if (r['env'] !== undefined && !isRecord(r['env'])) delete r['env'];
  if (r['data'] !== undefined && r['data'] !== null && typeof r['data'] === 'object') r['data'] = trimBag(r['data'], BAG_LARGER, ['request', 'data'], meta);
  else if (typeof r['data'] === 'string') r['data'] = trimString(r['data'], BAG_LARGER.maxBytes, ['request', 'data'], meta);
  event['request'] = r;
}

function sdk(event: Working, { meta }: StepState): void {
  const raw = event['sdk'];
  if (raw === undefined) return;
  if (!isRecord(raw) || typeof raw['name'] !== 'string' || raw['name'] === '') {
    if (raw !== null) meta.error(['sdk'], 'expected an sdk object with a name', raw);
    delete event['sdk'];
    return;
  }
  const s: Record<string, unknown> = { ...raw };
  setString(s, 'version', MAX_CULPRIT_CHARS, ['sdk'], meta);
  if (s['integrations'] !== undefined && !Array.isArray(s['integrations'])) delete s['integrations'];
  if (s['packages'] !== undefined && !Array.isArray(s['packages'])) delete s['packages'];
  event['sdk'] = s;
}

function fingerprint(event: Working, { meta }: StepState): void {
  const raw = event['fingerprint'];
  if (raw === undefined) return;
  if (!Array.isArray(raw) || raw.length === 0 || raw.some((part) => lenientString(part) === undefined)) {
    // An empty list (sentry-ruby's default) means "no custom fingerprint".
    if (raw !== null && !(Array.isArray(raw) && raw.length === 0)) meta.error(['fingerprint'], 'expected a list of strings', raw);
    delete event['fingerprint'];
    return;
  }
  event['fingerprint'] = raw.map((part) => lenientString(part) as string);
}

function extra(event: Working, { meta }: StepState): void {
  const raw = event['extra'];
  if (raw === undefined) return;
  if (!isRecord(raw)) {
    if (raw !== null) meta.error(['extra'], 'expected an object', raw);
    delete event['extra'];
    return;
  }
  event['extra'] = trimBag(raw, BAG_MASSIVE, ['extra'], meta);
}

function modules(event: Working, { meta }: StepState): void {
  const raw = event['modules'];
  if (raw === undefined) return;
  if (!isRecord(raw)) {
    if (raw !== null) meta.error(['modules'], 'expected an object', raw);
    delete event['modules'];
    return;
  }
  const out: Record<string, string> = {};
  for (const [name, version] of Object.entries(raw)) {
    const v = lenientString(version);
    if (v !== undefined) out[name] = v;
  }
  event['modules'] = out;
}
