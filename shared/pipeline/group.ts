/**
 * The grouping step: one SQS batch in, issues upserted, alerts out.
 *
 * A batch is the unit of aggregation: the events of one issue in a batch make
 * one issue update. Delivery is at least once; `ledger.ts` makes every event
 * count exactly once, across redeliveries, retried batches and crashes between
 * any two writes. One bad message never fails the others: poison goes to the
 * dead-letter queue with its reason, anything else is retried on its own.
 */
import { createHash, createHmac } from 'node:crypto';
import { computeGrouping, eventCulprit, eventMetadata, eventTitle, eventType } from '../grouping/index.ts';
import { normalizeEvent } from '../event/normalize.ts';
import { batchTagCounts } from '../event/tag-counts.ts';
import { scrubEvent } from '../event/scrub.ts';
import { firingReason, suppressionExpiry, type AlertReason, type AlertRule, type IssueTrigger } from '../alerts/rules.ts';
import { alertChannels, type AlertChannel } from '../alerts/channels.ts';
import { renderAlertEmail } from '../alerts/email.ts';
import { webhookPayload } from '../alerts/webhook.ts';
import { DEFAULT_RETENTION_DAYS, FUNCTIONS, QUEUE } from '../infra.ts';
import { LEVELS, type Issue, type Member, type NormalizedEvent, type OutcomeCount, type Project, type ProjectKey, type QueueMessage } from '../model.ts';
import type { AlertStore, AppliedKind, BlobStore, EventQueue, EventStore, IntakeStore, IssueDelta, IssueStore, Mailer, ProjectStore, WebhookSender } from '../ports.ts';
import { projectMemberEmails } from '../api/access.ts';
import { TtlCache } from './cache.ts';
import { readIntake, recordIntake, type MessageIntake } from './intake.ts';
import { decideKeyQuota, decideQuota, keyLimit, keySlot, quotaWindows, REASON_KEY } from './quota.ts';
import { IssueMergedError } from './errors.ts';
import { COUNTED_CLOCK_SKEW_MS, countedKey, EVENTS_STORED_PER_HOUR, Ledger } from './ledger.ts';
import { hourKey, mintToken } from './token.ts';

export interface GroupDeps {
  projects: ProjectStore;
  issues: IssueStore;
  events: EventStore;
  alerts: AlertStore;
  mailer: Mailer;
  /** Posts webhook actions; without it they are skipped (and logged). */
  webhooks?: WebhookSender;
  blobs: BlobStore;
  queue: Pick<EventQueue, 'deadLetter'>;
  now: () => number;
  /** `to`: who "members" means when the project's teams have no signed-in member (or `members` is absent). */
  mail: { from: string; to: string[] };
  /** The organization's members: "the project's members" are those of its teams. */
  members?: { listMembers(orgSlug: string): Promise<Member[]> };
  portalUrl: string;
  log?: (entry: Record<string, unknown>) => void;
  /** Quotas, outcomes, attachments, feedback and sessions; absent, only events are processed. */
  intake?: IntakeStore;
}

export interface BatchRecord {
  messageId: string;
  body: string;
  /** SQS's ApproximateReceiveCount: 1 on a message's first delivery (the default when absent). */
  receiveCount?: number;
  /** SQS's SentTimestamp (epoch ms): when the message entered the queue. */
  sentTimestamp?: number;
}

/** A message that can never succeed: it goes to the dead-letter queue at once, with its reason. */
export class PoisonMessageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PoisonMessageError';
  }
}

interface PreparedEvent {
  messageId: string;
  /** Its message's receive count: above 1, an earlier delivery may have counted the event (`ledger.ts`). */
  receiveCount: number;
  /** When its message was sent (epoch ms), if known. */
  sentTimestamp: number | undefined;
  /** The DSN key it was sent with (per-key rate limits). */
  publicKey: string;
  project: Project;
  event: NormalizedEvent;
  hash: string;
  groupedBy: string;
}

/** How long a grouping container keeps a project's configuration (project, keys, rules, members) before reading it again. */
export const CONFIG_CACHE_MS = 5_000;

