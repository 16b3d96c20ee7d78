/**
 * The portal API: a subset of Sentry's web API (paths and JSON shapes), on the
 * ports of `shared/ports.ts`. The Lambda in `functions/api.ts` only adapts
 * API Gateway events to `ApiRequest` and back.
 */
import { randomBytes } from 'node:crypto';
import { defaultRules, parseRuleInput } from '../alerts/rules.ts';
import { toSentryRule } from '../alerts/sentry-rule-json.ts';
import { ConfigError, ForbiddenError, NotFoundError, UnauthorizedError, ValidationError } from '../errors.ts';
import { DEFAULT_RETENTION_DAYS } from '../infra.ts';
import { LEVELS, type Issue, type IssueStatus, type Level, type Project } from '../model.ts';
import type { AlertStore, BlobStore, EventStore, IntakeStore, IssueQuery, IssueStore, MemberStore, ProjectStore, UserDirectory } from '../ports.ts';
import { canSeeProject, hasScope, type Membership } from './access.ts';
import { registerOrgRoutes } from './routes-org.ts';
import { objectBody, objectField, queryInt } from './validate.ts';
import { eventExtras, registerIntakeRoutes } from './intake-routes.ts';
import { eventJson, eventSummaryJson, issueJson, issueTagsJson, keyJson, organizationJson, projectJson } from './serialize.ts';
import { eventCulprit, eventTitle } from '../grouping/index.ts';
import { applyKeyUpdate, applyProjectUpdate, parseKeyCreate } from './project-settings.ts';
import { countedTagDistributions, countsCoverIssue, parseEventQuery, searchEvents, TAG_SAMPLE_EVENTS, tagDistributions } from './tags.ts';
import { ISSUE_TAG_KEYS, isIssueTag } from '../event/issue-tags.ts';

/** Projects whose 24 h series is summed per project list call, and issues per project summed. */
const STATS_MAX_ISSUES = 100;

export interface ApiPrincipal {
  userId: string;
  /** Organizations this principal belongs to. */
  orgs: string[];
  scopes: string[];
  email?: string;
  /** Standing per organization (role, teams, scopes); routes under `{org}` check these. */
  memberships?: Record<string, Membership>;
  /** Set when the caller authenticated with an API token (its SHA-256). */
  tokenHash?: string;
}

export interface ApiRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  multiQuery: Record<string, string[]>;
  body: unknown;
  principal: ApiPrincipal | undefined;
}

export interface ApiResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** Bytes answered as they are (attachment downloads), instead of JSON. */
  raw?: Uint8Array;
}

export interface ApiDeps {
  projects: ProjectStore;
  issues: IssueStore;
  events: EventStore;
  alerts: AlertStore;
  members: MemberStore;
  /** Sign-in accounts for invited members (Cognito in AWS); absent on one machine. */
  directory?: UserDirectory;
  dsnBaseUrl: string;
  portalUrl: string;
  /** Base URL of this API, for `Link` headers. */
  apiUrl: string;
  now: () => Date;
  /** Attachments, feedback, releases and outcome stats (routes in `intake-routes.ts`). */
  intake?: IntakeStore;
  blobs?: BlobStore;
}

export type Handler = (req: ApiRequest, params: Record<string, string>, principal: ApiPrincipal) => Promise<ApiResponse>;
interface Route {
  method: string;
  /** As registered: `/projects/{org}/{project}`. */
  path: string;
  pattern: RegExp;
  scope: string;
  handler: Handler;
}

const ok = (body: unknown, headers?: Record<string, string>): ApiResponse => (headers ? { status: 200, body, headers } : { status: 200, body });

