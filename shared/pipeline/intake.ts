/**
 * The items that travel beside events — attachments, user feedback, sessions,
 * client reports — read from queue messages and recorded once per batch by the
 * grouping step. Counting is aggregated: one write per release (sessions) and
 * per project and day (outcomes) per batch, whatever the number of items.
 *
 * Session counting follows Sentry's release health
 * (https://develop.sentry.dev/sdk/telemetry/sessions/): a session is started by
 * its `init: true` update; it is errored once it has `errors > 0` or an
 * `errored`/`crashed`/`abnormal` status, crashed and abnormal by those final
 * statuses. Updates repeat states (`seq` grows, `errors` only goes up), so each
 * state of a session is counted once, through a small per-session item that
 * only sessions with errors ever write. Aggregated `sessions` items (server
 * mode) arrive counted already.
 */
import type { OutcomeCount, QueueItem, QueueMessage, SessionCounts, StoredAttachment, UserFeedback } from '../model.ts';
import type { IntakeStore } from '../ports.ts';
import { normalizeEventId } from '../protocol/request.ts';
import { dayOf } from './quota.ts';

/** Per-session state items live a little longer than SDKs keep a session open (a day). */
const SESSION_STATE_TTL_S = 2 * 24 * 3600;
const MAX_TEXT = 4096;
const MAX_NAME = 256;

type SessionState = 'errored' | 'crashed' | 'abnormal';

export interface SessionUpdate {
  sid?: string;
  init: boolean;
  release: string;
  environment: string;
  states: SessionState[];
}

/** A session update's contribution; undefined when it cannot be counted (no release, not an object). */
export function parseSessionUpdate(raw: unknown): SessionUpdate | undefined {
  if (!isRecord(raw)) return undefined;
  const attrs = isRecord(raw['attrs']) ? raw['attrs'] : {};
  const release = str(attrs['release']);
  if (!release) return undefined;
  const status = str(raw['status']) ?? 'ok';
  const errors = typeof raw['errors'] === 'number' ? raw['errors'] : 0;
  const states: SessionState[] = [];
  if (errors > 0 || status === 'errored' || status === 'crashed' || status === 'abnormal') states.push('errored');
  if (status === 'crashed') states.push('crashed');
  if (status === 'abnormal') states.push('abnormal');
  const update: SessionUpdate = { init: raw['init'] === true, release, environment: str(attrs['environment']) ?? 'production', states };
  const sid = str(raw['sid']);
  if (sid) update.sid = sid;
  return update;
}

/** An aggregated `sessions` item → counts per release and environment. */
export function parseSessionAggregates(raw: unknown): Array<{ release: string; environment: string; counts: SessionCounts }> {
  if (!isRecord(raw) || !Array.isArray(raw['aggregates'])) return [];
  const attrs = isRecord(raw['attrs']) ? raw['attrs'] : {};
  const release = str(attrs['release']);
  if (!release) return [];
  const environment = str(attrs['environment']) ?? 'production';
  const out: Array<{ release: string; environment: string; counts: SessionCounts }> = [];
  for (const a of raw['aggregates']) {
    if (!isRecord(a)) continue;
    const n = (k: string) => (typeof a[k] === 'number' && Number.isFinite(a[k]) && (a[k] as number) > 0 ? Math.floor(a[k] as number) : 0);
    const exited = n('exited');
    const errored = n('errored');
    const crashed = n('crashed');
    const abnormal = n('abnormal');
    out.push({ release, environment, counts: { started: exited + errored + crashed + abnormal, errored: errored + crashed + abnormal, crashed, abnormal } });
  }
  return out;
}

/** A `client_report` → `client_discard` outcomes (`discarded_events`, and the older per-reason lists). */
export function parseClientReport(raw: unknown): OutcomeCount[] {
  if (!isRecord(raw)) return [];
  const out: OutcomeCount[] = [];
  const lists: Array<[string, string | undefined]> = [
    ['discarded_events', undefined],
    ['rate_limited_events', 'ratelimit_backoff'],
    ['filtered_events', 'event_processor'],
    ['filtered_sampling_events', 'sample_rate'],
  ];
  for (const [field, fixedReason] of lists) {
    const list = raw[field];
    if (!Array.isArray(list)) continue;
    for (const d of list) {
      if (!isRecord(d)) continue;
      const quantity = typeof d['quantity'] === 'number' && Number.isFinite(d['quantity']) ? Math.floor(d['quantity']) : 0;
      const category = str(d['category']);
      const reason = fixedReason ?? str(d['reason']);
      if (quantity <= 0 || !category || !reason) continue;
      out.push({ outcome: 'client_discard', category: category.slice(0, 64), reason: reason.slice(0, 64), quantity });
    }
  }
  return out;
}

