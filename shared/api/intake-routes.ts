/**
 * Portal API routes for what arrives beside events, in Sentry's shapes:
 * event attachments (list and download), user feedback (per project and per
 * issue), releases with their crash-free session rate, and outcome stats
 * (`stats_v2`, a subset).
 */
import { NotFoundError, ValidationError } from '../errors.ts';
import type { Issue, OutcomeCount, Project, ReleaseHealth, StoredAttachment, UserFeedback } from '../model.ts';
import type { BlobStore, IntakeStore } from '../ports.ts';
import { dayOf } from '../pipeline/quota.ts';

interface Principal {
  orgs: string[];
}
interface Request {
  query: Record<string, string>;
  multiQuery: Record<string, string[]>;
}
export interface RawResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** Bytes answered as they are (downloads), instead of JSON. */
  raw?: Uint8Array;
}
type Handler = (req: Request & { method: string; path: string; body: unknown; principal: unknown }, params: Record<string, string>, principal: Principal & { userId: string; scopes: string[] }) => Promise<RawResponse>;

export interface IntakeRouteContext {
  route: (method: string, path: string, scope: string, handler: Handler) => void;
  org: (principal: Principal & { userId: string; scopes: string[] }, slug: string) => string;
  project: (principal: Principal & { userId: string; scopes: string[] }, orgSlug: string, slug: string) => Promise<Project>;
  issueOf: (principal: Principal & { userId: string; scopes: string[] }, orgSlug: string, id: string) => Promise<{ issue: Issue; project: Project }>;
  /** The organization's projects this principal may see. */
  listProjects: (principal: Principal & { userId: string; scopes: string[] }, orgSlug: string) => Promise<Project[]>;
  now: () => Date;
}

/** Lambda answers carry at most 6 MB; base64 makes bytes a third larger. Bigger files are refused, not truncated. */
export const MAX_INLINE_DOWNLOAD_BYTES = 4 * 1024 * 1024;
const MAX_STATS_DAYS = 90;

/**
 * `Content-Disposition` for a name an SDK chose: an ASCII fallback (header
 * values must be ASCII) and the exact name in RFC 5987 `filename*`.
 */
