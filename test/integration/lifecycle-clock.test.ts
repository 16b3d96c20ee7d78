/**
 * Lifecycle behaviour that needs time to pass: alert windows and the "and N
 * more times" count, and hourly counts moving off the issue for the 30-day
 * chart. The grouping step runs directly on the local stack's table with a
 * clock the test moves.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_NAMES } from '#cdk/local/emulators.ts';
import { startLocalStack, type LocalStack } from '#cdk/local/stack.ts';
import { DynamoStore } from '#functions/lib/dynamo.ts';
import type { AlertRule } from '#shared/alerts/rules.ts';
import { QUEUE } from '#shared/infra.ts';
import type { GroupDeps } from '#shared/pipeline/group.ts';
import type { Mail } from '#shared/ports.ts';
import { bugEvent, record } from '../unit/pipeline/events.ts';

let stack: LocalStack;
let dataDir: string;
let store: DynamoStore;
let createGrouper: typeof import('#shared/pipeline/group.ts').createGrouper;
let groupDepsFromEnv: typeof import('#functions/group.ts').groupDepsFromEnv;
let projectId: string;
const T0 = Date.parse('2026-11-24T10:00:00Z');

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'ferret-clock-'));
  stack = await startLocalStack({ dataDir, port: 0, quiet: true, visibilityTimeoutSeconds: 2 });
  await stack.poller.stop();
  store = new DynamoStore(LOCAL_NAMES.table);
  ({ createGrouper } = await import('#shared/pipeline/group.ts'));
  ({ groupDepsFromEnv } = await import('#functions/group.ts'));
  projectId = stack.installation.projectId;
});

afterAll(async () => {
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

function clockGrouper(clock: { now: number }, mails: Mail[], overrides: Partial<GroupDeps> = {}) {
  return createGrouper(groupDepsFromEnv({ now: () => clock.now, mailer: { send: async (m) => void mails.push(m) }, log: () => undefined, ...overrides }));
}

const tagged = (bug: string, tag: string) => ({ ...bugEvent({ bug, timestamp: T0 / 1000 }), tags: { drill: tag } });

/** Stores a rule that only events tagged `drill: <drill>` pass, so each drill sees only its own alerts. */
async function drillRule(drill: string, rule: Pick<AlertRule, 'id' | 'name' | 'conditions' | 'frequencyMinutes'> & Partial<Pick<AlertRule, 'actions'>>): Promise<AlertRule> {
  const stored: AlertRule = {
    projectId: stack.installation.projectId,
    actionMatch: 'any',
    filters: [{ id: 'tag', key: 'drill', value: drill }],
    actions: [{ id: 'email', targetType: 'members' }],
    enabled: true,
    dateCreated: new Date(T0).toISOString(),
    ...rule,
  };
  await store.putRule(stored);
  return stored;
}

async function issueOf(bug: string) {
  const { issues } = await store.listIssues(projectId, { sort: 'date', limit: 100 });
  return issues.find((i) => i.title.includes(`${bug} is not a function`))!;
}

describe('alert windows', () => {
  it('sends one email per window, counts the events inside it, and says so in the next email', async () => {
    const rule = await drillRule('window', { id: 'every-event', name: 'Every event of the drill', conditions: [{ id: 'event_frequency', value: 0, intervalMinutes: 1 }], frequencyMinutes: 5 });
    const clock = { now: T0 };
    const mails: Mail[] = [];
    const a = clockGrouper(clock, mails);
    const b = clockGrouper(clock, mails);
    const batch = (n: number) => Array.from({ length: n }, () => record(projectId, tagged('windowed', 'window')));

    expect(await a(batch(1))).toEqual([]);
    const ours = () => mails.filter((m) => m.subject.includes('windowed') && m.text.includes('Every event of the drill'));
    expect(ours()).toHaveLength(1);

    // Inside the window: two workers at once, and a redelivered batch, send nothing more and are counted once.
    clock.now = T0 + 60_000;
    const second = batch(2);
    const [fa, fb] = await Promise.all([a(second), b(batch(3))]);
    expect([...fa, ...fb]).toEqual([]);
    expect(await a(second)).toEqual([]);
    expect(ours()).toHaveLength(1);

    clock.now = T0 + 6 * 60_000;
    expect(await b(batch(1))).toEqual([]);
    expect(ours()).toHaveLength(2);
    expect(ours()[1]!.text).toContain('and 5 more times since the last alert');
    expect((await issueOf('windowed')).count).toBe(7);
    await store.deleteRule(projectId, rule.id);
  });
});

