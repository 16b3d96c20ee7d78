/**
 * Issue tag counters on the local stack: events posted over HTTP and batches
 * grouped (one of them crashed after its counting write and redelivered) must
 * give exact tag counts through the API; a full key keeps exact totals on the
 * emulator's DynamoDB; merged issues add their counts; issue search filters by
 * the counted values.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_NAMES } from '#cdk/local/emulators.ts';
import type { LocalStack } from '#cdk/local/stack.ts';
import { DynamoStore } from '#functions/lib/dynamo.ts';
import { errorName, MAX_VALUES_PER_HIGH_CARDINALITY_KEY } from '#shared/event/tag-counts.ts';
import type { GroupDeps } from '#shared/pipeline/group.ts';
import { apiGet, apiSend } from '../helpers/api.ts';
import { startDrillStack, type DrillStack } from '../helpers/drill-stack.ts';
import { waitFor } from '../helpers/wait.ts';
import { bugEvent, inParallel, postEvent, record, redelivery } from '../unit/pipeline/events.ts';

let drill: DrillStack;
let stack: LocalStack;
let store: DynamoStore;
let groupModule: DrillStack['groupModule'];
let projectId: string;

beforeAll(async () => {
  drill = await startDrillStack('tagcounts');
  ({ stack, store, groupModule, projectId } = drill);
});

afterAll(async () => {
  await drill?.stop();
});

const BROWSERS = [['Chrome', '120.0'], ['Firefox', '121.0'], ['Safari', '17.1']] as const;
const RELEASES = ['shop@1.0.0', 'shop@1.1.0'] as const;
/** Five users, unevenly: 6, 4, 3, 1 and 1 events in every 15. */
const USERS = [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 3, 4] as const;

/** Event i of the bug: uneven browsers (3/6 Chrome, 2/6 Firefox, 1/6 Safari), users (USERS) and releases (2/3, 1/3). */
function taggedEvent(bug: string, i: number): Record<string, unknown> {
  const b = [0, 0, 0, 1, 1, 2][i % 6]!;
  const event = bugEvent({ bug, user: `user-${USERS[i % 15]}`, release: RELEASES[i % 3 === 0 ? 1 : 0] });
  event['environment'] = 'production';
  event['contexts'] = { browser: { type: 'browser', name: BROWSERS[b]![0], version: BROWSERS[b]![1] } };
  return event;
}

/** What the events with these indexes carry, counted the plain way. */
function expected(indexes: number[]) {
  const tally = (f: (i: number) => string) => {
    const out: Record<string, number> = {};
    for (const i of indexes) out[f(i)] = (out[f(i)] ?? 0) + 1;
    return out;
  };
  return {
    browser: tally((i) => {
      const b = BROWSERS[[0, 0, 0, 1, 1, 2][i % 6]!]!;
      return `${b[0]} ${b[1]}`;
    }),
    'browser.name': tally((i) => BROWSERS[[0, 0, 0, 1, 1, 2][i % 6]!]![0]),
    user: tally((i) => `id:user-${USERS[i % 15]}`),
    release: tally((i) => RELEASES[i % 3 === 0 ? 1 : 0]),
    environment: tally(() => 'production'),
    level: tally(() => 'error'),
  };
}

async function issueOf(bug: string) {
  const { issues } = await store.listIssues(projectId, { sort: 'date', limit: 100 });
  return issues.find((i) => i.title.includes(`${bug} is not a function`));
}

function grouper(overrides: Partial<GroupDeps> = {}) {
  return drill.grouper(overrides);
}

/** An issue store that crashes once right after its counting write went through (its answer lost). */
function crashAfterApply() {
  let crashed = false;
  const issues = Object.create(store) as DynamoStore;
  issues.applyDelta = async (...args) => {
    const result = await store.applyDelta(...args);
    if (crashed) return result;
    crashed = true;
    throw new Error('simulated crash after the counting write');
  };
  return { issues, crashed: () => crashed };
}

