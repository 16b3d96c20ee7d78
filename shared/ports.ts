/**
 * Ports: what the domain needs from the outside world. The AWS adapters in
 * `functions/lib/` implement them; unit tests may implement them in memory.
 * Nothing here knows about DynamoDB, SQS, SES or S3.
 */
import type { AlertRule } from './alerts/rules.ts';
import type { Issue, IssueStatus, IssueSubstatus, Level, NormalizedEvent, Organization, Project, ProjectKey, QueueMessage, StoredEvent } from './model.ts';

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
  title: string;
  culprit: string;
  metadata: Record<string, string>;
  /** Events per hour bucket (`2026-11-24T21`). */
  hours: Record<string, number>;
}

export interface IssueUpdateResult {
  issue: Issue;
  /** Status before this update. */
  previousStatus: IssueStatus;
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
  text?: string;
  sort: 'date' | 'new' | 'freq' | 'user';
  limit: number;
  cursor?: string;
}

export interface IssueStore {
  /** The issue a fingerprint points at (after merges, the survivor). */
  findIssueByHash(projectId: string, hash: string): Promise<string | undefined>;
  /**
   * Creates the issue for a fingerprint unless another writer just did; returns
   * the id that won. Race-safe without transactions: the hash item is claimed
   * with a conditional write first.
   */
  createIssue(issue: Issue): Promise<{ id: string; created: boolean }>;
  /** Applies one batch's aggregated events to an issue; handles regression and ignore conditions. */
  applyDelta(issueId: string, delta: IssueDelta, now: Date): Promise<IssueUpdateResult>;
  getIssue(id: string): Promise<Issue | undefined>;
  listIssues(projectId: string, query: IssueQuery): Promise<{ issues: Issue[]; nextCursor?: string }>;
  setStatus(id: string, status: IssueStatus, details?: { substatus?: IssueSubstatus; resolvedInRelease?: string; ignoreUntil?: string; ignoreCount?: number; ignoreUserCount?: number }): Promise<Issue>;
  deleteIssue(id: string): Promise<void>;
  /** Hourly counts for the last `hours` hours, oldest first. */
  hourlyCounts(issueId: string, hours: number, now: Date): Promise<Array<[number, number]>>;
  /** Records that a user was seen on an issue; true the first time. */
  markUserSeen(issueId: string, userKey: string): Promise<boolean>;
}

export interface EventStore {
  /**
   * Stores an event unless one with the same id is already stored for the
   * project (redelivery); returns false for a duplicate.
   */
  putEventOnce(stored: StoredEvent, expiresAt: number): Promise<boolean>;
  getEvent(projectId: string, eventId: string): Promise<StoredEvent | undefined>;
  /** Newest first unless `oldestFirst`. Expired events are filtered out. */
  listEvents(issueId: string, opts: { limit: number; oldestFirst?: boolean; cursor?: string }): Promise<{ events: StoredEvent[]; nextCursor?: string }>;
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
   */
  claimAlert(ruleId: string, issueId: string, expiresAt: number, nowSeconds: number, events: number): Promise<{ claimed: boolean; merged: number }>;
  /** Gives a claim back after a failed send, so the alert is retried. */
  releaseAlert(ruleId: string, issueId: string): Promise<void>;
  /** Minute-bucket counters for frequency conditions. */
  addMinuteCounts(issueId: string, minute: number, events: number): Promise<void>;
  sumMinuteCounts(issueId: string, fromMinute: number, toMinute: number): Promise<number>;
}

export interface TokenStore {
  /** Looks up an API token by its SHA-256 hash (tokens are stored hashed). */
  getToken(hash: string): Promise<{ hash: string; userId: string; scopes: string[]; orgSlug: string } | undefined>;
  putToken(token: { hash: string; userId: string; scopes: string[]; orgSlug: string; label: string }): Promise<void>;
}

export interface Mail {
  from: string;
  to: string[];
  subject: string;
  html: string;
  text: string;
}
export interface Mailer {
  send(mail: Mail): Promise<void>;
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

export type { NormalizedEvent };
