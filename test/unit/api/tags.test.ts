import { describe, expect, it } from 'vitest';
import { parseEventQuery, searchEvents, tagDistributions } from '#shared/api/tags.ts';
import type { StoredEvent } from '#shared/model.ts';

function stored(i: number, tags: Array<[string, string]>, message = `event ${i}`): StoredEvent {
  const date = new Date(Date.UTC(2026, 10, 24, 0, i)).toISOString();
  return { eventId: i.toString(16).padStart(32, '0'), projectId: '1', issueId: '9', dateCreated: date, dateReceived: date, event: { event_id: '', timestamp: 0, received: 0, level: 'error', platform: 'other', tags, message } };
}

/** Newest first, `limit` per page, the cursor an index: the EventStore contract in memory. */
function memoryStore(events: StoredEvent[]) {
  let reads = 0;
  return {
    get reads() {
      return reads;
    },
    async listEvents(_issueId: string, opts: { limit: number; cursor?: string }) {
      reads++;
      const from = opts.cursor ? Number(opts.cursor) : 0;
      const page = events.slice(from, from + opts.limit);
      return from + opts.limit < events.length ? { events: page, nextCursor: String(from + opts.limit) } : { events: page };
    },
  };
}

describe('issue tag distributions', () => {
  it('counts values per key, most frequent first, with first and last seen', () => {
    const tags = tagDistributions([
      stored(1, [['browser.name', 'Chrome'], ['level', 'error']]),
      stored(2, [['browser.name', 'Firefox'], ['level', 'error']]),
      stored(3, [['browser.name', 'Chrome']]),
    ]);
    expect(tags.map((t) => t.key)).toEqual(['browser.name', 'level']);
    const browser = tags[0]!;
    expect(browser).toMatchObject({ name: 'Browser Name', totalValues: 3, uniqueValues: 2 });
    expect(browser.topValues.map((v) => [v.value, v.count])).toEqual([['Chrome', 2], ['Firefox', 1]]);
    expect(browser.topValues[0]).toMatchObject({ firstSeen: '2026-11-24T00:01:00.000Z', lastSeen: '2026-11-24T00:03:00.000Z' });
    expect(tagDistributions([])).toEqual([]);
  });
});

describe('issue event search', () => {
  it('parses tag filters with quoted values and free text', () => {
    expect(parseEventQuery('browser:"Chrome 120" user:id:42 Some Text')).toEqual({ tags: [['browser', 'Chrome 120'], ['user', 'id:42']], text: 'some text' });
    expect(parseEventQuery('plain')).toEqual({ tags: [], text: 'plain' });
  });

  it('pages through events until the page is full, and continues with the cursor', async () => {
    const events = Array.from({ length: 30 }, (_, i) => stored(i, [['n', i % 3 === 0 ? 'fizz' : 'other']]));
    const store = memoryStore(events);
    const first = await searchEvents(store, '9', parseEventQuery('n:fizz'), { limit: 4 });
    expect(first.events.every((e) => e.event.tags[0]![1] === 'fizz')).toBe(true);
    expect(first.events.length).toBeGreaterThanOrEqual(4);
    expect(first.nextCursor).toBeDefined();
    const rest = await searchEvents(store, '9', parseEventQuery('n:fizz'), { limit: 4, cursor: first.nextCursor! });
    const all = [...first.events, ...rest.events];
    let cursor = rest.nextCursor;
    while (cursor) {
      const more = await searchEvents(store, '9', parseEventQuery('n:fizz'), { limit: 4, cursor });
      all.push(...more.events);
      cursor = more.nextCursor;
    }
    expect(all.map((e) => e.eventId)).toEqual(events.filter((_, i) => i % 3 === 0).map((e) => e.eventId));
  });

  it('matches free text in the message, case-insensitively', async () => {
    const store = memoryStore([stored(1, [], 'Disk FULL on /var'), stored(2, [], 'fine')]);
    const { events, nextCursor } = await searchEvents(store, '9', parseEventQuery('disk full'), { limit: 10 });
    expect(events.map((e) => e.event.message)).toEqual(['Disk FULL on /var']);
    expect(nextCursor).toBeUndefined();
  });
});

describe('counted issue tag distributions', () => {
  it('answers the counters in the shape of the sampled ones, with exact totals', async () => {
    const { countedTagDistributions, countsCoverIssue } = await import('#shared/api/tags.ts');
    const counts = {
      counts: { browser: { 'Chrome 120': 7, 'Safari 17': 2, 'Firefox 121': 3 }, user: { 'id:1': 5, 'id:9': 4 }, level: { error: 12 } },
      errors: { 'user=id:9': 3 },
      from: 0,
    };
    expect(countsCoverIssue(counts)).toBe(true);
    expect(countsCoverIssue({ ...counts, from: 4 })).toBe(false);
    expect(countsCoverIssue(undefined)).toBe(false);
    const tags = countedTagDistributions(counts);
    expect(tags.map((t) => t.key)).toEqual(['browser', 'level', 'user']);
    expect(tags[0]).toEqual({
      key: 'browser',
      name: 'Browser',
      totalValues: 12,
      uniqueValues: 3,
      topValues: [
        { key: 'browser', value: 'Chrome 120', name: 'Chrome 120', count: 7 },
        { key: 'browser', value: 'Firefox 121', name: 'Firefox 121', count: 3 },
        { key: 'browser', value: 'Safari 17', name: 'Safari 17', count: 2 },
      ],
    });
    // Values gave way on `user`: a value that replaced others shows only the events it surely had,
    // the total stays exact, and how many distinct users there were is not known, so it is not said.
    expect(tags[2]).toMatchObject({ totalValues: 9, topValues: [{ value: 'id:1', count: 5 }, { value: 'id:9', count: 1 }] });
    expect(tags[2]).not.toHaveProperty('uniqueValues');
  });
});
