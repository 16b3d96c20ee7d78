/**
 * Counted tag values of an issue: per tag key, the top values with their event
 * counts, kept on the issue item and written by the issue's counting write, so
 * they are exactly-once with it (the batch token guards the write).
 *
 * Every write of the issue item costs a write unit per KB of the item, so the
 * counters are bounded: values are cut to `MAX_COUNTED_VALUE_CHARS`, a key
 * keeps at most `valueCapOf(key)` values (fewer for high-cardinality keys),
 * at most `MAX_COUNTED_KEYS` keys are counted, and new keys or values stop
 * being added once the counters take `MAX_TAG_COUNT_BYTES`.
 *
 * A full key uses Space-Saving (Metwally, Agrawal, El Abbadi 2005), weighted:
 * the newcomer takes the place of the least-counted entry and inherits its
 * count, and that inherited count is kept as the newcomer's error. Chosen over
 * an "other" bucket because values that arrive late (a new release, a new
 * browser version) still rise into the top values, where an "other" bucket
 * would hide them for good once the key is full. Properties kept:
 *
 * - a key's counts always sum to the events that carried the key (an eviction
 *   moves the evicted count to the newcomer, it never drops it);
 * - for a value in the map, `count - error <= true count <= count`.
 *
 * The planner turns one batch into writes relative to what was read, so that
 * concurrent counting writes of the same issue commute: increments add, a
 * replacement moves the victim's count *as it is at write time* to the
 * newcomer (`SET new = old + :n REMOVE old`), guarded only by the victim and
 * the newcomer's own entries (`shared`-free: the DynamoDB expression is built
 * in `functions/lib/dynamo-tag-counts.ts`).
 */
import type { IssueTagCounts, NormalizedEvent } from '../model.ts';

/** Values longer than this are cut (with `…`): a tag value may be 200 characters, and every byte is written with each event batch. */
export const MAX_COUNTED_VALUE_CHARS = 64;
/** Keys longer than this are not counted (Sentry's own tag keys are at most 32 characters). */
export const MAX_COUNTED_KEY_CHARS = 64;
/** Values kept per key: the tags panel and `/tags/` show the top ten. */
export const MAX_VALUES_PER_KEY = 10;
/** Values kept per key for keys whose values are mostly unique (a user, a URL): only the heaviest few mean anything. */
export const MAX_VALUES_PER_HIGH_CARDINALITY_KEY = 5;
export const HIGH_CARDINALITY_KEYS: ReadonlySet<string> = new Set(['user', 'url', 'transaction']);
/** Keys counted per issue at most. */
export const MAX_COUNTED_KEYS = 24;
/**
 * Estimated bytes (DynamoDB's item size rules) of the counters past which no
 * new key or value is added: three write units at most. A new value is charged
 * as if it carried an error too, so the errors that replacements add later are
 * paid for; replacements themselves are always made (the counts stay exact), and
 * only a newcomer longer than the value it replaces can grow the counters past this.
 */
export const MAX_TAG_COUNT_BYTES = 3072;

/** Tag keys that lead when the budget has room for only some new keys: what readers look at first. */
const KEY_PRIORITY = ['level', 'environment', 'release', 'handled', 'mechanism', 'browser', 'browser.name', 'os', 'os.name', 'device', 'device.family', 'runtime', 'runtime.name', 'url', 'user', 'transaction', 'server_name', 'logger'];

export function valueCapOf(key: string): number {
  return HIGH_CARDINALITY_KEYS.has(key) ? MAX_VALUES_PER_HIGH_CARDINALITY_KEY : MAX_VALUES_PER_KEY;
}

/** `key=value`: how an error is named (keys have no `=`). */
export function errorName(key: string, value: string): string {
  return `${key}=${value}`;
}

/** The value as counted: cut to `MAX_COUNTED_VALUE_CHARS` characters (code points), `…` marking the cut. */
export function countedValue(value: string): string {
  // UTF-16 length bounds the code points: short values (nearly all) are never split into characters.
  if (value.length <= MAX_COUNTED_VALUE_CHARS) return value;
  const chars = [...value];
  return chars.length > MAX_COUNTED_VALUE_CHARS ? `${chars.slice(0, MAX_COUNTED_VALUE_CHARS - 1).join('')}…` : value;
}

/** key → value → events. */
export type TagCountMap = Record<string, Record<string, number>>;

/** Counts of a batch of one issue's events: each event counts once per key it carries. */
export function batchTagCounts(events: Iterable<Pick<NormalizedEvent, 'tags'>>): TagCountMap {
  const out: TagCountMap = Object.create(null) as TagCountMap;
  for (const e of events) {
    const seen = new Set<string>();
    for (const [key, raw] of e.tags) {
      // A key twice in one event (not after normalization, but cheap to be sure) counts once, as the first value.
      if (key.length > MAX_COUNTED_KEY_CHARS || key.includes('=') || seen.has(key)) continue;
      seen.add(key);
      const value = countedValue(raw);
      const values = (out[key] ??= Object.create(null) as Record<string, number>);
      values[value] = (values[value] ?? 0) + 1;
    }
  }
  return out;
}