/** A legacy `user_report` item, or a `feedback` event (`contexts.feedback`), as feedback. */
export function parseFeedback(type: 'user_report' | 'feedback', raw: unknown, projectId: string, receivedAt: number): UserFeedback | undefined {
  if (!isRecord(raw)) return undefined;
  const dateCreated = new Date(receivedAt).toISOString();
  if (type === 'user_report') {
    const eventId = normalizeEventId(raw['event_id']);
    if (!eventId) return undefined;
    // Sentry keeps one report per event: a second report for the event replaces the first.
    return {
      id: eventId,
      projectId,
      eventId,
      name: (str(raw['name']) ?? '').slice(0, MAX_NAME),
      email: (str(raw['email']) ?? '').slice(0, MAX_NAME),
      comments: (str(raw['comments']) ?? '').slice(0, MAX_TEXT),
      source: 'user_report',
      dateCreated,
    };
  }
  const contexts = isRecord(raw['contexts']) ? raw['contexts'] : {};
  const fb = isRecord(contexts['feedback']) ? contexts['feedback'] : undefined;
  if (!fb) return undefined;
  const id = normalizeEventId(raw['event_id']) ?? normalizeEventId(globalThis.crypto.randomUUID())!;
  const out: UserFeedback = {
    id,
    projectId,
    name: (str(fb['name']) ?? '').slice(0, MAX_NAME),
    email: (str(fb['contact_email']) ?? '').slice(0, MAX_NAME),
    comments: (str(fb['message']) ?? '').slice(0, MAX_TEXT),
    source: 'feedback',
    dateCreated,
  };
  const associated = normalizeEventId(fb['associated_event_id']);
  if (associated) out.eventId = associated;
  const url = str(fb['url']);
  if (url) out.url = url.slice(0, MAX_TEXT);
  return out;
}

/** An `attachment` item that ingest put in the payload bucket → its record. */
export function attachmentRecord(item: QueueItem, message: Pick<QueueMessage, 'projectId' | 'eventId' | 'receivedAt'>): StoredAttachment | undefined {
  if (!item.ref) return undefined;
  const eventId = normalizeEventId(item.headers['event_id']) ?? message.eventId;
  if (!eventId) return undefined;
  return {
    id: item.ref.slice(item.ref.lastIndexOf('/') + 1),
    projectId: message.projectId,
    eventId,
    name: (str(item.headers['filename']) ?? 'attachment').slice(0, MAX_NAME),
    contentType: (str(item.headers['content_type']) ?? 'application/octet-stream').slice(0, MAX_NAME),
    // Ingest records the size it stored; the SDK's `length` header is a fallback, trusted only when sane.
    size: item.size ?? (Number.isSafeInteger(item.headers['length']) && (item.headers['length'] as number) >= 0 ? (item.headers['length'] as number) : 0),
    type: (str(item.headers['attachment_type']) ?? 'event.attachment').slice(0, 64),
    blobKey: item.ref,
    dateCreated: new Date(message.receivedAt).toISOString(),
  };
}

/** What one message brings beside its events. */
export interface MessageIntake {
  messageId: string;
  projectId: string;
  receivedAt: number;
  attachments: StoredAttachment[];
  feedback: UserFeedback[];
  sessions: SessionUpdate[];
  aggregates: Array<{ release: string; environment: string; counts: SessionCounts }>;
  outcomes: OutcomeCount[];
}

/** Reads the side items of a message. Payloads that are not JSON are skipped: they never make a message fail. */
export function readIntake(messageId: string, message: QueueMessage): MessageIntake {
  const out: MessageIntake = { messageId, projectId: message.projectId, receivedAt: message.receivedAt, attachments: [], feedback: [], sessions: [], aggregates: [], outcomes: [] };
  for (const item of message.items) {
    if (item.type === 'attachment') {
      const a = attachmentRecord(item, message);
      if (a) out.attachments.push(a);
      continue;
    }
    // Events were parsed (and any invalid one refused) by the grouping step: not parsed again here.
    if (item.text === undefined || item.type === 'event') continue;
    let raw: unknown;
    try {
      raw = JSON.parse(item.text);
    } catch {
      out.outcomes.push({ outcome: 'invalid', category: categoryOf(item.type), reason: 'invalid_json', quantity: 1 });
      continue;
    }
    if (item.type === 'user_report' || item.type === 'feedback') {
      const f = parseFeedback(item.type, raw, message.projectId, message.receivedAt);
      if (f) out.feedback.push(f);
    } else if (item.type === 'session') {
      const s = parseSessionUpdate(raw);
      if (s) out.sessions.push(s);
    } else if (item.type === 'sessions') {
      out.aggregates.push(...parseSessionAggregates(raw));
    } else if (item.type === 'client_report') {
      out.outcomes.push(...parseClientReport(raw));
    }
  }
  return out;
}