describe('frequency conditions', () => {
  it('counts the distinct users inside the interval, not the issue’s users of all time', async () => {
    const rule = await drillRule('users', { id: 'three-users', name: 'Seen by more than 2 users in 5 minutes', conditions: [{ id: 'event_unique_user_frequency', value: 2, intervalMinutes: 5 }], frequencyMinutes: 60 });
    const clock = { now: T0 };
    const mails: Mail[] = [];
    const g = clockGrouper(clock, mails);
    const by = (...users: string[]) => users.map((u) => record(projectId, { ...bugEvent({ bug: 'crowd', user: u, timestamp: clock.now / 1000 }), tags: { drill: 'users' } }));
    const ours = () => mails.filter((m) => m.text.includes('Seen by more than 2 users'));

    // Two users: not more than two.
    expect(await g(by('bea', 'cal'))).toEqual([]);
    expect(ours()).toHaveLength(0);
    // Ten minutes on, one user many times: the issue has three users, the window only one.
    clock.now = T0 + 10 * 60_000;
    expect(await g(by('ann', 'ann', 'ann', 'ann', 'ann'))).toEqual([]);
    expect((await issueOf('crowd')).userCount).toBe(3);
    expect(ours()).toHaveLength(0);
    // The same user again in another batch counts once.
    clock.now += 60_000;
    expect(await g(by('ann', 'dan'))).toEqual([]);
    expect(ours()).toHaveLength(0);
    // A third distinct user inside five minutes.
    clock.now += 60_000;
    expect(await g(by('eve'))).toEqual([]);
    expect(ours()).toHaveLength(1);
    expect(ours()[0]!.text).toContain('affected more than 2 users in 5 minutes');
    await store.deleteRule(projectId, rule.id);
  });
});

describe('frequency over a week', () => {
  it('counts the week from the hourly counts, not from minute buckets that live a day', async () => {
    const rule = await drillRule('weekly', { id: 'weekly', name: 'More than 5 in a week', conditions: [{ id: 'event_frequency', value: 5, intervalMinutes: 10_080 }], frequencyMinutes: 60 });
    const clock = { now: T0 };
    const mails: Mail[] = [];
    const g = clockGrouper(clock, mails);
    const batch = (n: number) => Array.from({ length: n }, () => record(projectId, { ...bugEvent({ bug: 'weekly', timestamp: clock.now / 1000 }), tags: { drill: 'weekly' } }));
    const ours = () => mails.filter((m) => m.text.includes('More than 5 in a week'));
    expect(await g(batch(3))).toEqual([]);
    clock.now = T0 + 3 * 86_400_000;
    expect(await g(batch(2))).toEqual([]);
    expect(ours()).toHaveLength(0);
    clock.now += 3_600_000;
    expect(await g(batch(1))).toEqual([]);
    expect(ours()).toHaveLength(1);
    expect(ours()[0]!.text).toContain('was seen more than 5 times in 7 days');
    const issue = await issueOf('weekly');
    const minutes = await store.doc.send(new QueryCommand({ TableName: LOCAL_NAMES.table, KeyConditionExpression: 'pk = :p AND begins_with(sk, :m)', ExpressionAttributeValues: { ':p': `ISSUE#${issue.id}`, ':m': 'MIN#' } }));
    expect(minutes.Count).toBe(0);
    await store.deleteRule(projectId, rule.id);
  });
});

