import { describe, expect, it } from 'vitest';
import {
  applyTagCountPlan,
  batchTagCounts,
  countedValue,
  countTags,
  errorName,
  hasCountedValue,
  MAX_COUNTED_KEYS,
  MAX_COUNTED_VALUE_CHARS,
  MAX_TAG_COUNT_BYTES,
  MAX_VALUES_PER_HIGH_CARDINALITY_KEY,
  MAX_VALUES_PER_KEY,
  planTagCounts,
  tagCountBytes,
  type TagCountMap,
  type TagCountPlan,
} from '#shared/event/tag-counts.ts';

type State = { counts: TagCountMap; errors: Record<string, number> };
const empty = (): State => ({ counts: {}, errors: {} });
const ev = (...tags: Array<[string, string]>) => ({ tags });

/** A deterministic pseudo-random source (mulberry32). */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Space-Saving's guarantees against the true counts of one key. */
function expectBounds(state: State, key: string, truth: Map<string, number>) {
  const values = state.counts[key] ?? {};
  const total = [...truth.values()].reduce((a, b) => a + b, 0);
  // Exact per-key totals: nothing evicted is ever dropped.
  expect(Object.values(values).reduce((a, b) => a + b, 0)).toBe(total);
  for (const [value, count] of Object.entries(values)) {
    const error = state.errors[errorName(key, value)] ?? 0;
    const t = truth.get(value) ?? 0;
    expect(t).toBeLessThanOrEqual(count);
    expect(t).toBeGreaterThanOrEqual(count - error);
  }
  // No stale error outlives its value.
  for (const name of Object.keys(state.errors)) {
    if (!name.startsWith(`${key}=`)) continue;
    expect(values[name.slice(key.length + 1)]).toBeDefined();
  }
}

describe('batch tag counts', () => {
  it('counts each event once per key it carries, derived tags like any other', () => {
    const counts = batchTagCounts([
      ev(['browser.name', 'Chrome'], ['level', 'error'], ['user', 'id:1']),
      ev(['browser.name', 'Chrome'], ['level', 'error'], ['user', 'id:2']),
      ev(['browser.name', 'Firefox'], ['level', 'warning'], ['level', 'error']),
    ]);
    expect(counts).toEqual({ 'browser.name': { Chrome: 2, Firefox: 1 }, level: { error: 2, warning: 1 }, user: { 'id:1': 1, 'id:2': 1 } });
  });

  it('cuts long values and leaves out keys it cannot name', () => {
    const long = 'https://example.com/'.padEnd(200, 'x');
    const counts = batchTagCounts([ev(['url', long], ['k'.repeat(65), 'v'], ['a=b', 'v']), ev(['url', long])]);
    const [value] = Object.keys(counts['url']!);
    expect([...value!].length).toBe(MAX_COUNTED_VALUE_CHARS);
    expect(value!.endsWith('…')).toBe(true);
    expect(counts['url']![value!]).toBe(2);
    expect(Object.keys(counts)).toEqual(['url']);
    expect(countedValue('short')).toBe('short');
  });
});

