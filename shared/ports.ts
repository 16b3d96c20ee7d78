/**
 * Ports: what the domain needs from the outside world. The AWS adapters in
 * `functions/lib/` implement them; unit tests may implement them in memory.
 * Nothing here knows about DynamoDB, SQS, SES or S3.
 */
import type { AlertRule } from './alerts/rules.ts';
import type {
  ApiToken,
  Issue,
  IssueStatus,
  IssueSubstatus,
  Level,
  Member,
  NormalizedEvent,
  Organization,
  OutcomeCount,
  Project,
  ProjectKey,
  QueueMessage,
  ReleaseHealth,
  SessionCounts,
  StoredAttachment,
  StoredEvent,
  Team,
  UserFeedback,
} from './model.ts';

export interface ProjectStore {
  listOrganizations(): Promise<Organization[]>;
  getOrganization(slug: string): Promise<Organization | undefined>;
  putOrganization(org: Organization): Promise<void>;
  getProject(id: string): Promise<Project | undefined>;
  getProjectBySlug(orgSlug: string, slug: string): Promise<Project | undefined>;
  listProjects(orgSlug: string): Promise<Project[]>;
  /** Creates the project; fails with ConflictError when the slug is taken. */
  createProject(project: Project): Promise<void>;
  getKey(publicKey: string): Promise<ProjectKey | undefined>;
  listKeys(projectId: string): Promise<ProjectKey[]>;
  putKey(key: ProjectKey): Promise<void>;
  /**
   * Saves a key's settings (label, isActive, rateLimit; limitedUntil only when
   * cleared) on an existing key: NotFoundError when it was revoked meanwhile.
   */
  updateKey(key: ProjectKey): Promise<void>;
  /** Revokes a key for good. */
  deleteKey(publicKey: string): Promise<void>;
  /**
   * Saves a changed project. A changed slug is claimed first (ConflictError when
   * taken) and the old claim released after.
   */
  updateProject(project: Project, previousSlug: string): Promise<void>;
  /** Next numeric id from a named sequence (projects, issues, per-project short ids). */
  nextId(sequence: string): Promise<number>;
}

/** The change one batch makes to one issue (aggregated over its events). */
export interface IssueDelta {
  count: number;
  /** ISO timestamps of the oldest and newest event in the batch. */
  firstSeen: string;
  lastSeen: string;
  newUsers: number;
  level: Level;
  release?: string;
  /** Every release seen in the batch: a resolved-in-release issue regresses when any of them differs. */
  releases?: string[];
  title: string;
  culprit: string;
  metadata: Record<string, string>;
  /** Events per hour bucket (`2026-11-24T21`), bucketed by processing time so a closed hour never changes. */
  hours: Record<string, number>;
  /** Events per tag key and value over the batch (`shared/event/tag-counts.ts`): the issue's tag counters. */
  tagCounts?: Record<string, Record<string, number>>;
}

/** What one applied batch did to its issue; kept on the issue until the batch's follow-ups are done. */
export type AppliedKind = 'new' | 'seen' | 'regression' | 'reappeared';
export interface AppliedEntry {
  kind: AppliedKind;
  /** Events the batch counted. */
  count: number;
}

export interface IssueUpdateResult {
  issue: Issue;
  /** Status before this update. */
  previousStatus: IssueStatus;
  /** What this update did; `new` when it brought the first events. */
  kind: AppliedKind;
  /** The update reopened a resolved issue. */
  regressed: boolean;
  /** The update ended an ignore whose condition was met. */
  reappeared: boolean;
}

export interface IssueQuery {
  status?: IssueStatus;
  level?: Level;
  release?: string;
  environment?: string;
  /** Tag filters (`key`, `value`), each of an indexed key (`shared/event/issue-tags.ts`); all must hold. */
  tags?: Array<[string, string]>;
  text?: string;
  sort: 'date' | 'new' | 'freq' | 'user';
  limit: number;
  cursor?: string;
}

/**
 * The answer to a claim on an event or a user: either this token holds it now,
 * or another token does (`token` absent for items claimed before tokens existed).
 */
export type ClaimResult = { claimed: true } | { claimed: false; token: string | undefined; issueId: string };

/**
 * What became of another batch's token (see `shared/pipeline/ledger.ts`):
 * `finished` — applied and its follow-ups done; `pending` — applied, follow-ups
 * maybe not done (`entry` says what it did); `void` — never applied and now
 * fenced, so it never will be and its claims may be taken over.
 */
export type TokenFate = { fate: 'finished' } | { fate: 'pending'; issueId: string; entry: AppliedEntry } | { fate: 'void' };

