/**
 * What the local queues hold outlives `npm start`. The SQS emulator keeps its
 * messages in memory, so stopping the stack with a backlog (or with events in
 * the dead-letter queue) would lose events Ferret had accepted. On stop the
 * stack moves every message of both queues into a file in the data
 * directory; the next start sends them back before the event source mapping
 * runs. The file goes only after every message is back in a queue: a crash in
 * between sends some twice, which costs nothing: a restored message is marked
 * (`RESTORED_ATTRIBUTE`) and the event source mapping hands it over as a
 * redelivery, whose events grouping checks against what was counted before
 * (`shared/pipeline/ledger.ts`) — a restored message may have been delivered,
 * and even counted, before the stop.
 */
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SendMessageBatchCommand, type MessageAttributeValue, type SQSClient } from '@aws-sdk/client-sqs';

/** SQS takes and returns at most 10 messages per call. */
const SQS_MAX_BATCH = 10;
/** Parallel receivers while saving: the emulator answers each short poll after about 40 ms. */
const SAVE_CONCURRENCY = 16;
/** Empty receives in a row after which a queue counts as emptied. */
const EMPTY_RECEIVES_TO_STOP = 2;

export const QUEUE_FILE = 'queues.jsonl';

/** The message attribute of a message sent back by `restoreQueues`: its receive count starts over, its history does not. */
export const RESTORED_ATTRIBUTE = 'ferret-restored';

export type QueueName = 'events' | 'dead-letter';

interface SavedMessage {
  queue: QueueName;
  body: string;
  attributes?: Record<string, MessageAttributeValue>;
}

/** Moves every visible message of the queues into `<dataDir>/queues.jsonl`; returns how many per queue. */
export async function saveQueues(sqs: SQSClient, dataDir: string, queues: Record<QueueName, string>): Promise<Record<QueueName, number>> {
  const lines: string[] = [];
  const counts: Record<QueueName, number> = { events: 0, 'dead-letter': 0 };
  // Messages restored earlier and not yet re-sent stay in the file (a start that failed midway).
  const file = join(dataDir, QUEUE_FILE);
  if (existsSync(file)) lines.push(...readFileSync(file, 'utf8').split('\n').filter(Boolean));
  for (const [queue, url] of Object.entries(queues) as Array<[QueueName, string]>) {
    const drain = async () => {
      for (let empty = 0; empty < EMPTY_RECEIVES_TO_STOP; ) {
        const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: SQS_MAX_BATCH, WaitTimeSeconds: 0, VisibilityTimeout: 300, MessageAttributeNames: ['All'] }));
        const messages = out.Messages ?? [];
        if (messages.length === 0) {
          empty++;
          continue;
        }
        empty = 0;
        for (const m of messages) {
          const saved: SavedMessage = { queue, body: m.Body ?? '' };
          if (m.MessageAttributes && Object.keys(m.MessageAttributes).length > 0) saved.attributes = m.MessageAttributes;
          lines.push(JSON.stringify(saved));
          counts[queue]++;
        }
        // Deleted from the emulator's memory as they are taken: a big backlog never hits its in-flight cap.
        await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
      }
    };
    await Promise.all(Array.from({ length: SAVE_CONCURRENCY }, drain));
  }
  if (lines.length > 0) {
    // Written whole, then renamed: a stop cut short never leaves half a file.
    writeFileSync(`${file}.tmp`, lines.join('\n') + '\n');
    renameSync(`${file}.tmp`, file);
  }
  return counts;
}

/** Sends the messages of `<dataDir>/queues.jsonl` back to their queues, then removes the file. */
export async function restoreQueues(sqs: SQSClient, dataDir: string, queues: Record<QueueName, string>): Promise<Record<QueueName, number>> {
  const counts: Record<QueueName, number> = { events: 0, 'dead-letter': 0 };
  const file = join(dataDir, QUEUE_FILE);
  if (!existsSync(file)) return counts;
  const saved = readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as SavedMessage);
  for (const queue of Object.keys(queues) as QueueName[]) {
    const mine = saved.filter((m) => m.queue === queue);
    for (let i = 0; i < mine.length; i += SQS_MAX_BATCH) {
      const chunk = mine.slice(i, i + SQS_MAX_BATCH);
      const out = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queues[queue],
          Entries: chunk.map((m, j) => {
            const attributes = queue === 'events' ? { ...m.attributes, [RESTORED_ATTRIBUTE]: { DataType: 'String', StringValue: 'true' } } : m.attributes;
            return { Id: String(j), MessageBody: m.body, ...(attributes ? { MessageAttributes: attributes } : {}) };
          }),
        }),
      );
      if (out.Failed?.length) throw new Error(`could not restore ${out.Failed.length} queued message(s) to the ${queue} queue: ${out.Failed[0]!.Message ?? out.Failed[0]!.Code}`);
      counts[queue] += chunk.length;
    }
  }
  rmSync(file);
  return counts;
}
