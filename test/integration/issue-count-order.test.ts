/**
 * Issue lists by events (`sort=freq`) and by users affected (`sort=user`) over ALL of a project's
 * issues, from the count-bucket indexes on the local stack's DynamoDB (dynalite): the most counted
 * issue leads even when it was last seen long before the others; paging by cursor yields each issue
 * once in non-increasing count order; the keys follow counting writes (also concurrent ones), merges
 * and status changes; filters combine with these orders.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DeleteTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_NAMES, startEmulators, tableActive, tableGone, tableInput, type Emulators } from '#cdk/local/emulators.ts';
import { DynamoStore } from '#functions/lib/dynamo.ts';
import { countSortKey } from '#shared/api/count-order.ts';
import type { Issue, IssueStatus, Level } from '#shared/model.ts';
import type { IssueDelta, IssueQuery } from '#shared/ports.ts';
import { mintToken } from '#shared/pipeline/token.ts';
import { allPages } from '../helpers/issues.ts';

let emulators: Emulators;
let dataDir: string;
let ddb: DynamoDBClient;
let store: DynamoStore;
const PROJECT = '88';
const N = 1500;
const FIRST_ID = 20_000;
const T0 = Date.parse('2026-11-01T00:00:00Z');
const iso = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
const LEVELS: Level[] = ['error', 'warning', 'fatal'];

/** Heavy-tailed counts, scrambled against recency: many small ties, a few large counts. */
function countOf(n: number): number {
  const r = ((n * 7919) % N) + 1;
  return Math.max(1, Math.floor(30_000 / r ** 1.3));
}
const usersOf = (n: number) => Math.floor(countOf(n) / (2 + (n % 5)));
const statusOf = (n: number): IssueStatus => (n % 10 === 3 ? 'resolved' : n % 10 === 7 ? 'ignored' : 'unresolved');

function issueAt(n: number): Issue {
  return {
    id: String(FIRST_ID + n),
    projectId: PROJECT,
    shortId: `CNT-${n}`,
    title: `CountError${n}: ${n % 3 === 0 ? 'needle' : 'hay'} ${n}`,
    culprit: `mod${n % 17}`,
    metadata: { type: `CountError${n}` },
    type: 'error',
    level: LEVELS[n % 3]!,
    platform: 'python',
    status: statusOf(n),
    firstSeen: iso(n),
    // Last seen grows with n: issue 0 is the least recently seen.
    lastSeen: iso(10_000 + n),
    count: countOf(n),
    userCount: usersOf(n),
    hashes: [`v1:count${n}`],
  };
}

const delta = (count: number, at: string, newUsers: number): IssueDelta => ({
  count,
  firstSeen: at,
  lastSeen: at,
  newUsers,
  level: 'error',
  title: 't',
  culprit: 'c',
  metadata: {},
  hours: { '2026-11-01T00': count },
  releases: [],
});

async function count(on: DynamoStore, id: string, events: number, users: number, at = iso(20_000)): Promise<void> {
  const token = mintToken(Date.now());
  await on.applyDelta(id, delta(events, at, users), token, new Date());
  await on.finishToken(id, token, Math.floor(Date.now() / 1000) + 3600, new Date());
}

const rawItem = async (id: string) =>
  (await store.doc.send(new GetCommand({ TableName: LOCAL_NAMES.table, Key: { pk: `ISSUE#${id}`, sk: 'ISSUE' }, ConsistentRead: true }))).Item!;

const pages = (query: Omit<IssueQuery, 'cursor'>): Promise<Issue[]> => allPages(store, PROJECT, query);

async function allIssues(): Promise<Issue[]> {
  const out: Issue[] = [];
  for (let i = 0; i < N; i += 100) {
    const got = await Promise.all(Array.from({ length: Math.min(100, N - i) }, (_, j) => store.getIssue(String(FIRST_ID + i + j))));
    out.push(...got.filter((x): x is Issue => x !== undefined));
  }
  return out;
}