export interface IssueStore {
  /** The issue a fingerprint points at (after merges, the survivor). */
  findIssueByHash(projectId: string, hash: string): Promise<string | undefined>;
  /**
   * Creates the issue for a fingerprint unless another writer just did; returns
   * the id that won. Race-safe without transactions: the hash item is claimed
   * with a conditional write first.
   */
  createIssue(issue: Issue): Promise<{ id: string; created: boolean }>;
  /**
   * Applies one batch's aggregated events to an issue once per token: the token
   * is recorded on the issue in the same write. Handles regression and ignore
   * conditions. Throws `IssueMergedError` for a merged issue and
   * `TokenFencedError` when the token was given up by a recovering writer.
   */
  applyDelta(issueId: string, delta: IssueDelta, token: string, now: Date): Promise<IssueUpdateResult>;
  /** Events counted on the issue in an hour bucket so far (decides which events are stored in full). */
  hourCount(issueId: string, hour: string): Promise<number>;
  /** Marks a token's follow-ups done: records it durably; it leaves the issue with a later write (a settled token is finished by its record). */
  finishToken(issueId: string, token: string, expiresAt: number, now: Date): Promise<void>;
  /** Decides another token's fate, fencing it when it has not been applied. */
  settleToken(issueId: string, token: string): Promise<TokenFate>;
  getIssue(id: string): Promise<Issue | undefined>;
  listIssues(projectId: string, query: IssueQuery): Promise<{ issues: Issue[]; nextCursor?: string }>;
  setStatus(id: string, status: IssueStatus, details?: { substatus?: IssueSubstatus; resolvedInRelease?: string; ignoreUntil?: string; ignoreCount?: number; ignoreUserCount?: number }): Promise<Issue>;
  deleteIssue(id: string): Promise<void>;
  /**
   * Merges issues into a survivor: counts move, the others' fingerprints point
   * at the survivor, their events and hourly counts are read through it, and
   * they are hidden from lists. Idempotent; all issues must share a project.
   */
  mergeIssues(survivorId: string, otherIds: string[]): Promise<Issue>;
  /**
   * A project's events per hour for the last `hours` hours, oldest first: the
   * sum over the issues seen in that window (at most `maxIssues` of them, the
   * most recently seen; `partial` says when more were left out).
   */
  projectHourlyCounts(projectId: string, hours: number, now: Date, maxIssues: number): Promise<{ series: Array<[number, number]>; partial: boolean }>;
  /** Hourly counts for the last `hours` hours, oldest first. */
  hourlyCounts(issueId: string, hours: number, now: Date): Promise<Array<[number, number]>>;
  /** Claims a user on an issue for a token; the first claim makes the user new to the issue. */
  claimUser(issueId: string, userKey: string, token: string): Promise<ClaimResult>;
  /** Moves a user claim from a void token to this one; false when the claim had moved on. */
  takeOverUser(issueId: string, userKey: string, from: string, to: string): Promise<boolean>;
  /**
   * Records, before the counting write, which counted-only events a token is about to count on
   * an issue (first deliveries, which write no claim; see `shared/pipeline/ledger.ts`). One item
   * per (issue, token); `ids` are the events' compact keys (`countedKey`), `expiresAt` epoch s.
   */
  recordCounted(issueId: string, token: string, ids: readonly string[], expiresAt: number): Promise<void>;
  /**
   * The counted records of an issue and of the issues merged into it whose token was minted at
   * or after `sinceMs`, read strongly consistent: each with the issue it was written on.
   */
  countedSince(issueId: string, sinceMs: number): Promise<CountedRecord[]>;
}

/** One `recordCounted` record: the token and the compact keys of the events it counts if applied. */
export interface CountedRecord {
  issueId: string;
  token: string;
  ids: string[];
}

export interface EventStore {
  /**
   * Claims an event id for a token: the full event when `full`, else a small
   * item that only deduplicates. A claim on an id already held (redelivery)
   * answers with the holder; an expired holder does not count.
   */
  claimEvent(stored: StoredEvent, token: string, expiresAt: number, full: boolean): Promise<ClaimResult>;
  /**
   * Of these event ids, those that hold an event claim now (strongly consistent reads, no write):
   * a first delivery past the stored sample checks that its events were not stored before (an SDK
   * resending an event after the hour's sample filled up).
   */
  claimedEvents(projectId: string, eventIds: readonly string[]): Promise<Set<string>>;
  /** Moves an event claim from a void token to this one; false when the claim had moved on. */
  takeOverEvent(projectId: string, eventId: string, from: string, to: string, issueId: string): Promise<boolean>;
  getEvent(projectId: string, eventId: string): Promise<StoredEvent | undefined>;
  /** Newest first unless `oldestFirst`. Expired events are filtered out. */
  listEvents(issueId: string, opts: { limit: number; oldestFirst?: boolean; cursor?: string }): Promise<{ events: StoredEvent[]; nextCursor?: string }>;
  /** The ids `listEvents` would answer, without reading the events' bodies (navigation between events). */
  listEventIds(issueId: string, opts: { limit: number; oldestFirst?: boolean; cursor?: string }): Promise<{ ids: string[]; nextCursor?: string }>;
}

