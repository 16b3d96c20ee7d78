/**
 * The grouping Lambda's edges with mocked AWS clients: batch failures mapped
 * for ReportBatchItemFailures, dead letters carrying their reason, and the
 * DynamoDB adapter's exactly-once answers.
 */
import { DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { SqsEventQueue } from '#functions/lib/aws.ts';
import { DynamoStore } from '#functions/lib/dynamo.ts';
import { ENV } from '#shared/infra.ts';
import { IssueMergedError, TokenFencedError } from '#shared/pipeline/errors.ts';
import { mintToken } from '#shared/pipeline/token.ts';
import type { IssueDelta } from '#shared/ports.ts';

const ddb = mockClient(DynamoDBDocumentClient);
const sqs = mockClient(SQSClient);
afterEach(() => {
  ddb.reset();
  sqs.reset();
});

const delta = (patch: Partial<IssueDelta> = {}): IssueDelta => ({
  count: 2,
  firstSeen: '2026-11-24T21:00:00.000Z',
  lastSeen: '2026-11-24T21:00:01.000Z',
  newUsers: 0,
  level: 'error',
  title: 'TypeError: x',
  culprit: 'x',
  metadata: {},
  hours: { '2026-11-24T21': 2 },
  ...patch,
});
const issueItem = (patch: Record<string, unknown> = {}) => ({ pk: 'ISSUE#9', sk: 'ISSUE', id: '9', projectId: '1', status: 'unresolved', count: 4, userCount: 1, applied: {}, hours: {}, hashes: ['h'], ...patch });
const now = new Date('2026-11-24T21:30:00Z');

describe('the grouping handler', () => {
  it('reports exactly the failed messages as batchItemFailures', async () => {
    Object.assign(process.env, {
      [ENV.table]: 'ferret',
      [ENV.payloadBucket]: 'payloads',
      [ENV.queueUrl]: 'http://127.0.0.1:1/q',
      [ENV.deadLetterQueueUrl]: 'http://127.0.0.1:1/dlq',
      [ENV.mailFrom]: 'ferret@example.com',
      [ENV.portalUrl]: 'https://ferret.example.com',
      AWS_REGION: 'us-east-1',
    });
    const { sqsBatchHandler } = await import('#functions/group.ts');
    const handler = sqsBatchHandler(async (records) => records.filter((r) => r.body === 'bad').map((r) => r.messageId));
    const record = (messageId: string, body: string) => ({ messageId, body }) as never;
    const res = await handler({ Records: [record('a', 'ok'), record('b', 'bad'), record('c', 'ok')] });
    expect(res).toEqual({ batchItemFailures: [{ itemIdentifier: 'b' }] });
  });
});

describe('the dead-letter queue adapter', () => {
  it('sends the message body unchanged with its reason as a message attribute', async () => {
    sqs.on(SendMessageCommand).resolves({});
    await new SqsEventQueue('q', 'dlq', new SQSClient({ region: 'us-east-1' })).deadLetter('{"v":1', 'message body is not JSON');
    const input = sqs.commandCalls(SendMessageCommand)[0]!.args[0].input;
    expect(input).toMatchObject({ QueueUrl: 'dlq', MessageBody: '{"v":1', MessageAttributes: { reason: { DataType: 'String', StringValue: 'message body is not JSON' } } });
  });
});

describe('the counting write', () => {
  const store = () => new DynamoStore('ferret');

  it('does not apply a token twice when the first write went through but its answer was lost', async () => {
    const token = mintToken(now.getTime());
    ddb.on(GetCommand).resolves({ Item: issueItem({ count: 6, applied: { [token]: { kind: 'seen', count: 2 } } }) });
    const result = await store().applyDelta('9', delta(), token, now);
    expect(result).toMatchObject({ kind: 'seen', issue: { count: 6 } });
    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it('refuses a token at or before the fence', async () => {
    const token = mintToken(now.getTime());
    ddb.on(GetCommand).resolves({ Item: issueItem({ fence: now.getTime() }) });
    await expect(store().applyDelta('9', delta(), token, now)).rejects.toBeInstanceOf(TokenFencedError);
    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it('sends the events of a merged issue to its survivor', async () => {
    ddb.on(GetCommand).resolves({ Item: issueItem({ mergedInto: '3' }) });
    await expect(store().applyDelta('9', delta(), mintToken(now.getTime()), now)).rejects.toMatchObject(new IssueMergedError('9', '3'));
  });

  it('guards the write with the token, the fence and the merge, and records the token on the issue', async () => {
    const token = mintToken(now.getTime());
    ddb.on(GetCommand).resolves({ Item: issueItem() });
    ddb.on(UpdateCommand).resolves({ Attributes: issueItem({ count: 6 }) });
    await store().applyDelta('9', delta(), token, now);
    const input = ddb.commandCalls(UpdateCommand)[0]!.args[0].input;
    expect(input.ConditionExpression).toContain('attribute_not_exists(applied.#tok)');
    expect(input.ConditionExpression).toContain('fence < :mint');
    expect(input.ConditionExpression).toContain('attribute_not_exists(mergedInto)');
    expect(input.ExpressionAttributeNames!['#tok']).toBe(token);
    expect(input.ExpressionAttributeValues![':entry']).toEqual({ kind: 'seen', count: 2 });
    expect(input.UpdateExpression).toContain('ADD #count :n, userCount :u');
  });

  it('keeps an issue resolved in a release for events of that release and regresses it for a newer one', async () => {
    ddb.on(GetCommand).resolves({ Item: issueItem({ status: 'resolved', resolvedInRelease: '1.0' }) });
    ddb.on(UpdateCommand).resolves({ Attributes: issueItem() });
    const same = await store().applyDelta('9', delta({ release: '1.0', releases: ['1.0'] }), mintToken(now.getTime()), now);
    expect(same.kind).toBe('seen');
    expect(ddb.commandCalls(UpdateCommand)[0]!.args[0].input.UpdateExpression).not.toContain('#status = :unresolved');
    const newer = await store().applyDelta('9', delta({ release: '1.1', releases: ['1.0', '1.1'] }), mintToken(now.getTime()), now);
    expect(newer).toMatchObject({ kind: 'regression', regressed: true });
    expect(ddb.commandCalls(UpdateCommand)[1]!.args[0].input.UpdateExpression).toContain('substatus = :regressed');
  });

  it('ends an ignore when the events it waited for arrive', async () => {
    ddb.on(GetCommand).resolves({ Item: issueItem({ status: 'ignored', count: 4, ignoreCount: 6 }) });
    ddb.on(UpdateCommand).resolves({ Attributes: issueItem() });
    const result = await store().applyDelta('9', delta({ count: 2 }), mintToken(now.getTime()), now);
    expect(result).toMatchObject({ kind: 'reappeared', reappeared: true });
    expect(ddb.commandCalls(UpdateCommand)[0]!.args[0].input.ConditionExpression).toContain('#count = :c0');
  });

  it('ends an ignore for a duration once the time has passed, not before', async () => {
    ddb.on(GetCommand).resolves({ Item: issueItem({ status: 'ignored', ignoreUntil: '2026-11-24T21:20:00.000Z' }) });
    ddb.on(UpdateCommand).resolves({ Attributes: issueItem() });
    expect((await store().applyDelta('9', delta(), mintToken(now.getTime()), now)).kind).toBe('reappeared');
    ddb.on(GetCommand).resolves({ Item: issueItem({ status: 'ignored', ignoreUntil: '2026-11-24T22:00:00.000Z' }) });
    expect((await store().applyDelta('9', delta(), mintToken(now.getTime()), now)).kind).toBe('seen');
  });

  it('stores "ignore until N more events" as the total to reach', async () => {
    ddb.on(UpdateCommand).resolves({ Attributes: issueItem({ status: 'ignored' }) });
    ddb.on(QueryCommand).resolves({ Items: [] });
    await store().setStatus('9', 'ignored', { ignoreCount: 3 });
    expect(ddb.commandCalls(UpdateCommand)[0]!.args[0].input.UpdateExpression).toContain('ignoreCount = if_not_exists(#count, :zero) + :ignoreCount');
  });
});

describe('the tag counters in the counting write', () => {
  const store = () => new DynamoStore('ferret');
  const update = () => ddb.commandCalls(UpdateCommand)[0]!.args[0].input;
  /** The placeholder a name stands for in the expression. */
  const placeholder = (names: Record<string, string>, value: string, prefix: string) => Object.entries(names).find(([k, v]) => v === value && k.startsWith(prefix))![0];

  it('writes the first counts whole, guarded by their absence, and records the events counted before them', async () => {
    ddb.on(GetCommand).resolves({ Item: issueItem({ count: 4 }) });
    ddb.on(UpdateCommand).resolves({ Attributes: issueItem({ count: 6 }) });
    await store().applyDelta('9', delta({ tagCounts: { browser: { 'Chrome 120': 2 } } }), mintToken(now.getTime()), now);
    const input = update();
    expect(input.UpdateExpression).toContain('tc = :tcAll');
    expect(input.UpdateExpression).toContain('tcFrom = :tcFrom');
    expect(input.UpdateExpression).toContain('ADD #count :n, userCount :u, tcv :tcOne');
    expect(input.ExpressionAttributeValues![':tcAll']).toEqual({ browser: { 'Chrome 120': 2 } });
    expect(input.ExpressionAttributeValues![':tcFrom']).toBe(4);
    expect(input.ConditionExpression).toContain('attribute_not_exists(tc)');
    expect(input.ConditionExpression).toContain('#tcCount = :tcFrom');
    expect(input.UpdateExpression).not.toContain('tagValues');
  });

  it('adds to counted values and replaces the least-counted value of a full key, guarded by both entries', async () => {
    const users = { 'id:a': 5, 'id:b': 1, 'id:c': 7, 'id:d': 9, 'id:e': 4 };
    ddb.on(GetCommand).resolves({ Item: issueItem({ tc: { user: users, level: { error: 4 } }, te: {}, tcv: 3 }) });
    ddb.on(UpdateCommand).resolves({ Attributes: issueItem({ count: 6 }) });
    await store().applyDelta('9', delta({ tagCounts: { user: { 'id:z': 2 }, level: { error: 2 } } }), mintToken(now.getTime()), now);
    const input = update();
    const names = input.ExpressionAttributeNames!;
    const values = input.ExpressionAttributeValues!;
    const user = placeholder(names, 'user', '#k');
    const level = placeholder(names, 'level', '#k');
    const error = placeholder(names, 'error', '#v');
    const b = placeholder(names, 'id:b', '#v');
    const z = placeholder(names, 'id:z', '#v');
    const ez = placeholder(names, 'user=id:z', '#e');
    const expr = input.UpdateExpression!;
    // The increment: relative, so concurrent writers' increments add up.
    expect(expr).toMatch(new RegExp(`tc\\.${level}\\.${error} = if_not_exists\\(tc\\.${level}\\.${error}, (:tc\\w+)\\) \\+ (:tc\\w+)`));
    // The replacement: the newcomer takes the victim's count as it is at write time, plus its own; the victim leaves.
    const moved = new RegExp(`tc\\.${user}\\.${z} = tc\\.${user}\\.${b} \\+ (:tc\\w+)`).exec(expr);
    expect(moved).not.toBeNull();
    expect(values[moved![1]!]).toBe(2);
    expect(expr).toMatch(new RegExp(`te\\.${ez} = tc\\.${user}\\.${b} \\+ :tc\\w+`));
    expect(expr).toMatch(new RegExp(`REMOVE .*tc\\.${user}\\.${b}`));
    expect(input.ConditionExpression).toContain(`attribute_exists(tc.${user}.${b})`);
    expect(input.ConditionExpression).toContain(`attribute_not_exists(tc.${user}.${z})`);
    // Relative writes do not wait on the version: they only add to it.
    expect(input.ConditionExpression).not.toContain('tcv =');
    expect(expr).toContain('tcv :tcOne');
    // Every placeholder is used (DynamoDB refuses unused ones).
    for (const k of [...Object.keys(names), ...Object.keys(values)]) expect(`${expr} ${input.ConditionExpression}`).toContain(k);
  });

  it('retries a write that lost a race with adds only: the newcomer is folded into the least-counted entry as its error', async () => {
    const users = { 'id:a': 5, 'id:b': 1, 'id:c': 7, 'id:d': 9, 'id:e': 4 };
    ddb.on(GetCommand).resolves({ Item: issueItem({ tc: { user: users }, te: {}, tcv: 3 }) });
    ddb
      .on(UpdateCommand)
      .rejectsOnce(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }))
      .resolves({ Attributes: issueItem({ count: 6 }) });
    await store().applyDelta('9', delta({ tagCounts: { user: { 'id:z': 2 } } }), mintToken(now.getTime()), now);
    const [first, retry] = ddb.commandCalls(UpdateCommand).map((c) => c.args[0].input);
    expect(first!.UpdateExpression).toContain('REMOVE');
    expect(retry!.UpdateExpression).not.toContain('REMOVE');
    expect(retry!.ConditionExpression).not.toContain('attribute_exists(tc.');
    const names = retry!.ExpressionAttributeNames!;
    const b = placeholder(names, 'id:b', '#v');
    const eb = placeholder(names, 'user=id:b', '#e');
    expect(retry!.UpdateExpression).toContain(`.${b} = if_not_exists(`);
    expect(retry!.UpdateExpression).toContain(`te.${eb} = if_not_exists(te.${eb}`);
    expect(Object.values(names)).not.toContain('id:z');
  });

  it('writes the counters whole, guarded by their version, when a batch changes too many values for one expression', async () => {
    const tagCounts: Record<string, Record<string, number>> = {};
    for (let k = 0; k < 20; k++) {
      tagCounts[`custom_${k}`] = {};
      for (let v = 0; v < 10; v++) tagCounts[`custom_${k}`]![`v${v}`] = 1;
    }
    // Every value already counted: 200 increments would not fit in one expression.
    ddb.on(GetCommand).resolves({ Item: issueItem({ tc: tagCounts, te: {}, tcv: 7 }) });
    ddb.on(UpdateCommand).resolves({ Attributes: issueItem({ count: 6 }) });
    await store().applyDelta('9', delta({ tagCounts }), mintToken(now.getTime()), now);
    const input = update();
    expect(input.UpdateExpression).toContain('tc = :tcAll');
    expect(input.ConditionExpression).toContain('tcv = :tcv');
    expect(input.ExpressionAttributeValues![':tcv']).toBe(7);
    expect(input.UpdateExpression!.length).toBeLessThan(4096);
    expect((input.ExpressionAttributeValues![':tcAll'] as Record<string, Record<string, number>>)['custom_3']).toEqual(Object.fromEntries([...Array(10).keys()].map((v) => [`v${v}`, 2])));
  });

  it('grows a key with room guarded by its size as read', async () => {
    ddb.on(GetCommand).resolves({ Item: issueItem({ tc: { browser: { 'Chrome 120': 4 } }, te: {}, tcv: 1 }) });
    ddb.on(UpdateCommand).resolves({ Attributes: issueItem({ count: 6 }) });
    await store().applyDelta('9', delta({ tagCounts: { browser: { 'Safari 17': 1, 'Firefox 121': 1 } } }), mintToken(now.getTime()), now);
    const input = update();
    const k = placeholder(input.ExpressionAttributeNames!, 'browser', '#k');
    const size = new RegExp(`size\\(tc\\.${k}\\) <= (:tc\\w+)`).exec(input.ConditionExpression!);
    expect(size).not.toBeNull();
    expect(input.ExpressionAttributeValues![size![1]!]).toBe(10 - 2);
  });

  it('reads the counters back as the issue tag counts, without the storage attributes', async () => {
    ddb.on(GetCommand).resolves({ Item: issueItem({ tc: { level: { error: 4 } }, te: { 'level=error': 1 }, tcv: 2, tcFrom: 3 }) });
    const issue = await store().getIssue('9');
    expect(issue!.tagCounts).toEqual({ counts: { level: { error: 4 } }, errors: { 'level=error': 1 }, from: 3 });
    expect(issue).not.toHaveProperty('tc');
    expect(issue).not.toHaveProperty('tcv');
  });
});

describe('settling another batch token', () => {
  it('fences a token that never applied so its claims can be taken over', async () => {
    const token = mintToken(now.getTime() - 60_000);
    ddb.on(GetCommand, { Key: { pk: 'ISSUE#9', sk: 'ISSUE' } }).resolves({ Item: issueItem() });
    ddb.on(GetCommand, { Key: { pk: `APPLY#${token}`, sk: 'APPLY' } }).resolves({});
    ddb.on(UpdateCommand).resolves({});
    expect(await new DynamoStore('ferret').settleToken('9', token)).toEqual({ fate: 'void' });
    const input = ddb.commandCalls(UpdateCommand)[0]!.args[0].input;
    expect(input.UpdateExpression).toBe('SET fence = :mint');
    expect(input.ConditionExpression).toContain('attribute_not_exists(applied.#tok)');
  });

  it('reports a token applied but not finished with what it did', async () => {
    const token = mintToken(now.getTime() - 60_000);
    ddb.on(GetCommand, { Key: { pk: 'ISSUE#9', sk: 'ISSUE' } }).resolves({ Item: issueItem({ applied: { [token]: { kind: 'regression', count: 3 } } }) });
    ddb.on(GetCommand, { Key: { pk: `APPLY#${token}`, sk: 'APPLY' } }).resolves({});
    expect(await new DynamoStore('ferret').settleToken('9', token)).toEqual({ fate: 'pending', issueId: '9', entry: { kind: 'regression', count: 3 } });
    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it('reports a finished token still on the issue as finished (it leaves with the next counting write)', async () => {
    const token = mintToken(now.getTime() - 60_000);
    ddb.on(GetCommand, { Key: { pk: 'ISSUE#9', sk: 'ISSUE' } }).resolves({ Item: issueItem({ applied: { [token]: { kind: 'regression', count: 3 } } }) });
    ddb.on(GetCommand, { Key: { pk: `APPLY#${token}`, sk: 'APPLY' } }).resolves({ Item: { pk: `APPLY#${token}`, sk: 'APPLY' } });
    expect(await new DynamoStore('ferret').settleToken('9', token)).toEqual({ fate: 'finished' });
    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it('reports a finished token without fencing anything', async () => {
    const token = mintToken(now.getTime() - 60_000);
    ddb.on(GetCommand, { Key: { pk: 'ISSUE#9', sk: 'ISSUE' } }).resolves({ Item: issueItem() });
    ddb.on(GetCommand, { Key: { pk: `APPLY#${token}`, sk: 'APPLY' } }).resolves({ Item: { pk: `APPLY#${token}`, sk: 'APPLY' } });
    expect(await new DynamoStore('ferret').settleToken('9', token)).toEqual({ fate: 'finished' });
    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(0);
  });
});

describe('alert windows', () => {
  it('neither merges nor sends again for the batch whose email already went out', async () => {
    const token = mintToken(now.getTime());
    const err = Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' });
    ddb.on(UpdateCommand).rejects(err);
    ddb.on(GetCommand).resolves({ Item: { pk: 'ALERT#r#9', sk: 'ALERT', expiresAt: 2_000_000_000, token, sent: true } });
    expect(await new DynamoStore('ferret').claimAlert('r', '9', 2_000_000_100, 1_900_000_000, 4, token)).toEqual({ claimed: false, merged: 0 });
    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(1);
  });

  it('gives the window back to the same batch when its email never went out', async () => {
    const token = mintToken(now.getTime());
    const err = Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' });
    ddb.on(UpdateCommand).rejects(err);
    ddb.on(GetCommand).resolves({ Item: { pk: 'ALERT#r#9', sk: 'ALERT', expiresAt: 2_000_000_000, token, sent: false, claimedMerged: 7 } });
    expect(await new DynamoStore('ferret').claimAlert('r', '9', 2_000_000_100, 1_900_000_000, 4, token)).toEqual({ claimed: true, merged: 7 });
  });
});

describe('the tag counters of a merge', () => {
  it('adds the merged counters to the survivor, guarded by the version read, and carries the uncounted events', async () => {
    const { mergeTagCountParts } = await import('#functions/lib/dynamo-tag-counts.ts');
    const survivor = { count: 10, tc: { level: { error: 10 }, user: { 'id:a': 6, 'id:b': 4 } }, te: {}, tcv: 4 };
    const other = { count: 5, tc: { level: { error: 3, fatal: 1 }, user: { 'id:b': 4 } }, te: {}, tcv: 2, tcFrom: 1 };
    const parts = mergeTagCountParts(survivor, other, 'm')!;
    expect(parts.values[':tcAll']).toEqual({ level: { error: 13, fatal: 1 }, user: { 'id:a': 6, 'id:b': 8 } });
    expect(parts.conditions).toEqual(['tcv = :tcv']);
    expect(parts.values[':tcv']).toBe(4);
    // The merged issue had one event before its counters: the survivor's counts now miss that one.
    expect(parts.values[':tcFrom']).toBe(1);
    expect(parts.adds).toEqual(['tcv :tcOne']);
  });

  it('starts the counters of a survivor without any from the merged issue, counting all its own events as uncounted', async () => {
    const { mergeTagCountParts } = await import('#functions/lib/dynamo-tag-counts.ts');
    const parts = mergeTagCountParts({ count: 9 }, { count: 2, tc: { level: { error: 2 } }, te: {} }, 'm')!;
    expect(parts.values[':tcAll']).toEqual({ level: { error: 2 } });
    expect(parts.values[':tcFrom']).toBe(9);
    expect(parts.conditions).toEqual(['attribute_not_exists(tc)', '#tcCount = :tcCount']);
    expect(parts.values[':tcCount']).toBe(9);
    // Neither counted: nothing to write.
    expect(mergeTagCountParts({ count: 9 }, { count: 2 }, 'm')).toBeUndefined();
  });
});