const by = (sort: 'freq' | 'user') => (i: Issue) => (sort === 'freq' ? i.count : i.userCount);
function expected(issues: Issue[], query: Omit<IssueQuery, 'cursor'>): string[] {
  const value = by(query.sort as 'freq' | 'user');
  return issues
    .filter((i) => i.count > 0 && (!query.status || i.status === query.status) && (!query.level || i.level === query.level) && (!query.text || i.title.includes(query.text)))
    .sort((a, b) => value(b) - value(a) || Number(b.id) - Number(a.id))
    .map((i) => i.id);
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'ferret-count-order-'));
  emulators = await startEmulators(dataDir);
  ddb = new DynamoDBClient({ endpoint: emulators.endpoints.dynamodb });
  store = new DynamoStore(LOCAL_NAMES.table, ddb);
  // Issue 0, the least recently seen, is created empty and counted by the grouping step's write: it
  // gets the largest count of all, so it leads by events and by users though it is last by date.
  let next = 1;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < N) await store.createIssue(issueAt(next++));
    }),
  );
  await store.createIssue({ ...issueAt(0), count: 0, userCount: 0, status: 'unresolved' });
  await count(store, String(FIRST_ID), 50_000, 20_000, iso(10_000));
}, 120_000);

afterAll(async () => {
  ddb?.destroy();
  await emulators?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('issue lists by events and by users over all issues', () => {
  it('puts the most counted issue first although it was last seen before every other', async () => {
    const byDate = await store.listIssues(PROJECT, { sort: 'date', limit: 1000 });
    expect(byDate.issues.map((i) => i.id)).not.toContain(String(FIRST_ID)); // beyond the 1,000 most recently seen
    for (const sort of ['freq', 'user'] as const) {
      const { issues } = await store.listIssues(PROJECT, { sort, limit: 25 });
      expect(issues[0]?.id, sort).toBe(String(FIRST_ID));
      expect(issues.length).toBe(25);
    }
  });

  it('pages through all of them by cursor, each exactly once, in non-increasing count order', async () => {
    const issues = await allIssues();
    expect(issues.length).toBe(N);
    for (const sort of ['freq', 'user'] as const) {
      const listed = await pages({ sort, limit: 100 });
      const ids = listed.map((i) => i.id);
      expect(new Set(ids).size, sort).toBe(ids.length);
      expect(ids.length, sort).toBe(N);
      for (let i = 1; i < listed.length; i++) expect(by(sort)(listed[i - 1]!), `${sort} at ${i}`).toBeGreaterThanOrEqual(by(sort)(listed[i]!));
      expect(ids, sort).toEqual(expected(issues, { sort, limit: 100 }));
    }
  }, 120_000);

  it('combines with status, level and text filters', async () => {
    const issues = await allIssues();
    for (const query of [
      { sort: 'freq', limit: 30, status: 'resolved' },
      { sort: 'user', limit: 30, status: 'ignored' },
      { sort: 'freq', limit: 20, status: 'unresolved', level: 'fatal' },
      { sort: 'user', limit: 25, text: 'needle' },
      { sort: 'freq', limit: 10, text: 'needle', status: 'resolved' },
    ] as Array<Omit<IssueQuery, 'cursor'>>) {
      const want = expected(issues, query);
      expect(want.length, JSON.stringify(query)).toBeGreaterThan(query.limit);
      expect((await pages(query)).map((i) => i.id), JSON.stringify(query)).toEqual(want);
    }
  }, 120_000);
});

describe('the count keys follow the counts', () => {
  it('moves an issue up the list as counting writes cross buckets, also under concurrent writers', async () => {
    const id = String(FIRST_ID + 1499);
    const before = (await store.getIssue(id))!;
    // Eight containers count the same issue at once; the guard makes the losers read again.
    await Promise.all(Array.from({ length: 8 }, (_, i) => count(new DynamoStore(LOCAL_NAMES.table, ddb), id, 3 + i * 5, 1)));
    const item = await rawItem(id);
    expect(item['count']).toBe(before.count + 8 * 3 + 5 * 28);
    expect(item['gsi4sk']).toBe(countSortKey(Number(item['count']), id));
    expect(item['gsi5sk']).toBe(countSortKey(Number(item['userCount']), id));
    const top = (await store.listIssues(PROJECT, { sort: 'freq', limit: 1500 })).issues;
    const at = top.findIndex((i) => i.id === id);
    expect(top[at]!.count).toBe(item['count']);
    if (at > 0) expect(top[at - 1]!.count).toBeGreaterThanOrEqual(Number(item['count']));
    if (at + 1 < top.length) expect(top[at + 1]!.count).toBeLessThanOrEqual(Number(item['count']));
  });

  it('gives a merge survivor the keys of its summed counts, and drops the merged issue from both orders', async () => {
    // Two mid-list issues whose sum beats every other but the leader.
    const [a, b] = [String(FIRST_ID + 700), String(FIRST_ID + 701)];
    await count(store, a, 20_000, 5_000);
    await count(store, b, 19_000, 4_000);
    const merged = await store.mergeIssues(a, [b]);
    expect((await rawItem(a))['gsi4sk']).toBe(countSortKey(merged.count, a));
    expect((await rawItem(a))['gsi5sk']).toBe(countSortKey(merged.userCount, a));
    for (const sort of ['freq', 'user'] as const) {
      const ids = (await store.listIssues(PROJECT, { sort, limit: 3 })).issues.map((i) => i.id);
      expect(ids.slice(0, 2), sort).toEqual([String(FIRST_ID), a]);
      expect((await pages({ sort, limit: 200 })).map((i) => i.id)).not.toContain(b);
    }
  }, 60_000);

  it('moves an issue between status partitions with its count keys', async () => {
    const id = String(FIRST_ID);
    await store.setStatus(id, 'resolved');
    expect((await store.listIssues(PROJECT, { sort: 'freq', limit: 1, status: 'resolved' })).issues[0]?.id).toBe(id);
    expect((await store.listIssues(PROJECT, { sort: 'freq', limit: 1, status: 'unresolved' })).issues[0]?.id).not.toBe(id);
    await store.setStatus(id, 'unresolved');
    expect((await store.listIssues(PROJECT, { sort: 'user', limit: 1, status: 'unresolved' })).issues[0]?.id).toBe(id);
  });

  it('gives an issue written before the count indexes its keys with its next write', async () => {
    const id = String(FIRST_ID + 2);
    await store.doc.send(new UpdateCommand({ TableName: LOCAL_NAMES.table, Key: { pk: `ISSUE#${id}`, sk: 'ISSUE' }, UpdateExpression: 'REMOVE gsi4sk, gsi5sk' }));
    const listed = async () => (await pages({ sort: 'freq', limit: 500 })).some((i) => i.id === id);
    expect(await listed()).toBe(false);
    await count(store, id, 1, 0);
    expect(await listed()).toBe(true);
    const item = await rawItem(id);
    expect(item['gsi4sk']).toBe(countSortKey(Number(item['count']), id));
  }, 60_000);
});

describe('a local data directory written before the count indexes', () => {
  it('is rebuilt with every index at start, its items kept, and lists by events', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferret-count-upgrade-'));
    try {
      let local = await startEmulators(dir);
      let client = new DynamoDBClient({ endpoint: local.endpoints.dynamodb });
      // The table as an older version created it: without gsi4 and gsi5, one listed issue in it.
      const old = tableInput(LOCAL_NAMES.table);
      old.GlobalSecondaryIndexes = old.GlobalSecondaryIndexes!.filter((i) => i.IndexName !== 'gsi4' && i.IndexName !== 'gsi5');
      old.AttributeDefinitions = old.AttributeDefinitions!.filter((a) => a.AttributeName !== 'gsi4sk' && a.AttributeName !== 'gsi5sk');
      await client.send(new DeleteTableCommand({ TableName: LOCAL_NAMES.table }));
      await tableGone(client, LOCAL_NAMES.table);
      await client.send(new CreateTableCommand(old));
      await tableActive(client, LOCAL_NAMES.table);
      const oldStore = new DynamoStore(LOCAL_NAMES.table, client);
      await oldStore.createIssue({ ...issueAt(5), projectId: '99' });
      await oldStore.doc.send(new UpdateCommand({ TableName: LOCAL_NAMES.table, Key: { pk: `ISSUE#${FIRST_ID + 5}`, sk: 'ISSUE' }, UpdateExpression: 'REMOVE gsi4sk, gsi5sk' }));
      client.destroy();
      await local.stop();

      local = await startEmulators(dir);
      client = new DynamoDBClient({ endpoint: local.endpoints.dynamodb });
      const names = ((await client.send(new DescribeTableCommand({ TableName: LOCAL_NAMES.table }))).Table?.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName).sort();
      expect(names).toEqual(['gsi1', 'gsi2', 'gsi3', 'gsi4', 'gsi5']);
      const upgraded = new DynamoStore(LOCAL_NAMES.table, client);
      expect((await upgraded.getIssue(String(FIRST_ID + 5)))?.count).toBe(countOf(5));
      expect((await upgraded.listIssues('99', { sort: 'date', limit: 5 })).issues.map((i) => i.id)).toEqual([String(FIRST_ID + 5)]);
      // Keys come with the next write: a status change gives them.
      expect((await upgraded.listIssues('99', { sort: 'freq', limit: 5 })).issues).toEqual([]);
      await upgraded.setStatus(String(FIRST_ID + 5), 'unresolved');
      expect((await upgraded.listIssues('99', { sort: 'freq', limit: 5 })).issues.map((i) => i.id)).toEqual([String(FIRST_ID + 5)]);
      client.destroy();
      await local.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