export interface AlertStore {
  listRules(projectId: string): Promise<AlertRule[]>;
  putRule(rule: AlertRule): Promise<void>;
  deleteRule(projectId: string, ruleId: string): Promise<void>;
  /**
   * Claims the (rule, issue) suppression key until `expiresAt` (epoch s) when it
   * is absent or expired — expiry decided in the condition, since TTL deletion
   * is lazy. When the key is still live, counts `events` on it and returns
   * claimed=false. On a claim, returns the events merged during the last window.
   * The same token never merges twice, and gets the claim back while its email
   * is not marked sent (a redelivery after a crash sends it). `started`: the
   * claim opened a new window and recorded the attempt to send in the same
   * write (what `beginAlertSend` does), so the send may follow at once.
   */
  claimAlert(ruleId: string, issueId: string, expiresAt: number, nowSeconds: number, events: number, token: string): Promise<{ claimed: boolean; merged: number; started?: boolean }>;
  /**
   * Records, before a send, that this token is sending the claimed window's
   * alert now. `go`: send. `busy`: an attempt with the same token started after
   * `staleBeforeMs` (epoch ms) and has not finished — it may still be in flight
   * (a concurrent worker finishing the same batch), so wait and retry rather
   * than send twice. `done`: nothing to send (already sent, or the window is no
   * longer this token's).
   */
  beginAlertSend(ruleId: string, issueId: string, token: string, nowMs: number, staleBeforeMs: number): Promise<'go' | 'busy' | 'done'>;
  /** Records that the claimed window's email went out. */
  markAlertSent(ruleId: string, issueId: string, token: string): Promise<void>;
  /** Gives a claim back after a failed send, so the alert is retried; the merged count is kept. */
  releaseAlert(ruleId: string, issueId: string): Promise<void>;
  /**
   * Minute-bucket counters for frequency conditions: events, and the hashed
   * keys of the users seen in the minute (a set, so a user counts once however
   * many batches see them).
   */
  addMinuteCounts(issueId: string, minute: number, events: number, users?: readonly string[]): Promise<void>;
  sumMinuteCounts(issueId: string, fromMinute: number, toMinute: number): Promise<number>;
  /** The minute buckets in [fromMinute, toMinute] that hold anything. */
  listMinuteCounts(issueId: string, fromMinute: number, toMinute: number): Promise<Array<{ minute: number; events: number; users: string[] }>>;
}

export interface TokenStore {
  /** Looks up an API token by its SHA-256 hash (tokens are stored hashed). */
  getToken(hash: string): Promise<{ hash: string; userId: string; scopes: string[]; orgSlug: string; memberId?: string; expiresAt?: string } | undefined>;
  putToken(token: { hash: string; userId: string; scopes: string[]; orgSlug: string; label: string; memberId?: string }): Promise<void>;
}

/** Members, teams, the teams of projects, and the API tokens of members. */
export interface MemberStore {
  listMembers(orgSlug: string): Promise<Member[]>;
  getMember(orgSlug: string, id: string): Promise<Member | undefined>;
  /** Memberships bound to a sign-in identity, in every organization. */
  membersOfUser(userId: string): Promise<Member[]>;
  /** Invitations to an email not yet bound to a sign-in identity. */
  invitesForEmail(email: string): Promise<Member[]>;
  /** Creates the member; ConflictError when the email is already a member of the organization. */
  createMember(member: Member): Promise<void>;
  /** Replaces role, teams and binding of an existing member. */
  putMember(member: Member): Promise<void>;
  deleteMember(orgSlug: string, id: string): Promise<void>;
  listTeams(orgSlug: string): Promise<Team[]>;
  getTeam(orgSlug: string, slug: string): Promise<Team | undefined>;
  /** Creates the team; ConflictError when the slug is taken. */
  createTeam(team: Team): Promise<void>;
  setProjectTeams(projectId: string, teams: string[]): Promise<void>;
  createToken(token: ApiToken): Promise<void>;
  listTokens(orgSlug: string, memberId: string): Promise<ApiToken[]>;
  deleteToken(hash: string): Promise<void>;
}

export interface Mail {
  from: string;
  to: string[];
  subject: string;
  html: string;
  text: string;
  /**
   * Names the alert attempt (SES message tags: the configuration set's event
   * stream carries them), so a send can be matched to its window afterwards.
   */
  tags?: Record<string, string>;
}
export interface Mailer {
  send(mail: Mail): Promise<void>;
}

