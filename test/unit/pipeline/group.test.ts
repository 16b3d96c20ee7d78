/**
 * The grouping step on the real DynamoDB adapter with a mocked client: one
 * counting write per issue per batch, per-message failures, poison to the
 * dead-letter queue, throttling and failed sends retried without loss.
 */
import { ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GroupDeps } from '#shared/pipeline/group.ts';
import type { Mail } from '#shared/ports.ts';
import { bugEvent, record } from './events.ts';
import { testGrouper } from './grouper.ts';
import { mockTable } from './table-mock.ts';

let table: ReturnType<typeof mockTable>;
let deadLetters: Array<{ body: string; reason: string }>;
let sent: Mail[];

beforeEach(() => {
  table = mockTable();
  deadLetters = [];
  sent = [];
});
afterEach(() => table.mock.restore());

function grouper(overrides: Partial<GroupDeps> = {}) {
  return testGrouper({
    mailer: { send: async (m) => void sent.push(m) },
    queue: { deadLetter: async (body, reason) => void deadLetters.push({ body, reason }) },
    mail: { from: 'ferret@example.com', to: ['team@example.com'] },
    ...overrides,
  });
}

const countOf = (bug: string) => table.issues().find((i) => i.title.includes(bug))?.count;

describe('grouping a batch', () => {
  it('makes one counting write per issue per batch, however many events the batch holds', async () => {
    const records = [
      ...Array.from({ length: 40 }, () => record('1', bugEvent({ bug: 'alpha' }))),
      ...Array.from({ length: 25 }, () => record('1', bugEvent({ bug: 'beta' }))),
    ];
    expect(await grouper()(records)).toEqual([]);
    const writes = table.countingWrites();
    expect(writes).toHaveLength(2);
    expect(writes.map((w) => w.ExpressionAttributeValues?.[':n']).sort()).toEqual([25, 40]);
    expect(countOf('alpha')).toBe(40);
    expect(countOf('beta')).toBe(25);
  });

  it('stores only the first events of the hour in full and lists the rest in one record, without a claim each', async () => {
    const records = Array.from({ length: 130 }, () => record('1', bugEvent({ bug: 'storm' })));
    expect(await grouper()(records)).toEqual([]);
    const events = [...table.items.values()].filter((i) => i['sk'] === 'EVENT');
    expect(events).toHaveLength(100);
    expect(events.filter((e) => e['body'] !== undefined)).toHaveLength(100);
    const counted = [...table.items.values()].filter((i) => String(i['sk']).startsWith('COUNTED#'));
    expect(counted.map((c) => (c['ids'] as Uint8Array).length)).toEqual([30 * 8]);
    expect(countOf('storm')).toBe(130);
  });

  it('counts an event delivered twice in one batch once', async () => {
    const event = bugEvent({ bug: 'twice' });
    expect(await grouper()([record('1', event), record('1', event)])).toEqual([]);
    expect(countOf('twice')).toBe(1);
  });

  it('sends poison messages to the dead-letter queue with their reason and processes the others', async () => {
    const good = record('1', bugEvent({ bug: 'fine' }));
    const failed = await grouper()([
      { messageId: 'bad-json', body: '{' },
      record('77', bugEvent({ bug: 'orphan' }), 'unknown-project'),
      { messageId: 'not-an-object', body: JSON.stringify({ v: 1, projectId: '1', publicKey: 'k', receivedAt: 0, items: [{ type: 'event', headers: {}, text: '"x"' }] }) },
      good,
    ]);
    expect(failed).toEqual([]);
    expect(deadLetters.map((d) => d.reason)).toEqual(['message body is not JSON', 'project 77 no longer exists', 'event could not be normalized: event payload is not a JSON object']);
    expect(countOf('fine')).toBe(1);
  });

  it('retries only the messages of an issue whose write was throttled, and counts them once on the retry', async () => {
    const hot = Array.from({ length: 3 }, () => record('1', bugEvent({ bug: 'hot' })));
    const calm = Array.from({ length: 2 }, () => record('1', bugEvent({ bug: 'calm' })));
    const g = grouper();
    await g([hot[0]!]);
    const hotId = table.issues().find((i) => i.title.includes('hot'))!.id;
    table.failUpdates((input) =>
      input.Key?.['pk'] === `ISSUE#${hotId}` && String(input.UpdateExpression).includes('ADD #count')
        ? new ProvisionedThroughputExceededException({ message: 'Rate of requests exceeds the allowed throughput', $metadata: {} })
        : undefined,
    );
    const failed = await g([...hot.slice(1), ...calm]);
    expect(failed.sort()).toEqual(hot.slice(1).map((r) => r.messageId).sort());
    expect(countOf('calm')).toBe(2);
    expect(countOf('hot')).toBe(1);
    table.failUpdates(undefined);
    // The retried messages' events were claimed by the throttled batch: they are taken over, not lost.
    expect(await g(hot)).toEqual([]);
    expect(countOf('hot')).toBe(3);
  });

  it('gives the alert window back when the email cannot be sent, and sends it on the retry', async () => {
    let sesDown = true;
    const mailer = {
      send: async (m: Mail) => {
        if (sesDown) throw new Error('Throttling: Maximum sending rate exceeded');
        sent.push(m);
      },
    };
    const g = grouper({ mailer });
    const records = [record('1', bugEvent({ bug: 'mailme' }))];
    expect(await g(records)).toEqual([records[0]!.messageId]);
    const released = table.mock.commandCalls(UpdateCommand).filter((c) => c.args[0].input.Key?.['sk'] === 'ALERT' && String(c.args[0].input.UpdateExpression).startsWith('SET merged'));
    expect(released).toHaveLength(1);
    expect(sent).toHaveLength(0);
    sesDown = false;
    expect(await g(records)).toEqual([]);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.subject).toContain('mailme is not a function');
    expect(countOf('mailme')).toBe(1);
  });
});
