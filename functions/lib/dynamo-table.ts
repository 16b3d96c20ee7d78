/**
 * What the DynamoDB adapters (`dynamo.ts`, `dynamo-intake.ts`, `dynamo-members.ts`) share on the
 * single table: the document client, reads by key, paged queries and conditional writes, where a
 * failed condition is an answer (a conflict, a missing item, a write with nothing to do) rather
 * than an error.
 */
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type PutCommandInput,
  type PutCommandOutput,
  type QueryCommandInput,
  type UpdateCommandInput,
  type UpdateCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import { ConflictError, NotFoundError } from '#shared/errors.ts';

export type Item = Record<string, unknown>;

/** Internal attributes that are not part of the domain objects. */
const KEY_ATTRS = ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'gsi3sk', 'gsi4sk', 'gsi5sk', 'expiresAt'];
/** The domain object an item holds: the item without its key attributes. */
export function strip<T>(item: Item | undefined): T | undefined {
  if (!item) return undefined;
  const out: Item = {};
  for (const [k, v] of Object.entries(item)) if (!KEY_ATTRS.includes(k)) out[k] = v;
  return out as T;
}

/** By name too: the class differs when two copies of the SDK are loaded (and in fakes). */
export const isConditionFailure = (e: unknown) =>
  e instanceof ConditionalCheckFailedException || (e as { name?: string })?.name === 'ConditionalCheckFailedException';

/** Runs a conditional write; a failed condition is answered by `onFailure` (what it returns or throws). */
export async function onConditionFailure<O, F>(write: Promise<O>, onFailure: (e: unknown) => F | Promise<F>): Promise<O | F> {
  try {
    return await write;
  } catch (e) {
    if (!isConditionFailure(e)) throw e;
    return onFailure(e);
  }
}

/** `SET …` and, when there is something to remove, ` REMOVE …` (an empty REMOVE clause is invalid). */
export function setAndRemove(sets: readonly string[], removes: readonly string[]): string {
  return `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`;
}

export class TableClient {
  readonly doc: DynamoDBDocumentClient;

  constructor(
    readonly table: string,
    client: DynamoDBClient = new DynamoDBClient({}),
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  protected async get(pk: string, sk: string): Promise<Item | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.table, Key: { pk, sk } }));
    return out.Item;
  }

  protected async getConsistent(pk: string, sk: string): Promise<Item | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.table, Key: { pk, sk }, ConsistentRead: true }));
    return out.Item;
  }

  /**
   * Every page of a query, up to `max` items: pages are read until `max` is reached, and the last
   * one is cut there, so the bound holds whatever the page sizes were.
   */
  protected async queryAll(input: Omit<QueryCommandInput, 'TableName'>, max = 1000): Promise<Item[]> {
    const items: Item[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.doc.send(new QueryCommand({ ...input, TableName: this.table, ExclusiveStartKey: start }));
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start && items.length < max);
    return items.slice(0, max);
  }

  /** A put whose condition (`attribute_not_exists(pk)`) claims a unique name: taken, it is a conflict. */
  protected async putUnique(item: Item, conflict: string): Promise<void> {
    await onConditionFailure(this.doc.send(new PutCommand({ TableName: this.table, Item: item, ConditionExpression: 'attribute_not_exists(pk)' })), () => {
      throw new ConflictError(conflict);
    });
  }

  /** An update of an item that must exist (its condition says so): otherwise not found. */
  protected async updateExisting(input: Omit<UpdateCommandInput, 'TableName'>, notFound: string): Promise<UpdateCommandOutput> {
    return onConditionFailure(this.doc.send(new UpdateCommand({ TableName: this.table, ...input })), () => {
      throw new NotFoundError(notFound);
    });
  }

  /** An update with nothing to do when its condition fails: its output, or undefined then. */
  protected async tryUpdate(input: Omit<UpdateCommandInput, 'TableName'>): Promise<UpdateCommandOutput | undefined> {
    return onConditionFailure(this.doc.send(new UpdateCommand({ TableName: this.table, ...input })), () => undefined);
  }

  /** A put with nothing to do when its condition fails: its output, or undefined then. */
  protected async tryPut(input: Omit<PutCommandInput, 'TableName'>): Promise<PutCommandOutput | undefined> {
    return onConditionFailure(this.doc.send(new PutCommand({ TableName: this.table, ...input })), () => undefined);
  }
}