export function createGrouper(deps: GroupDeps) {
  const log = deps.log ?? ((entry) => console.log(JSON.stringify(entry)));
  const projects = new TtlCache<string, Project | undefined>(CONFIG_CACHE_MS, deps.now);
  const keys = new TtlCache<string, ProjectKey | undefined>(CONFIG_CACHE_MS, deps.now);
  const rules = new TtlCache<string, AlertRule[]>(CONFIG_CACHE_MS, deps.now);
  // An organization's members, read once per few seconds rather than once per alert (a storm of new issues).
  const orgMembers = new TtlCache<string, Member[]>(CONFIG_CACHE_MS, deps.now);
  // Fingerprint → issue id never changes except through a merge, which keeps the old hash pointing at the survivor.
  const issueIds = new TtlCache<string, string | undefined>(60_000, deps.now);

  async function loadMessage(record: BatchRecord): Promise<QueueMessage> {
    let message: QueueMessage;
    try {
      message = JSON.parse(record.body) as QueueMessage;
    } catch (cause) {
      throw new PoisonMessageError('message body is not JSON', { cause });
    }
    if (message?.v !== 1 || typeof message.projectId !== 'string' || !Array.isArray(message.items)) {
      throw new PoisonMessageError('message is not a Ferret queue message (v1)');
    }
    const first = message.items[0];
    if (message.items.length === 1 && first?.type === 'payload' && first.ref) {
      const bytes = await deps.blobs.get(first.ref);
      return loadMessage({ messageId: record.messageId, body: Buffer.from(bytes).toString('utf8') });
    }
    return message;
  }

  async function prepare(record: BatchRecord, intakes: MessageIntake[]): Promise<PreparedEvent[]> {
    const message = await loadMessage(record);
    const project = await projects.get(message.projectId, () => deps.projects.getProject(message.projectId));
    if (!project) throw new PoisonMessageError(`project ${message.projectId} no longer exists`);
    const prepared: PreparedEvent[] = [];
    for (const item of message.items) {
      if (item.type !== 'event' || item.text === undefined) continue;
      let raw: unknown;
      try {
        raw = JSON.parse(item.text);
      } catch (cause) {
        throw new PoisonMessageError('event payload is not valid JSON', { cause });
      }
      let event: NormalizedEvent;
      try {
        // `raw` was parsed just above and is not read again: normalized and scrubbed in place.
        const ctx: Parameters<typeof normalizeEvent>[1] = { receivedAt: message.receivedAt, storeIp: project.storeIp, owned: true };
        if (message.clientIp) ctx.clientIp = message.clientIp;
        if (message.sentAt) ctx.sentAt = message.sentAt;
        if (message.eventId) ctx.eventId = message.eventId;
        event = normalizeEvent(raw, ctx);
      } catch (cause) {
        throw new PoisonMessageError(`event could not be normalized: ${(cause as Error).message}`, { cause });
      }
      event = scrubEvent(event, { sensitiveFields: project.sensitiveFields, safeFields: project.safeFields, scrubIp: !project.storeIp, inPlace: true });
      const grouping = computeGrouping(event);
      event.fingerprint_hash = `${grouping.mechanism}:${grouping.hash}`;
      event.grouping = { mechanism: grouping.mechanism, hash: grouping.hash, groupedBy: grouping.groupedBy, components: grouping.components };
      prepared.push({ messageId: record.messageId, receiveCount: record.receiveCount ?? 1, sentTimestamp: record.sentTimestamp, publicKey: message.publicKey, project, event, hash: `${grouping.mechanism}:${grouping.hash}`, groupedBy: grouping.groupedBy });
    }
    // Side items are kept only once the whole message prepared: a message that fails is retried whole.
    if (deps.intake) intakes.push(readIntake(record.messageId, message));
    return prepared;
  }

  async function resolveIssue(p: PreparedEvent): Promise<{ id: string; created: boolean }> {
    const cacheKey = `${p.project.id}/${p.hash}`;
    const known = await issueIds.get(cacheKey, () => deps.issues.findIssueByHash(p.project.id, p.hash));
    if (known) return { id: known, created: false };
    issueIds.delete(cacheKey);
    const issue = await newIssue(p);
    const result = await deps.issues.createIssue(issue);
    issueIds.delete(cacheKey);
    return result;
  }

  async function newIssue(p: PreparedEvent): Promise<Issue> {
    const [id, seq] = await Promise.all([deps.projects.nextId('issue'), deps.projects.nextId(`shortid:${p.project.id}`)]);
    const iso = new Date(p.event.timestamp * 1000).toISOString();
    const issue: Issue = {
      id: String(id),
      projectId: p.project.id,
      shortId: `${p.project.shortIdPrefix}-${seq.toString(36).toUpperCase()}`,
      title: eventTitle(p.event),
      culprit: eventCulprit(p.event),
      metadata: eventMetadata(p.event),
      type: eventType(p.event),
      level: p.event.level,
      platform: p.event.platform,
      status: 'unresolved',
      substatus: 'new',
      firstSeen: iso,
      lastSeen: iso,
      count: 0,
      userCount: 0,
      hashes: [p.hash],
      groupedBy: p.groupedBy,
    };
    if (p.event.release) issue.firstRelease = p.event.release;
    return issue;
  }

  /** Groups one issue's events of the batch; answers the issue they were counted on. */
  async function processIssueGroup(group: PreparedEvent[]): Promise<string> {
    const first = group[0]!;
    const project = first.project;
    let { id: issueId } = await resolveIssue(first);
    const nowMs = deps.now();
    const now = new Date(nowMs);
    const expiresAt = Math.floor(nowMs / 1000) + (project.retentionDays || DEFAULT_RETENTION_DAYS) * 86_400;
    const hour = hourKey(nowMs);
    const ledger = new Ledger(deps.issues, deps.events, mintToken(nowMs));

    // A message redelivered into the same batch carries the same event ids: one claim each. An id
    // that came in several messages is redelivered when any of them is (it takes the checked path).
    const byId = new Map<string, NormalizedEvent>();
    const redelivered = new Set<string>();
    let sentSince = Infinity;
    for (const p of group) {
      if (!byId.has(p.event.event_id)) byId.set(p.event.event_id, p.event);
      if (p.receiveCount > 1) {
        redelivered.add(p.event.event_id);
        // Without a send time, every record the queue's retention could still need.
        sentSince = Math.min(sentSince, p.sentTimestamp ?? nowMs - QUEUE.retentionSeconds * 1000);
      }
    }
    const events = [...byId.values()];

    // Bounded sample: the first events of the hour are stored whole, the rest only counted.
    const storedThisHour = await deps.issues.hourCount(issueId, hour);
    // Redelivered events that an earlier delivery counted through its COUNTED record (ledger.ts).
    const countedBefore =
      redelivered.size > 0
        ? await ledger.countedBefore(await deps.issues.countedSince(issueId, sentSince - COUNTED_CLOCK_SKEW_MS), new Set([...redelivered].map(countedKey)))
        : new Set<string>();
    // First deliveries past the sample: one COUNTED record for all of them, no claim each.
    let countedOnly: NormalizedEvent[] = [];
    const toClaim: Array<{ event: NormalizedEvent; full: boolean }> = [];
    events.forEach((event, i) => {
      const sampled = storedThisHour + i < EVENTS_STORED_PER_HOUR;
      if (!redelivered.has(event.event_id)) {
        if (sampled) toClaim.push({ event, full: true });
        else countedOnly.push(event);
      } else if (!countedBefore.has(countedKey(event.event_id))) toClaim.push({ event, full: sampled });
    });
    // An SDK may send a stored event again in a new message once the sample is full: a read (not a
    // write) finds its claim, and the claim path decides, so stored events stay exactly-once.
    if (countedOnly.length > 0) {
      const claimedBefore = await deps.events.claimedEvents(project.id, countedOnly.map((e) => e.event_id));
      for (const event of countedOnly) if (claimedBefore.has(event.event_id)) toClaim.push({ event, full: false });
      countedOnly = countedOnly.filter((e) => !claimedBefore.has(e.event_id));
    }
    const [claimed] = await Promise.all([
      mapLimit(toClaim, CLAIM_CONCURRENCY, ({ event, full }) =>
        ledger.claimEvent(
          {
            eventId: event.event_id,
            projectId: project.id,
            issueId,
            dateCreated: new Date(event.timestamp * 1000).toISOString(),
            dateReceived: new Date(event.received * 1000).toISOString(),
            event,
          },
          expiresAt,
          full,
        ),
      ),
      // Before the counting write: a token that applied always has its record. It lives as long
      // as the queue keeps a message, so every redelivery of these events can still find it.
      countedOnly.length > 0
        ? deps.issues.recordCounted(issueId, ledger.token, countedOnly.map((e) => countedKey(e.event_id)), Math.floor(nowMs / 1000) + QUEUE.retentionSeconds)
        : undefined,
    ]);
    const fresh = [...toClaim.filter((_, i) => claimed[i]).map((c) => c.event), ...countedOnly];

    if (fresh.length > 0) {
      const users = [...new Set(fresh.map(userKey).filter((u): u is string => u !== undefined))];
      const isNew = await mapLimit(users, CLAIM_CONCURRENCY, (u) => ledger.claimUser(issueId, u));
      const delta = aggregate(fresh, isNew.filter(Boolean).length, hour);
      let result;
      for (let hop = 0; ; hop++) {
        try {
          result = await deps.issues.applyDelta(issueId, delta, ledger.token, now);
          break;
        } catch (error) {
          // Merged since the fingerprint was looked up: the survivor takes the events.
          if (!(error instanceof IssueMergedError) || hop >= 3) throw error;
          issueIds.delete(`${project.id}/${first.hash}`);
          issueId = error.survivorId;
        }
      }
      await followUps(ledger.token, result.kind, result.issue, fresh, fresh.length, project, true);
      await deps.issues.finishToken(issueId, ledger.token, expiresAt, now);
    }

    // Batches that applied but stopped before their follow-ups (a crash, a failed send) finish here.
    for (const [token, fate] of ledger.adopted) {
      const issue = await deps.issues.getIssue(fate.issueId);
      if (issue) await followUps(token, fate.entry.kind, issue, events, fate.entry.count, project, false);
      await deps.issues.finishToken(fate.issueId, token, expiresAt, now);
    }
    return issueId;
  }

  async function followUps(token: string, kind: AppliedKind, issue: Issue, events: NormalizedEvent[], count: number, project: Project, countMinutes: boolean) {
    const nowMs = deps.now();
    const latest = events.reduce((a, b) => (b.timestamp >= a.timestamp ? b : a));
    const trigger: IssueTrigger = { kind: kind === 'seen' ? 'seen' : kind };
    const projectRules = (await rules.get(project.id, () => deps.alerts.listRules(project.id))).filter((r) => r.enabled);
    const intervals = new Set<number>();
    for (const rule of projectRules) {
      for (const c of rule.conditions) if (c.id === 'event_frequency' || c.id === 'event_unique_user_frequency') intervals.add(c.intervalMinutes);
    }
    // Minute counters cost a write per issue per batch: kept only while a rule needs them. A batch
    // finished by a later delivery does not add them again (they may have been added).
    const sums = new Map<number, number>();
    const users = new Map<number, number>();
    const byMinute = [...intervals].filter((m) => m <= MINUTE_BUCKETS_SPAN_MINUTES);
    const byHour = [...intervals].filter((m) => m > MINUTE_BUCKETS_SPAN_MINUTES);
    if (byMinute.length > 0) {
      const minute = Math.floor(nowMs / 60_000);
      if (countMinutes) await deps.alerts.addMinuteCounts(issue.id, minute, count, minuteUsers(events));
      // One read for every interval: the widest window holds the others.
      const buckets = await deps.alerts.listMinuteCounts(issue.id, minute - Math.max(...byMinute) + 1, minute);
      for (const m of byMinute) {
        const inWindow = buckets.filter((b) => b.minute > minute - m);
        sums.set(m, inWindow.reduce((a, b) => a + b.events, 0));
        users.set(m, new Set(inWindow.flatMap((b) => b.users)).size);
      }
    }
    if (byHour.length > 0) {
      // A week or 30 days: the issue's hourly counts (already written for the 30-day chart), to the hour.
      const hours = await deps.issues.hourlyCounts(issue.id, Math.max(...byHour) / 60, new Date(nowMs));
      for (const m of byHour) {
        const events = hours.slice(-Math.ceil(m / 60)).reduce((a, [, n]) => a + n, 0);
        sums.set(m, events);
        // Users are not kept per hour: an upper bound (the window's events, the issue's users).
        users.set(m, Math.min(events, issue.userCount));
      }
    }
    if (intervals.size > 0) {
      trigger.eventsInWindow = (m) => sums.get(m) ?? 0;
      trigger.usersInWindow = (m) => users.get(m) ?? 0;
    }

    // One rule's failing channel must not hold back the others' alerts until the retry.
    const failures: unknown[] = [];
    for (const rule of projectRules) {
      const reason = firingReason(rule, trigger, latest);
      if (reason) await alert(rule, reason, issue, latest, project, count, token).catch((error: unknown) => failures.push(error));
    }
    if (failures.length > 0) throw failures[0];
  }

  async function alert(rule: AlertRule, reason: AlertReason, issue: Issue, event: NormalizedEvent, project: Project, events: number, token: string) {
    // Every channel is tried even when one fails, so a retry repeats only the failed ones.
    const failures: unknown[] = [];
    const members = deps.members;
    const teamEmails = members ? await projectMemberEmails({ listMembers: (org) => orgMembers.get(org, () => members.listMembers(org)) }, project) : [];
    for (const channel of alertChannels(rule, teamEmails.length > 0 ? teamEmails : deps.mail.to)) {
      try {
        await deliver(channel, rule, reason, issue, event, project, events, token);
      } catch (error) {
        failures.push(error);
      }
    }
    if (failures.length > 0) throw new Error(`${failures.length} alert channel(s) of rule ${rule.id} failed for issue ${issue.id}`, { cause: failures[0] });
  }

  /**
   * Claim the channel's window, record the attempt, send, mark it sent. A send
   * that may succeed later gives the window back and throws, so the message is
   * redelivered and the alert retried; a permanent refusal (a webhook's 4xx) is
   * logged and the window kept, so a broken receiver is not hammered.
   *
   * Exactly once, and where it stops being exact: the attempt marker
   * (`beginAlertSend`) stops a second worker finishing the same batch token
   * (SQS delivers a message twice, or a batch adopts a token whose owner is
   * still sending) from sending while the first may be in flight: it waits for
   * a retry, and then finds the window sent. What remains is a worker that dies
   * after SES accepted the message and before `markAlertSent` — a Lambda
   * timeout or crash inside those few milliseconds. SES's SendEmail takes no
   * idempotency key and nothing can ask it whether a message went out, so the
   * redelivery, once the marker is older than any invocation can live, sends
   * again: at least once, because a lost alert costs more than a repeated one.
   * The repeat carries the same SES message tags (rule, issue, token) as the
   * first, so the configuration set's event stream can tell them apart.
   */
  async function deliver(channel: AlertChannel, rule: AlertRule, reason: AlertReason, issue: Issue, event: NormalizedEvent, project: Project, events: number, token: string) {
    if (channel.kind === 'webhook' && deps.webhooks === undefined) {
      log({ msg: 'webhook not sent: no webhook sender configured', rule: rule.id, issue: issue.id });
      return;
    }
    const nowMs = deps.now();
    const claim = await deps.alerts.claimAlert(channel.key, issue.id, suppressionExpiry(rule, nowMs), Math.floor(nowMs / 1000), events, token);
    if (!claim.claimed) return;
    const attempt = claim.started ? 'go' : await deps.alerts.beginAlertSend(channel.key, issue.id, token, nowMs, nowMs - SEND_IN_FLIGHT_MS);
    if (attempt === 'done') return;
    // Not released: the other attempt holds the window; the retry finds it sent, or stale and ours to send.
    if (attempt === 'busy') throw new Error(`alert ${channel.kind} for issue ${issue.id} is being sent by another worker; retried later`);
    const input = { reason, issue, event, project, rule, mergedCount: claim.merged, portalUrl: deps.portalUrl };
    try {
      if (channel.kind === 'email') {
        const email = renderAlertEmail(input);
        const tags = { 'ferret-rule': rule.id, 'ferret-issue': issue.id, 'ferret-token': token };
        await deps.mailer.send({ from: deps.mail.from, to: channel.to, subject: email.subject, html: email.html, text: email.text, tags });
      } else {
        const body = JSON.stringify(webhookPayload(input));
        const headers = webhookHeaders(channel.key, issue.id, token, nowMs);
        if (channel.secret !== undefined) headers['sentry-hook-signature'] = createHmac('sha256', channel.secret).update(body, 'utf8').digest('hex');
        const outcome = await deps.webhooks!.post({ url: channel.url, body, headers });
        // A receiver still failing when the event is this old would send the message to the dead-letter
        // queue on a later delivery: give up on it here instead (logged), and let the batch finish.
        const ageMs = nowMs - event.received * 1000;
        if (!outcome.ok && outcome.retry && !(ageMs > WEBHOOK_GIVE_UP_MS)) throw new Error(`webhook ${redactUrl(channel.url)} failed: ${outcome.reason}`);
        if (!outcome.ok) {
          log({ msg: outcome.retry ? 'webhook given up after retries' : 'webhook refused, not retried', rule: rule.id, issue: issue.id, url: redactUrl(channel.url), reason: outcome.reason });
          await deps.alerts.markAlertSent(channel.key, issue.id, token);
          return;
        }
      }
    } catch (cause) {
      // Give the window back so the retried message can claim it and send again.
      await deps.alerts.releaseAlert(channel.key, issue.id);
      throw new Error(`alert ${channel.kind} for issue ${issue.id} failed`, { cause });
    }
    await deps.alerts.markAlertSent(channel.key, issue.id, token);
    log({ msg: 'alert sent', rule: rule.id, channel: channel.kind, issue: issue.id, reason, merged: claim.merged });
  }

  /** Processes a batch; returns the ids of messages to retry (Lambda's batchItemFailures). */
  return async function processBatch(records: BatchRecord[]): Promise<string[]> {
    const failed = new Set<string>();
    let prepared: PreparedEvent[] = [];
    const intakes: MessageIntake[] = [];
    const outcomes = new Map<string, OutcomeCount[]>();
    for (const record of records) {
      try {
        prepared.push(...(await prepare(record, intakes)));
      } catch (error) {
        if (error instanceof PoisonMessageError) {
          log({ msg: 'poison message to dead-letter queue', messageId: record.messageId, reason: error.message });
          try {
            await deps.queue.deadLetter(record.body, error.message);
            // Counted as Sentry's `invalid` outcome of the project the message names, when it names one.
            const projectId = projectIdOf(record.body);
            if (projectId) outcomes.set(projectId, [...(outcomes.get(projectId) ?? []), { outcome: 'invalid', category: 'error', reason: 'invalid_event', quantity: 1 }]);
          } catch (dlqError) {
            log({ msg: 'dead-letter send failed', messageId: record.messageId, error: String(dlqError) });
            failed.add(record.messageId);
          }
        } else {
          log({ msg: 'message failed', messageId: record.messageId, error: String(error) });
          failed.add(record.messageId);
        }
      }
    }

    if (deps.intake) prepared = await enforceQuotas(prepared, outcomes, failed);

    const groups = new Map<string, PreparedEvent[]>();
    for (const p of prepared) {
      const key = `${p.project.id}/${p.hash}`;
      const list = groups.get(key);
      if (list) list.push(p);
      else groups.set(key, [p]);
    }
    // The issue each grouped event was counted on: counted-only events have no claim item for the
    // attachments and feedback of their message to find it by (`eventIssueId`).
    const eventIssues = new Map<string, string>();
    await Promise.all(
      [...groups.values()].map(async (group) => {
        try {
          const issueId = await processIssueGroup(group);
          for (const p of group) eventIssues.set(`${p.project.id}/${p.event.event_id}`, issueId);
        } catch (error) {
          log({ msg: 'issue update failed', error: String(error), cause: String((error as Error).cause ?? '') });
          for (const p of group) failed.add(p.messageId);
        }
      }),
    );

    if (deps.intake) {
      for (const intake of intakes) {
        for (const item of [...intake.attachments, ...intake.feedback]) {
          const issueId = item.eventId ? eventIssues.get(`${intake.projectId}/${item.eventId}`) : undefined;
          if (issueId && !item.issueId) item.issueId = issueId;
        }
      }
      const retention = new Map(prepared.map((p) => [p.project.id, p.project.retentionDays || DEFAULT_RETENTION_DAYS]));
      for (const p of prepared) {
        if (failed.has(p.messageId)) continue;
        const list = outcomes.get(p.project.id) ?? [];
        list.push({ outcome: 'accepted', category: eventType(p.event) === 'error' ? 'error' : 'default', reason: '', quantity: 1 });
        outcomes.set(p.project.id, list);
      }
      try {
        await recordIntake(deps.intake, intakes.filter((i) => !failed.has(i.messageId)), outcomes, (id) => retention.get(id) ?? DEFAULT_RETENTION_DAYS, deps.now());
      } catch (error) {
        // Attachments and feedback are keyed writes; a retried message writes them again, not twice.
        log({ msg: 'intake failed', error: String(error) });
        for (const i of intakes) if (i.attachments.length + i.feedback.length + i.sessions.length + i.aggregates.length > 0) failed.add(i.messageId);
      }
    }
    return [...failed];
  };

  /**
   * Counts the batch's events against each limited project's windows (one
   * write per window per project), keeps what fits, counts the rest as
   * `rate_limited` and makes ingest refuse events until the window ends.
   */
  async function enforceQuotas(prepared: PreparedEvent[], outcomes: Map<string, OutcomeCount[]>, failed: Set<string>): Promise<PreparedEvent[]> {
    const dropped = (projectId: string, reason: string, quantity: number) =>
      outcomes.set(projectId, [...(outcomes.get(projectId) ?? []), { outcome: 'rate_limited', category: 'error', reason, quantity }]);

    // Keys with their own rate limit first (Sentry's per-key limits): what they refuse does not count for the project.
    const byKey = new Map<string, PreparedEvent[]>();
    for (const p of prepared) byKey.set(p.publicKey, [...(byKey.get(p.publicKey) ?? []), p]);
    const afterKeys: PreparedEvent[] = [];
    for (const [publicKey, list] of byKey) {
      try {
        const limit = keyLimit(await keys.get(publicKey, () => deps.projects.getKey(publicKey)));
        if (!limit) {
          afterKeys.push(...list);
          continue;
        }
        const nowMs = deps.now();
        const after = await deps.intake!.countKeyEvents(publicKey, limit.window, keySlot(limit.window, nowMs), list.length);
        const decision = decideKeyQuota(limit, after, list.length, nowMs);
        afterKeys.push(...list.slice(0, decision.allowed));
        if (decision.allowed < list.length) dropped(list[0]!.project.id, REASON_KEY, list.length - decision.allowed);
        if (decision.limitedUntil !== undefined) {
          await deps.intake!.setKeyLimitedUntil(publicKey, decision.limitedUntil);
          keys.delete(publicKey);
        }
      } catch (error) {
        log({ msg: 'key quota count failed', error: String(error) });
        for (const p of list) failed.add(p.messageId);
      }
    }

    const byProject = new Map<string, PreparedEvent[]>();
    for (const p of afterKeys) byProject.set(p.project.id, [...(byProject.get(p.project.id) ?? []), p]);
    const kept: PreparedEvent[] = [];
    for (const [projectId, list] of byProject) {
      const nowMs = deps.now();
      const windows = quotaWindows(list[0]!.project, nowMs);
      if (!windows) {
        kept.push(...list);
        continue;
      }
      try {
        const after = await deps.intake!.countEvents(projectId, windows, list.length);
        const decision = decideQuota(list[0]!.project, after, list.length, nowMs);
        kept.push(...list.slice(0, decision.allowed));
        const over = list.length - decision.allowed;
        if (over > 0) {
          dropped(projectId, decision.reason ?? 'project_quota', over);
          log({ msg: 'events over quota dropped', project: projectId, dropped: over, reason: decision.reason });
        }
        if (decision.limitedUntil !== undefined) {
          await deps.intake!.setLimitedUntil(projectId, decision.limitedUntil);
          projects.delete(projectId);
        }
      } catch (error) {
        log({ msg: 'quota count failed', project: projectId, error: String(error) });
        for (const p of list) failed.add(p.messageId);
      }
    }
    return kept;
  }
}

