/**
 * Tags derived from an event's fields, as Sentry indexes them, so issue tag
 * distributions and tag searches see `browser`, `os`, `user`, `handled` … without
 * the SDK sending them as tags:
 *
 * - event fields: `level`, `logger`, `environment`, `release`, `dist`,
 *   `transaction`, `server_name`, `url` (request URL without query or fragment);
 * - `user`: `id:…`, else `email:…`, `username:…`, `ip:…` (Sentry's EventUser tag value);
 * - the exception's mechanism: `mechanism` (its type) and `handled` (`yes`/`no`);
 * - contexts, under their alias: `browser`, `os`, `runtime` as "name version" and
 *   `{alias}.name`; `device` as the model, `device.family`.
 *
 * Tags the SDK sent keep their value, except `level`, `environment`, `release`
 * and `dist`, which always mirror the event's own fields (Sentry reserves them).
 * Pure and idempotent: applied again, it changes nothing.
 */
import { MAX_TAG_VALUE_CHARS } from './limits.ts';
import type { NormalizedEvent } from '../model.ts';

/** Tag keys that always mirror the event attribute of the same name. */
const MIRRORED = ['level', 'environment', 'release', 'dist'] as const;

/** Context types that yield tags, and how: `''` is the tag named by the alias itself. */
const CONTEXT_TAGS: Record<string, Record<string, (c: Record<string, unknown>) => string | undefined>> = {
  browser: { '': (c) => nameVersion(c), name: (c) => str(c['name']) },
  os: { '': (c) => nameVersion(c) ?? str(c['raw_description']), name: (c) => str(c['name']) },
  runtime: { '': (c) => nameVersion(c) ?? str(c['raw_description']), name: (c) => str(c['name']) },
  device: { '': (c) => str(c['model']), family: (c) => str(c['family']) },
};

function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v.trim() || undefined;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

function nameVersion(c: Record<string, unknown>): string | undefined {
  const name = str(c['name']);
  if (!name) return undefined;
  const version = str(c['version']);
  return version ? `${name} ${version}` : name;
}

/** A value fit for a tag: one line, at most the tag length limit. */
function tagValue(v: string | undefined): string | undefined {
  if (v === undefined || /[\n\r]/.test(v)) return undefined;
  const t = v.trim();
  if (!t) return undefined;
  return t.length > MAX_TAG_VALUE_CHARS ? t.slice(0, MAX_TAG_VALUE_CHARS) : t;
}

/** Sentry's user tag: the first of id, email, username, IP, with its kind. */
export function userTag(user: NormalizedEvent['user']): string | undefined {
  if (!user) return undefined;
  for (const [field, kind] of [['id', 'id'], ['email', 'email'], ['username', 'username'], ['ip_address', 'ip']] as const) {
    const v = str(user[field]);
    if (v) return `${kind}:${v}`;
  }
  return undefined;
}

function urlTag(url: unknown): string | undefined {
  const u = str(url);
  if (!u) return undefined;
  return u.replace(/[?#].*$/s, '');
}

/** The tags an event's fields imply, in a stable order. */
export function derivedTags(event: NormalizedEvent): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const add = (key: string, value: string | undefined) => {
    const v = tagValue(value);
    if (v !== undefined) out.push([key, v]);
  };
  add('level', event.level);
  add('logger', event.logger);
  add('environment', event.environment);
  add('release', event.release);
  add('dist', event.dist);
  add('transaction', event.transaction);
  add('server_name', event.server_name);
  add('url', urlTag(event.request?.url));
  add('user', userTag(event.user));

  // The exception the SDK captured is the last one (values are oldest cause first); its mechanism
  // says how it was caught. Earlier ones in a chain carry "chained" mechanisms that say nothing.
  const values = event.exception?.values ?? [];
  const mechanism = values.at(-1)?.mechanism ?? values.find((v) => v.mechanism)?.mechanism;
  if (mechanism) {
    add('mechanism', str(mechanism.type));
    if (typeof mechanism.handled === 'boolean') add('handled', mechanism.handled ? 'yes' : 'no');
  }

  for (const [alias, context] of Object.entries(event.contexts ?? {})) {
    const type = str(context['type']) ?? alias;
    const fields = CONTEXT_TAGS[type];
    if (!fields) continue;
    for (const [suffix, read] of Object.entries(fields)) add(suffix ? `${alias}.${suffix}` : alias, read(context));
  }
  return out;
}

/**
 * The event's tags with the derived ones added: the SDK's own tags first, in
 * their order, then the derived tags they did not already name.
 */
export function withDerivedTags(event: NormalizedEvent): Array<[string, string]> {
  const derived = derivedTags(event);
  const mirrored = new Map<string, string>();
  for (const [k, v] of derived) if ((MIRRORED as readonly string[]).includes(k)) mirrored.set(k, v);
  const tags: Array<[string, string]> = [];
  const seen = new Set<string>();
  for (const [k, v] of event.tags) {
    if ((MIRRORED as readonly string[]).includes(k)) {
      // A reserved tag without its event field stays (the SDK's only word on it); with one, the field wins.
      if (mirrored.has(k)) {
        tags.push([k, mirrored.get(k)!]);
        seen.add(k);
        continue;
      }
    }
    tags.push([k, v]);
    seen.add(k);
  }
  for (const [k, v] of derived) if (!seen.has(k)) tags.push([k, v]), seen.add(k);
  return tags;
}
