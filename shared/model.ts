/**
 * Ferret's data model: what the domain reads and writes through the ports in
 * `shared/ports.ts`. Event shapes follow Sentry's event payload
 * (https://develop.sentry.dev/sdk/data-model/event-payloads/).
 */

export type Level = 'fatal' | 'error' | 'warning' | 'info' | 'debug';
export const LEVELS: readonly Level[] = ['debug', 'info', 'warning', 'error', 'fatal'];

export interface Organization {
  slug: string;
  name: string;
  dateCreated: string;
}

export interface Project {
  /** Numeric string, as in a DSN's path. */
  id: string;
  slug: string;
  name: string;
  orgSlug: string;
  platform?: string;
  dateCreated: string;
  /** Upper-case prefix of short IDs (`BACKEND-1A`). */
  shortIdPrefix: string;
  retentionDays: number;
  /** Epoch ms until which ingest answers 429 (set by the grouping step, read cached). */
  limitedUntil?: number;
  /** Events per minute allowed (0 = unlimited). */
  rateLimitPerMinute: number;
  /** Events accepted per calendar month (0 or absent = unlimited). */
  monthlyQuota?: number;
  /** Store client IPs (`{{auto}}` user.ip_address). */
  storeIp: boolean;
  /** Extra field names scrubbed beside the defaults. */
  sensitiveFields: string[];
  /** Field names never scrubbed. */
  safeFields: string[];
  /** Slugs of the teams that own the project; members see a project only through them. */
  teams?: string[];
}

/** Organization roles, as Sentry names them (its `manager` and `billing` roles are not offered). */
export type OrgRole = 'owner' | 'admin' | 'member';
export const ORG_ROLES: readonly OrgRole[] = ['member', 'admin', 'owner'];

/**
 * A member of an organization. Invited by email; bound to a sign-in identity
 * (`userId`, the Cognito `sub`, or `local` on one machine) at the first sign-in.
 */
export interface Member {
  /** Numeric string, unique in the installation. */
  id: string;
  orgSlug: string;
  /** Lower-case. */
  email: string;
  role: OrgRole;
  /** Team slugs. */
  teams: string[];
  userId?: string;
  dateCreated: string;
}

export interface Team {
  slug: string;
  orgSlug: string;
  name: string;
  dateCreated: string;
}

/** An API token as stored: never the token itself, only its SHA-256. */
export interface ApiToken {
  /** Numeric string, shown in the portal and used to revoke. */
  id: string;
  hash: string;
  orgSlug: string;
  /** The member the token acts for; absent for installation tokens. */
  memberId?: string;
  userId: string;
  name: string;
  scopes: string[];
  /** The last characters, so a user can tell tokens apart. */
  tokenLastCharacters: string;
  dateCreated: string;
  expiresAt?: string;
}

export interface ProjectKey {
  /** The DSN's public key. */
  publicKey: string;
  projectId: string;
  label: string;
  isActive: boolean;
  dateCreated: string;
  /** Sentry's per-key rate limit: at most `count` events per `window` seconds (absent = none). */
  rateLimit?: { window: number; count: number };
  /** Epoch ms until which ingest answers 429 for this key (set by the grouping step, read cached). */
  limitedUntil?: number;
}

export type IssueStatus = 'unresolved' | 'resolved' | 'ignored';
export type IssueSubstatus = 'new' | 'ongoing' | 'regressed' | 'escalating' | 'archived_forever' | 'archived_until_condition_met';

export interface Issue {
  /** Numeric string, unique in the installation. */
  id: string;
  projectId: string;
  /** `BACKEND-1A`. */
  shortId: string;
  title: string;
  culprit: string;
  /** Sentry's `metadata`: `{type, value, filename, function}` for errors, `{title}` for messages. */
  metadata: Record<string, string>;
  type: 'error' | 'default';
  level: Level;
  platform: string;
  status: IssueStatus;
  substatus?: IssueSubstatus;
  /** `inNextRelease` resolutions remember the release that was current. */
  resolvedInRelease?: string;
  firstSeen: string;
  lastSeen: string;
  count: number;
  userCount: number;
  /** User feedback reports linked to the issue (Sentry's `userReportCount`). */
  userReportCount?: number;
  firstRelease?: string;
  lastRelease?: string;
  /** Fingerprint hashes that point at this issue (several after a merge). */
  hashes: string[];
  /** What the fingerprint was built from ("stack trace — 3 in-app frames"). */
  groupedBy?: string;
  /** Counted tag values (`shared/event/tag-counts.ts`); absent on issues older than the counters. */
  tagCounts?: IssueTagCounts;
}

/** An issue's counted tag values, bounded (`shared/event/tag-counts.ts`). */
export interface IssueTagCounts {
  /** key → value → events; a key's counts sum to the events that carried it. */
  counts: Record<string, Record<string, number>>;
  /** `key=value` → how much of its count may belong to the values it replaced (Space-Saving); absent: exact. */
  errors: Record<string, number>;
  /** Events the issue had before its tags were counted: 0 when the counts cover every event. */
  from: number;
}

/** A frame as stored: Sentry's frame interface. */
export interface Frame {
  filename?: string;
  abs_path?: string;
  module?: string;
  function?: string;
  raw_function?: string;
  package?: string;
  platform?: string;
  lineno?: number;
  colno?: number;
  pre_context?: string[];
  context_line?: string;
  post_context?: string[];
  in_app?: boolean;
  vars?: Record<string, unknown>;
  instruction_addr?: string;
  [key: string]: unknown;
}

export interface Stacktrace {
  frames: Frame[];
  registers?: Record<string, string>;
  [key: string]: unknown;
}