describe('counting into the issue counters', () => {
  it('counts exactly while a key has room', () => {
    let state = empty();
    state = countTags(state, { counts: { browser: { 'Chrome 120': 3, 'Safari 17': 1 } } });
    state = countTags(state, { counts: { browser: { 'Chrome 120': 2, 'Firefox 121': 4 }, release: { '1.0': 6 } } });
    expect(state.counts).toEqual({ browser: { 'Chrome 120': 5, 'Safari 17': 1, 'Firefox 121': 4 }, release: { '1.0': 6 } });
    expect(state.errors).toEqual({});
    expect(hasCountedValue(state.counts, 'browser', 'Safari 17')).toBe(true);
    expect(hasCountedValue(state.counts, 'browser', 'Opera')).toBe(false);
    expect(hasCountedValue(state.counts, 'os', 'Linux')).toBe(false);
  });

  it('keeps a full key at its cap, with exact totals and a newcomer carrying what it inherited as its error', () => {
    let state = empty();
    const users: Record<string, number> = {};
    for (let i = 0; i < MAX_VALUES_PER_HIGH_CARDINALITY_KEY; i++) users[`id:${i}`] = 10 + i;
    state = countTags(state, { counts: { user: users } });
    state = countTags(state, { counts: { user: { 'id:new': 3 } } });
    const values = state.counts['user']!;
    expect(Object.keys(values)).toHaveLength(MAX_VALUES_PER_HIGH_CARDINALITY_KEY);
    // The least-counted (id:0, 10 events) gave way; the newcomer holds 10 + 3 with an error of 10.
    expect(values['id:0']).toBeUndefined();
    expect(values['id:new']).toBe(13);
    expect(state.errors[errorName('user', 'id:new')]).toBe(10);
    expect(Object.values(values).reduce((a, b) => a + b, 0)).toBe(Object.values(users).reduce((a, b) => a + b, 0) + 3);
  });

  it('lets a value that arrives late rise into a full key, with its real weight inside the error bound', () => {
    let state = empty();
    const truth = new Map<string, number>();
    const add = (value: string, n: number) => truth.set(value, (truth.get(value) ?? 0) + n);
    // Twelve old releases, a little each, fill the key; then one new release takes over.
    for (let r = 0; r < 12; r++) {
      state = countTags(state, { counts: { release: { [`1.${r}`]: 2 } } });
      add(`1.${r}`, 2);
    }
    for (let b = 0; b < 5; b++) {
      state = countTags(state, { counts: { release: { '2.0': 20, '1.3': 1 } } }, `t${b}`);
      add('2.0', 20);
      add('1.3', 1);
    }
    expect(Object.keys(state.counts['release']!)).toHaveLength(MAX_VALUES_PER_KEY);
    const top = Object.entries(state.counts['release']!).sort((a, b) => b[1] - a[1])[0]!;
    expect(top[0]).toBe('2.0');
    expectBounds(state, 'release', truth);
  });

  it('holds Space-Saving guarantees over a long skewed stream in uneven batches', () => {
    const random = rng(7);
    let state = empty();
    const truth = new Map<string, Map<string, number>>();
    let events = 0;
    for (let batch = 0; batch < 300; batch++) {
      const size = 1 + Math.floor(random() * 60);
      const tagged: Array<ReturnType<typeof ev>> = [];
      for (let i = 0; i < size; i++) {
        // Zipf-like: a few heavy users, a long tail of one-off ones; a browser key with 14 values.
        const u = Math.floor(1 / (random() + 0.002));
        const b = Math.floor(random() * random() * 14);
        tagged.push(ev(['user', `id:${u}`], ['browser', `B ${b}`]));
        events++;
      }
      const counts = batchTagCounts(tagged);
      for (const [k, values] of Object.entries(counts)) {
        const t = truth.get(k) ?? new Map<string, number>();
        for (const [v, n] of Object.entries(values)) t.set(v, (t.get(v) ?? 0) + n);
        truth.set(k, t);
      }
      state = countTags(state, { counts }, `token-${batch}`);
      expect(Object.keys(state.counts['user']!).length).toBeLessThanOrEqual(MAX_VALUES_PER_HIGH_CARDINALITY_KEY);
      expect(Object.keys(state.counts['browser']!).length).toBeLessThanOrEqual(MAX_VALUES_PER_KEY);
    }
    for (const [k, t] of truth) expectBounds(state, k, t);
    // The heaviest user (id:1 here, by far) is kept, and near its true count.
    const users = truth.get('user')!;
    const heaviest = [...users.entries()].sort((a, b) => b[1] - a[1])[0]!;
    expect(heaviest[1]).toBeGreaterThan(events / MAX_VALUES_PER_HIGH_CARDINALITY_KEY);
    expect(state.counts['user']![heaviest[0]]).toBeDefined();
  });

  it('stops adding keys and values at the byte budget and the key cap, and counts kept keys exactly', () => {
    let state = empty();
    const truth: Record<string, number> = {};
    for (let b = 0; b < 40; b++) {
      const counts: TagCountMap = {};
      for (let k = 0; k < 40; k++) counts[`custom_${k}`] = { [`value-${String(b).padStart(2, '0')}-${'x'.repeat(20)}`]: 1 };
      for (const k of Object.keys(counts)) truth[k] = (truth[k] ?? 0) + 1;
      const plan = planTagCounts(state, { counts });
      state = applyTagCountPlan(state, plan);
      expect(Object.keys(state.counts).length).toBeLessThanOrEqual(MAX_COUNTED_KEYS);
    }
    // Growth stops at the budget, errors included; replacements swap equal-sized entries here.
    expect(tagCountBytes(state)).toBeGreaterThan(MAX_TAG_COUNT_BYTES / 2);
    expect(tagCountBytes(state)).toBeLessThanOrEqual(MAX_TAG_COUNT_BYTES);
    for (const [key, values] of Object.entries(state.counts)) expect(Object.values(values).reduce((a, b) => a + b, 0)).toBe(truth[key]);
    const plan = planTagCounts(state, { counts: { brand_new_key: { v: 1 } } });
    expect(plan.skipped).toEqual(['brand_new_key']);
  });

  it('folds newcomers of a full key into its least-counted entry as error when asked, without any replacement', () => {
    const random = rng(11);
    let state = empty();
    const truth = new Map<string, number>();
    for (let batch = 0; batch < 50; batch++) {
      const counts: TagCountMap = { user: {} };
      for (let i = 0; i < 8; i++) {
        const v = `id:${Math.floor(random() * 40)}`;
        counts['user']![v] = (counts['user']![v] ?? 0) + 1;
        truth.set(v, (truth.get(v) ?? 0) + 1);
      }
      const fold = batch % 2 === 1;
      const plan = planTagCounts(state, { counts }, `t${batch}`, fold);
      if (fold) expect(plan.keys.flatMap((k) => k.writes).some((w) => w.replaced)).toBe(false);
      state = applyTagCountPlan(state, plan);
      expectBounds(state, 'user', truth);
      expect(Object.keys(state.counts['user']!).length).toBeLessThanOrEqual(MAX_VALUES_PER_HIGH_CARDINALITY_KEY);
    }
  });

  it('merges another issue counters as one more weighted batch, errors included', () => {
    let a = empty();
    let b = empty();
    const truth = new Map<string, number>();
    const random = rng(3);
    for (let i = 0; i < 200; i++) {
      const v = `id:${Math.floor(random() * 30)}`;
      const into = i % 2 === 0;
      if (into) a = countTags(a, { counts: { user: { [v]: 1 } } }, `a${i}`);
      else b = countTags(b, { counts: { user: { [v]: 1 } } }, `b${i}`);
      truth.set(v, (truth.get(v) ?? 0) + 1);
    }
    const merged = countTags(a, { counts: b.counts, errors: b.errors }, 'merge');
    expectBounds(merged, 'user', truth);
  });
});

