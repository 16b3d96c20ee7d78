/**
 * Counted-only events of a first delivery: one COUNTED record per issue per batch instead of
 * a claim item per event, and redeliveries checked against those records. The real DynamoDB
 * adapter runs on the benchmark's in-memory table, which evaluates its key conditions and
 * conditional writes (the counting write's fence included).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultRules } from '#shared/alerts/rules.ts';
import { QUEUE } from '#shared/infra.ts';
import { EVENTS_STORED_PER_HOUR } from '#shared/pipeline/ledger.ts';
import { mintToken, tokenTimePrefix } from '#shared/pipeline/token.ts';
import { countedItem, readCounted } from '#functions/lib/dynamo-counted.ts';
import { batchRecord } from '#functions/lib/sqs-record.ts';
import { DynamoStore } from '#functions/lib/dynamo.ts';
import type { SQSRecord } from 'aws-lambda';
import { FakeTable, mockDynamo } from '../../bench/fake-dynamo.ts';
import { bugEvent, record, redelivery } from './events.ts';
import { GROUP_NOW, testGrouper } from './grouper.ts';
import { PROJECT } from './table-mock.ts';

let table: FakeTable;
let restore: () => void;

beforeEach(() => {
  table = new FakeTable();
  ({ restore } = mockDynamo(table));
  table.items.set('PROJECT#1\u0000PROJECT', { pk: 'PROJECT#1', sk: 'PROJECT', ...PROJECT });
  for (const rule of defaultRules('1', new Date(0))) table.items.set(`PROJECT#1\u0000RULE#${rule.id}`, { pk: 'PROJECT#1', sk: `RULE#${rule.id}`, ...rule });
});
afterEach(() => restore());

const items = (sk: string) => [...table.items.values()].filter((i) => String(i['sk']).startsWith(sk));
const issueOf = (bug: string) => items('ISSUE').find((i) => String(i['title']).includes(bug));
const eventItems = () => items('EVENT');
const countedRecords = () => items('COUNTED#').map((i) => readCounted(String(i['pk']).slice('ISSUE#'.length), i));

/** When redeliveries come: a visibility timeout after the first delivery (tokens are ordered by mint time). */
const LATER = GROUP_NOW + QUEUE.visibilityTimeoutSeconds * 1000;

function storm(bug: string, n: number) {
  return Array.from({ length: n }, () => record('1', bugEvent({ bug })));
}

/** A store that throws once at a step of the grouping step, then behaves. */
function crashingStore(step: 'recordCounted' | 'applyDelta' | 'afterApply' | 'finishToken') {
  const store = new DynamoStore('ferret');
  let crashed = false;
  const boom = () => {
    crashed = true;
    throw new Error(`simulated crash at ${step}`);
  };
  const real = new DynamoStore('ferret');
  if (step === 'recordCounted')
    store.recordCounted = async (...args) => {
      await real.recordCounted(...args);
      if (!crashed) boom();
    };
  if (step === 'applyDelta') store.applyDelta = async (...args) => (crashed ? real.applyDelta(...args) : boom());
  if (step === 'afterApply')
    store.applyDelta = async (...args) => {
      const out = await real.applyDelta(...args);
      return crashed ? out : boom();
    };
  if (step === 'finishToken') store.finishToken = async (...args) => (crashed ? real.finishToken(...args) : boom());
  return { store, crashed: () => crashed };
}

