/**
 * Lambda's SQS event source mapping, on one machine: long-polls the queue,
 * gathers a batch up to the batch size or the batching window (the settings
 * the CDK stack uses), invokes the handler, deletes what succeeded and leaves
 * the `batchItemFailures` to reappear after the visibility timeout — and to be
 * moved to the dead-letter queue by the queue's redrive policy. Like the
 * mapping, it scales: a full batch (a backlog) starts another poller, up to the
 * maximum concurrency; a poller that finds the queue empty stops, down to one.
 */
import { ChangeMessageVisibilityBatchCommand, DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { QUEUE } from '#shared/infra.ts';
import { LOCAL_REGION } from './emulators.ts';
import { lambdaContext } from './lambda.ts';
import { RESTORED_ATTRIBUTE } from './queue-store.ts';
import { awaitStart, closeWorker, startTsWorker, type ThreadMessage } from './thread.ts';

/** SQS returns at most 10 messages per receive. */
const SQS_MAX_RECEIVE = 10;
/** Short-poll pauses while the queue is empty: the first message waits at most this long to be seen. */
const IDLE_POLL_MIN_MS = 20;
const IDLE_POLL_MAX_MS = 100;

export interface PollerOptions {
  queueUrl: string;
  queueArn: string;
  handler: (event: SQSEvent, context: unknown) => Promise<SQSBatchResponse | void>;
  batchSize?: number;
  batchingWindowSeconds?: number;
  /** Most parallel invocations (the mapping's maximum concurrency; QUEUE.eventSource.maxConcurrency by default). */
  concurrency?: number;
  onError?: (error: unknown) => void;
  /** Called whenever `stats` change (the grouping thread forwards them to the stack). */
  onStats?: (stats: PollerStats) => void;
}

export interface PollerStats {
  invocations: number;
  records: number;
  failures: number;
  /** Pollers running now: one while the queue is idle, up to the maximum concurrency under a backlog. */
  pollers: number;
  /** Most pollers (so invocations) running at once so far. */
  peakConcurrency: number;
}

export interface Poller {
  stop(): Promise<void>;
  /** Invocations so far, for tests and the benchmark. */
  readonly stats: PollerStats;
}

export function startPoller(opts: PollerOptions): Poller {
  const sqs = new SQSClient({});
  const batchSize = opts.batchSize ?? QUEUE.eventSource.batchSize;
  const windowMs = (opts.batchingWindowSeconds ?? QUEUE.eventSource.maxBatchingWindowSeconds) * 1000;
  const maxConcurrency = Math.max(1, opts.concurrency ?? QUEUE.eventSource.maxConcurrency);
  const stats: PollerStats = { invocations: 0, records: 0, failures: 0, pollers: 0, peakConcurrency: 0 };
  let running = true;
  // Messages received and not yet deleted (in a batch being filled or invoked, or failed and
  // waiting out their visibility timeout), by id, with their latest receipt handle: what `stop`
  // hands back to the queue so that the stack can keep it (`queue-store.ts`).
  const held = new Map<string, string>();

  async function receive(max: number, waitSeconds: number): Promise<Message[]> {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: opts.queueUrl,
        MaxNumberOfMessages: Math.min(SQS_MAX_RECEIVE, max),
        WaitTimeSeconds: waitSeconds,
        // local-aws-sqs reads only the older name of this parameter (SQS takes both): without it
        // every record would say it was received once.
        AttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    for (const m of out.Messages ?? []) held.set(m.MessageId!, m.ReceiptHandle!);
    return out.Messages ?? [];
  }

  function toRecord(m: Message): SQSRecord {
    const a = { ...m.Attributes };
    // Sent back after a stop (queue-store.ts): the emulator counts its receives from 1 again, though it may have
    // been delivered before. Handed over as a redelivery, so that grouping checks it.
    if (m.MessageAttributes?.[RESTORED_ATTRIBUTE] !== undefined) a['ApproximateReceiveCount'] = String(Math.max(2, Number(a['ApproximateReceiveCount']) || 0));
    return {
      messageId: m.MessageId!,
      receiptHandle: m.ReceiptHandle!,
      body: m.Body ?? '',
      attributes: {
        // Lambda always sets these; missing ones stay missing, so the handler cannot take a redelivery for a first one.
        ApproximateReceiveCount: a['ApproximateReceiveCount'] ?? '',
        SentTimestamp: a['SentTimestamp'] ?? '',
        SenderId: a['SenderId'] ?? 'local',
        ApproximateFirstReceiveTimestamp: a['ApproximateFirstReceiveTimestamp'] ?? String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: m.MD5OfBody ?? '',
      eventSource: 'aws:sqs',
      eventSourceARN: opts.queueArn,
      awsRegion: LOCAL_REGION,
    };
  }

  async function loop(): Promise<void> {
    let idleMs = IDLE_POLL_MIN_MS;
    while (running) {
      try {
        // Wait for the first message, then fill the batch until the window closes. local-aws-sqs
        // answers a long poll only when its wait ends, never when a message arrives (a message sent
        // 300 ms into a 1 s wait comes back at 1,040 ms), where SQS answers at once: short polls,
        // backing off while idle, see a message as soon as Lambda's poller would.
        const batch = await receive(batchSize, 0);
        if (batch.length === 0) {
          // Scale down: the empty queue needs one poller, not many. Counted here, not when the
          // loop's promise settles, so two pollers finding the queue empty cannot both leave.
          if (stats.pollers > 1) {
            stats.pollers--;
            opts.onStats?.(stats);
            return;
          }
          await new Promise((r) => setTimeout(r, idleMs));
          idleMs = Math.min(IDLE_POLL_MAX_MS, Math.round(idleMs * 1.5));
          continue;
        }
        idleMs = IDLE_POLL_MIN_MS;
        const deadline = Date.now() + windowMs;
        while (running && batch.length < batchSize && Date.now() < deadline) {
          const more = await receive(batchSize - batch.length, 0);
          if (more.length === 0) await new Promise((r) => setTimeout(r, Math.min(20, Math.max(0, deadline - Date.now()))));
          batch.push(...more);
        }
        // Scale up: a batch filled before its window closed means messages are waiting.
        if (batch.length >= batchSize && stats.pollers < maxConcurrency) spawn();
        await invoke(batch);
      } catch (error) {
        if (!running) return;
        opts.onError?.(error);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  /** Messages an invocation is handling now, by id: each settles to whether that invocation deleted it. */
  const inFlight = new Map<string, Promise<boolean>>();

  async function invoke(received: Message[]): Promise<void> {
    // A message received twice while the batch filled is handled once, under its latest receipt.
    let batch = [...new Map(received.map((m) => [m.MessageId!, m])).values()];
    // A message can come back while an invocation still handles it when a test shortens the
    // visibility timeout to seconds; on Lambda never, as the function's timeout ends an invocation
    // long before the queue's timeout (6 × it) ends. Grouping relies on that order (a first
    // delivery is not checked against later ones, shared/pipeline/ledger.ts): such a message waits
    // for the invocation, and is dropped if that invocation deleted it.
    for (;;) {
      const waits = batch.flatMap((m) => {
        const earlier = inFlight.get(m.MessageId!);
        return earlier ? [earlier.then((deleted) => ({ id: m.MessageId!, deleted }))] : [];
      });
      if (waits.length === 0) break;
      const gone = new Set((await Promise.all(waits)).filter((w) => w.deleted).map((w) => w.id));
      batch = batch.filter((m) => !gone.has(m.MessageId!));
    }
    if (batch.length === 0) return;
    const deleted = new Set<string>();
    const settle = new Map<string, (deleted: boolean) => void>();
    for (const m of batch) inFlight.set(m.MessageId!, new Promise((r) => settle.set(m.MessageId!, r)));
    try {
      await handle(batch, deleted);
    } finally {
      for (const [id, done] of settle) {
        inFlight.delete(id);
        done(deleted.has(id));
      }
    }
  }

  async function handle(batch: Message[], deleted: Set<string>): Promise<void> {
    const records = batch.map(toRecord);
    stats.invocations++;
    stats.records += records.length;
    opts.onStats?.(stats);
    let failedIds: Set<string>;
    try {
      const res = await opts.handler({ Records: records }, lambdaContext('group'));
      failedIds = new Set((res?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    } catch (error) {
      // A thrown invocation fails the whole batch, as in Lambda.
      opts.onError?.(error);
      failedIds = new Set(records.map((r) => r.messageId));
    }
    stats.failures += failedIds.size;
    opts.onStats?.(stats);
    const done = records.filter((r) => !failedIds.has(r.messageId));
    for (let i = 0; i < done.length; i += SQS_MAX_RECEIVE) {
      const chunk = done.slice(i, i + SQS_MAX_RECEIVE);
      await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: opts.queueUrl, Entries: chunk.map((r, j) => ({ Id: String(j), ReceiptHandle: r.receiptHandle })) }));
      for (const r of chunk) {
        held.delete(r.messageId);
        deleted.add(r.messageId);
      }
    }
    // Failed messages are left alone, as Lambda leaves them: they reappear when their visibility
    // timeout ends. (Shortening it with ChangeMessageVisibility would be wrong here: local-aws-sqs
    // counts that call as a receive, so the redrive policy would move a message to the dead-letter
    // queue after fewer attempts than maxReceiveCount. Tests shorten the queue's timeout instead.)
  }

  /**
   * Makes every held message visible again: a batch cut short by the stop, or failed and waiting
   * for its retry, is then in the queue for whoever reads it next. A message the queue no longer
   * has (moved to the dead-letter queue meanwhile) is refused, and left where it is. (local-aws-sqs
   * counts the call as a receive: a released message has one attempt fewer before the redrive.)
   */
  async function release(): Promise<void> {
    const entries = [...held];
    held.clear();
    for (let i = 0; i < entries.length; i += SQS_MAX_RECEIVE) {
      const chunk = entries.slice(i, i + SQS_MAX_RECEIVE);
      await sqs
        .send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: opts.queueUrl, Entries: chunk.map(([, handle], j) => ({ Id: String(j), ReceiptHandle: handle, VisibilityTimeout: 0 })) }))
        .catch((error: unknown) => opts.onError?.(error));
    }
  }

  const loops = new Set<Promise<void>>();
  function spawn(): void {
    stats.pollers++;
    stats.peakConcurrency = Math.max(stats.peakConcurrency, stats.pollers);
    opts.onStats?.(stats);
    const run: Promise<void> = loop().finally(() => loops.delete(run));
    loops.add(run);
  }
  spawn();
  return {
    stats,
    async stop() {
      // Receives are short polls, so the loops end within one: a receive is never cut off, which
      // would leave the messages it took invisible and unknown to `held`.
      running = false;
      while (loops.size > 0) await Promise.allSettled([...loops]);
      await release();
      sqs.destroy();
    },
  };
}

/** What the grouping thread needs: the mapping's settings; the handler is `functions/group.ts`, loaded in the thread. */
export type PollerThreadOptions = Omit<PollerOptions, 'handler' | 'onError' | 'onStats'>;

/**
 * The grouping function's event source mapping in a worker thread of its own,
 * as Lambda runs each function in its own environment: batches are grouped on
 * another core than the one answering the DSN. The thread's environment is a
 * copy of this one's, taken now (the handler reads its configuration from it).
 */
export async function startPollerThread(opts: PollerThreadOptions): Promise<Poller> {
  const worker = startTsWorker(new URL('./group-thread.ts', import.meta.url), opts);
  const stats: PollerStats = { invocations: 0, records: 0, failures: 0, pollers: 0, peakConcurrency: 0 };
  worker.on('message', (m: ThreadMessage & { stats?: PollerStats }) => {
    if (m.kind === 'stats' && m.stats) Object.assign(stats, m.stats);
  });
  await awaitStart(worker, 'event source mapping');
  return {
    stats,
    stop: () => closeWorker(worker),
  };
}
