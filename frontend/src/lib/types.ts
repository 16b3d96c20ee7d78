/**
 * Shapes of Ferret's portal API, which follows Sentry's web API
 * (https://docs.sentry.io/api/). Fields the portal does not read are left out;
 * everything that comes from an SDK is optional, because SDKs omit freely.
 */

import type { IssueStatus as ModelIssueStatus, IssueSubstatus, Level as ModelLevel, Project as ModelProject } from '$shared/model.ts';
import type { TagJson, TagValueJson } from '$shared/api/tags.ts';

/** The model's levels, and Sentry's `sample` that other servers answer with. */
export type Level = ModelLevel | 'sample';
export type IssueStatus = ModelIssueStatus;
export type { IssueSubstatus };

/** `[epochSeconds, count]` buckets, oldest first. */
export type StatSeries = Array<[number, number]>;

export interface Organization {
  id: string;
  slug: string;
  name: string;
  dateCreated: string;
}

export interface Project {
  id: string;
  slug: string;
  name: string;
  platform: string | null;
  dateCreated: string;
  organization: { slug: string; name?: string };
  /** Sentry answers a bare series for `?statsPeriod=`; a keyed object is read too. */
  stats?: Record<string, StatSeries> | StatSeries;
  /** The series leaves out the least recent issues of a very busy project. */
  statsPartial?: boolean;
  /** Ferret's project options; present on the single-project endpoint. */
  options?: ProjectOptions;
}

/** Ferret's project options, as the model holds them; each optional, as a PUT may send only some. */
export type ProjectOptions = Partial<Pick<ModelProject, 'retentionDays' | 'rateLimitPerMinute' | 'monthlyQuota' | 'storeIp' | 'sensitiveFields' | 'safeFields'>>;

export interface ProjectKey {
  id: string;
  name: string;
  public: string;
  isActive: boolean;
  dateCreated?: string;
  dsn: { public: string; secret?: string };
}

export interface IssueMetadata {
  type?: string;
  value?: string;
  filename?: string;
  function?: string;
  title?: string;
}

export interface Issue {
  id: string;
  shortId: string;
  title: string;
  culprit: string;
  level: Level;
  status: IssueStatus;
  substatus?: IssueSubstatus | null;
  statusDetails?: StatusDetails;
  /** A string in Sentry's API (it can exceed 2^53). */
  count: string;
  userCount: number;
  firstSeen: string;
  lastSeen: string;
  permalink: string;
  type: string;
  metadata: IssueMetadata;
  project: { id: string; slug: string; name: string; platform?: string };
  stats?: Record<string, StatSeries>;
}

export interface Release {
  version: string;
  shortVersion?: string;
  dateCreated?: string;
}

export interface IssueDetail extends Issue {
  firstRelease: Release | null;
  lastRelease: Release | null;
  groupedBy?: string;
  userReportCount?: number;
}

export interface StatusDetails {
  inNextRelease?: boolean;
  inRelease?: string;
  /** Minutes. */
  ignoreDuration?: number;
  ignoreCount?: number;
  ignoreUserCount?: number;
  ignoreUntil?: string;
}

export interface IssueUpdate {
  status?: IssueStatus;
  statusDetails?: StatusDetails;
  merge?: 1;
}

export interface Tag {
  key: string;
  value: string;
}

export interface EventUser {
  id?: string | null;
  email?: string | null;
  username?: string | null;
  ip_address?: string | null;
  name?: string | null;
  data?: Record<string, unknown> | null;
  [key: string]: unknown;
}

export interface EventSummary {
  id: string;
  eventID: string;
  dateCreated: string;
  title: string;
  message: string;
  tags: Tag[];
  user: EventUser | null;
}

/** `[lineNo, source line]`. */
export type ContextLine = [number, string];

export interface Frame {
  filename?: string | null;
  absPath?: string | null;
  module?: string | null;
  package?: string | null;
  platform?: string | null;
  function?: string | null;
  rawFunction?: string | null;
  lineNo?: number | null;
  colNo?: number | null;
  inApp?: boolean | null;
  context?: ContextLine[] | null;
  vars?: Record<string, unknown> | null;
  instructionAddr?: string | null;
}

export interface Stacktrace {
  /** Oldest call first, as SDKs send them; the crashing frame is last. */
  frames: Frame[];
  framesOmitted?: [number, number] | null;
  registers?: Record<string, string> | null;
  hasSystemFrames?: boolean;
}

export interface Mechanism {
  type?: string;
  handled?: boolean | null;
  synthetic?: boolean;
  description?: string;
  help_link?: string;
  [key: string]: unknown;
}

export interface ExceptionValue {
  type?: string | null;
  value?: string | null;
  module?: string | null;
  mechanism?: Mechanism | null;
  stacktrace?: Stacktrace | null;
  rawStacktrace?: Stacktrace | null;
  threadId?: number | string | null;
}

