/**
 * The events and users orders of the DynamoDB adapter against a mocked table: the index reads it
 * sends (gsi4 / gsi5, merged over the status partitions), and index entries older than their items
 * (the index is eventually consistent): the item decides.
 */
import { BatchGetCommand, DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { DynamoStore, issueListPk } from '#functions/lib/dynamo.ts';
import { countSortKey } from '#shared/api/count-order.ts';
import { issueItem, type Row } from './issue-items.ts';

const ddb = mockClient(DynamoDBDocumentClient);
afterEach(() => ddb.reset());

const UNRESOLVED = issueListPk('1', 'unresolved');
const RESOLVED = issueListPk('1', 'resolved');
const entry = (id: string, count: number, users = 0, pk = UNRESOLVED): Row => ({ pk: `ISSUE#${id}`, sk: 'ISSUE', gsi2pk: pk, gsi4sk: countSortKey(count, id), gsi5sk: countSortKey(users, id) });
const item = (id: string, count: number, patch: Row = {}): Row =>
  issueItem(id, { ...entry(id, count, Number(patch['userCount'] ?? 0), String(patch['gsi2pk'] ?? UNRESOLVED)), count, ...patch });

/** A query engine over index entries: partition, `< :c` or `begins_with(…, :b)`, order, Limit. */
function table(entries: Row[], items: Row[]) {
  const queries: Array<{ index: string; condition: string }> = [];
  ddb.on(QueryCommand).callsFake(async (input) => {
    const index = String(input.IndexName);
    const sortKey = `${index}sk`;
    queries.push({ index, condition: String(input.KeyConditionExpression) });
    const v = input.ExpressionAttributeValues as Record<string, string>;
    let rows = entries.filter((e) => e['gsi2pk'] === v[':p'] && e[sortKey] !== undefined);
    if (v[':c'] !== undefined) rows = rows.filter((e) => String(e[sortKey]) < v[':c']!);
    if (v[':b'] !== undefined) rows = rows.filter((e) => String(e[sortKey]).startsWith(v[':b']!));
    rows.sort((a, b) => (String(a[sortKey]) < String(b[sortKey]) ? -1 : 1));
    if (input.ScanIndexForward === false) rows.reverse();
    const limit = input.Limit ?? rows.length;
    return { Items: rows.slice(0, limit), ...(rows.length > limit ? { LastEvaluatedKey: rows[limit - 1] } : {}) };
  });
  ddb.on(BatchGetCommand).callsFake(async (input) => {
    const keys = (Object.values(input.RequestItems)[0] as { Keys: Array<{ pk: string }> }).Keys.map((k) => k.pk);
    return { Responses: { ferret: items.filter((i) => keys.includes(String(i['pk']))) } };
  });
  return queries;
}

describe('listing issues by events and by users', () => {
  it('reads the events index, merged over the status partitions, a range bucket sorted by the real counts', async () => {
    // 40–60 share a bucket: the index alone cannot order them.
    const rows = [item('1', 45), item('2', 60), item('3', 41, { gsi2pk: RESOLVED, status: 'resolved' }), item('4', 200), item('5', 1), item('6', 52)];
    const queries = table(rows.map((r) => entry(String(r['id']), Number(r['count']), 0, String(r['gsi2pk']))), rows);
    const { issues, nextCursor } = await new DynamoStore('ferret').listIssues('1', { sort: 'freq', limit: 4 });
    expect(issues.map((i) => [i.id, i.count])).toEqual([
      ['4', 200],
      ['2', 60],
      ['6', 52],
      ['1', 45],
    ]);
    expect(queries.every((q) => q.index === 'gsi4')).toBe(true);
    expect(queries.some((q) => q.condition.includes('begins_with(gsi4sk, :b)'))).toBe(true);
    const rest = await new DynamoStore('ferret').listIssues('1', { sort: 'freq', limit: 4, cursor: nextCursor! });
    expect(rest.issues.map((i) => i.id)).toEqual(['3', '5']);
    expect(rest.nextCursor).toBeUndefined();
  });

  it('orders by users from the users index', async () => {
    const rows = [item('1', 10, { userCount: 3 }), item('2', 500, { userCount: 0 }), item('3', 7, { userCount: 90 })];
    const queries = table(rows.map((r) => entry(String(r['id']), Number(r['count']), Number(r['userCount']))), rows);
    const { issues } = await new DynamoStore('ferret').listIssues('1', { sort: 'user', limit: 10, status: 'unresolved' });
    expect(issues.map((i) => i.id)).toEqual(['3', '1', '2']);
    expect(queries.every((q) => q.index === 'gsi5')).toBe(true);
  });

  it('lists a hot issue whose count left its bucket since its entry, with the count it has now', async () => {
    table([entry('1', 9), entry('2', 5)], [item('1', 9), item('2', 5000)]);
    const { issues } = await new DynamoStore('ferret').listIssues('1', { sort: 'freq', limit: 25, status: 'unresolved' });
    expect(issues.map((i) => [i.id, i.count])).toEqual([
      ['1', 9],
      ['2', 5000],
    ]);
  });

  it('leaves out issues resolved, merged or emptied since their entry', async () => {
    table(
      [entry('1', 90), entry('2', 80), entry('3', 70), entry('4', 3)],
      [item('1', 90, { gsi2pk: RESOLVED, status: 'resolved' }), item('2', 80, { mergedInto: '4' }), item('3', 0), item('4', 3)],
    );
    const { issues } = await new DynamoStore('ferret').listIssues('1', { sort: 'freq', limit: 25, status: 'unresolved' });
    expect(issues.map((i) => i.id)).toEqual(['4']);
  });
});
