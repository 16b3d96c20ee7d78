/**
 * The issue item's tag counters in DynamoDB (planned in `shared/event/tag-counts.ts`):
 *
 *   tc      {key: {value: events}}   the counted values
 *   te      {"key=value": error}     Space-Saving errors of values that replaced others
 *   tcFrom  events before counting began (issues older than the counters; absent = 0)
 *   tcv     a version, added to by every write of the counters
 *
 * Built into the issue's one counting write, so the counters are exactly-once
 * with it. Writes are relative, so concurrent counting writes commute: an
 * increment adds; a replacement moves the victim's count as it is at write
 * time (`SET tc.k.new = tc.k.old + :n REMOVE tc.k.old`), guarded by the victim
 * still being there and the newcomer not yet; a grown key is guarded by its
 * size as read. A batch whose writes would not fit DynamoDB's 4 KB expression
 * limit writes the maps whole instead, guarded by `tcv` as read (every
 * relative write adds to it, so none is overwritten).
 */
import {
  applyTagCountPlan,
  errorName,
  planTagCounts,
  valueCapOf,
  type TagCountMap,
  type TagCountPlan,
} from '#shared/event/tag-counts.ts';
import type { IssueTagCounts } from '#shared/model.ts';
import type { Item } from './dynamo-table.ts';

/** DynamoDB limits each expression to 4 KB: the rest of the counting write takes up to about 1.5 KB (finished tokens leaving with it). */
const MAX_TAG_EXPRESSION_CHARS = 2400;

/** Fragments to add to an UpdateItem (names and values prefixed so they meet no other placeholder). */
export interface ExpressionParts {
  sets: string[];
  removes: string[];
  adds: string[];
  conditions: string[];
  names: Record<string, string>;
  values: Record<string, unknown>;
}

/** The counters as stored on an item; undefined when the item has none. */
export function readTagCounts(item: Item): IssueTagCounts | undefined {
  const counts = item['tc'];
  if (!counts || typeof counts !== 'object') return undefined;
  const errors = item['te'];
  return {
    counts: counts as TagCountMap,
    errors: errors && typeof errors === 'object' ? (errors as Record<string, number>) : {},
    from: typeof item['tcFrom'] === 'number' ? item['tcFrom'] : 0,
  };
}

/** `{counts, errors}` as stored numbers (the document client may hand back numbers as numbers already). */
function whole(parts: ExpressionParts, state: Pick<IssueTagCounts, 'counts' | 'errors'>): void {
  parts.values[':tcAll'] = state.counts;
  parts.values[':teAll'] = state.errors;
  parts.sets.push('tc = :tcAll', 'te = :teAll');
}

/**
 * The counting write's part for a batch's tag counts, against the item as read.
 * `salt` varies the victim among equally least-counted values between writers;
 * `fold` (a retry after a lost race) plans a write that only adds (see `planTagCounts`).
 */
export function tagCountParts(item: Item, batch: TagCountMap | undefined, salt: string, fold = false): ExpressionParts | undefined {
  if (!batch || Object.keys(batch).length === 0) return undefined;
  const parts: ExpressionParts = { sets: [], removes: [], adds: ['tcv :tcOne'], conditions: [], names: {}, values: { ':tcOne': 1 } };
  const read = readTagCounts(item);
  if (!read) {
    // First counted batch: the maps are written whole. An issue with earlier events records how
    // many were not counted, guarded by the count read so that number is exact.
    whole(parts, applyTagCountPlan({ counts: {}, errors: {} }, planTagCounts({ counts: {}, errors: {} }, { counts: batch }, salt)));
    parts.conditions.push('attribute_not_exists(tc)');
    const before = Number(item['count'] ?? 0);
    if (before > 0) {
      parts.names['#tcCount'] = 'count';
      parts.values[':tcFrom'] = before;
      parts.sets.push('tcFrom = :tcFrom');
      parts.conditions.push('#tcCount = :tcFrom');
    }
    return parts;
  }
  const plan = planTagCounts(read, { counts: batch }, salt, fold);
  const relative = relativeParts(plan);
  const length = (p: ExpressionParts) => Math.max(p.sets.join(', ').length + p.removes.join(', ').length, p.conditions.join(' AND ').length);
  if (length(relative) <= MAX_TAG_EXPRESSION_CHARS) return relative;
  whole(parts, applyTagCountPlan(read, plan));
  if (typeof item['tcv'] === 'number') {
    parts.values[':tcv'] = item['tcv'];
    parts.conditions.push('tcv = :tcv');
  } else parts.conditions.push('attribute_not_exists(tcv)');
  return parts;
}

