/**
 * The tag values an issue remembers so that issue search can filter by tag
 * (`browser.name:Chrome environment:production`) without reading events: a
 * small string set on the issue item, of the low-cardinality tags only. High-
 * cardinality tags (user, url, transaction, release versions of browsers…)
 * would grow the hot issue item with every event; they are searched on an
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

/** Values remembered per issue at most: past this, new values are not added (an approximate, bounded index). */
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
