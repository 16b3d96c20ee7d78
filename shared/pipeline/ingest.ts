/**
 * The ingest step: authenticate, check the project, and hand the request's
 * items to the queue. It parses no event JSON (the grouping step does), so the
 * SDK gets its answer in well under a millisecond of CPU.
 */
import { randomUUID } from 'node:crypto';
import { AuthForbiddenError, ProjectNotFoundError, ProtocolError, RateLimitedError } from '../errors.ts';
import { attachmentRetentionTier, DEFAULT_RETENTION_DAYS, QUEUE } from '../infra.ts';
import type { Project, ProjectKey, QueueItem, QueueMessage } from '../model.ts';
import type { BlobStore, EventQueue, ProjectStore, UsageStore } from '../ports.ts';
import { normalizeEventId, parseIngestRequest, type IngestRequest } from '../protocol/request.ts';
import { TtlCache } from './cache.ts';
import { EVENT_CATEGORIES, OutcomeBuffer, REASON_KEY, REASON_MINUTE, REASON_MONTH, monthEnd } from './quota.ts';

/** Item types the grouping step processes; everything else is accepted and dropped on purpose. */
export const PROCESSED_ITEM_TYPES = new Set([
  'event',
  'attachment',
  'user_report',
  'feedback',
  'session',
  'sessions',
  'client_report',
]);

/** Project configuration is cached per container: no database read per request. */
export const PROJECT_CACHE_MS = 5_000;
/** Refused requests are counted in memory and written at most this often per container. */
export const OUTCOME_FLUSH_MS = 10_000;

/** Item types whose events a project's event limit refuses. */
const LIMITED_ITEM_TYPES = new Set(['event']);

export interface IngestDeps {
  projects: Pick<ProjectStore, 'getProject' | 'getKey'>;
  queue: EventQueue;
  blobs: BlobStore;
  now: () => number;
  /** Where refused events (`rate_limited`) and dropped item types (`filtered`) are counted; absent, they are not. */
  outcomes?: Pick<UsageStore, 'addOutcomes'>;
  outcomeFlushMs?: number;
  log?: (entry: Record<string, unknown>) => void;
}

export interface IngestMeta {
  clientIp?: string;
  userAgent?: string;
}

export interface IngestResult {
  /** `{"id": …}`, or `{}` when the request held no event (or its event was rate-limited). */
  body: { id?: string };
  message?: QueueMessage;
  /** Rate-limit headers when some items were refused and the rest accepted. */
  headers?: Record<string, string>;
}

