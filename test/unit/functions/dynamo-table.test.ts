/**
 * The table client the DynamoDB adapters share, checked at the document-client level: paged
 * queries that stop at their bound and cut the last page there, reads by key, and conditional
 * writes whose failed condition is a conflict, a missing item or nothing to do, while any other
 * error still surfaces.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isConditionFailure, onConditionFailure, setAndRemove, TableClient, type Item } from '#functions/lib/dynamo-table.ts';
import { ConflictError, NotFoundError } from '#shared/errors.ts';

let mock: ReturnType<typeof mockClient>;
beforeEach(() => {
  mock = mockClient(DynamoDBDocumentClient);
});
afterEach(() => mock.restore());

const conditionFailed = () => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException' });

/** The protected helpers, opened for the test. */
class Probe extends TableClient {
  query = (input: Omit<QueryCommandInput, 'TableName'>, max?: number) => this.queryAll(input, max);
  read = (pk: string, sk: string) => this.get(pk, sk);
  readConsistent = (pk: string, sk: string) => this.getConsistent(pk, sk);
  claim = (item: Item, conflict: string) => this.putUnique(item, conflict);
  update = this.updateExisting.bind(this);
  maybeUpdate = this.tryUpdate.bind(this);
  maybePut = this.tryPut.bind(this);
}

/** Pages of `size` items each, `pages` of them, keyed by page number. */
function pagedQuery(pages: number, size: number) {
  mock.on(QueryCommand).callsFake((input: QueryCommandInput) => {
    const page = Number((input.ExclusiveStartKey as { page?: number } | undefined)?.page ?? 0);
    const Items = Array.from({ length: size }, (_, i) => ({ pk: 'P', sk: `S${page * size + i}` }));
    return { Items, ...(page + 1 < pages ? { LastEvaluatedKey: { page: page + 1 } } : {}) };
  });
}

