/**
 * The portal's one API client. Paths and JSON follow Sentry's web API; every
 * call carries `Authorization: Bearer <token>`.
 */
import type {
  AlertRule,
  ApiToken,
  NewApiToken,
  OrgRole,
  Team,
  Event,
  EventSummary,
  Issue,
  IssueDetail,
  IssueUpdate,
  Member,
  Organization,
  Project,
  ProjectKey,
  ProjectOptions,
  StatSeries,
  TagDistribution,
  UserReport,
} from './types.ts';

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
    readonly body?: unknown,
  ) {
    super(message);
  }
}

export interface Cursors {
  next?: string;
  previous?: string;
}

export interface Page<T> extends Cursors {
  items: T[];
}

export type IssueSort = 'date' | 'new' | 'freq' | 'user';

export interface IssueQuery {
  query?: string;
  sort?: IssueSort;
  statsPeriod?: '24h' | '14d' | '';
  cursor?: string;
}

/**
 * Reads the cursors out of a Sentry `Link` header. A link whose `results` is
 * `"false"` has nothing behind it and is dropped.
 */
export function parseLinkHeader(header: string | null): Cursors {
  const cursors: Cursors = {};
  if (!header) return cursors;
  for (const part of header.split(/,(?=\s*<)/)) {
    const attrs = new Map<string, string>();
    for (const m of part.matchAll(/;\s*([a-z]+)="([^"]*)"/gi)) {
      attrs.set(m[1]!.toLowerCase(), m[2]!);
    }
    const rel = attrs.get('rel');
    const cursor = attrs.get('cursor');
    if ((rel !== 'next' && rel !== 'previous') || !cursor || attrs.get('results') === 'false') continue;
    cursors[rel] = cursor;
  }
  return cursors;
}

export interface ApiOptions {
  /** "" for the portal's own origin. */
  baseUrl: string;
  token: () => Promise<string | null>;
  fetch?: typeof fetch;
}

const enc = encodeURIComponent;

