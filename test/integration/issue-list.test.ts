/**
 * Issue lists from the list indexes on the local stack's DynamoDB: every sort
 * and status, paged with the cursor, must give exactly the order the issues'
 * own fields give; merged issues leave the lists, a status change or a
 * regression moves an issue between them, filters page through.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_NAMES, startEmulators, type Emulators } from '#cdk/local/emulators.ts';
import { DynamoStore } from '#functions/lib/dynamo.ts';
import type { Issue, IssueStatus, Level } from '#shared/model.ts';
import type { IssueQuery } from '#shared/ports.ts';
import { hourKey, mintToken } from '#shared/pipeline/token.ts';
import { allPages } from '../helpers/issues.ts';

let emulators: Emulators;
let dataDir: string;
let ddb: DynamoDBClient;
let store: DynamoStore;
const PROJECT = '77';
const T0 = Date.parse('2026-11-20T00:00:00Z');
const N = 45;
const iso = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
const LEVELS: Level[] = ['error', 'warning', 'fatal'];

async function newIssue(i: number): Promise<string> {
  const id = String(9000 + i);
  // First and last seen scrambled against the ids; a few ties on last seen to test the id tie-break.
  const first = (i * 37) % 500;
  const last = 600 + ((i * 53) % 97);
  await store.createIssue({
    id,
    projectId: PROJECT,
    shortId: `LIST-${i}`,
    title: `Error${i}: list ${i % 3 === 0 ? 'needle' : 'hay'}`,
    culprit: `mod${i}`,
    metadata: { type: `Error${i}` },
    type: 'error',
    level: LEVELS[i % 3]!,
    platform: 'python',
    status: 'unresolved',
    firstSeen: iso(first),
    lastSeen: iso(first),
    count: 0,
    userCount: 0,
    hashes: [`v1:list${i}`],
  });
  // Two batches: the first event, then the rest later (moves last seen and the list key).
  const delta = (count: number, at: string, users: number) => ({
    count,
    firstSeen: at,
    lastSeen: at,
    newUsers: users,
    level: LEVELS[i % 3]!,
    title: `Error${i}: list ${i % 3 === 0 ? 'needle' : 'hay'}`,
    culprit: `mod${i}`,
    metadata: { type: `Error${i}` },
    hours: { '2026-11-20T00': count },
    releases: [],
  });
  for (const [count, at, users] of [[1, iso(first), 1], [1 + ((i * 7) % 13), iso(last), (i * 5) % 4]] as const) {
    const token = mintToken(Date.now());
    await store.applyDelta(id, delta(count, at, users), token, new Date());
    await store.finishToken(id, token, Math.floor(Date.now() / 1000) + 3600, new Date());
  }
  return id;
}

async function all(): Promise<Issue[]> {
  const out: Issue[] = [];
  for (let i = 0; i < N; i++) {
    const issue = await store.getIssue(String(9000 + i));
    if (issue) out.push(issue);
  }
  return out;
}

const pages = async (query: Omit<IssueQuery, 'cursor'>): Promise<string[]> => (await allPages(store, PROJECT, query)).map((i) => i.id);

const desc = (a: string, b: string) => (a < b ? 1 : a > b ? -1 : 0);
function expected(issues: Issue[], merged: Set<string>, query: Omit<IssueQuery, 'cursor'>): string[] {
  const keep = issues.filter(
    (i) => !merged.has(i.id) && (!query.status || i.status === query.status) && (!query.level || i.level === query.level) && (!query.text || i.title.toLowerCase().includes(query.text)),
  );
  const order: Record<IssueQuery['sort'], (a: Issue, b: Issue) => number> = {
    date: (a, b) => desc(`${a.lastSeen}#${a.id}`, `${b.lastSeen}#${b.id}`),
    new: (a, b) => desc(`${a.firstSeen}#${a.id}`, `${b.firstSeen}#${b.id}`),
    // Ties by id, newest first: the index's tie-break (shared/api/count-order.ts).
    freq: (a, b) => b.count - a.count || Number(b.id) - Number(a.id),
    user: (a, b) => b.userCount - a.userCount || Number(b.id) - Number(a.id),
  };
  return keep.sort(order[query.sort]).map((i) => i.id);
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'ferret-issue-list-'));
  emulators = await startEmulators(dataDir);
  ddb = new DynamoDBClient({ endpoint: emulators.endpoints.dynamodb });
  store = new DynamoStore(LOCAL_NAMES.table, ddb);
  for (let i = 0; i < N; i++) await newIssue(i);
  for (let i = 0; i < N; i += 5) await store.setStatus(String(9000 + i), 'resolved');
  for (let i = 2; i < N; i += 7) await store.setStatus(String(9000 + i), 'ignored');
});

afterAll(async () => {
  ddb?.destroy();
  await emulators?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('issue lists from the list indexes', () => {
  const merged = new Set<string>();

  it('pages every sort and status in the order of the issues own fields', async () => {
    await store.mergeIssues('9001', ['9003', '9004']);
    merged.add('9003').add('9004');
    const issues = await all();
    expect(issues.filter((i) => i.status === 'resolved').length).toBeGreaterThan(5);
    for (const sort of ['date', 'new', 'freq', 'user'] as const) {
      for (const status of [undefined, 'unresolved', 'resolved', 'ignored'] as Array<IssueStatus | undefined>) {
        const query: Omit<IssueQuery, 'cursor'> = { sort, limit: 7, ...(status ? { status } : {}) };
        const want = expected(issues, merged, query);
        expect(want.length, `${sort} ${status}`).toBeGreaterThan(0);
        expect(await pages(query), `${sort} ${status ?? 'any'}`).toEqual(want);
      }
    }
  });

  it('pages through filters that leave most issues out', async () => {
    const issues = await all();
    for (const query of [
      { sort: 'date', limit: 4, level: 'fatal' },
      { sort: 'new', limit: 3, text: 'needle' },
      { sort: 'date', limit: 2, text: 'needle', status: 'unresolved' },
    ] as Array<Omit<IssueQuery, 'cursor'>>) {
      const want = expected(issues, merged, query);
      expect(want.length).toBeGreaterThan(query.limit);
      expect(await pages(query)).toEqual(want);
    }
  });

  it('moves an issue between lists on a status change and on a regression', async () => {
    const id = '9010'; // resolved above
    const inList = async (status: IssueStatus) => (await pages({ sort: 'date', limit: 50, status })).includes(id);
    expect(await inList('resolved')).toBe(true);
    expect(await inList('unresolved')).toBe(false);
    const token = mintToken(Date.now());
    const result = await store.applyDelta(
      id,
      { count: 1, firstSeen: iso(900), lastSeen: iso(900), newUsers: 0, level: 'error', title: 'Error10: list hay', culprit: 'mod10', metadata: {}, hours: { '2026-11-20T15': 1 }, releases: [] },
      token,
      new Date(),
    );
    expect(result.kind).toBe('regression');
    expect(await inList('resolved')).toBe(false);
    expect(await inList('unresolved')).toBe(true);
    // Last seen moved: it leads the unresolved list by date now.
    expect((await store.listIssues(PROJECT, { sort: 'date', limit: 1, status: 'unresolved' })).issues[0]?.id).toBe(id);
    await store.setStatus(id, 'ignored');
    expect(await inList('ignored')).toBe(true);
    expect(await inList('unresolved')).toBe(false);
  });

  it('keeps merged issues and issues without events out of every list', async () => {
    await store.createIssue({ ...(await store.getIssue('9000'))!, id: '9999', hashes: ['v1:empty'], count: 0, userCount: 0, status: 'unresolved' });
    for (const sort of ['date', 'new', 'freq', 'user'] as const) {
      const ids = await pages({ sort, limit: 100 });
      expect(ids).not.toContain('9999');
      expect(ids).not.toContain('9003');
      expect(ids).toContain('9001');
    }
  });
});

describe('the issue item between batches', () => {
  const applied = async (id: string) =>
    Object.keys(((await store.doc.send(new GetCommand({ TableName: LOCAL_NAMES.table, Key: { pk: `ISSUE#${id}`, sk: 'ISSUE' }, ConsistentRead: true }))).Item?.['applied'] as object) ?? {});
  const batch = async (on: DynamoStore, id: string, minute: number) => {
    const token = mintToken(Date.now());
    const at = iso(minute);
    await on.applyDelta(id, { count: 1, firstSeen: at, lastSeen: at, newUsers: 0, level: 'error', title: 't', culprit: 'c', metadata: {}, hours: { [hourKey(Date.now())]: 1 }, releases: [] }, token, new Date());
    await on.finishToken(id, token, Math.floor(Date.now() / 1000) + 3600, new Date());
    return token;
  };

  it('keeps finished tokens only until the next counting write, from this container or others', async () => {
    const id = '9020';
    const before = (await store.getIssue(id))!.count;
    let last = '';
    for (let i = 0; i < 6; i++) last = await batch(store, id, 1200 + i);
    // Each write removed the token the previous batch finished: only the last one is left (no hour to roll up).
    expect(await applied(id)).toEqual([last]);
    expect(await store.settleToken(id, last)).toEqual({ fate: 'finished' });
    // Other containers each leave their finished token; once more than two linger, a write looks them up and removes them.
    const tokens = [last];
    const sizes: number[] = [];
    for (let i = 0; i < 8; i++) {
      tokens.push(await batch(new DynamoStore(LOCAL_NAMES.table, ddb), id, 1300 + i));
      sizes.push((await applied(id)).length);
    }
    expect(Math.max(...sizes)).toBe(3);
    expect(sizes).toContain(1);
    for (const t of tokens) expect(await store.settleToken(id, t)).toEqual({ fate: 'finished' });
    const issue = (await store.getIssue(id))!;
    expect(issue.lastSeen).toBe(iso(1307));
    expect(issue.count).toBe(before + 6 + 8);
  });
});

describe('merging issues with users in common', () => {
  it('counts each user once on the survivor, and the merged users are not new there afterwards', async () => {
    const withUsers = async (n: number, users: string[]) => {
      const id = await newIssue(n);
      const token = mintToken(Date.now());
      for (const u of users) expect((await store.claimUser(id, u, token)).claimed).toBe(true);
      const at = iso(2000 + n);
      await store.applyDelta(id, { count: 1, firstSeen: at, lastSeen: at, newUsers: users.length, level: 'error', title: 't', culprit: 'c', metadata: {}, hours: { [hourKey(Date.now())]: 1 }, releases: [] }, token, new Date());
      await store.finishToken(id, token, Math.floor(Date.now() / 1000) + 3600, new Date());
      return (await store.getIssue(id))!;
    };
    const survivor = await withUsers(60, ['u1', 'u2', 'u3']);
    const other = await withUsers(61, ['u2', 'u3', 'u4', 'u5']);
    const merged = await store.mergeIssues(survivor.id, [other.id]);
    expect(merged.userCount).toBe(survivor.userCount + other.userCount - 2);
    // Retried: nothing moves twice.
    expect((await store.mergeIssues(survivor.id, [other.id])).userCount).toBe(merged.userCount);
    const token = mintToken(Date.now());
    expect((await store.claimUser(survivor.id, 'u4', token)).claimed).toBe(false);
    expect((await store.claimUser(survivor.id, 'u6', token)).claimed).toBe(true);
  });
});