describe('TableClient', () => {
  it('reads pages until the bound and cuts the last page at it', async () => {
    pagedQuery(5, 3);
    const items = await new Probe('t').query({ KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': 'P' } }, 7);
    expect(items.map((i) => i['sk'])).toEqual(['S0', 'S1', 'S2', 'S3', 'S4', 'S5', 'S6']);
    // Three pages were needed for seven items; the fourth and fifth were never asked for.
    const calls = mock.commandCalls(QueryCommand).map((c) => c.args[0].input as QueryCommandInput);
    expect(calls.map((c) => c.ExclusiveStartKey)).toEqual([undefined, { page: 1 }, { page: 2 }]);
    expect(calls[0]).toMatchObject({ TableName: 't', KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': 'P' } });
  });

  it('reads every page when unbounded, and a thousand items by default', async () => {
    pagedQuery(4, 3);
    expect(await new Probe('t').query({ KeyConditionExpression: 'pk = :p' }, Infinity)).toHaveLength(12);
    mock.reset();
    pagedQuery(3, 400);
    expect(await new Probe('t').query({ KeyConditionExpression: 'pk = :p' })).toHaveLength(1000);
  });

  it('reads by key, consistently only when asked', async () => {
    mock.on(GetCommand).resolves({ Item: { pk: 'A', sk: 'B', x: 1 } });
    const probe = new Probe('t');
    expect(await probe.read('A', 'B')).toEqual({ pk: 'A', sk: 'B', x: 1 });
    expect(await probe.readConsistent('A', 'B')).toEqual({ pk: 'A', sk: 'B', x: 1 });
    const inputs = mock.commandCalls(GetCommand).map((c) => c.args[0].input);
    expect(inputs).toEqual([
      { TableName: 't', Key: { pk: 'A', sk: 'B' } },
      { TableName: 't', Key: { pk: 'A', sk: 'B' }, ConsistentRead: true },
    ]);
    mock.on(GetCommand).resolves({});
    expect(await probe.read('A', 'C')).toBeUndefined();
  });

  it('claims a unique name with attribute_not_exists(pk); taken, it is a conflict with the given message', async () => {
    mock.on(PutCommand).resolvesOnce({}).rejects(conditionFailed());
    const probe = new Probe('t');
    await probe.claim({ pk: 'ORG#o', sk: 'SLUG#s' }, 'slug s taken');
    await expect(probe.claim({ pk: 'ORG#o', sk: 'SLUG#s' }, 'slug s taken')).rejects.toThrow(new ConflictError('slug s taken'));
    await expect(probe.claim({ pk: 'ORG#o', sk: 'SLUG#s' }, 'x')).rejects.toBeInstanceOf(ConflictError);
    expect(mock.commandCalls(PutCommand)[0]!.args[0].input).toEqual({ TableName: 't', Item: { pk: 'ORG#o', sk: 'SLUG#s' }, ConditionExpression: 'attribute_not_exists(pk)' });
  });

  it('updates an existing item, answers its output, and calls a failed condition not found', async () => {
    mock.on(UpdateCommand).resolvesOnce({ Attributes: { n: 2 } }).rejects(conditionFailed());
    const probe = new Probe('t');
    const input = { Key: { pk: 'K', sk: 'K' }, UpdateExpression: 'SET n = :n', ConditionExpression: 'attribute_exists(pk)', ExpressionAttributeValues: { ':n': 2 } };
    expect((await probe.update(input, 'gone')).Attributes).toEqual({ n: 2 });
    await expect(probe.update(input, 'key K not found')).rejects.toThrow(new NotFoundError('key K not found'));
    expect(mock.commandCalls(UpdateCommand)[0]!.args[0].input).toEqual({ TableName: 't', ...input });
  });

  it('answers undefined for a write whose condition failed, the output otherwise', async () => {
    mock.on(UpdateCommand).resolvesOnce({ Attributes: { a: 1 } }).rejects(conditionFailed());
    mock.on(PutCommand).resolvesOnce({}).rejects(conditionFailed());
    const probe = new Probe('t');
    const update = { Key: { pk: 'K', sk: 'K' }, UpdateExpression: 'SET a = :a', ConditionExpression: 'attribute_exists(pk)', ExpressionAttributeValues: { ':a': 1 } };
    expect(await probe.maybeUpdate(update)).toEqual({ Attributes: { a: 1 } });
    expect(await probe.maybeUpdate(update)).toBeUndefined();
    const put = { Item: { pk: 'K', sk: 'K' }, ConditionExpression: 'attribute_not_exists(pk)' };
    expect(await probe.maybePut(put)).toEqual({});
    expect(await probe.maybePut(put)).toBeUndefined();
  });

  it('lets every other error through each conditional write', async () => {
    mock.on(UpdateCommand).rejects(throttled());
    mock.on(PutCommand).rejects(throttled());
    const probe = new Probe('t');
    const update = { Key: { pk: 'K', sk: 'K' }, UpdateExpression: 'SET a = :a', ConditionExpression: 'attribute_exists(pk)' };
    await expect(probe.maybeUpdate(update)).rejects.toThrow('Rate exceeded');
    await expect(probe.update(update, 'gone')).rejects.toThrow('Rate exceeded');
    await expect(probe.maybePut({ Item: { pk: 'K', sk: 'K' } })).rejects.toThrow('Rate exceeded');
    await expect(probe.claim({ pk: 'K', sk: 'K' }, 'taken')).rejects.toThrow('Rate exceeded');
  });

  it('hands the failed condition to its answer, which may throw or return', async () => {
    const failure = conditionFailed();
    await expect(onConditionFailure(Promise.reject(failure), (e) => e)).resolves.toBe(failure);
    await expect(onConditionFailure(Promise.resolve('done'), () => 'other')).resolves.toBe('done');
    await expect(
      onConditionFailure(Promise.reject(failure), (e) => {
        throw new Error('changed', { cause: e });
      }),
    ).rejects.toMatchObject({ message: 'changed', cause: failure });
    await expect(onConditionFailure(Promise.reject(throttled()), () => 'other')).rejects.toThrow('Rate exceeded');
  });

  it('knows a failed condition by its class or by its name', () => {
    expect(isConditionFailure(conditionFailed())).toBe(true);
    expect(isConditionFailure(Object.assign(new Error('x'), { name: 'ConditionalCheckFailedException' }))).toBe(true);
    expect(isConditionFailure(throttled())).toBe(false);
    expect(isConditionFailure(undefined)).toBe(false);
  });

  it('writes a REMOVE clause only when there is something to remove', () => {
    expect(setAndRemove(['a = :a', 'b = :b'], [])).toBe('SET a = :a, b = :b');
    expect(setAndRemove(['a = :a'], ['c', 'd'])).toBe('SET a = :a REMOVE c, d');
  });
});
