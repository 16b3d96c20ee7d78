/**
 * Issue lists by a count (events: Sentry's `sort=freq`; users affected: `sort=user`) over all of a
 * project's issues, from an index keyed by a *bucket* of the count.
 *
 * Why buckets: an index entry whose key changes is deleted and put again (2 write units), so a key
 * holding the count itself would cost that on every counting write of every issue. A bucket changes
 * O(log count) times over an issue's life: counts below 2·S each have their own bucket (exact), above
 * that there are S buckets per doubling (S = COUNT_BUCKETS_PER_DOUBLING), each spanning at most 1/S of
 * its lowest count. The key is `{bucket}#{id}`: the id, which never changes, breaks ties, so an entry
 * moves only when its bucket does.
 *
 * The order listed is (count descending, id descending). Index order gives it exactly for exact
 * buckets; inside a range bucket the page reads the whole bucket (a bounded number of entries) and
 * sorts it by the items' real counts. A range bucket holding more than the bound is listed in index
 * order (by id): there the order is approximate, by at most the bucket's width. Cursors name a place
 * in that order (an index key, or a bucket with the last count and id listed), so paging is stable:
 * with no writes in between, paging yields every issue exactly once. An issue that gains events
 * between two pages may move above the cursor and be missed by the later pages. While the index
 * lags behind a write that moved a key (eventually consistent, normally well under a second), the
 * item decides as in the other orders: the issue is listed at its old entry, with its count now
 * (once per request; a later page can list it again at its new place, an earlier one may have).
 *
 * The paging below is pure: the DynamoDB adapter supplies the index reads (`CountIndexSource`).
 */

/**
 * Buckets per doubling of the count above the exact range (a power of two). One: young issues (the
 * bench's steady state, a few events each per batch) move their key at counts 2, 4, 8…; with two per
 * doubling (also at 3, 6, 12…) the steady state cost 0.78 write units per event more instead of 0.46.
 * Wider buckets only cost reads (a page reads its range bucket whole) and precision where a bucket
 * overflows the read bound.
 */
export const COUNT_BUCKETS_PER_DOUBLING = 1;
const S = COUNT_BUCKETS_PER_DOUBLING;
const S_BITS = Math.log2(S);
/** Counts below this have a bucket each. */
export const EXACT_BELOW = 2 * S;
const BUCKET_DIGITS = 3;
/** Ids are sequence numbers: padded, their string order (the index's) is their numeric order. */
const ID_DIGITS = 12;

/** The bucket of a count: monotone, and equal to the count below EXACT_BELOW. */
export function countBucket(count: number): number {
  const n = Math.max(0, Math.floor(count));
  if (n < EXACT_BELOW) return n;
  const shift = Math.floor(Math.log2(n)) - S_BITS;
  // Math.log2 can land a hair off at exact powers of two: settle the mantissa in [S, 2S).
  let sh = shift;
  while (Math.floor(n / 2 ** sh) >= 2 * S) sh++;
  while (sh > 1 && Math.floor(n / 2 ** sh) < S) sh--;
  return sh * S + Math.floor(n / 2 ** sh);
}

/** The counts a bucket holds, both ends included. */
export function bucketRange(bucket: number): { min: number; max: number } {
  if (bucket < EXACT_BELOW) return { min: bucket, max: bucket };
  const sh = Math.floor((bucket - S) / S);
  const m = bucket - sh * S;
  return { min: m * 2 ** sh, max: (m + 1) * 2 ** sh - 1 };
}

export const isExactBucket = (bucket: number) => bucketRange(bucket).min === bucketRange(bucket).max;

const bucketText = (bucket: number) => String(bucket).padStart(BUCKET_DIGITS, '0');
/** Every key of a bucket starts with this. */
export const bucketPrefix = (bucket: number) => `${bucketText(bucket)}#`;
/** Index keys below this are in lower buckets. */
const bucketBottom = bucketPrefix;
/** Index keys below this are in this bucket or lower ones. */
const bucketTop = (bucket: number) => `${bucketText(bucket)}#\uffff`;

/** The index sort key of an issue with this count. */
export function countSortKey(count: number, issueId: string): string {
  return `${bucketPrefix(countBucket(count))}${issueId.padStart(ID_DIGITS, '0')}`;
}

const KEY = /^(\d{3})#(.+)$/;
function parseKey(key: string): { bucket: number; tie: string } | undefined {
  const m = KEY.exec(key);
  return m ? { bucket: Number(m[1]), tie: m[2]! } : undefined;
}

/**
 * Update parts that keep an issue's count key right in one conditional write that adds `added`
 * to a count read as `before` (`attr`: the count attribute's name or placeholder): the key when
 * it changes (or is missing: items written before the index get it with their next write), and a
 * guard that fails the write if a concurrent writer has moved the count so far that the sum lands
 * in another bucket than the key written (the caller reads again and retries).
 */
export function countKeyUpdate(
  attr: string,
  keyAttr: string,
  before: number,
  added: number,
  currentKey: unknown,
  issueId: string,
  name: string,
): { set?: string; condition: string; values: Record<string, unknown> } {
  const key = countSortKey(before + added, issueId);
  const { max } = bucketRange(countBucket(before + added));
  const values: Record<string, unknown> = { [`:${name}Max`]: max - added };
  const out: { set?: string; condition: string; values: Record<string, unknown> } = {
    condition: `(attribute_not_exists(${attr}) OR ${attr} <= :${name}Max)`,
    values,
  };
  if (currentKey !== key) {
    values[`:${name}Key`] = key;
    out.set = `${keyAttr} = :${name}Key`;
  }
  return out;
}

// ---- paging ----

export interface CountIndexEntry {
  /** The index sort key (`countSortKey`). */
  key: string;
}

