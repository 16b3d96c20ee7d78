/**
 * Issue lists against index entries older than their items (the index is
 * eventually consistent, and hot issues are written between the query and
 * the read): the item decides, and a hot issue does not drop out of the list.
 */
import { BatchGetCommand, DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { DynamoStore, issueListPk } from '#functions/lib/dynamo.ts';
import { issueItem } from './issue-items.ts';

const ddb = mockClient(DynamoDBDocumentClient);
afterEach(() => ddb.reset());

const P = issueListPk('1', 'unresolved');
const entry = (id: string, seen: string, pk = P) => ({ pk: `ISSUE#${id}`, sk: 'ISSUE', gsi2pk: pk, gsi2sk: `${seen}#${id}` });
const item = (id: string, seen: string, patch: Record<string, unknown> = {}) => issueItem(id, { ...entry(id, seen), gsi3sk: `2026-11-01T00:00:00.000Z#${id}`, lastSeen: seen, ...patch });

function table(entries: Array<Record<string, unknown>>, items: Array<Record<string, unknown>>) {
  ddb.on(QueryCommand).callsFake(async (input) => ({ Items: input.ExpressionAttributeValues[':p'] === P ? entries : [] }));
  ddb.on(BatchGetCommand).callsFake(async (input) => {
    const keys = (Object.values(input.RequestItems)[0] as { Keys: Array<{ pk: string }> }).Keys.map((k) => k.pk);
    return { Responses: { ferret: items.filter((i) => keys.includes(String(i['pk']))) } };
  });
}

describe('listing issues whose index entries lag', () => {
  it('lists a hot issue whose last seen moved since its entry, with what the item says now', async () => {
    table(
      [entry('1', '2026-11-24T10:00:00.000Z'), entry('2', '2026-11-24T09:00:00.000Z')],
      [item('1', '2026-11-24T10:05:00.000Z'), item('2', '2026-11-24T09:00:00.000Z')],
    );
    const { issues } = await new DynamoStore('ferret').listIssues('1', { sort: 'date', limit: 25, status: 'unresolved' });
    expect(issues.map((i) => [i.id, i.lastSeen])).toEqual([
      ['1', '2026-11-24T10:05:00.000Z'],
      ['2', '2026-11-24T09:00:00.000Z'],
    ]);
  });

  it('leaves out issues resolved, merged or emptied since their entry', async () => {
    table(
      [entry('1', '2026-11-24T10:00:00.000Z'), entry('2', '2026-11-24T09:00:00.000Z'), entry('3', '2026-11-24T08:00:00.000Z'), entry('4', '2026-11-24T07:00:00.000Z')],
      [
        item('1', '2026-11-24T10:00:00.000Z', { gsi2pk: issueListPk('1', 'resolved'), status: 'resolved' }),
        item('2', '2026-11-24T09:00:00.000Z', { mergedInto: '4' }),
        item('3', '2026-11-24T08:00:00.000Z', { count: 0 }),
        item('4', '2026-11-24T07:00:00.000Z'),
      ],
    );
    const { issues } = await new DynamoStore('ferret').listIssues('1', { sort: 'date', limit: 25, status: 'unresolved' });
    expect(issues.map((i) => i.id)).toEqual(['4']);
  });

  it('meets an issue whose first seen moved at its new place, not at its old one', async () => {
    table(
      [{ ...entry('1', '2026-11-24T10:00:00.000Z'), gsi3sk: '2026-11-03T00:00:00.000Z#1' }],
      [item('1', '2026-11-24T10:00:00.000Z', { gsi3sk: '2026-10-01T00:00:00.000Z#1', firstSeen: '2026-10-01T00:00:00.000Z' })],
    );
    const { issues } = await new DynamoStore('ferret').listIssues('1', { sort: 'new', limit: 25, status: 'unresolved' });
    expect(issues).toEqual([]);
  });
});