/** One webhook POST: the body is JSON text, the headers are Ferret's own (never event data). */
export interface WebhookRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
}
/**
 * What became of a webhook POST. `retry` says whether trying again later can
 * help (network error, timeout, 5xx, 408, 429) or not (other 4xx, a redirect,
 * an address the sender refuses): a permanent failure is logged and not retried.
 */
export type WebhookOutcome = { ok: true; status: number } | { ok: false; retry: boolean; reason: string };
export interface WebhookSender {
  post(request: WebhookRequest): Promise<WebhookOutcome>;
}

export interface EventQueue {
  send(message: QueueMessage): Promise<void>;
  /** Moves a message that can never succeed to the dead-letter queue, with the reason. */
  deadLetter(body: string, reason: string): Promise<void>;
}

export interface BlobStore {
  put(key: string, body: Uint8Array, contentType?: string): Promise<void>;
  get(key: string): Promise<Uint8Array>;
}

/**
 * Counters behind quotas and outcomes. Written by the grouping step once per
 * project per batch (never per request), read by the portal API.
 */
export interface UsageStore {
  /** Adds accepted events to the project's minute and/or month counters; answers the totals after the add. */
  countEvents(projectId: string, windows: { minute?: number; month?: string }, events: number): Promise<{ minute?: number; month?: number }>;
  /** Makes ingest answer 429 until `until` (epoch ms); never shortens a later limit. */
  setLimitedUntil(projectId: string, until: number): Promise<void>;
  /** Adds accepted events to a key's counter for one window slot; answers the total after the add. */
  countKeyEvents(publicKey: string, windowSeconds: number, slot: number, events: number): Promise<number>;
  /** Makes ingest answer 429 for the key until `until` (epoch ms); never shortens a later limit. */
  setKeyLimitedUntil(publicKey: string, until: number): Promise<void>;
  /** Adds outcome counts to the project's day (`yyyy-mm-dd`). */
  addOutcomes(projectId: string, day: string, outcomes: OutcomeCount[]): Promise<void>;
  /** Outcome counts per day, `fromDay`..`toDay` inclusive. */
  listOutcomes(projectId: string, fromDay: string, toDay: string): Promise<Array<OutcomeCount & { day: string }>>;
}

export interface AttachmentStore {
  putAttachment(attachment: StoredAttachment, expiresAt: number): Promise<void>;
  listAttachments(projectId: string, eventId: string): Promise<StoredAttachment[]>;
  /** Newest first: the attachments of an issue's events (those recorded once the event was grouped). */
  listIssueAttachments(issueId: string, limit: number): Promise<StoredAttachment[]>;
  /** The issue an event was counted on (also for events not stored in full). */
  eventIssueId(projectId: string, eventId: string): Promise<string | undefined>;
}

export interface FeedbackStore {
  /** Idempotent by id: a redelivered report is written again, not twice. Answers true when the id is new. */
  putFeedback(feedback: UserFeedback, expiresAt: number): Promise<boolean>;
  /** Counts one more report on the issue (`userReportCount`); a missing issue is left alone. */
  countIssueFeedback(issueId: string): Promise<void>;
  /** Links feedback that arrived before its event to the event's issue; true only for the call that linked it. */
  linkFeedback(feedback: UserFeedback, issueId: string): Promise<boolean>;
  /** Newest first. */
  listProjectFeedback(projectId: string, limit: number): Promise<UserFeedback[]>;
  /** Newest first. */
  listIssueFeedback(issueId: string, limit: number): Promise<UserFeedback[]>;
}

export interface ReleaseHealthStore {
  /** Adds one batch's session counts to a release and environment (one write). */
  addSessionCounts(projectId: string, release: string, environment: string, counts: SessionCounts, seenAt: string): Promise<void>;
  /**
   * Marks states a session reached (`errored`, `crashed`, `abnormal`) and answers
   * those it had not reached before, so each session counts once per state
   * however many updates repeat it.
   */
  markSession(projectId: string, sessionId: string, states: Array<'errored' | 'crashed' | 'abnormal'>, expiresAt: number): Promise<Array<'errored' | 'crashed' | 'abnormal'>>;
  listReleaseHealth(projectId: string): Promise<ReleaseHealth[]>;
}

/** Everything the grouping step records beside issues: usage, attachments, feedback, sessions. */
export type IntakeStore = UsageStore & AttachmentStore & FeedbackStore & ReleaseHealthStore;

export type { NormalizedEvent };

/** The sign-in accounts of portal users (Cognito in AWS). */
export interface UserDirectory {
  /** Creates the account of an invited email and sends the invitation; an existing account is left as it is. */
  invite(email: string): Promise<void>;
  /** The email of a sign-in identity, when its token carried none (access tokens). */
  emailOf(userId: string): Promise<{ email: string; verified: boolean } | undefined>;
}