export interface Breadcrumb {
  /** ISO date. */
  timestamp?: string | null;
  type?: string | null;
  category?: string | null;
  level?: string | null;
  message?: string | null;
  data?: Record<string, unknown> | null;
  event_id?: string | null;
}

export interface RequestData {
  url?: string | null;
  method?: string | null;
  headers?: Array<[string, string]> | null;
  data?: unknown;
  query?: Array<[string, string]> | string | null;
  cookies?: Array<[string, string]> | string | null;
  env?: Record<string, unknown> | null;
  inferredContentType?: string | null;
  fragment?: string | null;
}

export interface Thread {
  id?: number | string | null;
  name?: string | null;
  crashed?: boolean;
  current?: boolean;
  stacktrace?: Stacktrace | null;
}

/** The data of each entry type the portal renders. */
export interface EntryData {
  exception: { values: ExceptionValue[]; hasSystemFrames?: boolean };
  breadcrumbs: { values: Breadcrumb[] };
  request: RequestData;
  message: { formatted?: string | null; message?: string | null; params?: unknown };
  threads: { values: Thread[] };
  stacktrace: Stacktrace;
}

/** Unknown entry types are kept (and shown in the JSON view), never an error. */
export type EventEntry = { [K in keyof EntryData]: { type: K; data: EntryData[K] } }[keyof EntryData] | { type: string; data: unknown };

export interface Attachment {
  id: string;
  name: string;
  size: number;
  mimetype?: string;
  type?: string;
}

export interface UserReport {
  id: string;
  name?: string;
  email?: string;
  comments: string;
  dateCreated: string;
}

export interface Event {
  id: string;
  eventID: string;
  groupID?: string | null;
  projectID?: string;
  dateCreated: string;
  dateReceived?: string | null;
  title: string;
  message?: string | null;
  platform?: string | null;
  level?: string;
  culprit?: string | null;
  release?: Release | string | null;
  environment?: string | null;
  location?: string | null;
  tags: Tag[];
  user?: EventUser | null;
  contexts?: Record<string, Record<string, unknown>> | null;
  sdk?: { name?: string; version?: string; integrations?: string[]; packages?: Array<{ name?: string; version?: string }> } | null;
  fingerprints?: string[];
  previousEventID?: string | null;
  nextEventID?: string | null;
  entries: EventEntry[];
  attachments?: Attachment[];
  userReports?: UserReport[];
  errors?: Array<{ type: string; message?: string; data?: Record<string, unknown> }>;
}

/** The API's tag value (`shared/api/tags.ts`); other servers may leave out all but value and count. */
export type TagValueCount = Pick<TagValueJson, 'value' | 'count'> & Partial<TagValueJson>;

export type TagDistribution = Pick<TagJson, 'key' | 'name' | 'totalValues'> & Partial<Pick<TagJson, 'uniqueValues'>> & { topValues: TagValueCount[] };

/** One condition, filter or action of a rule: Sentry's class path and its fields. */
export interface RuleItem {
  id: string;
  /** Sentry's human-readable label (answers only). */
  name?: string;
  [key: string]: unknown;
}

/** An issue alert rule in Sentry's API shape. */
export interface AlertRule {
  id?: string;
  name: string;
  actionMatch: 'all' | 'any' | 'none';
  filterMatch?: 'all' | 'any' | 'none';
  conditions: RuleItem[];
  filters: RuleItem[];
  actions: RuleItem[];
  /** Minutes between notifications for one issue. */
  frequency: number;
  environment?: string | null;
  status?: 'active' | 'disabled';
  projects?: string[];
  dateCreated?: string;
}

export type OrgRole = 'owner' | 'admin' | 'member';

export interface Member {
  id: string;
  email: string;
  name?: string;
  role?: string;
  roleName?: string;
  orgRole?: OrgRole;
  /** Invited, not signed in yet. */
  pending?: boolean;
  teams?: string[];
}

export interface Team {
  id: string;
  slug: string;
  name: string;
  isMember: boolean;
  memberCount: number;
}

/** A personal API token as listed: never the token itself. */
export interface ApiToken {
  id: string;
  name: string;
  scopes: string[];
  dateCreated: string;
  expiresAt: string | null;
  tokenLastCharacters: string;
}

/** The answer to creating a token: the one time the token is shown. */
export interface NewApiToken extends ApiToken {
  token: string;
}

/** `/config.json`, written by the stack next to the portal's files. */
export interface PortalConfig {
  /** "" means the API is on the portal's own origin. */
  apiUrl: string;
  dsnBaseUrl: string;
  auth: LocalAuth | CognitoAuth;
}

export interface LocalAuth {
  kind: 'local';
}

export interface CognitoAuth {
  kind: 'cognito';
  region: string;
  userPoolId: string;
  clientId: string;
  /** Hosted UI domain, with or without `https://`. */
  domain: string;
}