function relativeParts(plan: TagCountPlan): ExpressionParts {
  const parts: ExpressionParts = { sets: [], removes: [], adds: ['tcv :tcOne'], conditions: [], names: {}, values: { ':tcOne': 1 } };
  const nameOf = new Map<string, string>();
  const name = (prefix: string, s: string) => {
    const id = `${prefix}\u0000${s}`;
    let n = nameOf.get(id);
    if (!n) {
      n = `#${prefix}${nameOf.size.toString(36)}`;
      nameOf.set(id, n);
      parts.names[n] = s;
    }
    return n;
  };
  // Numbers by value: most adds are small and repeat, so they share placeholders.
  const num = (n: number) => {
    const p = `:tc${n.toString(36)}`;
    parts.values[p] = n;
    return p;
  };
  for (const { key, created, grown, writes } of plan.keys) {
    const k = name('k', key);
    if (created) {
      const map: Record<string, number> = {};
      for (const w of writes) {
        map[w.value] = w.add;
        if (w.errorAdd > 0) parts.sets.push(`te.${name('e', errorName(key, w.value))} = ${num(w.errorAdd)}`);
      }
      parts.values[`:tcKey${k.slice(2)}`] = map;
      parts.sets.push(`tc.${k} = :tcKey${k.slice(2)}`);
      parts.conditions.push(`attribute_not_exists(tc.${k})`);
      continue;
    }
    if (grown > 0) parts.conditions.push(`size(tc.${k}) <= ${num(Math.max(0, valueCapOf(key) - grown))}`);
    for (const w of writes) {
      const path = `tc.${k}.${name('v', w.value)}`;
      const err = () => `te.${name('e', errorName(key, w.value))}`;
      if (w.replaced && w.base !== undefined) {
        const victim = `tc.${k}.${name('v', w.base)}`;
        parts.sets.push(`${path} = ${victim} + ${num(w.add)}`, `${err()} = ${victim} + ${num(w.errorAdd)}`);
        parts.removes.push(victim);
        if (w.dropBaseError) parts.removes.push(`te.${name('e', errorName(key, w.base))}`);
        parts.conditions.push(`attribute_exists(${victim})`, `attribute_not_exists(${path})`);
        continue;
      }
      // An increment, or a new value in room: if_not_exists, so a concurrent eviction of the value never fails the write.
      parts.sets.push(`${path} = if_not_exists(${path}, ${num(0)}) + ${num(w.add)}`);
      if (w.replaced) parts.sets.push(`${err()} = ${num(w.errorAdd)}`);
      else if (w.errorAdd > 0) parts.sets.push(`${err()} = if_not_exists(${err()}, ${num(0)}) + ${num(w.errorAdd)}`);
    }
  }
  return parts;
}

/**
 * The survivor's part of a merge: its counters add the merged issue's (Space-Saving
 * merges them as one more weighted batch, errors included), written whole and guarded
 * by the version read. Events neither issue counted are added to `tcFrom`, so a
 * survivor whose counts no longer cover all its events says so.
 */
export function mergeTagCountParts(survivor: Item, other: Item, salt: string): ExpressionParts | undefined {
  const into = readTagCounts(survivor);
  const from = readTagCounts(other);
  if (!into && !from) return undefined;
  const uncounted = from ? from.from : Number(other['count'] ?? 0);
  const parts: ExpressionParts = { sets: [], removes: [], adds: ['tcv :tcOne'], conditions: [], names: {}, values: { ':tcOne': 1 } };
  const base = into ?? { counts: {}, errors: {}, from: Number(survivor['count'] ?? 0) };
  const merged = from ? applyTagCountPlan(base, planTagCounts(base, { counts: from.counts, errors: from.errors }, salt)) : base;
  whole(parts, merged);
  if (into) {
    if (typeof survivor['tcv'] === 'number') {
      parts.values[':tcv'] = survivor['tcv'];
      parts.conditions.push('tcv = :tcv');
    } else parts.conditions.push('attribute_not_exists(tcv)');
  } else {
    // The survivor counted nothing yet: every event it has is uncounted, guarded by its count as read.
    parts.names['#tcCount'] = 'count';
    parts.values[':tcCount'] = Number(survivor['count'] ?? 0);
    parts.conditions.push('attribute_not_exists(tc)', '#tcCount = :tcCount');
  }
  const total = base.from + uncounted;
  if (total > 0 || into?.from) {
    parts.values[':tcFrom'] = total;
    parts.sets.push('tcFrom = :tcFrom');
  }
  return parts;
}
