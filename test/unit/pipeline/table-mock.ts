/**
 * A small stand-in for the table behind `DynamoStore`, at the document-client
 * level with aws-sdk-client-mock: items by key, conditional puts on absence,
 * and the grouping step's counting write on the issue item. Enough to count
 * and fail the calls the grouping step makes, not a DynamoDB.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { defaultRules } from '#shared/alerts/rules.ts';
import type { Issue, Project } from '#shared/model.ts';

type Item = Record<string, any>;
const key = (k: Item) => `${k['pk']}|${k['sk']}`;

export const PROJECT: Project = {
  id: '1',
  slug: 'default',
  name: 'Default',
  orgSlug: 'ferret',
  dateCreated: '2026-01-01T00:00:00.000Z',
  shortIdPrefix: 'DEFAULT',
  retentionDays: 90,
  rateLimitPerMinute: 0,
  storeIp: false,
  sensitiveFields: [],
  safeFields: [],
};

export function mockTable() {
  const items = new Map<string, Item>();
  const mock = mockClient(DynamoDBDocumentClient);
  const state: { fault?: ((input: UpdateCommandInput) => Error | undefined) | undefined } = {};
  const conditionFailed = () => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

  items.set('PROJECT#1|PROJECT', { pk: 'PROJECT#1', sk: 'PROJECT', ...PROJECT });
  for (const rule of defaultRules('1', new Date(0))) items.set(`PROJECT#1|RULE#${rule.id}`, { pk: 'PROJECT#1', sk: `RULE#${rule.id}`, ...rule });

  mock.on(GetCommand).callsFake(async (input) => ({ Item: items.get(key(input.Key)) }));
  mock.on(PutCommand).callsFake(async (input) => {
    if (String(input.ConditionExpression ?? '').startsWith('attribute_not_exists(pk)') && items.has(key(input.Item))) throw conditionFailed();
    items.set(key(input.Item), { ...input.Item });
    return {};
  });
  mock.on(BatchGetCommand).callsFake(async (input) => ({
    Responses: Object.fromEntries(
      Object.entries(input.RequestItems ?? {}).map(([table, req]) => [table, ((req as { Keys?: Item[] }).Keys ?? []).map((k: Item) => items.get(key(k))).filter((i: Item | undefined) => i !== undefined)]),
    ),
  }));
  mock.on(QueryCommand).callsFake(async (input) => {
    const prefix = input.ExpressionAttributeValues?.[':r'];
    const pk = input.ExpressionAttributeValues?.[':p'];
    return { Items: [...items.values()].filter((i) => i['pk'] === pk && (prefix === undefined || String(i['sk']).startsWith(prefix))) };
  });
  mock.on(UpdateCommand).callsFake(async (input: UpdateCommandInput) => {
    const injected = state.fault?.(input);
    if (injected) throw injected;
    const k = key(input.Key!);
    const item = items.get(k) ?? { ...input.Key };
    const values = input.ExpressionAttributeValues ?? {};
    const names = input.ExpressionAttributeNames ?? {};
    if (input.Key!['sk'] === 'SEQ') {
      item['value'] = Number(item['value'] ?? 0) + 1;
      items.set(k, item);
      return { Attributes: { value: item['value'] } };
    }
    if (input.Key!['sk'] === 'ISSUE' && String(input.UpdateExpression).includes('ADD #count :n')) {
      if (item['applied']?.[names['#tok']!]) throw conditionFailed();
      item['count'] = Number(item['count'] ?? 0) + Number(values[':n']);
      item['userCount'] = Number(item['userCount'] ?? 0) + Number(values[':u']);
      item['applied'] = { ...item['applied'], [names['#tok']!]: values[':entry'] };
      items.set(k, item);
      return { Attributes: item };
    }
    if (String(input.UpdateExpression).startsWith('REMOVE applied.#tok')) {
      delete item['applied']?.[names['#tok']!];
      return {};
    }
    if (input.Key!['sk'] === 'ALERT' && String(input.UpdateExpression).startsWith('SET claimedMerged')) {
      if (item['expiresAt'] >= values[':now']) throw conditionFailed();
      Object.assign(item, { expiresAt: values[':exp'], token: values[':tok'], sent: false, merged: 0 });
      items.set(k, item);
      return { Attributes: {} };
    }
    if (input.Key!['sk'] === 'ALERT' && String(input.UpdateExpression).startsWith('SET merged')) {
      item['expiresAt'] = 0;
      return {};
    }
    return { Attributes: item };
  });

  return {
    mock,
    items,
    /** Makes matching UpdateItem calls fail (throttling, outages) until cleared with undefined. */
    failUpdates(fault: ((input: UpdateCommandInput) => Error | undefined) | undefined) {
      state.fault = fault;
    },
    issues(): Issue[] {
      return [...items.values()].filter((i) => i['sk'] === 'ISSUE') as Issue[];
    },
    /** UpdateItem calls that count events on an issue. */
    countingWrites(): UpdateCommandInput[] {
      return mock.commandCalls(UpdateCommand).map((c) => c.args[0].input).filter((i) => i.Key?.['sk'] === 'ISSUE' && String(i.UpdateExpression).includes('ADD #count :n'));
    },
  };
}