export function createIngest(deps: IngestDeps) {
  const keys = new TtlCache<string, ProjectKey | null>(PROJECT_CACHE_MS, deps.now);
  const projects = new TtlCache<string, Project | null>(PROJECT_CACHE_MS, deps.now);
  const refused = deps.outcomes ? new OutcomeBuffer(deps.outcomes, deps.outcomeFlushMs ?? OUTCOME_FLUSH_MS, deps.now) : undefined;
  const log = deps.log ?? ((entry) => console.log(JSON.stringify(entry)));

  return async function ingest(req: IngestRequest, meta: IngestMeta): Promise<IngestResult> {
    const parsed = parseIngestRequest(req);
    const receivedAt = deps.now();

    const key = await keys.get(parsed.publicKey, async () => (await deps.projects.getKey(parsed.publicKey)) ?? null);
    const projectId = parsed.projectId ?? key?.projectId;
    if (projectId === undefined) throw new AuthForbiddenError(`unknown public key ${parsed.publicKey}`);
    const project = await projects.get(projectId, async () => (await deps.projects.getProject(projectId)) ?? null);
    if (!project) throw new ProjectNotFoundError(`project ${projectId} does not exist`);
    if (!key || !key.isActive) throw new AuthForbiddenError(`unknown or disabled public key ${parsed.publicKey}`);
    if (key.projectId !== project.id) throw new AuthForbiddenError(`the key does not belong to project ${project.id}`);
    // Only events are limited, with the attachments that belong to them (as Relay does): sessions, client
    // reports and feedback of a limited project still arrive. An envelope left empty is answered 429; one
    // with items left is answered 200 with the rate-limit headers, which SDKs read on any status.
    const events = parsed.items.filter((i) => LIMITED_ITEM_TYPES.has(i.type)).length;
    const limit = events > 0 ? activeLimit(key, project, receivedAt) : undefined;
    let accepted = parsed.items;
    let limitHeaders: Record<string, string> | undefined;
    if (limit) {
      if (refused) {
        refused.add(project.id, 'rate_limited', 'error', limit.reasonCode ?? REASON_MINUTE, events);
        await refused.flushIfDue().catch((error) => log({ msg: 'outcome write failed', error: String(error) }));
      }
      accepted = parsed.items.filter((i) => !LIMITED_ITEM_TYPES.has(i.type) && i.type !== 'attachment');
      if (!accepted.some((i) => PROCESSED_ITEM_TYPES.has(i.type))) throw limit;
      limitHeaders = limit.headers();
    }

    const items: QueueItem[] = [];
    // Attachments sent after their event (an envelope of attachments only) name it in the envelope header.
    const attachedTo = parsed.eventId ?? normalizeEventId(parsed.envelopeHeaders['event_id']);
    for (const item of accepted) {
      if (!PROCESSED_ITEM_TYPES.has(item.type)) {
        // Dropped on purpose (Ferret tracks errors, not traces, replays or profiles), and counted so.
        // Item containers (span v2, logs) say how many items they hold.
        const n = item.headers['item_count'];
        const quantity = typeof n === 'number' && Number.isInteger(n) && n > 0 && n <= 100_000 ? n : 1;
        refused?.add(project.id, 'filtered', dataCategory(item.type), 'unsupported_item_type', quantity);
        continue;
      }
      if (item.type === 'attachment') {
        const ref = `attachments/${attachmentRetentionTier(project.retentionDays || DEFAULT_RETENTION_DAYS)}d/${project.id}/${attachedTo ?? 'none'}/${randomUUID()}`;
        await deps.blobs.put(ref, item.payload, String(item.headers['content_type'] ?? 'application/octet-stream'));
        const headers = attachedTo === undefined ? item.headers : { ...item.headers, event_id: attachedTo };
        items.push({ type: item.type, headers, ref, size: item.payload.length });
      } else {
        items.push({ type: item.type, headers: item.headers, text: decodeUtf8(item.payload) });
      }
    }
    const body = parsed.eventId && !limit ? { id: parsed.eventId } : {};
    await refused?.flushIfDue().catch((error) => log({ msg: 'outcome write failed', error: String(error) }));
    if (items.length === 0) return limitHeaders ? { body, headers: limitHeaders } : { body };

    const message: QueueMessage = {
      v: 1,
      projectId: project.id,
      publicKey: parsed.publicKey,
      receivedAt,
      items,
    };
    if (meta.clientIp) message.clientIp = meta.clientIp;
    if (meta.userAgent) message.userAgent = meta.userAgent;
    const sentAt = parsed.envelopeHeaders['sent_at'];
    if (typeof sentAt === 'string') message.sentAt = sentAt;
    if (parsed.eventId && !limit) message.eventId = parsed.eventId;

    await deps.queue.send(await claimCheck(message, deps.blobs));
    return limitHeaders ? { body, message, headers: limitHeaders } : { body, message };
  };
}

/** The key's or the project's limit in force for events, as the error a fully refused request gets. */
function activeLimit(key: ProjectKey, project: Project, now: number): RateLimitedError | undefined {
  const retry = (until: number) => Math.max(1, Math.ceil((until - now) / 1000));
  if (key.limitedUntil !== undefined && key.limitedUntil > now) {
    return new RateLimitedError('this DSN key exceeded its rate limit', retry(key.limitedUntil), EVENT_CATEGORIES, 'key', REASON_KEY);
  }
  if (project.limitedUntil !== undefined && project.limitedUntil > now) {
    // A limit lasting to the end of the month is the monthly quota; anything shorter the per-minute limit.
    const month = project.limitedUntil >= monthEnd(now);
    return new RateLimitedError(
      month ? 'the project has used its monthly event quota' : 'the project exceeded its events-per-minute limit',
      retry(project.limitedUntil),
      EVENT_CATEGORIES,
      'project',
      month ? REASON_MONTH : REASON_MINUTE,
    );
  }
  return undefined;
}

/** Sentry's data category of an envelope item type, for outcomes. */
export function dataCategory(type: string): string {
  if (type.startsWith('replay_')) return 'replay';
  const known: Record<string, string> = { check_in: 'monitor', log: 'log_item', otel_log: 'log_item', profile_chunk: 'profile_chunk', statsd: 'metric_bucket', metric_buckets: 'metric_bucket' };
  return known[type] ?? type.slice(0, 64);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
function decodeUtf8(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch (cause) {
    throw new ProtocolError('item payload is not valid UTF-8 JSON', { cause });
  }
}

/**
 * SQS bills each 64 KiB chunk and holds at most 1 MiB: a message above the
 * threshold is stored in the payload bucket and travels as a reference.
 */
export async function claimCheck(message: QueueMessage, blobs: BlobStore): Promise<QueueMessage> {
  const body = JSON.stringify(message);
  if (Buffer.byteLength(body) <= QUEUE.claimCheckThresholdBytes) return message;
  const ref = `payloads/${message.projectId}/${randomUUID()}.json`;
  await blobs.put(ref, Buffer.from(body), 'application/json');
  return { ...message, items: [{ type: 'payload', headers: {}, ref }] };
}