// ---- size estimate (DynamoDB: names and strings by UTF-8 length, numbers ~1 byte per 2 digits + 1, 3 bytes per map, 1 per element) ----

const utf8 = (s: string) => Buffer.byteLength(s, 'utf8');
const numberBytes = (n: number) => Math.ceil(String(Math.abs(Math.trunc(n))).length / 2) + 1;
const entryBytes = (name: string, n: number) => utf8(name) + numberBytes(n) + 1;
const keyBytes = (key: string) => utf8(key) + 4;
/** A new value's charge against the budget: its entry, and the error entry it may carry once a replacement puts it there. */
const slotBytes = (key: string, value: string, n: number) => entryBytes(value, n) + entryBytes(errorName(key, value), n);

/** Estimated bytes the counters add to the issue item. */
export function tagCountBytes(state: Pick<IssueTagCounts, 'counts' | 'errors'>): number {
  let bytes = 6 + utf8('tc') + utf8('te');
  for (const [key, values] of Object.entries(state.counts)) {
    bytes += keyBytes(key);
    for (const [value, n] of Object.entries(values)) bytes += entryBytes(value, n);
  }
  for (const [name, n] of Object.entries(state.errors)) bytes += entryBytes(name, n);
  return bytes;
}

/** The counters as charged against the budget: every entry with its possible error (at least the actual bytes). */
function budgetBytes(state: Pick<IssueTagCounts, 'counts'>): number {
  let bytes = 6 + utf8('tc') + utf8('te');
  for (const [key, values] of Object.entries(state.counts)) {
    bytes += keyBytes(key);
    for (const [value, n] of Object.entries(values)) bytes += slotBytes(key, value, n);
  }
  return bytes;
}

// ---- planning ----

/**
 * One entry this write changes. Its count after the write is the current count
 * of `base` (0 without one) plus `add`; `value` is the entry's value after it.
 */
export interface SlotWrite {
  /** The value whose entry this was when read; absent for a new entry. */
  base?: string;
  value: string;
  add: number;
  /**
   * The entry took the place of `base` (Space-Saving): its error becomes the
   * current count of `base` plus `errorAdd`. Otherwise its error grows by `errorAdd`.
   */
  replaced: boolean;
  errorAdd: number;
  /** `base` had an error, which leaves with it. */
  dropBaseError: boolean;
}

export interface KeyPlan {
  key: string;
  /** The key was not counted yet: its map is written whole (`add` is then the whole count). */
  created: boolean;
  /** Entries added without a victim (the key had room). */
  grown: number;
  writes: SlotWrite[];
}

export interface TagCountPlan {
  keys: KeyPlan[];
  /** Keys of the batch left uncounted: no room for another key. */
  skipped: string[];
}

/** A batch to count: events per value, and (merging another issue's counters) the errors those carry. */
export interface TagCountBatch {
  counts: TagCountMap;
  errors?: Record<string, number>;
}

interface Slot {
  base?: string;
  baseCount: number;
  value: string;
  add: number;
  replaced: boolean;
  errorAdd: number;
  baseError: number;
  touched: boolean;
}

/** A stable pseudo-random order among equal counts, different per write, so concurrent writers rarely pick the same victim. */
function tieBreak(salt: string, value: string): number {
  let h = 0x811c9dc5;
  for (const s of [salt, '\u0000', value]) {
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
  }
  return h;
}

/**
 * Plans one batch against the counters as read. `salt` (the batch token)
 * varies the choice among equally least-counted victims between writers.
 *
 * `fold`: a newcomer to a full key is counted on the least-counted entry, as
 * that entry's error, instead of replacing it. Such a write only adds, so it
 * never conflicts with a concurrent one: the retry of a write that lost a race
 * uses it, so that many writers storming one issue with new users cannot keep
 * failing each other's replacements. The bounds still hold (the entry's error
 * covers what was folded in); only that newcomer does not enter the top values.
 */
