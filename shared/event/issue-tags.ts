/**
 * The tag keys an issue search can filter by (`browser.name:Chrome
 * environment:production`) without reading events: issues answer them from
 * their tag counters (`shared/event/tag-counts.ts`), and issues older than the
 * counters from the `tagValues` string set they kept. Only low-cardinality
 * keys: the counters keep the top few values of a user, a URL or a transaction,
 * so a search by one of those would miss issues; they are searched on an
 * issue's events instead.
 */
import type { NormalizedEvent } from '../model.ts';

/** Tags an issue search can filter on; `browser`, `os`, `runtime` carry versions but stay few per issue. */
export const ISSUE_TAG_KEYS: ReadonlySet<string> = new Set([
  'environment',
  'browser',
  'browser.name',
  'os',
  'os.name',
  'runtime',
  'runtime.name',
  'device',
  'device.family',
  'handled',
  'mechanism',
  'server_name',
  'logger',
]);

/** Values the `tagValues` set of issues older than the counters held at most. */
export const MAX_ISSUE_TAG_VALUES = 200;

/** How a tag value is stored in the set: `key=value` (keys have no `=`). */
export function issueTagValue(key: string, value: string): string {
  return `${key}=${value}`;
}

export function isIssueTag(key: string): boolean {
  return ISSUE_TAG_KEYS.has(key);
}

/** The indexed tag values of a batch of events of one issue. */
export function issueTagValues(events: Iterable<Pick<NormalizedEvent, 'tags'>>): string[] {
  const out = new Set<string>();
  for (const e of events) for (const [k, v] of e.tags) if (ISSUE_TAG_KEYS.has(k)) out.add(issueTagValue(k, v));
  return [...out];
}