/**
 * The plan as the DynamoDB expression applies it: relative to the item as it is
 * at write time, which may have moved since it was read.
 */
function applyRelative(now: State, plan: TagCountPlan): State {
  const counts: TagCountMap = {};
  for (const [k, values] of Object.entries(now.counts)) counts[k] = { ...values };
  const errors = { ...now.errors };
  for (const { key, created, writes } of plan.keys) {
    const values = (counts[key] ??= {});
    const before = { ...values };
    for (const w of writes) {
      if (created || w.base === undefined) values[w.value] = (values[w.value] ?? 0) + w.add;
      else if (w.replaced) {
        values[w.value] = before[w.base]! + w.add;
        errors[errorName(key, w.value)] = before[w.base]! + w.errorAdd;
        delete values[w.base];
      } else values[w.value] = (values[w.value] ?? 0) + w.add;
    }
  }
  return { counts, errors };
}

describe('planned writes against a concurrent writer', () => {
  it('moves the victim count as it is at write time, so a concurrent increment of it is not lost', () => {
    const read: State = { counts: { user: { a: 5, b: 1, c: 7, d: 9, e: 4 } }, errors: {} };
    const plan = planTagCounts(read, { counts: { user: { z: 2 } } });
    const replaced = plan.keys[0]!.writes.find((w) => w.replaced)!;
    expect(replaced).toMatchObject({ base: 'b', value: 'z', add: 2 });
    // Another batch added 3 events of b between this writer's read and its write.
    const now: State = { counts: { user: { ...read.counts['user']!, b: 4 } }, errors: {} };
    const after = applyRelative(now, plan);
    expect(Object.values(after.counts['user']!).reduce((x, y) => x + y, 0)).toBe(5 + 4 + 7 + 9 + 4 + 2);
    expect(after.counts['user']!['z']).toBe(6);
    expect(after.errors[errorName('user', 'z')]).toBe(4);
  });
});
