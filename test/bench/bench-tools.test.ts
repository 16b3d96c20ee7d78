/**
 * The benchmark's own instruments: the in-memory DynamoDB that answers the
 * real adapter, the percentile and the cost model. A wrong instrument makes
 * every figure wrong, so they are tested like product code.
 */
import { describe, expect, it } from 'vitest';
import { applyUpdate, evaluateCondition, FakeTable } from './fake-dynamo.ts';
import { billedMs, costPerMillion, sqsRequestsFor, type UsagePerEvent } from './prices.ts';
import { percentile } from './stats.ts';
import { pick, sdkRequest } from './workloads.ts';

describe('the in-memory DynamoDB', () => {
  it('evaluates the conditions the adapter writes', () => {
    const item = { pk: 'ISSUE#1', status: 'resolved', expiresAt: 100, applied: { t1: { kind: 'new' } }, ids: ['a', 'b'] };
    const names = { '#pk': 'pk', '#status': 'status', '#tok': 't1' };
    expect(evaluateCondition('attribute_not_exists(pk) OR expiresAt < :now', item, undefined, { ':now': 101 })).toBe(true);
    expect(evaluateCondition('attribute_not_exists(pk) OR expiresAt < :now', item, undefined, { ':now': 100 })).toBe(false);
    expect(evaluateCondition('attribute_not_exists(pk)', undefined, undefined, undefined)).toBe(true);
    expect(evaluateCondition('attribute_exists(#pk) AND #status <> :r', item, names, { ':r': 'resolved' })).toBe(false);
    expect(evaluateCondition('attribute_exists(applied.#tok) AND NOT contains(ids, :id)', item, names, { ':id': 'c' })).toBe(true);
    expect(evaluateCondition('pk = :p AND expiresAt BETWEEN :a AND :b', item, undefined, { ':p': 'ISSUE#1', ':a': 50, ':b': 150 })).toBe(true);
  });

  it('applies SET, if_not_exists, ADD and REMOVE, reading the old item on the right-hand side', () => {
    const before = { pk: 'x', count: 2, hours: { h1: 1 }, gone: true };
    const after = applyUpdate(
      'SET firstRelease = if_not_exists(firstRelease, :r), hours.#h = if_not_exists(hours.#h, :zero) + :n REMOVE gone ADD #count :n',
      before,
      { '#h': 'h1', '#count': 'count' },
      { ':r': '1.0', ':zero': 0, ':n': 3 },
    );
    expect(after).toEqual({ pk: 'x', count: 5, hours: { h1: 4 }, firstRelease: '1.0' });
    expect(before).toEqual({ pk: 'x', count: 2, hours: { h1: 1 }, gone: true });
  });

  it('refuses a conditional put on an existing key, as DynamoDB does', () => {
    const table = new FakeTable();
    table.put({ TableName: 't', Item: { pk: 'a', sk: 'b' }, ConditionExpression: 'attribute_not_exists(pk)' });
    expect(() => table.put({ TableName: 't', Item: { pk: 'a', sk: 'b' }, ConditionExpression: 'attribute_not_exists(pk)' })).toThrow(/conditional/);
  });

  it('answers index queries in sort-key order, newest first when asked', () => {
    const table = new FakeTable();
    for (const [sk, seen] of [['1', '2026-01'], ['2', '2026-03'], ['3', '2026-02']]) table.put({ TableName: 't', Item: { pk: `ISSUE#${sk}`, sk: 'ISSUE', gsi1pk: 'P', gsi1sk: seen } });
    const out = table.query({ TableName: 't', IndexName: 'gsi1', KeyConditionExpression: 'gsi1pk = :p', ExpressionAttributeValues: { ':p': 'P' }, ScanIndexForward: false });
    expect(out.Items.map((i) => i['pk'])).toEqual(['ISSUE#2', 'ISSUE#3', 'ISSUE#1']);
  });
});

describe('the cost model', () => {
  const usage: UsagePerEvent = {
    apiRequests: 1,
    lambda: { ingest: { invocations: 1, billedMs: 10 }, group: { invocations: 0.01, billedMs: 2 }, api: { invocations: 0, billedMs: 0 }, authorizer: { invocations: 0, billedMs: 0 } },
    sqsRequests: 3,
    dynamoWriteUnits: 4,
    dynamoReadUnits: 2,
    s3Puts: 0,
    s3Gets: 0,
    emails: 0.001,
  };

  it('prices each resource per million events at list price', () => {
    const c = costPerMillion(usage, 'http');
    expect(c.api).toBeCloseTo(1.0);
    expect(c.lambdaRequests).toBeCloseTo(1.01 * 0.2);
    // 10 ms at 512 MB + 2 ms at 1024 MB per event, at $0.0000133334 per GB-s.
    expect(c.lambdaCompute).toBeCloseTo((0.01 * 0.5 + 0.002 * 1) * 0.0000133334 * 1e6);
    expect(c.sqs).toBeCloseTo(1.2);
    expect(c.dynamoWrites).toBeCloseTo(2.5);
    expect(c.dynamoReads).toBeCloseTo(0.25);
    expect(c.ses).toBeCloseTo(0.1);
    expect(c.total).toBeCloseTo(c.api + c.lambdaRequests + c.lambdaCompute + c.sqs + c.dynamoWrites + c.dynamoReads + c.s3 + c.ses);
    expect(costPerMillion(usage, 'rest').api).toBeCloseTo(3.5);
  });

  it('bills SQS per started 64 KiB chunk and Lambda per started millisecond', () => {
    expect([sqsRequestsFor(0), sqsRequestsFor(64 * 1024), sqsRequestsFor(64 * 1024 + 1)]).toEqual([1, 1, 2]);
    expect([billedMs(0.2), billedMs(1), billedMs(1.01)]).toEqual([1, 1, 2]);
  });
});

describe('the workloads', () => {
  it('gives different bugs different events and one bug the same, each with its own id', () => {
    const endpoint = { projectId: '7', publicKey: 'k'.repeat(32) };
    const a = sdkRequest(endpoint, 'browser', 1, 't');
    const b = sdkRequest(endpoint, 'browser', 1, 't');
    const c = sdkRequest(endpoint, 'browser', 2, 't');
    expect(a.eventId).not.toBe(b.eventId);
    const payload = (r: typeof a) => JSON.parse(r.body.toString('utf8').split('\n')[2]!);
    expect(payload(a).exception.values[0].type).toBe(payload(b).exception.values[0].type);
    expect(payload(a).exception.values[0].type).not.toBe(payload(c).exception.values[0].type);
    expect(a.path).toBe('/api/7/envelope/');
    expect(sdkRequest(endpoint, 'python', 1, 't').headers['content-encoding']).toBe('gzip');
  });

  it('spreads the distinct mix over every bug and keeps the storm on one', () => {
    const bugs = new Set(Array.from({ length: 50 }, (_, i) => pick('distinct', i, 10).bug));
    expect(bugs.size).toBe(10);
    expect(new Set(Array.from({ length: 50 }, (_, i) => pick('storm', i, 10).bug))).toEqual(new Set([0]));
  });

  it('takes the nearest-rank percentile', () => {
    const xs = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect([percentile(xs, 50), percentile(xs, 99), percentile(xs, 100)]).toEqual([50, 99, 100]);
    expect(percentile([], 50)).toBeNaN();
  });
});