export function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  const exact = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${exact}`;
}

export function attachmentJson(a: StoredAttachment) {
  return {
    id: a.id,
    event_id: a.eventId,
    type: a.type,
    name: a.name,
    mimetype: a.contentType,
    dateCreated: a.dateCreated,
    size: a.size,
    headers: { 'Content-Type': a.contentType },
    sha1: null,
  };
}

export function userReportJson(f: UserFeedback, issue?: Record<string, unknown> | null) {
  return {
    id: f.id,
    eventID: f.eventId ?? f.id,
    name: f.name,
    email: f.email,
    comments: f.comments,
    dateCreated: f.dateCreated,
    user: null,
    event: { id: f.eventId ?? f.id, eventID: f.eventId ?? f.id },
    issue: issue ?? (f.issueId ? { id: f.issueId } : null),
  };
}

/** Crash-free rate in percent, as Sentry's health data reports it (null without sessions). */
export function crashFreeRate(total: number, bad: number): number | null {
  if (total <= 0) return null;
  return Math.max(0, Math.min(100, (1 - bad / total) * 100));
}

export function releaseJson(version: string, rows: ReleaseHealth[], project: Project) {
  const sum = (k: 'started' | 'errored' | 'crashed' | 'abnormal') => rows.reduce((a, r) => a + r[k], 0);
  const total = sum('started');
  const crashed = sum('crashed');
  const errored = sum('errored');
  const abnormal = sum('abnormal');
  const firstSeen = rows.map((r) => r.firstSeen).sort()[0] ?? null;
  const lastSeen = rows.map((r) => r.lastSeen).sort().at(-1) ?? null;
  return {
    version,
    shortVersion: version.replace(/^[^@]*@/, ''),
    dateCreated: firstSeen,
    lastEvent: lastSeen,
    environments: [...new Set(rows.map((r) => r.environment))].sort(),
    projects: [
      {
        id: Number(project.id),
        slug: project.slug,
        name: project.name,
        hasHealthData: total > 0,
        healthData: {
          totalSessions: total,
          sessionsCrashed: crashed,
          sessionsAbnormal: abnormal,
          // Sentry's `sessionsErrored` is the errored sessions that neither crashed nor ended abnormally.
          sessionsErrored: Math.max(0, errored - crashed - abnormal),
          crashFreeSessions: crashFreeRate(total, crashed),
          healthySessions: Math.max(0, total - errored),
          // Users are not counted (a distinct count per release would cost a write per user): null, as Sentry
          // answers for data it does not have.
          totalUsers: null,
          crashFreeUsers: null,
          byEnvironment: Object.fromEntries(rows.map((r) => [r.environment, { totalSessions: r.started, sessionsCrashed: r.crashed, sessionsErrored: r.errored, sessionsAbnormal: r.abnormal, crashFreeSessions: crashFreeRate(r.started, r.crashed) }])),
        },
      },
    ],
  };
}

/**
 * What an event's page shows beside the event: its attachments and the user
 * feedback about it (Sentry's `userReport`; `userReports` lists them all).
 */
export async function eventExtras(intake: IntakeStore, projectId: string, issueId: string, eventId: string) {
  // The issue's reports, and the project's newest (a report that came before its event is not linked yet).
  const [attachments, onIssue, recent] = await Promise.all([intake.listAttachments(projectId, eventId), intake.listIssueFeedback(issueId, 100), intake.listProjectFeedback(projectId, 100)]);
  const feedback = [...new Map([...onIssue, ...recent].map((f) => [f.id, f])).values()];
  const reports = feedback.filter((f) => f.eventId === eventId).map((f) => userReportJson(f));
  return { attachments: attachments.map(attachmentJson), userReport: reports[0] ?? null, userReports: reports };
}

export function registerIntakeRoutes(ctx: IntakeRouteContext, deps: { intake: IntakeStore; blobs: BlobStore }): void {
  const { route } = ctx;
  const ok = (body: unknown): RawResponse => ({ status: 200, body });

  const eventAttachments = async (projectId: string, eventId: string) => {
    if (!/^[0-9a-f]{32}$/.test(eventId)) throw new NotFoundError(`event ${eventId} not found`);
    return deps.intake.listAttachments(projectId, eventId);
  };

  route('GET', '/projects/{org}/{project}/events/{eventId}/attachments', 'event:read', async (_req, p, principal) => {
    const proj = await ctx.project(principal, p['org']!, p['project']!);
    return ok((await eventAttachments(proj.id, p['eventId']!)).map(attachmentJson));
  });

  route('GET', '/projects/{org}/{project}/events/{eventId}/attachments/{attachmentId}', 'event:read', async (req, p, principal) => {
    const proj = await ctx.project(principal, p['org']!, p['project']!);
    const a = (await eventAttachments(proj.id, p['eventId']!)).find((x) => x.id === p['attachmentId']);
    if (!a) throw new NotFoundError(`attachment ${p['attachmentId']} not found`);
    if (req.query['download'] === undefined || req.query['download'] === '0') return ok(attachmentJson(a));
    if (a.size > MAX_INLINE_DOWNLOAD_BYTES) throw new ValidationError(`attachment of ${a.size} bytes is larger than the ${MAX_INLINE_DOWNLOAD_BYTES} bytes served by the API`);
    const bytes = await deps.blobs.get(a.blobKey);
    return {
      status: 200,
      body: undefined,
      raw: bytes,
      headers: {
        // The SDK's content type is metadata (shown as `mimetype`); the bytes are served as a download, never rendered.
        'content-type': 'application/octet-stream',
        'content-length': String(bytes.length),
        'content-disposition': contentDisposition(a.name),
        'x-content-type-options': 'nosniff',
        'content-security-policy': "default-src 'none'; sandbox",
      },
    };
  });

  route('GET', '/organizations/{org}/issues/{id}/attachments', 'event:read', async (_req, p, principal) => {
    const { issue } = await ctx.issueOf(principal, p['org']!, p['id']!);
    return ok((await deps.intake.listIssueAttachments(issue.id, 100)).map(attachmentJson));
  });

  /**
   * Feedback can arrive before its event (SDKs send them apart, and they may land in different
   * batches): such reports are linked to the event's issue when feedback is next read.
   */
  const linkPending = async (projectId: string) => {
    for (const f of await deps.intake.listProjectFeedback(projectId, 100)) {
      if (f.issueId || !f.eventId) continue;
      const issueId = await deps.intake.eventIssueId(projectId, f.eventId);
      if (issueId && (await deps.intake.linkFeedback(f, issueId))) await deps.intake.countIssueFeedback(issueId);
    }
  };

  route('GET', '/projects/{org}/{project}/user-feedback', 'event:read', async (req, p, principal) => {
    const proj = await ctx.project(principal, p['org']!, p['project']!);
    await linkPending(proj.id);
    const limit = Math.min(100, Math.max(1, Number.parseInt(req.query['per_page'] ?? req.query['limit'] ?? '100', 10) || 100));
    return ok((await deps.intake.listProjectFeedback(proj.id, limit)).map((f) => userReportJson(f)));
  });

  route('GET', '/organizations/{org}/issues/{id}/user-reports', 'event:read', async (_req, p, principal) => {
    const { issue } = await ctx.issueOf(principal, p['org']!, p['id']!);
    await linkPending(issue.projectId);
    const reports = await deps.intake.listIssueFeedback(issue.id, 100);
    return ok(reports.map((f) => userReportJson(f, { id: issue.id, shortId: issue.shortId, title: issue.title })));
  });

  route('GET', '/projects/{org}/{project}/releases', 'project:read', async (req, p, principal) => {
    const proj = await ctx.project(principal, p['org']!, p['project']!);
    const environment = req.query['environment'];
    const rows = (await deps.intake.listReleaseHealth(proj.id)).filter((r) => environment === undefined || r.environment === environment);
    const byVersion = new Map<string, ReleaseHealth[]>();
    for (const r of rows) byVersion.set(r.release, [...(byVersion.get(r.release) ?? []), r]);
    const releases = [...byVersion.entries()].map(([version, list]) => releaseJson(version, list, proj));
    releases.sort((a, b) => String(b.lastEvent).localeCompare(String(a.lastEvent)));
    return ok(releases);
  });

  route('GET', '/organizations/{org}/stats_v2', 'org:read', async (req, p, principal) => {
    const orgSlug = ctx.org(principal, p['org']!);
    const query = parseStatsQuery(req);
    let projects = await ctx.listProjects(principal, orgSlug);
    if (query.projectIds.length > 0) projects = projects.filter((x) => query.projectIds.includes(x.id));
    const now = ctx.now().getTime();
    const days: string[] = [];
    for (let i = query.days - 1; i >= 0; i--) days.push(dayOf(now - i * 86_400_000));
    const rows: Array<OutcomeCount & { day: string; project: string }> = [];
    for (const proj of projects) {
      for (const r of await deps.intake.listOutcomes(proj.id, days[0]!, days.at(-1)!)) rows.push({ ...r, project: proj.id });
    }
    const filtered = rows.filter((r) => (query.categories.length === 0 || query.categories.includes(r.category)) && (query.outcomes.length === 0 || query.outcomes.includes(r.outcome)));
    const groups = new Map<string, { by: Record<string, string>; series: number[] }>();
    for (const r of filtered) {
      const by: Record<string, string> = {};
      for (const g of query.groupBy) by[g] = g === 'project' ? r.project : g === 'outcome' ? r.outcome : g === 'category' ? r.category : r.reason;
      const key = JSON.stringify(by);
      const group = groups.get(key) ?? { by, series: days.map(() => 0) };
      group.series[days.indexOf(r.day)]! += r.quantity;
      groups.set(key, group);
    }
    return ok({
      start: `${days[0]}T00:00:00Z`,
      end: new Date(Date.parse(`${days.at(-1)}T00:00:00Z`) + 86_400_000).toISOString().replace('.000Z', 'Z'),
      intervals: days.map((d) => `${d}T00:00:00Z`),
      groups: [...groups.values()].map((g) => ({
        by: g.by,
        totals: { 'sum(quantity)': g.series.reduce((a, b) => a + b, 0) },
        series: { 'sum(quantity)': g.series },
      })),
    });
  });
}

const GROUP_BY = ['outcome', 'category', 'reason', 'project'];
const OUTCOMES = ['accepted', 'filtered', 'rate_limited', 'invalid', 'client_discard'];

/** `stats_v2` parameters Ferret serves: `field=sum(quantity)`, `interval=1d`, `statsPeriod=Nd`, `groupBy`, `category`, `outcome`, `project`. */
export function parseStatsQuery(req: Request) {
  const field = req.query['field'] ?? 'sum(quantity)';
  if (field !== 'sum(quantity)') throw new ValidationError('field: only sum(quantity) is supported');
  const interval = req.query['interval'] ?? '1d';
  if (interval !== '1d') throw new ValidationError('interval: only 1d is supported');
  const period = req.query['statsPeriod'] ?? '14d';
  const m = /^(\d+)d$/.exec(period);
  const days = m ? Number(m[1]) : NaN;
  if (!(days >= 1 && days <= MAX_STATS_DAYS)) throw new ValidationError(`statsPeriod: a number of days from 1d to ${MAX_STATS_DAYS}d`);
  const groupBy = req.multiQuery['groupBy'] ?? [];
  for (const g of groupBy) if (!GROUP_BY.includes(g)) throw new ValidationError(`groupBy: one of ${GROUP_BY.join(', ')}`);
  const outcomes = req.multiQuery['outcome'] ?? [];
  for (const o of outcomes) if (!OUTCOMES.includes(o)) throw new ValidationError(`outcome: one of ${OUTCOMES.join(', ')}`);
  const projectIds = (req.multiQuery['project'] ?? []).filter((x) => x !== '-1');
  return { days, groupBy, outcomes, categories: req.multiQuery['category'] ?? [], projectIds };
}