const asCounts = (tag: { topValues: Array<{ value: string; count: number }> }) => Object.fromEntries(tag.topValues.map((v) => [v.value, v.count]));

describe('issue tag counters', () => {
  it('counts 300 events of one bug exactly, over HTTP and through a redelivered batch', async () => {
    const bug = 'tagcount';
    const indexes = Array.from({ length: 300 }, (_, i) => i);
    // 60 events the way an SDK posts them, through the front, the ingest step, the queue and the poller.
    await inParallel(indexes.slice(0, 60), 8, async (i) => expect(await postEvent(stack.url, projectId, stack.installation.publicKey, taggedEvent(bug, i))).toBe(200));
    await waitFor(async () => (await issueOf(bug))?.count === 60 || undefined, '60 events counted', 60_000);
    // 240 more in batches of 80; the second batch crashes after its counting write and comes back twice.
    const records = indexes.slice(60).map((i) => record(projectId, taggedEvent(bug, i)));
    expect(await grouper()(records.slice(0, 80))).toEqual([]);
    const faulty = crashAfterApply();
    expect((await grouper({ issues: faulty.issues })(records.slice(80, 160))).length).toBeGreaterThan(0);
    expect(faulty.crashed()).toBe(true);
    // Redeliveries carry SQS's receive count: grouping checks them against what was counted.
    expect(await grouper()(redelivery(records.slice(80, 160), 2))).toEqual([]);
    expect(await grouper()(redelivery(records.slice(80, 160), 3))).toEqual([]);
    expect(await grouper()(records.slice(160))).toEqual([]);
    // The first batch once more, as a whole: every event in it is already counted.
    expect(await grouper()(redelivery(records.slice(0, 80), 2))).toEqual([]);

    const issue = (await issueOf(bug))!;
    expect(issue.count).toBe(300);
    const want = expected(indexes);
    const tags = await apiGet<any[]>(stack, `/organizations/ferret/issues/${issue.id}/tags/`);
    expect(tags.status).toBe(200);
    for (const [key, counts] of Object.entries(want)) {
      const tag = tags.body.find((t) => t.key === key);
      expect(tag, key).toBeDefined();
      expect(asCounts(tag), key).toEqual(counts);
      expect(tag.totalValues, key).toBe(300);
      expect(tag.uniqueValues, key).toBe(Object.keys(counts).length);
    }
    // Uneven on purpose: the order is by count, and the counts are not the sample's (every event is counted).
    const browser = tags.body.find((t) => t.key === 'browser');
    expect(browser.topValues.map((v: any) => [v.value, v.count])).toEqual([['Chrome 120.0', 150], ['Firefox 121.0', 100], ['Safari 17.1', 50]]);
    expect(browser.name).toBe('Browser');

    const one = await apiGet(stack, `/organizations/ferret/issues/${issue.id}/tags/release/`);
    expect(one.body).toMatchObject({ key: 'release', totalValues: 300, topValues: [{ value: 'shop@1.0.0', count: 200 }, { value: 'shop@1.1.0', count: 100 }] });
    const values = await apiGet<any[]>(stack, `/organizations/ferret/issues/${issue.id}/tags/user/values/`);
    expect(values.body.map((v) => [v.value, v.count])).toEqual([['id:user-0', 120], ['id:user-1', 80], ['id:user-2', 60], ['id:user-3', 20], ['id:user-4', 20]]);
    // The issue details carry the counted tags too.
    const details = await apiGet(stack, `/organizations/ferret/issues/${issue.id}/`);
    expect(details.body.tags.find((t: any) => t.key === 'release')).toMatchObject({ totalValues: 300 });
    // Issue search filters by counted values.
    const found = await apiGet<any[]>(stack, '/projects/ferret/default/issues/?query=browser.name:Safari');
    expect(found.body.map((i) => i.id)).toContain(issue.id);
    const none = await apiGet<any[]>(stack, '/projects/ferret/default/issues/?query=browser.name:Opera');
    expect(none.body.map((i) => i.id)).not.toContain(issue.id);
  }, 120_000);

  it('keeps a key with more users than it has room for at its cap, with an exact total, on the emulator', async () => {
    const bug = 'manyusers';
    const others = 22;
    const indexes = Array.from({ length: 120 }, (_, i) => i);
    const event = (i: number) => {
      const e = taggedEvent(bug, i);
      // Uneven: user-0 on every third event, the rest spread over 22 others.
      e['user'] = { id: i % 3 === 0 ? 'user-0' : `user-${1 + (i % others)}` };
      return e;
    };
    // Batches of 10: the key fills, then newcomers replace the least-counted users.
    for (let b = 0; b < indexes.length; b += 10) expect(await grouper()(indexes.slice(b, b + 10).map((i) => record(projectId, event(i))))).toEqual([]);
    const issue = (await issueOf(bug))!;
    expect(issue.count).toBe(120);
    const counts = issue.tagCounts!;
    const kept = counts.counts['user']!;
    expect(Object.keys(kept)).toHaveLength(MAX_VALUES_PER_HIGH_CARDINALITY_KEY);
    expect(Object.values(kept).reduce((a, b) => a + b, 0)).toBe(120);
    // user-0 (40 events, far above 120 / 5) is kept, its count within its error bound.
    expect(kept['id:user-0']).toBeGreaterThanOrEqual(40);
    expect(kept['id:user-0']! - (counts.errors[errorName('user', 'id:user-0')] ?? 0)).toBeLessThanOrEqual(40);
    for (const [value, n] of Object.entries(kept)) {
      const truth = indexes.filter((i) => `id:${(event(i)['user'] as { id: string }).id}` === value).length;
      expect(truth).toBeLessThanOrEqual(n);
      expect(truth).toBeGreaterThanOrEqual(n - (counts.errors[errorName('user', value)] ?? 0));
    }
    const tag = (await apiGet(stack, `/organizations/ferret/issues/${issue.id}/tags/user/`)).body;
    expect(tag.totalValues).toBe(120);
    expect(tag).not.toHaveProperty('uniqueValues');
    // The API shows the events a value surely had: the heavy user leads, never above its true 40.
    expect(tag.topValues[0].value).toBe('id:user-0');
    expect(tag.topValues[0].count).toBeGreaterThan(0);
    expect(tag.topValues[0].count).toBeLessThanOrEqual(40);
    // Keys that never filled stay exact.
    expect(counts.counts['browser']).toEqual(expected(indexes).browser);
  }, 120_000);

  it('stays exact when concurrent workers storm one issue with new users', async () => {
    const bug = 'userstorm';
    // The issue exists first; then four workers count four batches of new users at once, twice over.
    expect(await grouper()([record(projectId, taggedEvent(bug, 0))])).toEqual([]);
    const batches = [0, 1, 2, 3].map((w) =>
      Array.from({ length: 40 }, (_, i) => {
        const e = taggedEvent(bug, 1 + w * 40 + i);
        e['user'] = { id: `storm-${w}-${i % 25}` };
        return record(projectId, e);
      }),
    );
    for (let round = 0; round < 2; round++) {
      // The second round is the queue's redelivery of the same messages.
      const failed = await Promise.all(batches.map((b) => grouper()(round === 0 ? b : redelivery(b, 2))));
      expect(failed.flat()).toEqual([]);
    }
    const issue = (await issueOf(bug))!;
    expect(issue.count).toBe(161);
    const { counts, errors } = issue.tagCounts!;
    expect(Object.values(counts['user']!).reduce((a, b) => a + b, 0)).toBe(161);
    expect(Object.keys(counts['user']!).length).toBeLessThanOrEqual(MAX_VALUES_PER_HIGH_CARDINALITY_KEY);
    for (const [value, n] of Object.entries(counts['user']!)) {
      // Each worker's users 0-14 come twice (i and i + 25), 15-24 once; the first event's user once.
      const truth = value.startsWith('id:storm-') ? (Number(value.split('-')[2]) < 15 ? 2 : 1) : value === `id:user-${USERS[0]}` ? 1 : 0;
      expect(truth).toBeLessThanOrEqual(n);
      expect(truth).toBeGreaterThanOrEqual(n - (errors[errorName('user', value)] ?? 0));
    }
    expect(Object.values(counts['browser']!).reduce((a, b) => a + b, 0)).toBe(161);
    expect(counts['level']).toEqual({ error: 161 });
  }, 120_000);

  it('keeps an issue from before the counters searchable by its old tag values, and says its counts start late', async () => {
    const bug = 'olditem';
    expect(await grouper()([record(projectId, taggedEvent(bug, 0))])).toEqual([]);
    const { id } = (await issueOf(bug))!;
    // Made to look like an issue written before the counters: 7 events, a tagValues set, no counters.
    await store.doc.send(
      new UpdateCommand({
        TableName: LOCAL_NAMES.table,
        Key: { pk: `ISSUE#${id}`, sk: 'ISSUE' },
        UpdateExpression: 'SET #count = :seven, tagValues = :old REMOVE tc, te, tcv, tcFrom',
        ExpressionAttributeNames: { '#count': 'count' },
        ExpressionAttributeValues: { ':seven': 7, ':old': new Set(['browser.name=Opera', 'environment=production']) },
      }),
    );
    expect((await store.getIssue(id))!.tagCounts).toBeUndefined();
    const search = async (tags: Array<[string, string]>) => (await store.listIssues(projectId, { sort: 'date', limit: 100, tags })).issues.map((i) => i.id);
    expect(await search([['browser.name', 'Opera']])).toContain(id);

    expect(await grouper()([1, 2, 3].map((i) => record(projectId, taggedEvent(bug, i))))).toEqual([]);
    const issue = (await store.getIssue(id))!;
    expect(issue.count).toBe(10);
    // Counted from the eighth event on: the 7 before are not in the counts, and the issue says so.
    expect(issue.tagCounts!.from).toBe(7);
    expect(issue.tagCounts!.counts['level']).toEqual({ error: 3 });
    // Old values and counted ones both answer a search.
    expect(await search([['browser.name', 'Opera']])).toContain(id);
    expect(await search([['browser.name', 'Firefox']])).toContain(id);
    expect(await search([['browser.name', 'Netscape']])).not.toContain(id);
    // Its tags are still read from its stored events (the counts do not cover all of them).
    const tags = (await apiGet<any[]>(stack, `/organizations/ferret/issues/${id}/tags/`)).body;
    expect(tags.find((t) => t.key === 'level').topValues[0]).toMatchObject({ value: 'error', firstSeen: expect.any(String) });
    expect((await apiGet(stack, `/organizations/ferret/issues/${id}/`)).body.tags).toBeUndefined();
  }, 120_000);

  it('adds the counts of merged issues to the survivor', async () => {
    const run = async (bug: string, from: number, to: number) => {
      const indexes = Array.from({ length: to - from }, (_, i) => from + i);
      expect(await grouper()(indexes.map((i) => record(projectId, taggedEvent(bug, i))))).toEqual([]);
      return (await issueOf(bug))!;
    };
    const a = await run('mergeone', 0, 40);
    const b = await run('mergetwo', 40, 70);
    const merged = await apiSend(stack, 'PUT', `/projects/ferret/default/issues/?id=${a.id}&id=${b.id}`, { merge: 1 });
    expect(merged.body.merge.parent).toBe(a.id);
    // Merging again moves nothing twice.
    await store.mergeIssues(a.id, [b.id]);
    const want = expected(Array.from({ length: 70 }, (_, i) => i));
    const tags = (await apiGet<any[]>(stack, `/organizations/ferret/issues/${a.id}/tags/`)).body;
    expect((await store.getIssue(a.id))!.count).toBe(70);
    for (const key of ['browser', 'release', 'user'] as const) expect(asCounts(tags.find((t) => t.key === key)), key).toEqual(want[key]);
  }, 120_000);
});
