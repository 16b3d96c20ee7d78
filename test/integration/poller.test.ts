/**
 * The local event source mapping scales like Lambda's: a backlog starts more
 * pollers, never more than the maximum concurrency, and an empty queue brings
 * them back to one. Runs on the real SQS emulator.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulators, type Emulators } from '#cdk/local/emulators.ts';
import { startPoller } from '#cdk/local/poller.ts';
import { RESTORED_ATTRIBUTE } from '#cdk/local/queue-store.ts';
import { batchRecord } from '#functions/lib/sqs-record.ts';
import { QUEUE } from '#shared/infra.ts';
import { waitFor } from '../helpers/wait.ts';

let emulators: Emulators;
let dataDir: string;
let sqs: SQSClient;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'ferret-poller-'));
  emulators = await startEmulators(dataDir);
  sqs = new SQSClient({ endpoint: emulators.endpoints.sqs });
});

afterAll(async () => {
  sqs?.destroy();
  await emulators?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function enqueue(bodies: string[]): Promise<void> {
  for (let i = 0; i < bodies.length; i += 10) {
    const chunk = bodies.slice(i, i + 10);
    const out = await sqs.send(new SendMessageBatchCommand({ QueueUrl: emulators.queueUrl, Entries: chunk.map((b, j) => ({ Id: String(j), MessageBody: b })) }));
    expect(out.Failed ?? []).toEqual([]);
  }
}

/** An emulator of its own whose queue hides a received message for 1 s, so that retries come quickly. */
async function quickQueue(name: string) {
  const dir = mkdtempSync(join(tmpdir(), `ferret-poller-${name}-`));
  const emulators = await startEmulators(dir, { visibilityTimeoutSeconds: 1 });
  const client = new SQSClient({ endpoint: emulators.endpoints.sqs });
  return {
    emulators,
    client,
    async stop() {
      client.destroy();
      await emulators.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe('the local event source mapping', () => {
  it('runs batches of a backlog concurrently up to the maximum concurrency, then scales back to one poller', async () => {
    const maxConcurrency = 3;
    const batchSize = QUEUE.eventSource.batchSize;
    const bodies = Array.from({ length: batchSize * 2 * maxConcurrency }, (_, i) => `m${i}`);
    await enqueue(bodies);

    const seen = new Map<string, number>();
    let active = 0;
    let peak = 0;
    // The first invocations wait until the maximum is running at once: a mapping that never
    // scaled up would leave them waiting, and the test would time out.
    let release!: () => void;
    const allRunning = new Promise<void>((r) => (release = r));
    const poller = startPoller({
      queueUrl: emulators.queueUrl,
      queueArn: 'arn:aws:sqs:us-east-1:000000000000:ferret-events',
      concurrency: maxConcurrency,
      // A window longer than any fill of a backlog: every batch is a full one, however busy the machine.
      batchingWindowSeconds: 30,
      handler: async (event: SQSEvent) => {
        active++;
        peak = Math.max(peak, active);
        if (active === maxConcurrency) release();
        await allRunning;
        for (const r of event.Records) seen.set(r.body, (seen.get(r.body) ?? 0) + 1);
        active--;
        return { batchItemFailures: [] };
      },
    });
    try {
      await waitFor(() => seen.size === bodies.length, 'every message to be handled', 60_000);
      expect(peak).toBe(maxConcurrency);
      expect(poller.stats.peakConcurrency).toBe(maxConcurrency);
      expect([...seen.values()].every((n) => n === 1)).toBe(true);
      // Every batch was as large as the configured batch size: the backlog filled them.
      expect(poller.stats.invocations).toBe(bodies.length / batchSize);
      await waitFor(() => poller.stats.pollers === 1, 'the pollers to scale back to one', 30_000);
      const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: emulators.queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
      expect(Number(attrs.Attributes?.['ApproximateNumberOfMessages'])).toBe(0);
      expect(Number(attrs.Attributes?.['ApproximateNumberOfMessagesNotVisible'])).toBe(0);
    } finally {
      await poller.stop();
    }
  });

  it('hands a failing message to the handler maxReceiveCount times, then the redrive moves it to the dead-letter queue', async () => {
    const q = await quickQueue('redrive');
    const { emulators: quick, client } = q;
    const counts: string[] = [];
    let fine = 0;
    const poller = startPoller({
      queueUrl: quick.queueUrl,
      queueArn: 'arn:aws:sqs:us-east-1:000000000000:ferret-events',
      batchingWindowSeconds: 0,
      handler: async (event: SQSEvent) => {
        const failed = event.Records.filter((r) => r.body === 'doomed');
        for (const r of failed) counts.push(r.attributes.ApproximateReceiveCount);
        fine += event.Records.length - failed.length;
        return { batchItemFailures: failed.map((r) => ({ itemIdentifier: r.messageId })) };
      },
    });
    try {
      await client.send(new SendMessageBatchCommand({ QueueUrl: quick.queueUrl, Entries: [{ Id: 'a', MessageBody: 'doomed' }, { Id: 'b', MessageBody: 'fine' }] }));
      const dead = await waitFor(async () => {
        const out = await client.send(new ReceiveMessageCommand({ QueueUrl: quick.dlqUrl, MaxNumberOfMessages: 10 }));
        return out.Messages?.length ? out.Messages : undefined;
      }, 'the failing message in the dead-letter queue', 30_000);
      expect(dead.map((m) => m.Body)).toEqual(['doomed']);
      // Every receive was an attempt: each one reached the handler, with SQS's count of receives.
      expect(counts).toEqual(Array.from({ length: QUEUE.maxReceiveCount }, (_, i) => String(i + 1)));
      expect(fine).toBe(1);
    } finally {
      await poller.stop();
      await q.stop();
    }
  });

  it('hands over a message sent back after a stop as a redelivery: it may have been counted before the stop', async () => {
    const sentAfter = Date.now();
    await sqs.send(new SendMessageCommand({ QueueUrl: emulators.queueUrl, MessageBody: 'restored', MessageAttributes: { [RESTORED_ATTRIBUTE]: { DataType: 'String', StringValue: 'true' } } }));
    await enqueue(['fresh']);
    const seen = new Map<string, ReturnType<typeof batchRecord>>();
    const poller = startPoller({
      queueUrl: emulators.queueUrl,
      queueArn: 'arn:aws:sqs:us-east-1:000000000000:ferret-events',
      batchingWindowSeconds: 0,
      handler: async (event: SQSEvent) => {
        for (const r of event.Records) seen.set(r.body, batchRecord(r));
        return { batchItemFailures: [] };
      },
    });
    try {
      await waitFor(() => seen.size === 2, 'both messages');
    } finally {
      await poller.stop();
    }
    expect(seen.get('restored')!.receiveCount).toBe(2);
    expect(seen.get('fresh')!.receiveCount).toBe(1);
    // The queue's send time, which bounds the records a redelivery reads.
    for (const r of seen.values()) expect(r.sentTimestamp).toBeGreaterThanOrEqual(sentAfter - 1000);
  });

  it('never hands a message to a second invocation while the first still handles it, as Lambda never does', async () => {
    // A queue that hides a message for 1 s, and an invocation that takes 2.5 s: the message comes back mid-invocation.
    const q = await quickQueue('overlap');
    const { emulators: quick, client } = q;
    const log: string[] = [];
    let slowRuns = 0;
    const poller = startPoller({
      queueUrl: quick.queueUrl,
      queueArn: 'arn:aws:sqs:us-east-1:000000000000:ferret-events',
      batchSize: 1,
      batchingWindowSeconds: 0,
      concurrency: 2,
      handler: async (event: SQSEvent) => {
        const r = event.Records[0]!;
        if (r.body === 'fails-slowly' || r.body === 'succeeds-slowly') {
          const run = ++slowRuns;
          log.push(`${r.body} start ${r.attributes.ApproximateReceiveCount}`);
          await new Promise((resolve) => setTimeout(resolve, 2500));
          log.push(`${r.body} end`);
          // The first delivery of fails-slowly fails: its return is handled after that invocation, as a redelivery.
          return { batchItemFailures: r.body === 'fails-slowly' && run === 1 ? [{ itemIdentifier: r.messageId }] : [] };
        }
        // Other messages keep the second poller receiving while the slow one runs.
        await new Promise((resolve) => setTimeout(resolve, 50));
        return { batchItemFailures: [] };
      },
    });
    const withOthers = async (body: string) => {
      await client.send(new SendMessageBatchCommand({ QueueUrl: quick.queueUrl, Entries: [{ Id: 'slow', MessageBody: body }] }));
      for (let i = 0; i < 6; i++) {
        await client.send(new SendMessageBatchCommand({ QueueUrl: quick.queueUrl, Entries: Array.from({ length: 10 }, (_, j) => ({ Id: `o${j}`, MessageBody: 'other' })) }));
      }
    };
    try {
      await withOthers('fails-slowly');
      await waitFor(() => log.filter((l) => l === 'fails-slowly end').length === 2, 'the failed message handled again', 20_000);
      await withOthers('succeeds-slowly');
      await waitFor(() => log.includes('succeeds-slowly end'), 'the slow message handled', 20_000);
      // Time for a second delivery of it, were one to come.
      await new Promise((resolve) => setTimeout(resolve, 2500));
    } finally {
      await poller.stop();
      await q.stop();
    }
    expect(log[0]).toBe('fails-slowly start 1');
    expect(log[1]).toBe('fails-slowly end');
    expect(log[2]).toMatch(/^fails-slowly start [2-9]$/);
    expect(log.slice(3)).toEqual(['fails-slowly end', 'succeeds-slowly start 1', 'succeeds-slowly end']);
  }, 60_000);
});
