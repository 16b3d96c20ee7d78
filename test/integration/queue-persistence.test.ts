/**
 * Accepted events outlive a restart of the local stack: the SQS emulator keeps
 * messages in memory only, so a stop with events still queued (or sitting in
 * the dead-letter queue) keeps them in the data directory, and the next start
 * sends them back. Runs the real stack twice on one data directory.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmulators } from '#cdk/local/emulators.ts';
import { startPoller } from '#cdk/local/poller.ts';
import { QUEUE_FILE } from '#cdk/local/queue-store.ts';
import { startLocalStack, type LocalStack } from '#cdk/local/stack.ts';
import { apiGet } from '../helpers/api.ts';
import { waitFor } from '../helpers/wait.ts';

const dirs: string[] = [];
const stacks: LocalStack[] = [];
afterAll(async () => {
  for (const s of stacks) await s.stop().catch(() => undefined);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ferret-queues-'));
  dirs.push(dir);
  return dir;
}

async function post(stack: LocalStack, n: number, title: string): Promise<void> {
  const dsn = new URL(stack.dsn);
  for (let i = 0; i < n; i++) {
    const res = await fetch(`${stack.url}/api${dsn.pathname}/store/?sentry_key=${dsn.username}&sentry_version=7`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ platform: 'python', level: 'error', exception: { values: [{ type: 'QueuedError', value: title }] }, user: { id: `u${i}` } }),
    });
    expect(res.status).toBe(200);
  }
}

describe('the local queues across a restart', () => {
  it('keeps queued events and dead letters at stop and groups the events after the next start', async () => {
    const dataDir = tempDir();
    const first = await startLocalStack({ dataDir, port: 0 });
    stacks.push(first);
    // With the mapping stopped, accepted events stay queued, as behind a stalled Lambda.
    await first.poller.stop();
    await post(first, 4, 'kept across a restart');
    const sqs = new SQSClient({});
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: first.emulators.dlqUrl,
        MessageBody: '{"poison":true}',
        MessageAttributes: { reason: { DataType: 'String', StringValue: 'not an event' } },
      }),
    );
    const { saved } = await first.stop();
    stacks.pop();
    expect(saved).toEqual({ events: 4, 'dead-letter': 1 });
    const lines = readFileSync(join(dataDir, QUEUE_FILE), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(5);

    const second = await startLocalStack({ dataDir, port: 0 });
    stacks.push(second);
    expect(second.restored).toEqual({ events: 4, 'dead-letter': 1 });
    expect(existsSync(join(dataDir, QUEUE_FILE))).toBe(false);
    const issue = await waitFor(
      async () => (await apiGet<any[]>(second, '/projects/ferret/default/issues/')).body.find((i) => i.title.includes('kept across a restart') && Number(i.count) === 4),
      'the queued events grouped after the restart',
      60_000,
    );
    expect(issue.userCount).toBe(4);
    const dead = await new SQSClient({ endpoint: second.emulators.endpoints.sqs }).send(
      new ReceiveMessageCommand({ QueueUrl: second.emulators.dlqUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'], WaitTimeSeconds: 1 }),
    );
    expect(dead.Messages?.map((m) => [m.Body, m.MessageAttributes?.['reason']?.StringValue])).toEqual([['{"poison":true}', 'not an event']]);
    sqs.destroy();
  });

  it('hands failed messages back to the queue at stop, instead of leaving them invisible for the visibility timeout', async () => {
    const dataDir = tempDir();
    const emulators = await startEmulators(dataDir);
    const sqs = new SQSClient({ endpoint: emulators.endpoints.sqs });
    try {
      await sqs.send(new SendMessageCommand({ QueueUrl: emulators.queueUrl, MessageBody: 'fails' }));
      let attempts = 0;
      const poller = startPoller({
        queueUrl: emulators.queueUrl,
        queueArn: 'arn:aws:sqs:us-east-1:000000000000:ferret-events',
        batchingWindowSeconds: 0,
        handler: async (event: SQSEvent) => {
          attempts++;
          return { batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) };
        },
      });
      await waitFor(() => attempts > 0, 'the first attempt');
      await poller.stop();
      // The queue's visibility timeout is minutes long: only the hand-back makes it visible now.
      const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: emulators.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
      expect(out.Messages?.map((m) => m.Body)).toEqual(['fails']);
    } finally {
      sqs.destroy();
      await emulators.stop();
    }
  });
});