function categoryOf(type: string): string {
  if (type === 'session' || type === 'sessions') return 'session';
  if (type === 'user_report' || type === 'feedback') return 'user_report_v2';
  return type;
}

/**
 * Records a batch's side items. Attachments and feedback are keyed writes
 * (idempotent); session counts are summed per release and environment and
 * written once each; outcomes once per project and day.
 */
export async function recordIntake(store: IntakeStore, intakes: MessageIntake[], extraOutcomes: Map<string, OutcomeCount[]>, retentionDays: (projectId: string) => number, nowMs: number): Promise<void> {
  const nowS = Math.floor(nowMs / 1000);
  const outcomes = new Map<string, OutcomeCount[]>();
  const addOutcomes = (projectId: string, list: OutcomeCount[]) => {
    if (list.length > 0) outcomes.set(projectId, [...(outcomes.get(projectId) ?? []), ...list]);
  };
  for (const [projectId, list] of extraOutcomes) addOutcomes(projectId, list);
  const releases = new Map<string, { projectId: string; release: string; environment: string; counts: SessionCounts }>();
  const countFor = (projectId: string, release: string, environment: string) => {
    const key = JSON.stringify([projectId, release, environment]);
    let entry = releases.get(key);
    if (!entry) {
      entry = { projectId, release, environment, counts: { started: 0, errored: 0, crashed: 0, abnormal: 0 } };
      releases.set(key, entry);
    }
    return entry.counts;
  };

  for (const intake of intakes) {
    const expiresAt = nowS + retentionDays(intake.projectId) * 86_400;
    for (const a of intake.attachments) {
      if (!a.issueId) {
        const issueId = await store.eventIssueId(intake.projectId, a.eventId);
        if (issueId) a.issueId = issueId;
      }
      await store.putAttachment(a, expiresAt);
      addOutcomes(intake.projectId, [{ outcome: 'accepted', category: 'attachment', reason: '', quantity: a.size }]);
    }
    for (const f of intake.feedback) {
      if (f.eventId && !f.issueId) {
        const issueId = await store.eventIssueId(intake.projectId, f.eventId);
        if (issueId) f.issueId = issueId;
      }
      // Counted on the issue once: a redelivered or repeated report (same id) replaces, not adds.
      if ((await store.putFeedback(f, expiresAt)) && f.issueId) await store.countIssueFeedback(f.issueId);
      addOutcomes(intake.projectId, [{ outcome: 'accepted', category: 'user_report_v2', reason: '', quantity: 1 }]);
    }
    for (const s of intake.sessions) {
      const counts = countFor(intake.projectId, s.release, s.environment);
      if (s.init) counts.started += 1;
      // Healthy updates never touch the per-session item: only sessions with errors pay a write.
      const fresh = s.sid === undefined || s.states.length === 0 ? s.states : await store.markSession(intake.projectId, s.sid, s.states, nowS + SESSION_STATE_TTL_S);
      for (const state of fresh) counts[state] += 1;
    }
    for (const a of intake.aggregates) {
      const counts = countFor(intake.projectId, a.release, a.environment);
      counts.started += a.counts.started;
      counts.errored += a.counts.errored;
      counts.crashed += a.counts.crashed;
      counts.abnormal += a.counts.abnormal;
    }
    addOutcomes(intake.projectId, intake.outcomes);
  }

  const seenAt = new Date(nowMs).toISOString();
  for (const r of releases.values()) {
    const c = r.counts;
    if (c.started + c.errored + c.crashed + c.abnormal === 0) continue;
    await store.addSessionCounts(r.projectId, r.release, r.environment, c, seenAt);
  }
  const day = dayOf(nowMs);
  for (const [projectId, list] of outcomes) await store.addOutcomes(projectId, day, list);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}