/** Parses Sentry's issue search syntax: `is:unresolved level:error release:1.2 key:value free text`. */
export function parseIssueQuery(q: string | undefined): { status?: IssueStatus; level?: Level; release?: string; environment?: string; tags: Record<string, string>; text?: string } {
  const out: ReturnType<typeof parseIssueQuery> = { tags: {} };
  const words: string[] = [];
  for (const token of (q ?? '').match(/(?:[^\s"]+:"[^"]*"|"[^"]*"|\S+)/g) ?? []) {
    const m = /^([a-zA-Z_.]+):(.+)$/.exec(token);
    if (!m) {
      words.push(token.replace(/^"|"$/g, ''));
      continue;
    }
    const key = m[1]!;
    const value = m[2]!.replace(/^"|"$/g, '');
    if (key === 'is') {
      if (value === 'unresolved' || value === 'resolved' || value === 'ignored') out.status = value;
      else if (value === 'archived') out.status = 'ignored';
    } else if (key === 'level') {
      if (!LEVELS.includes(value as Level)) throw new ValidationError(`unknown level "${value}" in query`);
      out.level = value as Level;
    } else if (key === 'release') out.release = value;
    else if (key === 'environment') out.environment = value;
    else out.tags[key] = value;
  }
  if (words.length) out.text = words.join(' ');
  return out;
}

export function createApi(deps: ApiDeps) {
  const routes: Route[] = [];
  const route = (method: string, path: string, scope: string, handler: Handler) => {
    const pattern = new RegExp(`^/api/0${path.replace(/\{(\w+)\}/g, '(?<$1>[^/]+)')}/?$`);
    routes.push({ method, path, pattern, scope, handler });
  };

  const org = (principal: ApiPrincipal, slug: string) => {
    if (!principal.orgs.includes(slug)) throw new NotFoundError(`organization ${slug} not found`);
    return slug;
  };
  /** A member outside the project's teams is told it does not exist, as Sentry does. */
  const visible = (principal: ApiPrincipal, p: Project) => principal.memberships === undefined || canSeeProject(principal.memberships[p.orgSlug], p);
  const project = async (principal: ApiPrincipal, orgSlug: string, slug: string): Promise<Project> => {
    org(principal, orgSlug);
    const p = await deps.projects.getProjectBySlug(orgSlug, slug);
    if (!p || !visible(principal, p)) throw new NotFoundError(`project ${slug} not found`);
    return p;
  };
  const issueOf = async (principal: ApiPrincipal, orgSlug: string, id: string): Promise<{ issue: Issue; project: Project }> => {
    org(principal, orgSlug);
    const issue = /^\d+$/.test(id) ? await deps.issues.getIssue(id) : undefined;
    const p = issue ? await deps.projects.getProject(issue.projectId) : undefined;
    if (!issue || !p || p.orgSlug !== orgSlug || !visible(principal, p)) throw new NotFoundError(`issue ${id} not found`);
    return { issue, project: p };
  };

  route('GET', '/organizations', 'org:read', async (_req, _p, principal) => {
    const orgs = await Promise.all(principal.orgs.map((s) => deps.projects.getOrganization(s)));
    return ok(orgs.filter((o) => o !== undefined).map(organizationJson));
  });

  route('GET', '/organizations/{org}', 'org:read', async (_req, p, principal) => {
    const o = await deps.projects.getOrganization(org(principal, p['org']!));
    if (!o) throw new NotFoundError(`organization ${p['org']} not found`);
    return ok(organizationJson(o));
  });

  route('GET', '/organizations/{org}/projects', 'project:read', async (req, p, principal) => {
    const projects = (await deps.projects.listProjects(org(principal, p['org']!))).filter((x) => visible(principal, x));
    const period = req.query['statsPeriod'];
    if (period === undefined || period === '') return ok(projects.map((x) => projectJson(x)));
    // Sentry answers `stats` as a bare series of [epoch s, count] for the asked period.
    if (period !== '24h') throw new ValidationError('statsPeriod: only 24h is served on the project list');
    const now = deps.now();
    return ok(
      await Promise.all(
        projects.map(async (x) => {
          const { series, partial } = await deps.issues.projectHourlyCounts(x.id, 24, now, STATS_MAX_ISSUES);
          return projectJson(x, { stats: series, statsPartial: partial });
        }),
      ),
    );
  });

  const createProject: Handler = async (req, p, principal) => {
    const orgSlug = org(principal, p['org']!);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const name = typeof body['name'] === 'string' ? body['name'].trim() : '';
    if (!name || name.length > 64) throw new ValidationError('name: a project name of 1 to 64 characters is required');
    const slug = typeof body['slug'] === 'string' && body['slug'] ? body['slug'] : slugify(name);
    if (!/^[a-z0-9][a-z0-9_-]{0,49}$/.test(slug)) throw new ValidationError('slug: lower-case letters, digits, - and _ only');
    const platform = typeof body['platform'] === 'string' ? body['platform'].slice(0, 64) : undefined;
    const teams = await owningTeams(deps, principal, orgSlug, p['team']);
    const created = await createProjectWithKey(deps, { orgSlug, name, slug, platform, now: deps.now() });
    if (teams.length > 0) {
      await deps.members.setProjectTeams(created.project.id, teams);
      created.project.teams = teams;
    }
    return { status: 201, body: projectJson(created.project) };
  };
  route('POST', '/organizations/{org}/projects', 'project:write', createProject);
  route('POST', '/teams/{org}/{team}/projects', 'project:write', createProject);

  route('GET', '/projects/{org}/{project}', 'project:read', async (_req, p, principal) => ok(projectJson(await project(principal, p['org']!, p['project']!))));

  route('GET', '/projects/{org}/{project}/keys', 'project:read', async (_req, p, principal) => {
    const proj = await project(principal, p['org']!, p['project']!);
    const keys = await deps.projects.listKeys(proj.id);
    return ok(keys.map((k) => keyJson(k, deps.dsnBaseUrl)));
  });

  route('PUT', '/projects/{org}/{project}', 'project:write', async (req, p, principal) => {
    const proj = await project(principal, p['org']!, p['project']!);
    const updated = applyProjectUpdate(proj, req.body);
    await deps.projects.updateProject(updated, proj.slug);
    return ok(projectJson(updated));
  });

  const keyOf = async (proj: Project, keyId: string) => {
    const key = await deps.projects.getKey(keyId);
    if (!key || key.projectId !== proj.id) throw new NotFoundError(`key ${keyId} not found`);
    return key;
  };

  route('POST', '/projects/{org}/{project}/keys', 'project:write', async (req, p, principal) => {
    const proj = await project(principal, p['org']!, p['project']!);
    const { label } = parseKeyCreate(req.body);
    const key = { publicKey: randomBytes(16).toString('hex'), projectId: proj.id, label, isActive: true, dateCreated: deps.now().toISOString() };
    await deps.projects.putKey(key);
    return { status: 201, body: keyJson(key, deps.dsnBaseUrl) };
  });

  route('GET', '/projects/{org}/{project}/keys/{keyId}', 'project:read', async (_req, p, principal) => {
    const proj = await project(principal, p['org']!, p['project']!);
    return ok(keyJson(await keyOf(proj, p['keyId']!), deps.dsnBaseUrl));
  });

  route('PUT', '/projects/{org}/{project}/keys/{keyId}', 'project:write', async (req, p, principal) => {
    const proj = await project(principal, p['org']!, p['project']!);
    const key = applyKeyUpdate(await keyOf(proj, p['keyId']!), req.body);
    await deps.projects.updateKey(key);
    return ok(keyJson(key, deps.dsnBaseUrl));
  });

  route('DELETE', '/projects/{org}/{project}/keys/{keyId}', 'project:admin', async (_req, p, principal) => {
    const proj = await project(principal, p['org']!, p['project']!);
    const key = await keyOf(proj, p['keyId']!);
    await deps.projects.deleteKey(key.publicKey);
    return { status: 204, body: null };
  });

  route('GET', '/projects/{org}/{project}/issues', 'event:read', async (req, p, principal) => {
    const proj = await project(principal, p['org']!, p['project']!);
    const parsed = parseIssueQuery(req.query['query'] ?? 'is:unresolved');
    const sort = (req.query['sort'] ?? 'date') as IssueQuery['sort'];
    if (!['date', 'new', 'freq', 'user'].includes(sort)) throw new ValidationError(`sort must be one of date, new, freq, user`);
    const limit = queryInt(req.query, 'limit', { min: 1, max: 100, fallback: 25 });
    const q: IssueQuery = { sort, limit };
    if (parsed.status) q.status = parsed.status;
    if (parsed.level) q.level = parsed.level;
    if (parsed.release) q.release = parsed.release;
    if (parsed.text) q.text = parsed.text;
    const tags = issueSearchTags(parsed);
    if (tags.length) q.tags = tags;
    if (req.query['cursor']) q.cursor = req.query['cursor'];
    const { issues, nextCursor } = await deps.issues.listIssues(proj.id, q);
    const now = deps.now();
    // Sentry's statsPeriod: 24h (hourly, the default), 14d (daily) or empty for no series.
    const statsPeriod = req.query['statsPeriod'] ?? '24h';
    if (statsPeriod !== '24h' && statsPeriod !== '14d' && statsPeriod !== '') throw new ValidationError('statsPeriod: one of 24h, 14d or empty');
    const series = async (id: string) => {
      if (statsPeriod === '24h') return deps.issues.hourlyCounts(id, 24, now);
      const hours = await deps.issues.hourlyCounts(id, 14 * 24, now);
      const days: Array<[number, number]> = [];
      for (let i = 0; i < hours.length; i += 24) days.push([hours[i]![0], hours.slice(i, i + 24).reduce((a, [, c]) => a + c, 0)]);
      return days;
    };
    const withStats = await Promise.all(
      issues.map(async (i) => (statsPeriod === '' ? issueJson(i, proj, deps.portalUrl) : issueJson(i, proj, deps.portalUrl, await series(i.id), statsPeriod))),
    );
    return ok(withStats, { link: linkHeader(deps.apiUrl, req, q.cursor, nextCursor, q.limit) });
  });

  route('PUT', '/projects/{org}/{project}/issues', 'event:write', async (req, p, principal) => {
    const proj = await project(principal, p['org']!, p['project']!);
    const ids = req.multiQuery['id'] ?? [];
    if (ids.length === 0) throw new ValidationError('id: name the issues to update with ?id=…');
    const merge = (req.body as Record<string, unknown> | undefined)?.['merge'];
    if (merge === 1 || merge === true || merge === '1') {
      // Sentry's bulk merge: the issue with the most events survives (`handle_merge`).
      if (new Set(ids).size < 2) throw new ValidationError('id: name at least two issues to merge');
      const issues = await Promise.all([...new Set(ids)].map(async (id) => (await issueOf(principal, p['org']!, id)).issue));
      if (issues.some((i) => i.projectId !== proj.id)) throw new NotFoundError('issue not found in this project');
      const [parent, ...children] = issues.sort((a, b) => b.count - a.count || Number(a.id) - Number(b.id));
      await deps.issues.mergeIssues(parent!.id, children.map((c) => c.id));
      return ok({ merge: { parent: parent!.id, children: children.map((c) => c.id) } });
    }
    const update = parseStatusUpdate(req.body);
    for (const id of ids) {
      const { issue } = await issueOf(principal, p['org']!, id);
      if (issue.projectId !== proj.id) throw new NotFoundError(`issue ${id} not found`);
      await deps.issues.setStatus(id, update.status, update.details);
    }
    return ok({ status: update.status, statusDetails: update.details });
  });

  route('GET', '/organizations/{org}/issues/{id}', 'event:read', async (_req, p, principal) => {
    const { issue, project: proj } = await issueOf(principal, p['org']!, p['id']!);
    return ok({ ...issueJson(issue, proj, deps.portalUrl, await deps.issues.hourlyCounts(issue.id, 24, deps.now())), tags: issueTagsJson(issue) });
  });

  route('PUT', '/organizations/{org}/issues/{id}', 'event:write', async (req, p, principal) => {
    const { issue, project: proj } = await issueOf(principal, p['org']!, p['id']!);
    const update = parseStatusUpdate(req.body);
    if (update.details.resolvedInRelease === '') update.details.resolvedInRelease = issue.lastRelease ?? '';
    const updated = await deps.issues.setStatus(issue.id, update.status, update.details);
    return ok(issueJson(updated, proj, deps.portalUrl));
  });

  route('DELETE', '/organizations/{org}/issues/{id}', 'event:admin', async (_req, p, principal) => {
    const { issue } = await issueOf(principal, p['org']!, p['id']!);
    await deps.issues.deleteIssue(issue.id);
    return { status: 202, body: null };
  });

  route('GET', '/organizations/{org}/issues/{id}/events', 'event:read', async (req, p, principal) => {
    const { issue } = await issueOf(principal, p['org']!, p['id']!);
    const opts: { limit: number; cursor?: string } = { limit: 50 };
    if (req.query['cursor']) opts.cursor = req.query['cursor'];
    const query = req.query['query']?.trim();
    const { events, nextCursor } = query ? await searchEvents(deps.events, issue.id, parseEventQuery(query), opts) : await deps.events.listEvents(issue.id, opts);
    return ok(
      events.map((e) => eventSummaryJson(e, eventTitle(e.event))),
      { link: linkHeader(deps.apiUrl, req, opts.cursor, nextCursor, opts.limit) },
    );
  });

  route('GET', '/organizations/{org}/issues/{id}/events/{eventId}', 'event:read', async (_req, p, principal) => {
    const { issue } = await issueOf(principal, p['org']!, p['id']!);
    const which = p['eventId']!;
    let stored;
    if (which === 'latest' || which === 'oldest') {
      stored = (await deps.events.listEvents(issue.id, { limit: 1, oldestFirst: which === 'oldest' })).events[0];
    } else if (/^[0-9a-f]{32}$/.test(which)) {
      stored = await deps.events.getEvent(issue.projectId, which);
      if (stored && stored.issueId !== issue.id) stored = undefined;
    }
    if (!stored) throw new NotFoundError(`event ${which} not found`);
    const neighbours = await eventNeighbours(deps.events, issue.id, stored.eventId);
    const extras = deps.intake ? await eventExtras(deps.intake, issue.projectId, issue.id, stored.eventId) : {};
    return ok({ ...eventJson(stored, eventTitle(stored.event), eventCulprit(stored.event), neighbours), ...extras });
  });

  /** Tag distributions from the issue's counters; issues older than them are counted over their stored events. */
  const issueTags = async (principal: ApiPrincipal, orgSlug: string, id: string) => {
    const { issue } = await issueOf(principal, orgSlug, id);
    if (countsCoverIssue(issue.tagCounts)) return countedTagDistributions(issue.tagCounts);
    const { events } = await deps.events.listEvents(issue.id, { limit: TAG_SAMPLE_EVENTS });
    return tagDistributions(events);
  };

  route('GET', '/organizations/{org}/issues/{id}/tags', 'event:read', async (_req, p, principal) => {
    const tags = await issueTags(principal, p['org']!, p['id']!);
    return ok(tags.map((t) => ({ ...t, topValues: t.topValues.slice(0, 10) })));
  });

  route('GET', '/organizations/{org}/issues/{id}/tags/{key}', 'event:read', async (_req, p, principal) => {
    const tag = (await issueTags(principal, p['org']!, p['id']!)).find((t) => t.key === p['key']);
    if (!tag) throw new NotFoundError(`tag ${p['key']} not found on this issue`);
    return ok({ ...tag, topValues: tag.topValues.slice(0, 10) });
  });

  route('GET', '/organizations/{org}/issues/{id}/tags/{key}/values', 'event:read', async (_req, p, principal) => {
    const tag = (await issueTags(principal, p['org']!, p['id']!)).find((t) => t.key === p['key']);
    if (!tag) throw new NotFoundError(`tag ${p['key']} not found on this issue`);
    return ok(tag.topValues);
  });

  route('GET', '/organizations/{org}/issues/{id}/stats', 'event:read', async (req, p, principal) => {
    const { issue } = await issueOf(principal, p['org']!, p['id']!);
    const period = req.query['period'] ?? '24h';
    if (period !== '24h' && period !== '30d') throw new ValidationError('period must be 24h or 30d');
    const hours = await deps.issues.hourlyCounts(issue.id, period === '24h' ? 24 : 720, deps.now());
    if (period === '24h') return ok(hours);
    const days: Array<[number, number]> = [];
    for (let i = 0; i < hours.length; i += 24) days.push([hours[i]![0], hours.slice(i, i + 24).reduce((a, [, c]) => a + c, 0)]);
    return ok(days);
  });

  route('GET', '/projects/{org}/{project}/rules', 'project:read', async (_req, p, principal) => {
    const proj = await project(principal, p['org']!, p['project']!);
    return ok((await deps.alerts.listRules(proj.id)).map((r) => toSentryRule(r, proj.slug)));
  });

  route('GET', '/projects/{org}/{project}/rules/{ruleId}', 'project:read', async (_req, p, principal) => {
    const proj = await project(principal, p['org']!, p['project']!);
    const rule = (await deps.alerts.listRules(proj.id)).find((r) => r.id === p['ruleId']);
    if (!rule) throw new NotFoundError(`rule ${p['ruleId']} not found`);
    return ok(toSentryRule(rule, proj.slug));
  });

  route('POST', '/projects/{org}/{project}/rules', 'project:write', async (req, p, principal) => {
    const proj = await project(principal, p['org']!, p['project']!);
    const rule = parseRuleInput(req.body, proj.id, randomBytes(8).toString('hex'), deps.now());
    await deps.alerts.putRule(rule);
    return { status: 201, body: toSentryRule(rule, proj.slug) };
  });

  route('PUT', '/projects/{org}/{project}/rules/{ruleId}', 'project:write', async (req, p, principal) => {
    const proj = await project(principal, p['org']!, p['project']!);
    const existing = (await deps.alerts.listRules(proj.id)).find((r) => r.id === p['ruleId']);
    if (!existing) throw new NotFoundError(`rule ${p['ruleId']} not found`);
    const rule = parseRuleInput(req.body, proj.id, existing.id, new Date(existing.dateCreated));
    await deps.alerts.putRule(rule);
    return ok(toSentryRule(rule, proj.slug));
  });

  route('DELETE', '/projects/{org}/{project}/rules/{ruleId}', 'project:write', async (_req, p, principal) => {
    const proj = await project(principal, p['org']!, p['project']!);
    await deps.alerts.deleteRule(proj.id, p['ruleId']!);
    return { status: 202, body: null };
  });

  registerOrgRoutes({ route, deps, org, project, visible });
  const listVisible = async (principal: ApiPrincipal, orgSlug: string) => (await deps.projects.listProjects(orgSlug)).filter((p) => visible(principal, p));
  registerIntakeRoutes({ route, org, project, issueOf, listProjects: listVisible, now: deps.now }, {
    // Read when a route runs, so the route table is complete even for deps without these stores.
    get intake() {
      if (!deps.intake) throw new ConfigError('the API has no intake store');
      return deps.intake;
    },
    get blobs() {
      if (!deps.blobs) throw new ConfigError('the API has no blob store');
      return deps.blobs;
    },
  });

  async function handle(req: ApiRequest): Promise<ApiResponse> {
    const path = req.path.replace(/\/+$/, '') + '/';
    let methodMismatch = false;
    for (const r of routes) {
      const m = r.pattern.exec(path);
      if (!m) continue;
      if (r.method !== req.method) {
        methodMismatch = true;
        continue;
      }
      if (!req.principal) throw new UnauthorizedError('authentication required: send Authorization: Bearer <token>');
      const params: Record<string, string> = {};
      for (const [k, v] of Object.entries(m.groups ?? {})) params[k] = safeDecode(v);
      // Another organization's routes do not exist for this caller (404 before any scope talk).
      if (params['org'] !== undefined) org(req.principal, params['org']);
      const scopes = params['org'] !== undefined ? (req.principal.memberships?.[params['org']]?.scopes ?? req.principal.scopes) : req.principal.scopes;
      if (!hasScope(scopes, r.scope)) throw new ForbiddenError(`you lack the ${r.scope} scope for this`);
      return r.handler(req, params, req.principal);
    }
    if (methodMismatch) return { status: 405, body: { detail: `method ${req.method} not allowed` } };
    throw new NotFoundError(`no route for ${req.method} ${req.path}`);
  }
  /** The route table, so tests can prove every route is covered by the tenancy checks. */
  return Object.assign(handle, { routes: routes.map(({ method, path, pattern, scope }) => ({ method, path, pattern, scope })) });
}

function safeDecode(v: string): string {
  try {
    return decodeURIComponent(v);
  } catch (cause) {
    throw new ValidationError(`path: "${v.slice(0, 40)}" is not valid percent-encoding`, { cause });
  }
}

/**
 * The teams a new project belongs to: the team of `/teams/{org}/{team}/projects/`,
 * else the creator's teams (an owner or admin without teams leaves it to them).
 */
async function owningTeams(deps: ApiDeps, principal: ApiPrincipal, orgSlug: string, team: string | undefined): Promise<string[]> {
  if (team !== undefined) {
    if (!(await deps.members.getTeam(orgSlug, team))) throw new NotFoundError(`team ${team} not found`);
    return [team];
  }
  return [...(principal.memberships?.[orgSlug]?.member?.teams ?? [])];
}

/**
 * The tag filters of an issue search, each of an indexed tag. `browser:Chrome`
 * (a name without a version) means `browser.name:Chrome`, as people type it;
 * a tag that issues do not index is refused with the ones that are.
 */
function issueSearchTags(parsed: ReturnType<typeof parseIssueQuery>): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  if (parsed.environment) out.push(['environment', parsed.environment]);
  for (const [key, value] of Object.entries(parsed.tags)) {
    const k = ['browser', 'os', 'runtime'].includes(key) && !/\s/.test(value) ? `${key}.name` : key;
    if (!isIssueTag(k)) {
      throw new ValidationError(`query: issues cannot be searched by "${key}"; use is:, level:, release: or one of ${[...ISSUE_TAG_KEYS].join(', ')} (an issue's events can be searched by any tag)`);
    }
    out.push([k, value]);
  }
  return out;
}

function parseStatusUpdate(body: unknown): { status: IssueStatus; details: { resolvedInRelease?: string; ignoreUntil?: string; ignoreCount?: number; ignoreUserCount?: number } } {
  const b = objectBody(body);
  const status = b['status'];
  if (status !== 'resolved' && status !== 'unresolved' && status !== 'ignored') {
    throw new ValidationError('status: must be one of resolved, unresolved, ignored');
  }
  const sd = objectField(b, 'statusDetails');
  if (sd['inRelease'] !== undefined && (typeof sd['inRelease'] !== 'string' || sd['inRelease'].length > 200)) throw new ValidationError('statusDetails.inRelease: a release name');
  if (sd['inNextRelease'] !== undefined && typeof sd['inNextRelease'] !== 'boolean') throw new ValidationError('statusDetails.inNextRelease: must be true or false');
  const details: { resolvedInRelease?: string; ignoreUntil?: string; ignoreCount?: number; ignoreUserCount?: number } = {};
  if (status === 'resolved' && sd['inNextRelease'] === true) details.resolvedInRelease = '';
  if (status === 'resolved' && typeof sd['inRelease'] === 'string') details.resolvedInRelease = sd['inRelease'];
  if (status === 'ignored') {
    const num = (k: string) => {
      const v = sd[k];
      if (v === undefined) return undefined;
      if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw new ValidationError(`statusDetails.${k}: a positive whole number`);
      return v;
    };
    const minutes = num('ignoreDuration');
    if (minutes !== undefined) details.ignoreUntil = new Date(Date.now() + minutes * 60_000).toISOString();
    const count = num('ignoreCount');
    if (count !== undefined) details.ignoreCount = count;
    const users = num('ignoreUserCount');
    if (users !== undefined) details.ignoreUserCount = users;
  }
  return { status, details };
}

async function eventNeighbours(events: EventStore, issueId: string, eventId: string) {
  // Neighbours within the most recent page, or else the oldest page: both ends of an issue's history
  // (latest and oldest, and the steps from them) navigate; the middle of a very long one may not.
  // Ids only: an event view reads no other event's body (some are in the payload bucket).
  const { ids: recent, nextCursor } = await events.listEventIds(issueId, { limit: 100 });
  const i = recent.indexOf(eventId);
  if (i >= 0) return { next: recent[i - 1] ?? null, previous: recent[i + 1] ?? (nextCursor ? undefined : null) };
  if (!nextCursor) return {};
  const { ids: oldest } = await events.listEventIds(issueId, { limit: 100, oldestFirst: true });
  const j = oldest.indexOf(eventId);
  if (j < 0) return {};
  return { previous: oldest[j - 1] ?? null, next: oldest[j + 1] };
}

/**
 * Sentry's `Link` header. A previous page is offered only for offset cursors
 * (a plain number), where it is the offset one page back; key cursors page
 * forward only, and say so with `results="false"`.
 */
function linkHeader(apiUrl: string, req: ApiRequest, cursor: string | undefined, next: string | undefined, limit: number): string {
  const base = new URL(req.path, apiUrl || 'http://localhost');
  for (const [k, v] of Object.entries(req.query)) if (k !== 'cursor') base.searchParams.set(k, v);
  const at = (c: string) => {
    const u = new URL(base);
    u.searchParams.set('cursor', c);
    return u.toString();
  };
  const offset = cursor !== undefined && /^\d+$/.test(cursor) ? Number(cursor) : undefined;
  const hasPrev = offset !== undefined && offset > 0;
  const prev = hasPrev ? String(Math.max(0, offset - limit)) : '';
  return [
    `<${at(prev || '0')}>; rel="previous"; results="${hasPrev ? 'true' : 'false'}"; cursor="${prev}"`,
    `<${at(next ?? '0')}>; rel="next"; results="${next ? 'true' : 'false'}"; cursor="${next ?? ''}"`,
  ].join(', ');
}

function slugify(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 50) || 'project';
}

/** Creates a project with its first DSN key and the default alert rules. */
export async function createProjectWithKey(
  deps: Pick<ApiDeps, 'projects' | 'alerts'>,
  input: { orgSlug: string; name: string; slug: string; platform?: string | undefined; now: Date; id?: string; publicKey?: string },
) {
  const id = input.id ?? String(await deps.projects.nextId('project'));
  const project: Project = {
    id,
    slug: input.slug,
    name: input.name,
    orgSlug: input.orgSlug,
    dateCreated: input.now.toISOString(),
    shortIdPrefix: input.slug.toUpperCase().replace(/[^A-Z0-9]/g, '').slice(0, 12) || 'ISSUE',
    retentionDays: DEFAULT_RETENTION_DAYS,
    rateLimitPerMinute: 0,
    storeIp: false,
    sensitiveFields: [],
    safeFields: [],
  };
  if (input.platform) project.platform = input.platform;
  await deps.projects.createProject(project);
  const key = { publicKey: input.publicKey ?? randomBytes(16).toString('hex'), projectId: id, label: 'Default', isActive: true, dateCreated: input.now.toISOString() };
  await deps.projects.putKey(key);
  for (const rule of defaultRules(id, input.now)) await deps.alerts.putRule(rule);
  return { project, key };
}
