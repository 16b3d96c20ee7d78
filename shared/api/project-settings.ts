/**
 * Validation of the project and client-key bodies of the portal API:
 * `PUT /projects/{org}/{project}/` and `POST|PUT /projects/{org}/{project}/keys/…`.
 * Sentry's names are accepted where Sentry has one (`name`, `slug`, `platform`,
 * `sensitiveFields`, `safeFields`, a key's `name` and `isActive`); Ferret's own
 * options also come under `options`, as `GET` answers them.
 * Every refusal names the field and what would be accepted.
 */
import { ValidationError } from '../errors.ts';
import type { Project, ProjectKey } from '../model.ts';

/** Events are kept a day at least and a year at most (DynamoDB TTL does the deleting). */
export const RETENTION_DAYS_MIN = 1;
export const RETENTION_DAYS_MAX = 365;
/** A per-minute limit above this is no limit at all on one queue; refuse it as a typo. */
export const RATE_LIMIT_MAX = 1_000_000;
export const MONTHLY_QUOTA_MAX = 1_000_000_000;
/** Relay's data scrubbing takes field lists of this order; more is a pasted file, not a setting. */
const FIELD_LIST_MAX = 200;
const FIELD_NAME_MAX = 200;
const NAME_MAX = 64;
const SLUG = /^[a-z0-9][a-z0-9_-]{0,49}$/;

type Body = Record<string, unknown>;

function objectBody(body: unknown): Body {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw new ValidationError('body: a JSON object is required');
  return body as Body;
}

function wholeNumber(field: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new ValidationError(`${field}: a whole number from ${min} to ${max} is required`);
  }
  return v;
}

function bool(field: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new ValidationError(`${field}: true or false is required`);
  return v;
}

/** A list of field names; a string is split on newlines and commas, as Sentry's settings textarea sends it. */
function fieldList(field: string, v: unknown): string[] {
  const raw = typeof v === 'string' ? v.split(/[\n,]/) : v;
  if (!Array.isArray(raw)) throw new ValidationError(`${field}: a list of field names is required`);
  const out: string[] = [];
  for (const item of raw) {
    if (typeof item !== 'string') throw new ValidationError(`${field}: every entry must be a string`);
    const name = item.trim();
    if (!name) continue;
    if (name.length > FIELD_NAME_MAX) throw new ValidationError(`${field}: field names are at most ${FIELD_NAME_MAX} characters`);
    if (!out.includes(name)) out.push(name);
  }
  if (out.length > FIELD_LIST_MAX) throw new ValidationError(`${field}: at most ${FIELD_LIST_MAX} field names`);
  return out;
}

export function validName(field: string, v: unknown, max = NAME_MAX): string {
  const name = typeof v === 'string' ? v.trim() : '';
  if (!name || name.length > max) throw new ValidationError(`${field}: 1 to ${max} characters are required`);
  return name;
}

/**
 * Applies a `PUT /projects/{org}/{project}/` body to a project: returns the
 * updated project (a copy). Unknown fields are ignored, as Sentry does; known
 * fields with a wrong value are refused.
 */
export function applyProjectUpdate(project: Project, body: unknown): Project {
  const b = objectBody(body);
  const next: Project = { ...project };
  if (b['name'] !== undefined) next.name = validName('name', b['name']);
  if (b['slug'] !== undefined) {
    if (typeof b['slug'] !== 'string' || !SLUG.test(b['slug'])) throw new ValidationError('slug: 1 to 50 lower-case letters, digits, - and _, starting with a letter or digit');
    next.slug = b['slug'];
  }
  if (b['platform'] !== undefined) {
    if (b['platform'] === null || b['platform'] === '') delete next.platform;
    else if (typeof b['platform'] !== 'string' || b['platform'].length > 64 || !/^[a-z0-9_.-]+$/.test(b['platform'])) {
      throw new ValidationError('platform: a platform name such as python or javascript-react is required');
    } else next.platform = b['platform'];
  }
  const rawOptions = b['options'];
  if (rawOptions !== undefined && (rawOptions === null || typeof rawOptions !== 'object' || Array.isArray(rawOptions))) {
    throw new ValidationError('options: a JSON object is required');
  }
  // Top-level fields (Sentry's names) and `options.*` (Ferret's) are read alike; `options` wins.
  const o: Body = { ...b, ...(rawOptions as Body | undefined) };
  const at = (k: string) => (rawOptions && k in (rawOptions as Body) ? `options.${k}` : k);
  if (o['retentionDays'] !== undefined) next.retentionDays = wholeNumber(at('retentionDays'), o['retentionDays'], RETENTION_DAYS_MIN, RETENTION_DAYS_MAX);
  if (o['rateLimitPerMinute'] !== undefined) next.rateLimitPerMinute = wholeNumber(at('rateLimitPerMinute'), o['rateLimitPerMinute'], 0, RATE_LIMIT_MAX);
  if (o['monthlyQuota'] !== undefined) next.monthlyQuota = wholeNumber(at('monthlyQuota'), o['monthlyQuota'], 0, MONTHLY_QUOTA_MAX);
  if (o['storeIp'] !== undefined) next.storeIp = bool(at('storeIp'), o['storeIp']);
  // Sentry's own switch says the opposite: scrub IP addresses.
  if (o['scrubIPAddresses'] !== undefined && o['storeIp'] === undefined) next.storeIp = !bool(at('scrubIPAddresses'), o['scrubIPAddresses']);
  if (o['sensitiveFields'] !== undefined) next.sensitiveFields = fieldList(at('sensitiveFields'), o['sensitiveFields']);
  if (o['safeFields'] !== undefined) next.safeFields = fieldList(at('safeFields'), o['safeFields']);
  // New limits take effect at once: the grouping step sets limitedUntil again if the project is still over.
  if (next.rateLimitPerMinute !== project.rateLimitPerMinute || next.monthlyQuota !== project.monthlyQuota) delete next.limitedUntil;
  return next;
}

/** Sentry caps a key's window at a day. */
const KEY_RATE_WINDOW_MAX = 86_400;
const KEY_RATE_COUNT_MAX = 100_000_000;
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** `POST /projects/{org}/{project}/keys/`: `{name}`; the name is optional, as in Sentry. */
export function parseKeyCreate(body: unknown): { label: string } {
  const b = objectBody(body);
  return { label: b['name'] === undefined || b['name'] === '' ? 'Default' : validName('name', b['name']) };
}

/** `PUT /projects/{org}/{project}/keys/{keyId}/`: rename and disable/enable. */
export function applyKeyUpdate(key: ProjectKey, body: unknown): ProjectKey {
  const b = objectBody(body);
  const next: ProjectKey = { ...key };
  if (b['name'] !== undefined) next.label = validName('name', b['name']);
  if (b['isActive'] !== undefined) next.isActive = bool('isActive', b['isActive']);
  if (b['rateLimit'] !== undefined) {
    // Sentry's key rate limit: `{window: seconds, count}`, or null (or zeros) for none.
    const rl = b['rateLimit'];
    if (rl === null || (isObject(rl) && (rl['count'] === 0 || rl['count'] === null))) delete next.rateLimit;
    else if (!isObject(rl)) throw new ValidationError('rateLimit: {"window": seconds, "count": events} or null');
    else next.rateLimit = { window: wholeNumber('rateLimit.window', rl['window'], 1, KEY_RATE_WINDOW_MAX), count: wholeNumber('rateLimit.count', rl['count'], 1, KEY_RATE_COUNT_MAX) };
    // A new limit takes effect at once.
    delete next.limitedUntil;
  }
  return next;
}