export function planTagCounts(state: Pick<IssueTagCounts, 'counts' | 'errors'>, batch: TagCountBatch, salt = '', fold = false): TagCountPlan {
  let bytes = budgetBytes(state);
  const plan: TagCountPlan = { keys: [], skipped: [] };
  let keyCount = Object.keys(state.counts).length;
  const rank = (k: string) => {
    const i = KEY_PRIORITY.indexOf(k);
    return i < 0 ? KEY_PRIORITY.length : i;
  };
  const batchTotal = (k: string) => Object.values(batch.counts[k] ?? {}).reduce((a, b) => a + b, 0);
  // Counted keys first (they never need room), then new keys by priority, then by weight.
  const keys = Object.keys(batch.counts).sort((a, b) => {
    const ka = a in state.counts ? 0 : 1;
    const kb = b in state.counts ? 0 : 1;
    return ka - kb || rank(a) - rank(b) || batchTotal(b) - batchTotal(a) || (a < b ? -1 : a > b ? 1 : 0);
  });
  for (const key of keys) {
    const incoming = Object.entries(batch.counts[key]!).filter(([, n]) => n > 0);
    if (incoming.length === 0) continue;
    const current = state.counts[key];
    const created = current === undefined;
    if (created) {
      const cost = keyBytes(key) + slotBytes(key, incoming[0]![0], incoming[0]![1]);
      if (keyCount >= MAX_COUNTED_KEYS || bytes + cost > MAX_TAG_COUNT_BYTES) {
        plan.skipped.push(key);
        continue;
      }
      keyCount++;
      bytes += keyBytes(key);
    }
    const cap = valueCapOf(key);
    const slots: Slot[] = Object.entries(current ?? {}).map(([value, n]) => {
      const baseError = state.errors[errorName(key, value)] ?? 0;
      return { base: value, baseCount: n, value, add: 0, replaced: false, errorAdd: 0, baseError, touched: false };
    });
    const byValue = new Map(slots.map((s) => [s.value, s]));
    const newcomers: Array<[string, number]> = [];
    for (const [value, n] of incoming) {
      const slot = byValue.get(value);
      if (slot) {
        slot.add += n;
        slot.errorAdd += batch.errors?.[errorName(key, value)] ?? 0;
        slot.touched = true;
      } else newcomers.push([value, n]);
    }
    // Heaviest first: a light newcomer then evicts another light one, not a heavy one placed just before.
    newcomers.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    let grown = 0;
    for (const [value, n] of newcomers) {
      const error = batch.errors?.[errorName(key, value)] ?? 0;
      const cost = slotBytes(key, value, Math.max(n, error));
      if (slots.length < cap && (created ? slots.length === 0 || bytes + cost <= MAX_TAG_COUNT_BYTES : bytes + cost <= MAX_TAG_COUNT_BYTES)) {
        const slot: Slot = { baseCount: 0, value, add: n, replaced: false, errorAdd: error, baseError: 0, touched: true };
        slots.push(slot);
        byValue.set(value, slot);
        bytes += cost;
        grown++;
        continue;
      }
      // Space-Saving: the least-counted entry, as it stands with this batch, gives way.
      let victim = slots[0]!;
      for (const s of slots) {
        const c = s.baseCount + s.add;
        const vc = victim.baseCount + victim.add;
        if (c < vc || (c === vc && tieBreak(salt, s.value) < tieBreak(salt, victim.value))) victim = s;
      }
      if (fold) {
        victim.add += n;
        victim.errorAdd += n + error;
        victim.touched = true;
        continue;
      }
      byValue.delete(victim.value);
      victim.errorAdd = victim.add + error;
      victim.replaced = true;
      victim.add += n;
      victim.value = value;
      victim.touched = true;
      byValue.set(value, victim);
    }
    const writes = slots
      .filter((s) => s.touched)
      .map((s): SlotWrite => {
        const w: SlotWrite = { value: s.value, add: s.add, replaced: s.replaced, errorAdd: s.errorAdd, dropBaseError: s.replaced && s.baseError > 0 };
        if (s.base !== undefined) w.base = s.base;
        return w;
      });
    plan.keys.push({ key, created, grown, writes });
  }
  return plan;
}

/** The counters after a plan, had nothing changed since they were read (memory stores, whole-map writes, tests). */
export function applyTagCountPlan(state: Pick<IssueTagCounts, 'counts' | 'errors'>, plan: TagCountPlan): Pick<IssueTagCounts, 'counts' | 'errors'> {
  const counts: TagCountMap = {};
  for (const [k, values] of Object.entries(state.counts)) counts[k] = { ...values };
  const errors = { ...state.errors };
  for (const { key, writes } of plan.keys) {
    const values = (counts[key] ??= {});
    for (const w of writes) {
      const baseCount = w.base !== undefined ? (values[w.base] ?? 0) : 0;
      if (w.replaced && w.base !== undefined) {
        delete values[w.base];
        if (w.dropBaseError) delete errors[errorName(key, w.base)];
      }
      values[w.value] = baseCount + w.add;
      const name = errorName(key, w.value);
      if (w.replaced) errors[name] = baseCount + w.errorAdd;
      else if (w.errorAdd > 0) errors[name] = (errors[name] ?? 0) + w.errorAdd;
    }
  }
  return { counts, errors };
}

/** Counts one batch into counters (the whole plan, then applied). */
export function countTags(state: Pick<IssueTagCounts, 'counts' | 'errors'>, batch: TagCountBatch, salt = '', fold = false): Pick<IssueTagCounts, 'counts' | 'errors'> {
  return applyTagCountPlan(state, planTagCounts(state, batch, salt, fold));
}

/** Whether the counters hold a value of a key (issue search by tag). */
export function hasCountedValue(counts: TagCountMap | undefined, key: string, value: string): boolean {
  const values = counts?.[key];
  return values !== undefined && Object.prototype.hasOwnProperty.call(values, countedValue(value));
}
