/** Events and queue messages for the pipeline tests: one bug is one exception type, value and frame. */
import { randomUUID } from 'node:crypto';
import type { QueueMessage } from '#shared/model.ts';

export interface BugOptions {
  bug: string;
  eventId?: string;
  release?: string;
  user?: string;
  timestamp?: number;
}

export function bugEvent(o: BugOptions): Record<string, unknown> {
  const event: Record<string, unknown> = {
    event_id: o.eventId ?? randomUUID().replace(/-/g, ''),
    timestamp: o.timestamp ?? Date.now() / 1000,
    platform: 'node',
    level: 'error',
    exception: {
      values: [
        {
          type: 'TypeError',
          value: `${o.bug} is not a function`,
          stacktrace: { frames: [{ filename: `app/${o.bug}.js`, function: o.bug, lineno: 10, colno: 5, in_app: true }] },
        },
      ],
    },
  };
  if (o.release) event['release'] = o.release;
  if (o.user) event['user'] = { id: o.user };
  return event;
}

export function queueMessage(projectId: string, event: Record<string, unknown>, receivedAt = Date.now()): QueueMessage {
  return { v: 1, projectId, publicKey: 'k', receivedAt, eventId: String(event['event_id']), items: [{ type: 'event', headers: {}, text: JSON.stringify(event) }] };
}

export function record(projectId: string, event: Record<string, unknown>, messageId: string = randomUUID()) {
  return { messageId, body: JSON.stringify(queueMessage(projectId, event)) };
}

/** Posts one event to a DSN's store endpoint the way an SDK does. */
export async function postEvent(base: string, projectId: string, publicKey: string, event: Record<string, unknown>): Promise<number> {
  const res = await fetch(`${base}/api/${projectId}/store/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-sentry-auth': `Sentry sentry_version=7, sentry_key=${publicKey}, sentry_client=ferret-test/1.0` },
    body: JSON.stringify(event),
  });
  await res.arrayBuffer();
  return res.status;
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function inParallel<T>(items: T[], limit: number, fn: (item: T, i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i]!, i);
      }
    }),
  );
}

/** The same records handed over again by the queue: receive count `receiveCount`, sent at `sentTimestamp`. */
export function redelivery<R extends { messageId: string; body: string }>(records: R[], receiveCount: number, sentTimestamp?: number) {
  return records.map((r) => ({ ...r, receiveCount, ...(sentTimestamp === undefined ? {} : { sentTimestamp }) }));
}