/** The project a queue message names, read without trusting the rest of it. */
function projectIdOf(body: string): string | undefined {
  try {
    const id = (JSON.parse(body) as { projectId?: unknown })?.projectId;
    return typeof id === 'string' && /^\d{1,20}$/.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

/** Minute buckets live a day (their TTL in the table adapter): longer intervals are counted by the hour. */
const MINUTE_BUCKETS_SPAN_MINUTES = 1440;

/** Ours: distinct users one batch adds to a minute bucket (a 400 KB item holds far more; the threshold is long passed). */
const MAX_MINUTE_USERS = 1000;

/** The batch's users as short hashes, for the minute buckets (no user data in the counters). */
function minuteUsers(events: NormalizedEvent[]): string[] {
  const keys = new Set(events.map(userKey).filter((u): u is string => u !== undefined));
  return [...keys].slice(0, MAX_MINUTE_USERS).map((k) => createHash('sha256').update(k).digest('base64url').slice(0, 12));
}

function userKey(event: NormalizedEvent): string | undefined {
  const u = event.user;
  if (!u) return undefined;
  const id = u.id ?? u.email ?? u.username ?? u.ip_address;
  return id === undefined ? undefined : String(id);
}

/**
 * An attempt to send older than this cannot still be running: Lambda ends an
 * invocation at the function's timeout (plus a margin for clock skew between
 * workers).
 */
const SEND_IN_FLIGHT_MS = (FUNCTIONS.group.timeoutSeconds + 5) * 1000;

/**
 * A webhook that still fails once its event is this old is given up: one
 * delivery before the queue would move the message to the dead-letter queue
 * (deliveries come a visibility timeout apart), so a broken chat receiver
 * neither loses the batch's other work nor fills the dead-letter queue.
 */
const WEBHOOK_GIVE_UP_MS = QUEUE.visibilityTimeoutSeconds * (QUEUE.maxReceiveCount - 2) * 1000;

/** Claims in flight per issue group: DynamoDB takes them in parallel; bounded to stay under the SDK's sockets. */
const CLAIM_CONCURRENCY = 16;

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

function aggregate(events: NormalizedEvent[], newUsers: number, hour: string): IssueDelta {
  let first = Infinity;
  let last = -Infinity;
  let latest = events[0]!;
  const releases = new Set<string>();
  for (const e of events) {
    if (e.timestamp < first) first = e.timestamp;
    if (e.timestamp >= last) {
      last = e.timestamp;
      latest = e;
    }
    if (e.release) releases.add(e.release);
  }
  const delta: IssueDelta = {
    count: events.length,
    firstSeen: new Date(first * 1000).toISOString(),
    lastSeen: new Date(last * 1000).toISOString(),
    newUsers,
    level: LEVELS.includes(latest.level) ? latest.level : 'error',
    title: eventTitle(latest),
    culprit: eventCulprit(latest),
    metadata: eventMetadata(latest),
    // Bucketed by processing time: a closed hour never changes, so it can leave the issue item.
    hours: { [hour]: events.length },
    releases: [...releases],
  };
  if (latest.release) delta.release = latest.release;
  const tagCounts = batchTagCounts(events);
  if (Object.keys(tagCounts).length) delta.tagCounts = tagCounts;
  return delta;
}

/**
 * Headers of a webhook POST, after Sentry's (`Sentry-Hook-Resource`,
 * `Sentry-Hook-Timestamp`, `Request-ID`). The request id is the same for every
 * attempt at one window's alert, so a receiver can drop a repeat.
 */
function webhookHeaders(channelKey: string, issueId: string, token: string, nowMs: number): Record<string, string> {
  return {
    'user-agent': 'Ferret-Webhook/1',
    'sentry-hook-resource': 'event_alert',
    'sentry-hook-timestamp': String(Math.floor(nowMs / 1000)),
    'request-id': `${channelKey}:${issueId}:${token}`,
  };
}

/** Webhook URLs often carry their secret in the path (Slack, Discord): logs get the origin only. */
function redactUrl(url: string): string {
  try {
    return `${new URL(url).origin}/…`;
  } catch {
    return '(invalid URL)';
  }
}
