/**
 * The intake adapter's writes, checked at the document-client level: keys as
 * documented in dynamo.ts, limits that never shorten, outcome attribute names
 * that SDK-chosen reasons cannot break, conditional links counted once.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DynamoIntakeStore } from '#functions/lib/dynamo-intake.ts';

let mock: ReturnType<typeof mockClient>;
beforeEach(() => {
  mock = mockClient(DynamoDBDocumentClient);
});
afterEach(() => mock.restore());

const conditionFailed = () => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
const updates = () => mock.commandCalls(UpdateCommand).map((c) => c.args[0].input);

describe('DynamoIntakeStore', () => {
  it('counts events per minute and month window on the project, and answers the totals', async () => {
    mock.on(UpdateCommand).resolves({ Attributes: { count: 7 } });
    const store = new DynamoIntakeStore('t');
    expect(await store.countEvents('42', { minute: 29_000_000, month: '2026-11' }, 3)).toEqual({ minute: 7, month: 7 });
    expect(updates().map((u) => u.Key)).toEqual([
      { pk: 'PROJECT#42', sk: 'USAGE#MIN#0029000000' },
      { pk: 'PROJECT#42', sk: 'USAGE#MONTH#2026-11' },
    ]);
    expect(updates()[0]).toMatchObject({ UpdateExpression: 'ADD #c :n SET expiresAt = :exp', ExpressionAttributeValues: { ':n': 3 } });
  });

  it('never shortens a limit, and takes a refused condition as "a later limit is set"', async () => {
    mock.on(UpdateCommand).rejects(conditionFailed());
    const store = new DynamoIntakeStore('t');
    await expect(store.setLimitedUntil('42', 1000)).resolves.toBeUndefined();
    await expect(store.setKeyLimitedUntil('abc', 1000)).resolves.toBeUndefined();
    expect(updates().map((u) => [u.Key, u.ConditionExpression])).toEqual([
      [{ pk: 'PROJECT#42', sk: 'PROJECT' }, 'attribute_exists(pk) AND (attribute_not_exists(limitedUntil) OR limitedUntil < :u)'],
      [{ pk: 'KEY#abc', sk: 'KEY' }, 'attribute_exists(pk) AND (attribute_not_exists(limitedUntil) OR limitedUntil < :u)'],
    ]);
  });

  it('adds outcomes in one write per day, merging repeats, with names SDK reasons cannot break', async () => {
    mock.on(UpdateCommand).resolves({});
    const store = new DynamoIntakeStore('t');
    await store.addOutcomes('42', '2026-11-24', [
      { outcome: 'client_discard', category: 'error', reason: 'before_send', quantity: 2 },
      { outcome: 'client_discard', category: 'error', reason: 'before_send', quantity: 3 },
      { outcome: 'client_discard', category: 'er:ror#x', reason: 'a:b#c', quantity: 1 },
      { outcome: 'accepted', category: 'error', reason: '', quantity: 0 },
    ]);
    expect(updates()).toHaveLength(1);
    const u = updates()[0]!;
    expect(u.Key).toEqual({ pk: 'PROJECT#42', sk: 'OUTCOME#2026-11-24' });
    expect(Object.values(u.ExpressionAttributeNames!)).toEqual(['o:client_discard:error:before_send', 'o:client_discard:er_ror_x:a_b_c']);
    expect(u.ExpressionAttributeValues).toMatchObject({ ':o0': 5, ':o1': 1 });
  });

  it('writes nothing for outcomes that count nothing', async () => {
    await new DynamoIntakeStore('t').addOutcomes('42', '2026-11-24', [{ outcome: 'accepted', category: 'error', reason: '', quantity: 0 }]);
    expect(updates()).toHaveLength(0);
  });

  it('reads outcome days back into counts', async () => {
    mock.on(QueryCommand).resolves({ Items: [{ pk: 'PROJECT#42', sk: 'OUTCOME#2026-11-24', expiresAt: 1, 'o:accepted:error:': 4, 'o:rate_limited:error:project_quota': 2 }] });
    expect(await new DynamoIntakeStore('t').listOutcomes('42', '2026-11-20', '2026-11-24')).toEqual([
      { day: '2026-11-24', outcome: 'accepted', category: 'error', reason: '', quantity: 4 },
      { day: '2026-11-24', outcome: 'rate_limited', category: 'error', reason: 'project_quota', quantity: 2 },
    ]);
  });

  it('stores attachments under their event, indexed by issue when it is known', async () => {
    mock.on(PutCommand).resolves({});
    const store = new DynamoIntakeStore('t');
    const a = { id: 'u1', projectId: '42', eventId: 'e'.repeat(32), name: 'a.txt', contentType: 'text/plain', size: 3, type: 'event.attachment', blobKey: 'attachments/91d/42/e/u1', dateCreated: '2026-11-24T21:00:00.000Z' };
    await store.putAttachment(a, 99);
    await store.putAttachment({ ...a, issueId: '7' }, 99);
    const items = mock.commandCalls(PutCommand).map((c) => c.args[0].input.Item!);
    expect(items[0]).toMatchObject({ pk: `EVENT#42#${'e'.repeat(32)}`, sk: 'ATTACH#u1', expiresAt: 99 });
    expect(items[0]!['gsi1pk']).toBeUndefined();
    expect(items[1]).toMatchObject({ gsi1pk: 'ISSUE#7#ATTACH', gsi1sk: '2026-11-24T21:00:00.000Z#u1' });
  });

  it('says whether feedback is new, links it to an issue once, and reads project feedback in index order', async () => {
    mock.on(PutCommand).resolvesOnce({}).resolvesOnce({ Attributes: { pk: 'x' } });
    mock.on(UpdateCommand).resolvesOnce({}).rejectsOnce(conditionFailed());
    const store = new DynamoIntakeStore('t');
    const f = { id: 'f1', projectId: '42', name: '', email: '', comments: 'c', source: 'feedback' as const, dateCreated: '2026-11-24T21:00:00.000Z' };
    expect(await store.putFeedback(f, 99)).toBe(true);
    expect(await store.putFeedback(f, 99)).toBe(false);
    expect(await store.linkFeedback(f, '7')).toBe(true);
    expect(await store.linkFeedback(f, '7')).toBe(false);
    expect(updates()[0]).toMatchObject({ ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(issueId)', ExpressionAttributeValues: { ':g': 'ISSUE#7#FEEDBACK' } });

    mock.on(QueryCommand).resolves({ Items: [{ pk: 'PROJECT#42', sk: 'FEEDBACK#b' }, { pk: 'PROJECT#42', sk: 'FEEDBACK#a' }] });
    mock
      .on(BatchGetCommand)
      .resolvesOnce({ Responses: { t: [{ pk: 'PROJECT#42', sk: 'FEEDBACK#a', id: 'a', gsi2pk: 'x' }] }, UnprocessedKeys: { t: { Keys: [{ pk: 'PROJECT#42', sk: 'FEEDBACK#b' }] } } })
      .resolvesOnce({ Responses: { t: [{ pk: 'PROJECT#42', sk: 'FEEDBACK#b', id: 'b' }] } });
    expect((await store.listProjectFeedback('42', 10)).map((x) => x.id)).toEqual(['b', 'a']);
  });

  it('marks session states and answers only the new ones; an expired copy counts as absent', async () => {
    const future = Math.floor(Date.now() / 1000) + 3600;
    mock.on(UpdateCommand).resolvesOnce({ Attributes: undefined }).resolvesOnce({ Attributes: { errored: true, expiresAt: future } }).resolvesOnce({ Attributes: { errored: true, expiresAt: 1 } });
    const store = new DynamoIntakeStore('t');
    expect(await store.markSession('42', 's', ['errored'], future)).toEqual(['errored']);
    expect(await store.markSession('42', 's', ['errored', 'crashed'], future)).toEqual(['crashed']);
    expect(await store.markSession('42', 's', ['errored'], future)).toEqual(['errored']);
    expect(await store.markSession('42', 's', [], future)).toEqual([]);
    expect(updates()).toHaveLength(3);
    expect(updates()[0]!.Key).toEqual({ pk: 'SESSION#42#s', sk: 'SESSION' });
  });
});
