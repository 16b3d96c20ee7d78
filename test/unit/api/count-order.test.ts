/**
 * The count orders (`sort=freq`, `sort=user`): the bucket function that keys the index, and the
 * paging that turns bucket-ordered index entries into pages in exact count order, checked against
 * an in-memory index.
 */
import { describe, expect, it } from 'vitest';
import {
  bucketPrefix,
  bucketRange,
  compareRanked,
  COUNT_BUCKETS_PER_DOUBLING,
  countBucket,
  countKeyUpdate,
  countPage,
  countSortKey,
  decodeCountCursor,
  encodeCountCursor,
  EXACT_BELOW,
  isExactBucket,
  type CountIndexSource,
} from '#shared/api/count-order.ts';

describe('countBucket', () => {
  it('gives small counts a bucket each', () => {
    for (let n = 0; n < EXACT_BELOW; n++) {
      expect(countBucket(n)).toBe(n);
      expect(isExactBucket(countBucket(n))).toBe(true);
    }
    expect(isExactBucket(countBucket(EXACT_BELOW))).toBe(false);
  });

  it('is monotone, and each count lies in its bucket range', () => {
    let previous = -1;
    const counts = [...Array.from({ length: 20_000 }, (_, i) => i), ...Array.from({ length: 400 }, (_, i) => Math.floor(1.1 ** i)).filter((n) => n < Number.MAX_SAFE_INTEGER)];
    counts.sort((a, b) => a - b);
    for (const n of counts) {
      const b = countBucket(n);
      expect(b, `count ${n}`).toBeGreaterThanOrEqual(previous);
      previous = b;
      const { min, max } = bucketRange(b);
      expect(n, `count ${n} in bucket ${b}`).toBeGreaterThanOrEqual(min);
      expect(n).toBeLessThanOrEqual(max);
    }
  });

  it('has contiguous ranges, each at most 1/S of its lowest count wide', () => {
    for (let b = 0; bucketRange(b + 1).max <= Number.MAX_SAFE_INTEGER; b++) {
      const r = bucketRange(b);
      expect(bucketRange(b + 1).min).toBe(r.max + 1);
      expect(countBucket(r.min)).toBe(b);
      expect(countBucket(r.max)).toBe(b);
      expect(r.max - r.min + 1).toBeLessThanOrEqual(Math.max(1, r.min / COUNT_BUCKETS_PER_DOUBLING));
    }
  });

  it('changes O(log count) times over an issue life', () => {
    let changes = 0;
    for (let n = 2, b = countBucket(1); n <= 1_000_000; n++) {
      if (countBucket(n) !== b) changes++;
      b = countBucket(n);
    }
    // Buckets are contiguous: one change per bucket passed, at most EXACT_BELOW plus S per doubling.
    expect(changes).toBe(countBucket(1_000_000) - countBucket(1));
    expect(changes).toBeLessThanOrEqual(EXACT_BELOW + COUNT_BUCKETS_PER_DOUBLING * Math.log2(1_000_000));
  });
});

describe('countSortKey', () => {
  it('orders as (count bucket, id) in string order, which is the index order', () => {
    const rows = Array.from({ length: 2000 }, (_, i) => ({ count: Math.floor((i * 7919) % 5000 ** ((i % 3) / 2 + 0.5)), id: String(1 + ((i * 104_729) % 100_000)) }));
    const byKey = [...rows].sort((a, b) => (countSortKey(a.count, a.id) < countSortKey(b.count, b.id) ? -1 : 1));
    for (let i = 1; i < byKey.length; i++) {
      const [a, b] = [byKey[i - 1]!, byKey[i]!];
      const [ba, bb] = [countBucket(a.count), countBucket(b.count)];
      expect(ba).toBeLessThanOrEqual(bb);
      if (ba === bb) expect(Number(a.id)).toBeLessThanOrEqual(Number(b.id));
    }
  });

  it('starts with its bucket prefix', () => {
    expect(countSortKey(5, '42').startsWith(bucketPrefix(countBucket(5)))).toBe(true);
    expect(countSortKey(5, '42')).toBe(`${bucketPrefix(countBucket(5))}000000000042`);
  });
});

