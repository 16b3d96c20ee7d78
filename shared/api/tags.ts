/**
 * Issue tag distributions in Sentry's shapes (`/issues/{id}/tags/`,
 * `/tags/{key}/`, `/tags/{key}/values/`): from the issue's tag counters
 * (`shared/event/tag-counts.ts`), or, for issues older than the counters,
 * counted over the issue's stored events.
 */
import { errorName } from '../event/tag-counts.ts';
import type { IssueTagCounts, StoredEvent } from '../model.ts';
import type { EventStore } from '../ports.ts';

/** Events read per distribution: the most recent ones; older events only thin the counts. */
export const TAG_SAMPLE_EVENTS = 500;

export interface TagValueJson {
  key: string;
  value: string;
  name: string;
  count: number;
  /** Per value first and last seen: only from stored events (the counters keep counts, not times: every byte is written per batch). */
  firstSeen?: string;
  lastSeen?: string;
}

export interface TagJson {
  key: string;
  name: string;
  totalValues: number;
  /** Distinct values; left out of counted tags where values gave way to others (then only the kept ones are known). */
  uniqueValues?: number;
  topValues: TagValueJson[];
}

/** Sentry's display names of its built-in tag keys; others show as sent. */
const TAG_NAMES: Record<string, string> = {
  level: 'Level',
  environment: 'Environment',
  release: 'Release',
  browser: 'Browser',
  'browser.name': 'Browser Name',
  os: 'OS',
  'os.name': 'OS Name',
  device: 'Device',
  'device.family': 'Device Family',
  runtime: 'Runtime',
  'runtime.name': 'Runtime Name',
  url: 'URL',
  user: 'User',
  handled: 'Handled',
  mechanism: 'Mechanism',
  transaction: 'Transaction',
  server_name: 'Server',
  logger: 'Logger',
};

/** Every tag key of the events, most frequent first, each with all its values by count. */
export function tagDistributions(events: StoredEvent[]): TagJson[] {
  type Seen = TagValueJson & { firstSeen: string; lastSeen: string };
  const byKey = new Map<string, Map<string, Seen>>();
  for (const { event, dateCreated } of events) {
    for (const [key, value] of event.tags) {
      const values = byKey.get(key) ?? new Map<string, Seen>();
      const v = values.get(value) ?? { key, value, name: value, count: 0, firstSeen: dateCreated, lastSeen: dateCreated };
      v.count += 1;
      if (dateCreated < v.firstSeen) v.firstSeen = dateCreated;
      if (dateCreated > v.lastSeen) v.lastSeen = dateCreated;
      values.set(value, v);
      byKey.set(key, values);
    }
  }
  const out: TagJson[] = [];
  for (const [key, values] of byKey) {
    const topValues = [...values.values()].sort((a, b) => b.count - a.count || b.lastSeen.localeCompare(a.lastSeen) || a.value.localeCompare(b.value));
    out.push({ key, name: TAG_NAMES[key] ?? key, totalValues: topValues.reduce((n, v) => n + v.count, 0), uniqueValues: topValues.length, topValues });
  }
  return out.sort((a, b) => b.totalValues - a.totalValues || a.key.localeCompare(b.key));
}

/** Whether an issue's counters cover all its events, so its tags are read from them rather than from stored events. */
export function countsCoverIssue(counts: IssueTagCounts | undefined): counts is IssueTagCounts {
  return counts !== undefined && counts.from === 0;
}

/**
 * The tag distributions of an issue's counters, in the order of `tagDistributions`.
 * `totalValues` is exact (the events that carried the key). A value's `count`
 * is its counted events less its Space-Saving error: exact for a value that never
 * replaced another, else the events it surely had. So a key whose values keep
 * giving way (many users, each seen a few times) shows small counts that leave
 * most of the total unattributed, rather than the inherited counts of whoever
 * came last; a value that truly dominates shows close to its real count.
 */
export function countedTagDistributions(counts: IssueTagCounts): TagJson[] {
  const out: TagJson[] = [];
  for (const [key, values] of Object.entries(counts.counts)) {
    const entries = Object.entries(values).filter(([, n]) => typeof n === 'number' && n > 0);
    if (entries.length === 0) continue;
    const error = (value: string) => counts.errors[errorName(key, value)] ?? 0;
    const topValues = entries
      .map(([value, n]) => ({ key, value, name: value, count: Math.max(0, Number(n) - error(value)) }))
      .filter((v) => v.count > 0)
      .sort((a, b) => b.count - a.count || a.value.localeCompare(b.value));
    const tag: TagJson = { key, name: TAG_NAMES[key] ?? key, totalValues: entries.reduce((n, [, c]) => n + Number(c), 0), topValues };
    if (!entries.some(([value]) => error(value) > 0)) tag.uniqueValues = topValues.length;
    out.push(tag);
  }
  return out.sort((a, b) => b.totalValues - a.totalValues || a.key.localeCompare(b.key));
}

/** An issue's events search: `key:value` tag filters (all must hold) and free text in the message or title. */
export interface EventQuery {
  tags: Array<[string, string]>;
  text?: string;
}

export function parseEventQuery(q: string): EventQuery {
  const out: EventQuery = { tags: [] };
  const words: string[] = [];
  for (const token of q.match(/(?:[^\s"]+:"(?:[^"\\]|\\.)*"|"(?:[^"\\]|\\.)*"|\S+)/g) ?? []) {
    const m = /^([a-zA-Z_][\w.\-]*):(.+)$/.exec(token);
    const unquote = (v: string) => (v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1).replace(/\\(.)/g, '$1') : v);
    if (m) out.tags.push([m[1]!, unquote(m[2]!)]);
    else words.push(unquote(token));
  }
  if (words.length) out.text = words.join(' ').toLowerCase();
  return out;
}

function matches(e: StoredEvent, q: EventQuery): boolean {
  for (const [k, v] of q.tags) if (!e.event.tags.some(([tk, tv]) => tk === k && tv === v)) return false;
  if (q.text) {
    const ev = e.event;
    const hay = [ev.logentry?.formatted, ev.message, ...(ev.exception?.values ?? []).flatMap((x) => [x.type, x.value])].filter(Boolean).join(' ').toLowerCase();
    if (!hay.includes(q.text)) return false;
  }
  return true;
}

/** Events read at most per search call: a search over more pages continues with the cursor. */
const SEARCH_SCAN_EVENTS = 500;

/**
 * Pages through an issue's events keeping those that match, until the page is
 * full or the scan budget is spent; the cursor then continues the scan.
 */
export async function searchEvents(
  store: Pick<EventStore, 'listEvents'>,
  issueId: string,
  q: EventQuery,
  opts: { limit: number; cursor?: string },
): Promise<{ events: StoredEvent[]; nextCursor?: string }> {
  const found: StoredEvent[] = [];
  let cursor = opts.cursor;
  let scanned = 0;
  for (;;) {
    const page = await store.listEvents(issueId, cursor ? { limit: opts.limit, cursor } : { limit: opts.limit });
    scanned += page.events.length;
    for (const e of page.events) if (matches(e, q)) found.push(e);
    cursor = page.nextCursor;
    if (!cursor || found.length >= opts.limit || scanned >= SEARCH_SCAN_EVENTS) break;
  }
  // A page may hold more matches than asked; the extra ones are shown rather than skipped by the cursor.
  return cursor ? { events: found, nextCursor: cursor } : { events: found };
}
