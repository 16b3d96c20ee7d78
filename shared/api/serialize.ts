/**
 * Ferret's objects in the JSON shapes of Sentry's web API, so that Sentry API
 * clients and scripts work unchanged (https://docs.sentry.io/api/).
 */
import type { Frame, Issue, NormalizedEvent, Organization, Project, ProjectKey, StoredEvent } from '../model.ts';
import { countedTagDistributions, countsCoverIssue, type TagJson } from './tags.ts';

export function organizationJson(org: Organization) {
  return { id: org.slug, slug: org.slug, name: org.name, dateCreated: org.dateCreated, status: { id: 'active', name: 'active' } };
}

export function projectJson(p: Project, extra: Record<string, unknown> = {}) {
  return {
    id: p.id,
    slug: p.slug,
    name: p.name,
    platform: p.platform ?? null,
    dateCreated: p.dateCreated,
    organization: { slug: p.orgSlug },
    status: 'active',
    isMember: true,
    options: {
      retentionDays: p.retentionDays,
      rateLimitPerMinute: p.rateLimitPerMinute,
      monthlyQuota: p.monthlyQuota ?? 0,
      storeIp: p.storeIp,
      sensitiveFields: p.sensitiveFields,
      safeFields: p.safeFields,
    },
    // Sentry's names for the same settings, read by its API clients.
    sensitiveFields: p.sensitiveFields,
    safeFields: p.safeFields,
    scrubIPAddresses: !p.storeIp,
    ...extra,
  };
}

/** A DSN: `{scheme}://{publicKey}@{host}{/path prefix}/{projectId}`. */
export function dsnFor(dsnBaseUrl: string, key: ProjectKey): string {
  const url = new URL(dsnBaseUrl);
  const prefix = url.pathname.replace(/\/+$/, '');
  return `${url.protocol}//${key.publicKey}@${url.host}${prefix}/${key.projectId}`;
}

export function keyJson(key: ProjectKey, dsnBaseUrl: string) {
  const dsn = dsnFor(dsnBaseUrl, key);
  return {
    id: key.publicKey,
    name: key.label,
    label: key.label,
    public: key.publicKey,
    secret: null,
    projectId: Number(key.projectId),
    isActive: key.isActive,
    dateCreated: key.dateCreated,
    rateLimit: key.rateLimit ?? null,
    dsn: { public: dsn, secret: dsn, csp: '', security: '', minidump: '', unreal: '', cdn: '' },
  };
}

export function issueJson(issue: Issue, project: Project, portalUrl: string, stats?: Array<[number, number]>, statsPeriod: '24h' | '14d' = '24h') {
  return {
    id: issue.id,
    shortId: issue.shortId,
    title: issue.title,
    culprit: issue.culprit,
    permalink: `${portalUrl.replace(/\/$/, '')}/organizations/${project.orgSlug}/issues/${issue.id}/`,
    level: issue.level,
    status: issue.status,
    substatus: issue.substatus ?? null,
    statusDetails: statusDetails(issue),
    isPublic: false,
    platform: issue.platform,
    project: { id: project.id, slug: project.slug, name: project.name, platform: project.platform ?? null },
    type: issue.type,
    metadata: issue.metadata,
    numComments: 0,
    assignedTo: null,
    isBookmarked: false,
    isSubscribed: false,
    hasSeen: false,
    // Sentry sends the count as a string.
    count: String(issue.count),
    userCount: issue.userCount,
    userReportCount: issue.userReportCount ?? 0,
    firstSeen: issue.firstSeen,
    lastSeen: issue.lastSeen,
    firstRelease: issue.firstRelease ? { version: issue.firstRelease } : null,
    lastRelease: issue.lastRelease ? { version: issue.lastRelease } : null,
    groupedBy: issue.groupedBy ?? null,
    stats: stats ? { [statsPeriod]: stats } : undefined,
  };
}

/**
 * The issue details' `tags`, as Sentry's issue details list them (key, name,
 * total), with the top values: from the counters, so only on issues they cover
 * (older issues answer their tags at `/tags/`).
 */
export function issueTagsJson(issue: Issue): Array<Pick<TagJson, 'key' | 'name' | 'totalValues' | 'topValues'>> | undefined {
  if (!countsCoverIssue(issue.tagCounts)) return undefined;
  return countedTagDistributions(issue.tagCounts).map((t) => ({ key: t.key, name: t.name, totalValues: t.totalValues, topValues: t.topValues.slice(0, 10) }));
}

function statusDetails(issue: Issue) {
  const extra = issue as unknown as Record<string, unknown>;
  const d: Record<string, unknown> = {};
  if (issue.resolvedInRelease) d['inNextRelease'] = true;
  if (extra['ignoreUntil']) d['ignoreUntil'] = extra['ignoreUntil'];
  if (extra['ignoreCount']) d['ignoreCount'] = extra['ignoreCount'];
  if (extra['ignoreUserCount']) d['ignoreUserCount'] = extra['ignoreUserCount'];
  return d;
}