describe('countKeyUpdate', () => {
  it('sets the key only when the bucket changes (or the key is missing)', () => {
    const same = countKeyUpdate('#count', 'gsi4sk', 100, 1, countSortKey(100, '7'), '7', 'freq');
    expect(countBucket(101)).toBe(countBucket(100));
    expect(same.set).toBeUndefined();
    const moved = countKeyUpdate('#count', 'gsi4sk', 3, 1, countSortKey(3, '7'), '7', 'freq');
    expect(moved.set).toBe('gsi4sk = :freqKey');
    expect(moved.values[':freqKey']).toBe(countSortKey(4, '7'));
    expect(countKeyUpdate('#count', 'gsi4sk', 100, 1, undefined, '7', 'freq').set).toBe('gsi4sk = :freqKey');
  });

  it('guards the write so that a concurrent count cannot leave the key in the wrong bucket', () => {
    const u = countKeyUpdate('userCount', 'gsi5sk', 100, 3, undefined, '7', 'users');
    const { max } = bucketRange(countBucket(103));
    expect(u.condition).toBe('(attribute_not_exists(userCount) OR userCount <= :usersMax)');
    // The count found at write time plus what is added must stay in the key's bucket.
    expect(u.values[':usersMax']).toBe(max - 3);
  });
});

describe('count cursors', () => {
  it('round-trips both kinds, and rejects anything else', () => {
    for (const place of [
      { kind: 'key', below: '005#000000000042' },
      { kind: 'rank', bucket: 12 },
      { kind: 'rank', bucket: 12, after: { count: 1500, tie: '000000000042' } },
    ] as const) {
      expect(decodeCountCursor(encodeCountCursor(place))).toEqual(place);
    }
    expect(decodeCountCursor('25')).toBeUndefined();
    expect(decodeCountCursor(Buffer.from('2026-11-20T00:00:00.000Z#5').toString('base64url'))).toBeUndefined();
    expect(decodeCountCursor(undefined)).toBeUndefined();
  });
});

// ---- paging against an in-memory index ----

interface Row {
  id: string;
  count: number;
}
type Entry = { key: string; id: string };

/** An index of rows keyed like the DynamoDB one, with read counters; `live` may say a count moved since. */
function memoryIndex(rows: Row[], live: (row: Row) => number = (r) => r.count) {
  const entries = rows.map((r) => ({ key: countSortKey(r.count, r.id), id: r.id })).sort((a, b) => (a.key < b.key ? 1 : -1));
  const byId = new Map(rows.map((r) => [r.id, r]));
  const reads = { resolved: 0, calls: 0 };
  const source: CountIndexSource<Entry, Row> = {
    below: async (below, n) => {
      reads.calls++;
      const rest = entries.filter((e) => below === undefined || e.key < below);
      return { entries: rest.slice(0, n), more: rest.length > n };
    },
    bucket: async (prefix, n) => {
      reads.calls++;
      // Any order: the paging must not rely on it.
      const all = entries.filter((e) => e.key.startsWith(prefix)).reverse();
      return { entries: all.slice(0, n), more: all.length > n };
    },
    resolve: async (es) => {
      reads.resolved += es.length;
      return es.map((e) => {
        const row = byId.get(e.id)!;
        return { value: row, count: live(row) };
      });
    },
  };
  return { source, reads };
}

async function pageAll(source: CountIndexSource<Entry, Row>, limit: number, opts: { maxBucket?: number; maxExamined?: number; keep?: (r: Row) => boolean } = {}): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | undefined;
  for (let pages = 1; pages < 10_000; pages++) {
    const page = await countPage(source, {
      limit,
      cursor,
      keep: opts.keep ?? (() => true),
      maxExamined: opts.maxExamined ?? 2000,
      maxBucket: opts.maxBucket ?? 1000,
      round: (missing) => Math.min(100, Math.max(missing, 10)),
    });
    expect(page.values.length).toBeLessThanOrEqual(limit);
    ids.push(...page.values.map((r) => r.id));
    if (!page.nextCursor) return { ids, pages };
    cursor = page.nextCursor;
  }
  throw new Error('the cursor never ended');
}

const exact = (rows: Row[]) => [...rows].sort((a, b) => compareRanked({ count: a.count, tie: a.id.padStart(12, '0') }, { count: b.count, tie: b.id.padStart(12, '0') })).map((r) => r.id);