describe('a webhook that keeps failing', () => {
  it('is retried through the queue, then given up before the message would reach the dead-letter queue', async () => {
    const rule = await drillRule('broken', { id: 'broken-hook', name: 'Post to a broken receiver', conditions: [{ id: 'first_seen' }], frequencyMinutes: 30, actions: [{ id: 'webhook', url: 'https://chat.example.com/hooks/broken' }] });
    const clock = { now: Date.now() };
    const posts: string[] = [];
    const logs: Array<Record<string, unknown>> = [];
    const g = clockGrouper(clock, [], {
      webhooks: { post: async (req) => (posts.push(req.url), { ok: false, retry: true, reason: 'HTTP 503' }) },
      log: (entry) => void logs.push(entry),
    });
    const records = [record(projectId, { ...bugEvent({ bug: 'brokenhook', timestamp: clock.now / 1000 }), tags: { drill: 'broken' } })];
    // Deliveries come a visibility timeout apart; the ones inside the limit fail and are retried.
    for (const delivery of [0, 1, 2]) {
      clock.now += delivery === 0 ? 0 : QUEUE.visibilityTimeoutSeconds * 1000;
      expect(await g(records)).toHaveLength(1);
    }
    expect(posts).toHaveLength(3);
    // The delivery before the last one the queue allows gives up, and the batch finishes.
    clock.now += QUEUE.visibilityTimeoutSeconds * 1000 + 1000;
    expect(await g(records)).toEqual([]);
    expect(posts).toHaveLength(4);
    expect(logs.some((l) => l['msg'] === 'webhook given up after retries')).toBe(true);
    clock.now += QUEUE.visibilityTimeoutSeconds * 1000;
    expect(await g(records)).toEqual([]);
    expect(posts).toHaveLength(4);
    expect((await issueOf('brokenhook')).count).toBe(1);
    await store.deleteRule(projectId, rule.id);
  });
});

describe('hourly counts', () => {
  it('keeps open hours on the issue and moves closed ones to hour items, with the same 24-hour and 30-day totals', async () => {
    const clock = { now: T0 };
    const g = clockGrouper(clock, []);
    for (const [offsetHours, n] of [[0, 3], [1, 2], [5, 4]] as const) {
      clock.now = T0 + offsetHours * 3_600_000 + 60_000;
      expect(await g(Array.from({ length: n }, () => record(projectId, bugEvent({ bug: 'hourly', timestamp: clock.now / 1000 }))))).toEqual([]);
    }
    const issue = await issueOf('hourly');
    expect(issue.count).toBe(9);
    const item = (await store.doc.send(new GetCommand({ TableName: LOCAL_NAMES.table, Key: { pk: `ISSUE#${issue.id}`, sk: 'ISSUE' } }))).Item!;
    // Hours 10 and 11 closed more than two hours before the last batch: they left the hot item.
    expect(Object.keys(item['hours'])).toEqual(['2026-11-24T15']);
    const rolled = await store.doc.send(new GetCommand({ TableName: LOCAL_NAMES.table, Key: { pk: `ISSUE#${issue.id}`, sk: 'HOUR#2026-11-24T10' } }));
    expect(rolled.Item?.['count']).toBe(3);

    const day = await store.hourlyCounts(issue.id, 24, new Date(clock.now));
    expect(day.filter(([, n]) => n > 0)).toEqual([
      [T0 / 1000, 3],
      [T0 / 1000 + 3600, 2],
      [T0 / 1000 + 5 * 3600, 4],
    ]);
    const month = await store.hourlyCounts(issue.id, 720, new Date(clock.now + 10 * 86_400_000));
    expect(month.reduce((sum, [, n]) => sum + n, 0)).toBe(9);
  });
});
