/**
 * Events too large for a DynamoDB item: the whole compressed body goes to the
 * payload bucket before the claim item, which keeps its key (`bodyRef`); reads
 * resolve the key. Mocked clients: what is checked is what goes over the wire.
 */
import { createHash, randomBytes } from 'node:crypto';
import { GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { S3BlobStore } from '#functions/lib/aws.ts';
import { DynamoStore, MAX_EVENT_BODY_BYTES } from '#functions/lib/dynamo.ts';
import { decodeEventBody, encodeEventBody } from '#functions/lib/event-codec.ts';
import { ConfigError } from '#shared/errors.ts';
import type { NormalizedEvent, StoredEvent } from '#shared/model.ts';

const ddb = mockClient(DynamoDBDocumentClient);
const s3 = mockClient(S3Client);
/** Every command sent to either service, in order. */
let wire: string[];
beforeEach(() => {
  wire = [];
  ddb.on(PutCommand).callsFake(() => {
    wire.push('PutItem');
    return {};
  });
  s3.on(PutObjectCommand).callsFake(() => {
    wire.push('PutObject');
    return {};
  });
});
afterEach(() => {
  ddb.reset();
  s3.reset();
});

const BUCKET = 'payloads';
const store = () => new DynamoStore('ferret', undefined, new S3BlobStore(BUCKET, new S3Client({ region: 'us-east-1' })));
const nowS = () => Math.floor(Date.now() / 1000);
const DAY_S = 86_400;

function eventOf(extraBytes: number, id = 'e'.repeat(32)): NormalizedEvent {
  return {
    event_id: id,
    timestamp: 1_700_000_000,
    received: 1_700_000_001,
    level: 'error',
    platform: 'python',
    tags: [['release', '1.0']],
    exception: { values: [{ type: 'OversizeError', value: 'a very large event' }] },
    breadcrumbs: { values: Array.from({ length: 20 }, (_, i) => ({ message: `step ${i}` })) },
    // Random base64 is incompressible past its 6 bits per character.
    extra: { blob: randomBytes(extraBytes).toString('base64') },
  };
}

function stored(event: NormalizedEvent, projectId = '7'): StoredEvent {
  return {
    eventId: event.event_id,
    projectId,
    issueId: '42',
    dateCreated: new Date(event.timestamp * 1000).toISOString(),
    dateReceived: new Date(event.received * 1000).toISOString(),
    event,
  };
}

const digestOf = (body: Uint8Array) => createHash('sha256').update(body).digest('hex').slice(0, 16);
const putItem = () => ddb.commandCalls(PutCommand)[0]!.args[0].input.Item!;
const objectBody = (body: Uint8Array) => ({ Body: { transformToByteArray: async () => body } }) as never;

describe('storing an event too large for a DynamoDB item', () => {
  it('writes the whole compressed body to the payload bucket first, and the item keeps its key instead of the body', async () => {
    const event = eventOf(600 * 1024);
    const expected = encodeEventBody(JSON.stringify(event));
    expect(expected.length).toBeGreaterThan(MAX_EVENT_BODY_BYTES);

    expect(await store().claimEvent(stored(event), 'tok', nowS() + 90 * DAY_S, true)).toEqual({ claimed: true });

    expect(wire).toEqual(['PutObject', 'PutItem']);
    const put = s3.commandCalls(PutObjectCommand)[0]!.args[0].input;
    const key = `events/91d/7/${event.event_id}/${digestOf(expected)}`;
    expect(put).toMatchObject({ Bucket: BUCKET, Key: key });
    expect(JSON.parse(decodeEventBody(put.Body as Uint8Array))).toEqual(event);
    const item = putItem();
    expect(item).toMatchObject({ pk: `EVENT#7#${event.event_id}`, sk: 'EVENT', bodyRef: key, gsi2pk: 'ISSUE#42#EVENTS' });
    expect(item).not.toHaveProperty('body');
  });

  it("puts the body under the prefix of the project's retention tier", async () => {
    const event = eventOf(600 * 1024);
    await store().claimEvent(stored(event, '3'), 'tok', nowS() + 30 * DAY_S, true);
    expect(s3.commandCalls(PutObjectCommand)[0]!.args[0].input.Key).toMatch(new RegExp(`^events/31d/3/${event.event_id}/[0-9a-f]{16}$`));
  });

  it('puts a retried copy of the same event on the same key, and another copy under the same id on a key of its own', async () => {
    const event = eventOf(600 * 1024);
    await store().claimEvent(stored(event), 'tok1', nowS() + 90 * DAY_S, true);
    await store().claimEvent(stored(structuredClone(event)), 'tok2', nowS() + 90 * DAY_S, true);
    await store().claimEvent(stored({ ...event, received: event.received + 60 }), 'tok3', nowS() + 90 * DAY_S, true);
    const keys = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Key);
    expect(keys[1]).toBe(keys[0]);
    expect(keys[2]).not.toBe(keys[0]);
    expect(keys[2]!.split('/').slice(0, 4)).toEqual(keys[0]!.split('/').slice(0, 4));
  });

  it('writes no item when the body could not be written', async () => {
    s3.on(PutObjectCommand).rejects(new Error('S3 is down'));
    await expect(store().claimEvent(stored(eventOf(600 * 1024)), 'tok', nowS() + 90 * DAY_S, true)).rejects.toThrow('S3 is down');
    expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('keeps a body that fits in the item, with no request to S3', async () => {
    const event = eventOf(8 * 1024);
    await store().claimEvent(stored(event), 'tok', nowS() + 90 * DAY_S, true);
    expect(s3.calls()).toHaveLength(0);
    const item = putItem();
    expect(item).not.toHaveProperty('bodyRef');
    expect(JSON.parse(decodeEventBody(item['body'] as Uint8Array))).toEqual(event);
  });

  it('stores no body at all for an event claimed but not sampled, however large', async () => {
    await store().claimEvent(stored(eventOf(600 * 1024)), 'tok', nowS() + 90 * DAY_S, false);
    expect(s3.calls()).toHaveLength(0);
    expect(putItem()).not.toHaveProperty('body');
    expect(putItem()).not.toHaveProperty('bodyRef');
  });

  it('fails clearly, before any write, when the store was given no blob store', async () => {
    const bare = new DynamoStore('ferret');
    await expect(bare.claimEvent(stored(eventOf(600 * 1024)), 'tok', nowS() + 90 * DAY_S, true)).rejects.toThrow(ConfigError);
    expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
  });
});

describe('reading an event whose body is in the payload bucket', () => {
  const event = eventOf(600 * 1024);
  const body = encodeEventBody(JSON.stringify(event));
  const ref = `events/91d/7/${event.event_id}/${digestOf(body)}`;
  const itemOf = (e: NormalizedEvent, patch: Record<string, unknown>) => ({
    pk: `EVENT#7#${e.event_id}`,
    sk: 'EVENT',
    eventId: e.event_id,
    projectId: '7',
    issueId: '42',
    dateCreated: '2023-11-14T22:13:20.000Z',
    dateReceived: '2023-11-14T22:13:21.000Z',
    gsi2pk: 'ISSUE#42#EVENTS',
    gsi2sk: `2023-11-14T22:13:20.000Z#${e.event_id}`,
    expiresAt: nowS() + DAY_S,
    ...patch,
  });

  it('resolves the reference: getEvent answers the whole event', async () => {
    ddb.on(GetCommand).resolves({});
    ddb.on(GetCommand, { Key: { pk: `EVENT#7#${event.event_id}`, sk: 'EVENT' } }).resolves({ Item: itemOf(event, { bodyRef: ref }) });
    s3.on(GetObjectCommand, { Bucket: BUCKET, Key: ref }).resolves(objectBody(body));
    const got = await store().getEvent('7', event.event_id);
    expect(got?.event).toEqual(event);
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(1);
  });

  it('fetches from S3 only the listed events that need it', async () => {
    const small = eventOf(1024, 'a'.repeat(32));
    const other = eventOf(600 * 1024, 'b'.repeat(32));
    const otherBody = encodeEventBody(JSON.stringify(other));
    const otherRef = `events/91d/7/${other.event_id}/${digestOf(otherBody)}`;
    const items = [itemOf(event, { bodyRef: ref }), itemOf(small, { body: encodeEventBody(JSON.stringify(small)) }), itemOf(other, { bodyRef: otherRef })];
    ddb.on(GetCommand).resolves({ Item: { pk: 'ISSUE#42', sk: 'ISSUE', id: '42' } });
    ddb.on(QueryCommand).resolves({ Items: items.map((i) => ({ pk: i.pk, sk: i.sk, gsi2pk: i.gsi2pk, gsi2sk: i.gsi2sk })) });
    ddb.on(BatchGetCommand).resolves({ Responses: { ferret: items } });
    s3.on(GetObjectCommand, { Key: ref }).resolves(objectBody(body));
    s3.on(GetObjectCommand, { Key: otherRef }).resolves(objectBody(otherBody));

    const { events } = await store().listEvents('42', { limit: 10 });
    expect(new Map(events.map((e) => [e.eventId, e.event]))).toEqual(new Map([event, small, other].map((e) => [e.event_id, e])));
    expect(s3.commandCalls(GetObjectCommand).map((c) => c.args[0].input.Key).sort()).toEqual([ref, otherRef].sort());
  });

  it('reads a page of more than 100 events in BatchGets of at most 100 keys, retrying unprocessed keys', async () => {
    const many = Array.from({ length: 230 }, (_, i) => eventOf(64, i.toString(16).padStart(32, '0')));
    const items = new Map(many.map((e, i) => [`EVENT#7#${e.event_id}`, itemOf(e, i % 50 === 0 ? { bodyRef: `events/91d/7/${e.event_id}/x` } : { body: encodeEventBody(JSON.stringify(e)) })]));
    ddb.on(GetCommand).resolves({ Item: { pk: 'ISSUE#42', sk: 'ISSUE', id: '42' } });
    ddb.on(QueryCommand).resolves({ Items: [...items.values()].map((i) => ({ pk: i.pk, sk: i.sk, gsi2pk: i.gsi2pk, gsi2sk: i.gsi2sk })) });
    let first = true;
    ddb.on(BatchGetCommand).callsFake((input: { RequestItems: Record<string, { Keys: Array<{ pk: string }> }> }) => {
      const keys = input.RequestItems['ferret']!.Keys;
      if (keys.length > 100) throw new Error(`BatchGet of ${keys.length} keys`);
      // DynamoDB answers part of a large request and hands the rest back.
      const [answered, left] = first ? [keys.slice(0, 10), keys.slice(10)] : [keys, []];
      first = false;
      return { Responses: { ferret: answered.map((k) => items.get(k.pk)) }, UnprocessedKeys: left.length ? { ferret: { Keys: left } } : {} };
    });
    s3.on(GetObjectCommand).callsFake(async (input: { Key: string }) => {
      const e = many.find((x) => input.Key.includes(x.event_id))!;
      return objectBody(encodeEventBody(JSON.stringify(e)));
    });

    const { events } = await store().listEvents('42', { limit: 500 });
    expect(events.map((e) => e.eventId).sort()).toEqual(many.map((e) => e.event_id).sort());
    expect(events.every((e) => e.event.extra!['blob'] === many.find((x) => x.event_id === e.eventId)!.extra!['blob'])).toBe(true);
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(5);
  });

  it('lists the ids of the events without reading a body, leaving out expired ones', async () => {
    const small = eventOf(1024, 'a'.repeat(32));
    const gone = eventOf(1024, 'c'.repeat(32));
    const items = [itemOf(event, { bodyRef: ref }), itemOf(small, { body: encodeEventBody(JSON.stringify(small)) }), itemOf(gone, { bodyRef: 'events/91d/7/c/x', expiresAt: nowS() - 60 })];
    ddb.on(GetCommand).resolves({ Item: { pk: 'ISSUE#42', sk: 'ISSUE', id: '42' } });
    ddb.on(QueryCommand).resolves({ Items: items.map((i) => ({ pk: i.pk, sk: i.sk, gsi2pk: i.gsi2pk, gsi2sk: `${i.gsi2sk}` })) });
    ddb.on(BatchGetCommand).callsFake((input: { RequestItems: Record<string, { ProjectionExpression?: string }> }) => {
      const projection = input.RequestItems['ferret']!.ProjectionExpression ?? '';
      expect(projection).not.toMatch(/body/);
      return { Responses: { ferret: items.map((i) => Object.fromEntries(projection.split(/,\s*/).map((a) => [a, (i as Record<string, unknown>)[a]]))) } };
    });

    const { ids } = await store().listEventIds('42', { limit: 10 });
    expect(ids.sort()).toEqual([event.event_id, small.event_id].sort());
    expect(s3.calls()).toHaveLength(0);
  });

  it('does not fetch the body of an expired event (TTL deletion is lazy)', async () => {
    ddb.on(GetCommand).resolves({ Item: itemOf(event, { bodyRef: ref, expiresAt: nowS() - 60 }) });
    expect(await store().getEvent('7', event.event_id)).toBeUndefined();
    expect(s3.calls()).toHaveLength(0);
  });

  it('answers no event once the object is gone', async () => {
    ddb.on(GetCommand).resolves({ Item: itemOf(event, { bodyRef: ref }) });
    s3.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} }));
    expect(await store().getEvent('7', event.event_id)).toBeUndefined();
  });

  it('fails on any other S3 error rather than hide the event', async () => {
    ddb.on(GetCommand).resolves({ Item: itemOf(event, { bodyRef: ref }) });
    s3.on(GetObjectCommand).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));
    await expect(store().getEvent('7', event.event_id)).rejects.toThrow('Access Denied');
  });
});