/** Heavy-tailed counts scrambled against the ids, with many ties among small counts. */
function rows(n: number, seed = 1): Row[] {
  let x = seed;
  const rand = () => ((x = (x * 48_271) % 2_147_483_647) / 2_147_483_647);
  return Array.from({ length: n }, (_, i) => ({ id: String(100 + i), count: Math.max(1, Math.floor(1 / (rand() ** 1.4 + 1e-6))) }));
}

describe('countPage', () => {
  it('pages every issue exactly once in exact (count, id) order, whatever the page size', async () => {
    const data = rows(1500);
    expect(new Set(data.map((r) => r.count)).size).toBeGreaterThan(100);
    for (const limit of [1, 7, 25, 100, 1000]) {
      const { source } = memoryIndex(data);
      const { ids } = await pageAll(source, limit);
      expect(ids, `limit ${limit}`).toEqual(exact(data));
    }
  });

  it('puts the most counted issue first wherever its id sorts', async () => {
    const data = rows(500);
    data[0]!.count = 1_000_000; // the oldest id
    const { source, reads } = memoryIndex(data);
    const page = await countPage(source, { limit: 10, keep: () => true, maxExamined: 2000, maxBucket: 1000, round: () => 10 });
    expect(page.values[0]!.id).toBe('100');
    expect(page.values.map((r) => r.count)).toEqual([...page.values.map((r) => r.count)].sort((a, b) => b - a));
    // The first page reads the top buckets, not the whole index.
    expect(reads.resolved).toBeLessThan(100);
  });

  it('lists a bucket bigger than the bound by id, still each issue once, buckets in order', async () => {
    // 300 issues with counts 16–23 (one bucket) and a few others around them.
    const data: Row[] = [
      ...Array.from({ length: 300 }, (_, i) => ({ id: String(1000 + i), count: 16 + ((i * 7) % 8) })),
      ...Array.from({ length: 40 }, (_, i) => ({ id: String(2000 + i), count: i % 2 ? 100 + i : 1 + (i % 3) })),
    ];
    const big = countBucket(16);
    expect(countBucket(23)).toBe(big);
    const { source, reads } = memoryIndex(data);
    const maxBucket = 50;
    const { ids } = await pageAll(source, 25, { maxBucket });
    expect([...ids].sort()).toEqual(data.map((r) => r.id).sort());
    const byId = new Map(data.map((r) => [r.id, r]));
    const listed = ids.map((id) => byId.get(id)!);
    for (let i = 1; i < listed.length; i++) {
      const [a, b] = [listed[i - 1]!, listed[i]!];
      expect(countBucket(a.count)).toBeGreaterThanOrEqual(countBucket(b.count));
      // Exact everywhere except inside the overflowing bucket, where the id decides.
      if (countBucket(a.count) !== big || countBucket(b.count) !== big) expect(a.count).toBeGreaterThanOrEqual(b.count);
      else expect(Number(a.id)).toBeGreaterThan(Number(b.id));
    }
    // Bounded: no request resolves more than a bucket's bound plus a round of entries.
    expect(reads.resolved).toBeLessThan(data.length * 3);
  });

  it('keeps filters, moving the cursor past what they leave out', async () => {
    const data = rows(800, 7);
    const keep = (r: Row) => Number(r.id) % 3 === 0;
    const { source } = memoryIndex(data);
    const { ids } = await pageAll(source, 10, { keep, maxExamined: 40 });
    expect(ids).toEqual(exact(data.filter(keep)));
  });

  it('bounds the entries resolved per request', async () => {
    const data = rows(3000, 3);
    const { source, reads } = memoryIndex(data);
    let cursor: string | undefined;
    for (let i = 0; i < 30; i++) {
      const before = reads.resolved;
      const page = await countPage(source, { limit: 50, cursor, keep: () => false, maxExamined: 200, maxBucket: 300, round: () => 100 });
      expect(page.values).toEqual([]);
      expect(reads.resolved - before).toBeLessThanOrEqual(200 + 300 + 100);
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
  });

  it('lists an issue whose count moved on since its entry with the count it has now, once', async () => {
    const data = rows(200, 5);
    const hot = data[10]!;
    const { source } = memoryIndex(data, (r) => (r === hot ? r.count + 1_000_000 : r.count));
    const { ids } = await pageAll(source, 9);
    expect(ids.filter((id) => id === hot.id)).toHaveLength(1);
    expect(ids.length).toBe(data.length);
  });
});