export interface CountIndexSource<E extends CountIndexEntry, T> {
  /** Up to `limit` entries with keys below `below` (all when undefined), highest first; `more` if others remain. */
  below(below: string | undefined, limit: number): Promise<{ entries: E[]; more: boolean }>;
  /** Up to `limit` entries of one bucket (keys starting with `prefix`), any order; `more` if others remain. */
  bucket(prefix: string, limit: number): Promise<{ entries: E[]; more: boolean }>;
  /**
   * The listed value and its current count for each entry, in the order given, or undefined for an
   * entry that is not listed here (its issue merged, emptied, moved, or met before in this request).
   */
  resolve(entries: E[]): Promise<Array<{ value: T; count: number } | undefined>>;
}

export interface CountPageOptions<T> {
  limit: number;
  cursor?: string | undefined;
  /** Filters the index cannot answer: a value left out still moves the cursor. */
  keep: (value: T) => boolean;
  /** Entries examined per request at most (a short page then carries a cursor). */
  maxExamined: number;
  /** A range bucket is read whole up to this many entries; above, it is listed by id. */
  maxBucket: number;
  /** Entries per index read outside range buckets. */
  round: (missing: number) => number;
}

/** A place in the order: below an index key, or inside a range bucket below (count, tie). */
type Place = { kind: 'key'; below: string | undefined } | { kind: 'rank'; bucket: number; after?: { count: number; tie: string } };

export function encodeCountCursor(place: Place): string {
  const text = place.kind === 'key' ? `k:${place.below ?? ''}` : `r:${place.bucket}${place.after ? `:${place.after.count}:${place.after.tie}` : ''}`;
  return Buffer.from(text, 'utf8').toString('base64url');
}

/** A cursor of this order, or undefined for anything else (a cursor of another order starts over). */
export function decodeCountCursor(cursor: string | undefined): Place | undefined {
  if (!cursor) return undefined;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const k = /^k:(\d{3}#\S+)$/.exec(text);
  if (k) return { kind: 'key', below: k[1]! };
  const r = /^r:(\d{1,3})(?::(\d{1,16}):(\S+))?$/.exec(text);
  if (!r) return undefined;
  const bucket = Number(r[1]);
  return r[2] === undefined ? { kind: 'rank', bucket } : { kind: 'rank', bucket, after: { count: Number(r[2]), tie: r[3]! } };
}

const desc = (a: string, b: string) => (a < b ? 1 : a > b ? -1 : 0);
/** (count, tie) descending: the order inside a range bucket. */
export function compareRanked(a: { count: number; tie: string }, b: { count: number; tie: string }): number {
  return b.count - a.count || desc(a.tie, b.tie);
}

/**
 * One page of a count order. Reads are bounded: at most `maxExamined` entries consumed, plus one
 * range bucket of at most `maxBucket` entries read whole.
 */
export async function countPage<E extends CountIndexEntry, T>(source: CountIndexSource<E, T>, opts: CountPageOptions<T>): Promise<{ values: T[]; nextCursor?: string }> {
  const values: T[] = [];
  let examined = 0;
  let place: Place = decodeCountCursor(opts.cursor) ?? { kind: 'key', below: undefined };
  const done = (more: boolean) => (more ? { values, nextCursor: encodeCountCursor(place) } : { values });

  for (;;) {
    if (place.kind === 'rank') {
      const bucket = place.bucket;
      const { entries, more: overflow } = await source.bucket(bucketPrefix(bucket), opts.maxBucket);
      if (overflow) {
        // Too many to read whole: this bucket is listed in index order (by id) — approximate by its width.
        place = { kind: 'key', below: place.after ? `${bucketPrefix(bucket)}${place.after.tie}` : bucketTop(bucket) };
        continue;
      }
      const resolved = await source.resolve(entries);
      const after = place.after;
      const ranked = entries
        .flatMap((e, i) => {
          const r = resolved[i];
          return r ? [{ count: r.count, tie: parseKey(e.key)?.tie ?? '', value: r.value }] : [];
        })
        .filter((c) => !after || compareRanked(after, c) < 0)
        .sort(compareRanked);
      for (let i = 0; i < ranked.length; i++) {
        const c = ranked[i]!;
        examined++;
        place = { kind: 'rank', bucket, after: { count: c.count, tie: c.tie } };
        if (opts.keep(c.value)) values.push(c.value);
        if (values.length >= opts.limit || examined >= opts.maxExamined) {
          const more = i + 1 < ranked.length || (await source.below(bucketBottom(bucket), 1)).entries.length > 0;
          return done(more);
        }
      }
      place = { kind: 'key', below: bucketBottom(bucket) };
      continue;
    }

    const below = place.below;
    const { entries, more } = await source.below(below, opts.round(opts.limit - values.length));
    // Streamed in index order: exact buckets, and a range bucket too big to read whole once inside it.
    const streamed = (e: E) => {
      const bucket = parseKey(e.key)?.bucket ?? 0;
      return isExactBucket(bucket) || (below !== undefined && below.startsWith(bucketPrefix(bucket)));
    };
    let n = 0;
    while (n < entries.length && streamed(entries[n]!)) n++;
    const resolved = await source.resolve(entries.slice(0, n));
    for (let i = 0; i < n; i++) {
      examined++;
      place = { kind: 'key', below: entries[i]!.key };
      const r = resolved[i];
      if (r && opts.keep(r.value)) values.push(r.value);
      if (values.length >= opts.limit || examined >= opts.maxExamined) return done(i + 1 < entries.length || more);
    }
    if (n < entries.length) {
      // A range bucket begins: read it whole and rank it.
      place = { kind: 'rank', bucket: parseKey(entries[n]!.key)?.bucket ?? 0 };
      continue;
    }
    if (!more) return done(false);
  }
}