export interface ExceptionValue {
  type?: string;
  value?: string;
  module?: string;
  thread_id?: number | string;
  mechanism?: { type?: string; handled?: boolean; synthetic?: boolean; [key: string]: unknown };
  stacktrace?: Stacktrace;
  raw_stacktrace?: Stacktrace;
  [key: string]: unknown;
}

export interface Breadcrumb {
  timestamp?: number;
  type?: string;
  category?: string;
  message?: string;
  level?: Level;
  data?: Record<string, unknown>;
  [key: string]: unknown;
}

/**
 * An event after normalization: the canonical Sentry shape with the aliases
 * resolved (`exception.values`, `breadcrumbs.values`, `tags` as pairs,
 * `timestamp` as epoch seconds).
 */
export interface NormalizedEvent {
  event_id: string;
  /** Epoch seconds (float). */
  timestamp: number;
  /** Epoch seconds when Ferret received it. */
  received: number;
  level: Level;
  platform: string;
  logger?: string;
  transaction?: string;
  server_name?: string;
  release?: string;
  dist?: string;
  environment?: string;
  message?: string;
  logentry?: { message?: string; formatted?: string; params?: unknown[] };
  exception?: { values: ExceptionValue[] };
  threads?: { values: Array<{ id?: number | string; crashed?: boolean; current?: boolean; name?: string; stacktrace?: Stacktrace; [key: string]: unknown }> };
  breadcrumbs?: { values: Breadcrumb[] };
  tags: Array<[string, string]>;
  contexts?: Record<string, Record<string, unknown>>;
  user?: { id?: string; email?: string; username?: string; ip_address?: string; [key: string]: unknown };
  request?: { url?: string; method?: string; headers?: Array<[string, string]> | Record<string, string>; data?: unknown; query_string?: unknown; cookies?: unknown; env?: Record<string, unknown>; [key: string]: unknown };
  extra?: Record<string, unknown>;
  modules?: Record<string, string>;
  sdk?: { name?: string; version?: string; [key: string]: unknown };
  fingerprint?: string[];
  /** What normalization trimmed or rejected, by path (Sentry's `_meta`). */
  _meta?: Record<string, unknown>;
  [key: string]: unknown;
}

/** What the ingest step puts on the queue: one message per accepted request. */
export interface QueueMessage {
  v: 1;
  projectId: string;
  publicKey: string;
  /** Epoch ms at the ingest handler. */
  receivedAt: number;
  clientIp?: string;
  userAgent?: string;
  /** `sent_at` from the envelope header (RFC 3339), to correct clock drift. */
  sentAt?: string;
  /** The event id ingest answered with; an event that arrived without one is stored under it. */
  eventId?: string;
  items: QueueItem[];
}

export interface QueueItem {
  /** Envelope item type (`event`, `transaction`, `attachment`, `session`, …); `/store/` bodies are `event`. */
  type: string;
  headers: Record<string, unknown>;
  /** JSON payloads as received (UTF-8 text, parsed by the grouping step, not at ingest). */
  text?: string;
  /** Binary payloads (attachments) as base64. */
  base64?: string;
  /** Claim check: the payload lives in the payload bucket under this key. */
  ref?: string;
  /** Payload size in bytes as received (attachments, whose bytes travel by `ref`). */
  size?: number;
}

export interface StoredEvent {
  eventId: string;
  projectId: string;
  issueId: string;
  /** ISO date. */
  dateCreated: string;
  dateReceived: string;
  event: NormalizedEvent;
}

/** A file sent with an event (`attachment` item), stored in the payload bucket. */
export interface StoredAttachment {
  /** Unique in the installation (the S3 key's last segment). */
  id: string;
  projectId: string;
  eventId: string;
  name: string;
  contentType: string;
  size: number;
  /** Sentry's `attachment_type` (`event.attachment`, `event.minidump`, …). */
  type: string;
  /** Key in the payload bucket. */
  blobKey: string;
  dateCreated: string;
  /** The issue of the event, when it was grouped before the attachment was recorded. */
  issueId?: string;
}

/** A user's comment on an error: legacy `user_report` items and the `feedback` event of newer SDKs. */
export interface UserFeedback {
  /** The report's own id (`user_report.event_id` is the event's, so legacy reports use it too). */
  id: string;
  projectId: string;
  /** The error the feedback is about, when known. */
  eventId?: string;
  /** The issue of that event, when it was grouped before the feedback arrived. */
  issueId?: string;
  name: string;
  email: string;
  comments: string;
  url?: string;
  source: 'user_report' | 'feedback';
  dateCreated: string;
}

/** Session counts of one release and environment (release health). */
export interface SessionCounts {
  /** Sessions started (`init: true`, or every session of an aggregate). */
  started: number;
  /** Sessions that saw at least one error, including the crashed and abnormal ones; each counted once. */
  errored: number;
  crashed: number;
  abnormal: number;
}

export interface ReleaseHealth extends SessionCounts {
  release: string;
  environment: string;
  firstSeen: string;
  lastSeen: string;
}

/** Sentry's outcomes: what became of what SDKs sent (`accepted`, `rate_limited`, `invalid`, `client_discard`, …). */
export type OutcomeKind = 'accepted' | 'filtered' | 'rate_limited' | 'invalid' | 'client_discard';
export interface OutcomeCount {
  outcome: OutcomeKind;
  /** Sentry's data category: `error`, `default`, `transaction`, `attachment`, `session`, … */
  category: string;
  /** Why (empty for `accepted`): `project_quota`, `queue_overflow`, `sample_rate`, … */
  reason: string;
  quantity: number;
}