function frameJson(f: Frame) {
  const context: Array<[number, string]> = [];
  if (f.lineno !== undefined && f.context_line !== undefined) {
    const pre = f.pre_context ?? [];
    pre.forEach((line, i) => context.push([f.lineno! - pre.length + i, line]));
    context.push([f.lineno, f.context_line]);
    (f.post_context ?? []).forEach((line, i) => context.push([f.lineno! + 1 + i, line]));
  }
  return {
    filename: f.filename ?? null,
    absPath: f.abs_path ?? null,
    module: f.module ?? null,
    package: f.package ?? null,
    platform: f.platform ?? null,
    function: f.function ?? null,
    rawFunction: f.raw_function ?? null,
    lineNo: f.lineno ?? null,
    colNo: f.colno ?? null,
    inApp: f.in_app ?? false,
    context,
    vars: f.vars ?? null,
    instructionAddr: f.instruction_addr ?? null,
  };
}

function stacktraceJson(st: { frames?: Frame[]; registers?: Record<string, string> } | undefined) {
  if (!st || !Array.isArray(st.frames)) return null;
  return { frames: st.frames.map(frameJson), registers: st.registers ?? null, framesOmitted: null, hasSystemFrames: st.frames.some((f) => !f.in_app) };
}

function isoTime(seconds: number | undefined): string | null {
  return seconds === undefined ? null : new Date(seconds * 1000).toISOString();
}

/** Sentry's event `entries`: one per interface present. */
export function eventEntries(e: NormalizedEvent) {
  const entries: Array<{ type: string; data: unknown }> = [];
  if (e.exception?.values?.length) {
    entries.push({
      type: 'exception',
      data: {
        values: e.exception.values.map((v) => ({
          type: v.type ?? null,
          value: v.value ?? null,
          module: v.module ?? null,
          mechanism: v.mechanism ?? null,
          threadId: v.thread_id ?? null,
          stacktrace: stacktraceJson(v.stacktrace),
          rawStacktrace: stacktraceJson(v.raw_stacktrace),
        })),
        hasSystemFrames: true,
        excOmitted: null,
      },
    });
  }
  const message = e.logentry?.formatted ?? e.logentry?.message ?? e.message;
  if (message) entries.push({ type: 'message', data: { formatted: message, message: e.logentry?.message ?? message, params: e.logentry?.params ?? null } });
  if (e.threads?.values?.length) {
    entries.push({
      type: 'threads',
      data: { values: e.threads.values.map((t) => ({ id: t.id ?? null, name: t.name ?? null, crashed: t.crashed ?? false, current: t.current ?? false, stacktrace: stacktraceJson(t.stacktrace) })) },
    });
  }
  if (e.breadcrumbs?.values?.length) {
    entries.push({
      type: 'breadcrumbs',
      data: { values: e.breadcrumbs.values.map((b) => ({ ...b, timestamp: isoTime(b.timestamp), level: b.level ?? 'info', type: b.type ?? 'default', category: b.category ?? null, message: b.message ?? null, data: b.data ?? null })) },
    });
  }
  if (e.request) {
    const r = e.request;
    const pairs = (v: unknown): Array<[string, string]> | unknown =>
      v && typeof v === 'object' && !Array.isArray(v) ? Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, String(x)]) : v ?? null;
    entries.push({
      type: 'request',
      data: { url: r.url ?? null, method: r.method ?? null, headers: pairs(r.headers), data: r.data ?? null, query: pairs(r.query_string), cookies: pairs(r.cookies), env: r.env ?? null, fragment: null, inferredContentType: null },
    });
  }
  return entries;
}

export function eventJson(stored: StoredEvent, title: string, culprit: string, neighbours: { previous?: string | null; next?: string | null } = {}) {
  const e = stored.event;
  return {
    id: stored.eventId,
    eventID: stored.eventId,
    groupID: stored.issueId,
    projectID: stored.projectId,
    dateCreated: stored.dateCreated,
    dateReceived: stored.dateReceived,
    title,
    message: e.logentry?.formatted ?? e.logentry?.message ?? e.message ?? '',
    culprit,
    location: culprit || null,
    platform: e.platform,
    level: e.level,
    logger: e.logger ?? null,
    release: e.release ? { version: e.release } : null,
    environment: e.environment ?? null,
    dist: e.dist ?? null,
    tags: e.tags.map(([key, value]) => ({ key, value })),
    user: e.user ?? null,
    contexts: e.contexts ?? {},
    sdk: e.sdk ?? null,
    fingerprints: e['fingerprint_hash'] ? [String(e['fingerprint_hash'])] : [],
    groupingInfo: e['grouping'] ?? null,
    context: e.extra ?? {},
    packages: e.modules ?? {},
    entries: eventEntries(e),
    errors: [],
    _meta: e._meta ?? {},
    previousEventID: neighbours.previous ?? null,
    nextEventID: neighbours.next ?? null,
    type: e.exception?.values?.length ? 'error' : 'default',
  };
}

export function eventSummaryJson(stored: StoredEvent, title: string) {
  const e = stored.event;
  return {
    id: stored.eventId,
    eventID: stored.eventId,
    groupID: stored.issueId,
    dateCreated: stored.dateCreated,
    title,
    message: e.logentry?.formatted ?? e.message ?? '',
    platform: e.platform,
    tags: e.tags.map(([key, value]) => ({ key, value })),
    user: e.user ?? null,
    'event.type': e.exception?.values?.length ? 'error' : 'default',
  };
}