export function createApi({ baseUrl, token, fetch: fetchImpl }: ApiOptions) {
  const base = baseUrl.replace(/\/+$/, '');
  const doFetch = fetchImpl ?? ((...args: Parameters<typeof fetch>) => fetch(...args));

  async function send(method: string, path: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    const bearer = await token();
    if (bearer) headers.Authorization = `Bearer ${bearer}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let res: Response;
    try {
      res = await doFetch(`${base}/api/0${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (cause) {
      throw new ApiError(0, 'The API could not be reached. Check your connection.', cause);
    }
    if (!res.ok) {
      let detail: unknown;
      const text = await res.text().catch(() => '');
      try {
        detail = JSON.parse(text);
      } catch {
        detail = text;
      }
      const message =
        detail && typeof detail === 'object' && 'detail' in detail && typeof detail.detail === 'string'
          ? detail.detail
          : `${method} ${path} failed with HTTP ${res.status}`;
      throw new ApiError(res.status, message, detail);
    }
    return res;
  }

  async function json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await send(method, path, body);
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  async function page<T>(path: string): Promise<Page<T>> {
    const res = await send('GET', path);
    return { items: (await res.json()) as T[], ...parseLinkHeader(res.headers.get('Link')) };
  }

  function qs(params: Record<string, string | string[] | undefined>): string {
    const search = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) {
      if (v === undefined || v === '') continue;
      for (const one of Array.isArray(v) ? v : [v]) search.append(k, one);
    }
    const s = search.toString();
    return s ? `?${s}` : '';
  }

  const issuePath = (org: string, id: string) => `/organizations/${enc(org)}/issues/${enc(id)}/`;
  const projectPath = (org: string, project: string) => `/projects/${enc(org)}/${enc(project)}/`;

  return {
    organizations: () => json<Organization[]>('GET', '/organizations/'),
    members: (org: string) => json<Member[]>('GET', `/organizations/${enc(org)}/members/`),
    member: (org: string, id: string) => json<Member>('GET', `/organizations/${enc(org)}/members/${enc(id)}/`),
    inviteMember: (org: string, body: { email: string; orgRole: OrgRole; teams: string[] }) => json<Member>('POST', `/organizations/${enc(org)}/members/`, body),
    updateMember: (org: string, id: string, body: { orgRole?: OrgRole; teams?: string[] }) => json<Member>('PUT', `/organizations/${enc(org)}/members/${enc(id)}/`, body),
    removeMember: (org: string, id: string) => json<void>('DELETE', `/organizations/${enc(org)}/members/${enc(id)}/`),
    teams: (org: string) => json<Team[]>('GET', `/organizations/${enc(org)}/teams/`),
    createTeam: (org: string, body: { name: string; slug?: string }) => json<Team>('POST', `/organizations/${enc(org)}/teams/`, body),
    apiTokens: () => json<ApiToken[]>('GET', '/api-tokens/'),
    createApiToken: (body: { name: string; scopes: string[]; organization?: string; expiresAt?: string }) => json<NewApiToken>('POST', '/api-tokens/', body),
    revokeApiToken: (id: string) => json<void>('DELETE', `/api-tokens/${enc(id)}/`),

    projects: (org: string) => json<Project[]>('GET', `/organizations/${enc(org)}/projects/${qs({ statsPeriod: '24h' })}`),
    project: (org: string, project: string) => json<Project>('GET', projectPath(org, project)),
    createProject: (org: string, team: string, body: { name: string; platform: string }) =>
      json<Project>('POST', `/teams/${enc(org)}/${enc(team)}/projects/`, body),
    updateProject: (org: string, project: string, body: { name?: string; slug?: string; platform?: string | null; options?: ProjectOptions }) =>
      json<Project>('PUT', projectPath(org, project), body),
    keys: (org: string, project: string) => json<ProjectKey[]>('GET', `${projectPath(org, project)}keys/`),
    createKey: (org: string, project: string, name: string) => json<ProjectKey>('POST', `${projectPath(org, project)}keys/`, { name }),
    updateKey: (org: string, project: string, keyId: string, body: { name?: string; isActive?: boolean }) =>
      json<ProjectKey>('PUT', `${projectPath(org, project)}keys/${enc(keyId)}/`, body),
    deleteKey: (org: string, project: string, keyId: string) => json<void>('DELETE', `${projectPath(org, project)}keys/${enc(keyId)}/`),

    issues: (org: string, project: string, q: IssueQuery = {}) =>
      page<Issue>(
        `${projectPath(org, project)}issues/${qs({ query: q.query, sort: q.sort, statsPeriod: q.statsPeriod ?? '24h', cursor: q.cursor })}`,
      ),
    /** Bulk status change or merge of the listed issues. */
    updateIssues: (org: string, project: string, ids: string[], body: IssueUpdate) =>
      json<unknown>('PUT', `${projectPath(org, project)}issues/${qs({ id: ids })}`, body),

    issue: (org: string, id: string) => json<IssueDetail>('GET', issuePath(org, id)),
    updateIssue: (org: string, id: string, body: IssueUpdate) => json<IssueDetail>('PUT', issuePath(org, id), body),
    deleteIssue: (org: string, id: string) => json<void>('DELETE', issuePath(org, id)),
    issueEvents: (org: string, id: string, cursor?: string, query?: string) =>
      page<EventSummary>(`${issuePath(org, id)}events/${qs({ cursor, query })}`),
    /** `which` is `latest`, `oldest` or an event ID. */
    event: (org: string, id: string, which: string) => json<Event>('GET', `${issuePath(org, id)}events/${enc(which)}/`),
    issueTags: (org: string, id: string) => json<TagDistribution[]>('GET', `${issuePath(org, id)}tags/`),
    /** Null when the installation does not serve issue stats. */
    issueStats: async (org: string, id: string, period: '24h' | '30d'): Promise<StatSeries | null> => {
      try {
        const body = await json<StatSeries | Record<string, StatSeries>>('GET', `${issuePath(org, id)}stats/${qs({ period })}`);
        if (Array.isArray(body)) return body;
        return body?.[period] ?? null;
      } catch (e) {
        if (e instanceof ApiError && (e.status === 404 || e.status === 405 || e.status === 501)) return null;
        throw e;
      }
    },

    /** An event attachment's bytes (authenticated, so not a plain link). */
    attachmentBlob: async (org: string, project: string, eventId: string, attachmentId: string): Promise<Blob> =>
      (await send('GET', `${projectPath(org, project)}events/${enc(eventId)}/attachments/${enc(attachmentId)}/${qs({ download: '1' })}`)).blob(),
    issueUserReports: (org: string, id: string) => json<UserReport[]>('GET', `${issuePath(org, id)}user-reports/`),

    rules: (org: string, project: string) => json<AlertRule[]>('GET', `${projectPath(org, project)}rules/`),
    rule: (org: string, project: string, id: string) => json<AlertRule>('GET', `${projectPath(org, project)}rules/${enc(id)}/`),
    createRule: (org: string, project: string, rule: AlertRule) =>
      json<AlertRule>('POST', `${projectPath(org, project)}rules/`, rule),
    /** Sentry's PUT overwrites the whole rule. */
    updateRule: (org: string, project: string, id: string, rule: AlertRule) =>
      json<AlertRule>('PUT', `${projectPath(org, project)}rules/${enc(id)}/`, rule),
    deleteRule: (org: string, project: string, id: string) => json<null>('DELETE', `${projectPath(org, project)}rules/${enc(id)}/`),
  };
}

export type Api = ReturnType<typeof createApi>;