describe('a storm of one bug', () => {
  it('stores the hour sample with a claim each and counts the rest with one record per batch, no claim each', async () => {
    const records = storm('storm', 250);
    const group = testGrouper();
    for (let i = 0; i < records.length; i += 50) expect(await group(records.slice(i, i + 50))).toEqual([]);

    expect(issueOf('storm')?.['count']).toBe(250);
    const events = eventItems();
    expect(events).toHaveLength(EVENTS_STORED_PER_HOUR);
    expect(events.filter((e) => e['body'] !== undefined)).toHaveLength(EVENTS_STORED_PER_HOUR);
    // The first two batches filled the sample; each later batch wrote one record of its 50 events.
    const stored = new Set(events.map((e) => String(e['eventId'])));
    const counted = countedRecords();
    expect(counted).toHaveLength(3);
    expect(counted.map((r) => r.ids.length)).toEqual([50, 50, 50]);
    const countedKeys = new Set(counted.flatMap((r) => r.ids));
    const rest = records.map((r) => JSON.parse(r.body).eventId as string).filter((id) => !stored.has(id));
    expect(rest).toHaveLength(150);
    expect(rest.every((id) => countedKeys.has(id.slice(0, 16)))).toBe(true);
    for (const item of items('COUNTED#')) expect(item['expiresAt']).toBe(Math.floor(GROUP_NOW / 1000) + 4 * 24 * 3600);
  });

  it('counts a redelivered batch once whichever path its first delivery took', async () => {
    const records = storm('again', 150);
    const group = testGrouper();
    expect(await group(records.slice(0, 100))).toEqual([]);
    expect(await group(records.slice(100))).toEqual([]);
    // Lambda returned, but the queue delivers both batches again (a lost delete).
    const later = testGrouper({ now: () => LATER });
    expect(await later(redelivery(records.slice(100), 2, GROUP_NOW - 1000))).toEqual([]);
    expect(await later(redelivery(records.slice(0, 100), 2, GROUP_NOW - 1000))).toEqual([]);
    expect(issueOf('again')?.['count']).toBe(150);
    // The redelivered counted-only events were found in the record: no claim was written for them.
    expect(eventItems()).toHaveLength(100);
  });

  it('does not count a stored event again when an SDK sends it in a new message after the sample filled', async () => {
    const records = storm('resent', 150);
    const group = testGrouper();
    expect(await group(records.slice(0, 100))).toEqual([]);
    expect(await group(records.slice(100))).toEqual([]);
    // New messages (first deliveries) with the ids of ten stored events and ten counted-only ones.
    const again = [...records.slice(0, 10), ...records.slice(100, 110)].map((r) => ({ ...r, messageId: `${r.messageId}-again` }));
    expect(await group(again)).toEqual([]);
    // The stored ten are found by their claims; the counted-only ten are the accepted limit (ledger.ts): counted twice.
    expect(issueOf('resent')?.['count']).toBe(160);
    expect(eventItems()).toHaveLength(100);
  });

  for (const step of ['recordCounted', 'applyDelta', 'afterApply', 'finishToken'] as const) {
    it(`counts a counted-only batch once when it crashed at ${step} and comes back whole, then in halves`, async () => {
      const bug = `crash${step}`;
      await testGrouper()(storm(bug, 100));
      const records = storm(bug, 40);
      const faulty = crashingStore(step);
      expect(await testGrouper({ issues: faulty.store, events: faulty.store })(records)).toHaveLength(40);
      expect(faulty.crashed()).toBe(true);
      // The queue hands the messages over again once their visibility timeout has passed.
      const group = testGrouper({ now: () => LATER });
      expect(await group(redelivery(records.slice(0, 20), 2, GROUP_NOW - 1000))).toEqual([]);
      expect(await group(redelivery(records.slice(20), 2, GROUP_NOW - 1000))).toEqual([]);
      expect(await group(redelivery(records, 3, GROUP_NOW - 1000))).toEqual([]);
      expect(issueOf(bug)?.['count']).toBe(140);
    });
  }

  it('finds the record of an earlier delivery only from the send time on, less the clock-skew margin', async () => {
    await testGrouper()(storm('window', 100));
    const records = storm('window', 10);
    const faulty = crashingStore('afterApply');
    await testGrouper({ issues: faulty.store, events: faulty.store })(records);
    expect(issueOf('window')?.['count']).toBe(110);
    // Sent 4 minutes after the token was minted: inside the margin, the record is found.
    expect(await testGrouper()(redelivery(records, 2, GROUP_NOW + 4 * 60_000))).toEqual([]);
    expect(issueOf('window')?.['count']).toBe(110);
    // Sent an hour after the mint (impossible for a real redelivery): the record is out of the window, and the
    // events are counted again — which is what the window's bound is for.
    expect(await testGrouper()(redelivery(records, 3, GROUP_NOW + 3_600_000))).toEqual([]);
    expect(issueOf('window')?.['count']).toBe(120);
  });
});

describe('COUNTED records and tokens', () => {
  it('packs 100 event keys in under 1 KB and reads them back', () => {
    const ids = Array.from({ length: 100 }, (_, i) => i.toString(16).padStart(16, 'a'));
    const item = countedItem('42', mintToken(GROUP_NOW), ids, 1);
    expect((item['ids'] as Uint8Array).length).toBe(800);
    expect(readCounted('42', item).ids).toEqual(ids);
    expect(() => countedItem('42', 't', ['not hex'], 1)).toThrow(/16 lowercase hex/);
  });

  it('gives tokens a fixed-width mint time, so they sort by it as strings', () => {
    for (const iso of ['1972-09-01T00:00:00Z', '2026-11-24T21:30:00Z', '2059-05-01T00:00:00Z']) expect(tokenTimePrefix(Date.parse(iso))).toHaveLength(8);
    const early = mintToken(Date.parse('2026-11-24T21:30:00Z'));
    const late = mintToken(Date.parse('2026-11-24T21:30:00.001Z'));
    expect(early < late).toBe(true);
    expect(`COUNTED#${early}` >= `COUNTED#${tokenTimePrefix(Date.parse('2026-11-24T21:30:00Z'))}`).toBe(true);
    expect(`COUNTED#${early}` < `COUNTED#${tokenTimePrefix(Date.parse('2026-11-24T21:30:00.001Z'))}`).toBe(true);
  });

  it('reads the receive count and send time of an SQS record, and takes a missing count for a redelivery', () => {
    const base = { messageId: 'm', body: '{}' } as SQSRecord;
    expect(batchRecord({ ...base, attributes: { ApproximateReceiveCount: '1', SentTimestamp: '1700000000000' } } as SQSRecord)).toEqual({ messageId: 'm', body: '{}', receiveCount: 1, sentTimestamp: 1_700_000_000_000 });
    expect(batchRecord({ ...base, attributes: { ApproximateReceiveCount: '3' } } as SQSRecord)).toMatchObject({ receiveCount: 3 });
    expect(batchRecord({ ...base, attributes: {} } as SQSRecord)).toEqual({ messageId: 'm', body: '{}', receiveCount: 2 });
  });
});
