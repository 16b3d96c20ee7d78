/**
 * Members, teams and API tokens: Sentry's organization member, team and
 * api-token endpoints (https://docs.sentry.io/api/organizations/,
 * https://docs.sentry.io/api/teams/), with Sentry's role scopes deciding who
 * may do what (`shared/api/access.ts`).
 */
import { randomBytes } from 'node:crypto';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors.ts';
import { ORG_ROLES, type ApiToken, type Member, type OrgRole, type Project, type Team } from '../model.ts';
import { expandScopes, hasScope, roleRank, TOKEN_SCOPES, type Membership } from './access.ts';
import { hashToken } from './auth.ts';
import type { ApiDeps, ApiPrincipal, ApiResponse, Handler } from './routes.ts';
import { projectJson } from './serialize.ts';
import { bool, email, isoDate, objectBody, oneOf, SLUG, stringList, text, type Body } from './validate.ts';

interface Registrar {
  route: (method: string, path: string, scope: string, handler: Handler) => void;
  deps: ApiDeps;
  org: (principal: ApiPrincipal, slug: string) => string;
  project: (principal: ApiPrincipal, orgSlug: string, slug: string) => Promise<Project>;
  visible: (principal: ApiPrincipal, project: Project) => boolean;
}

/** Teams a member may belong to; more is a mistake, not a use. */
const MAX_TEAMS = 100;
/** Tokens are shown once; 32 random bytes, prefixed so secret scanners can spot a leaked one. */
const TOKEN_PREFIX = 'frt_';

export function memberJson(m: Member) {
  return {
    id: m.id,
    email: m.email,
    name: m.email,
    user: m.userId !== undefined ? { id: m.userId, email: m.email, name: m.email } : null,
    role: m.role,
    orgRole: m.role,
    roleName: m.role[0]!.toUpperCase() + m.role.slice(1),
    pending: m.userId === undefined,
    expired: false,
    inviteStatus: 'approved',
    dateCreated: m.dateCreated,
    teams: m.teams,
    teamRoles: m.teams.map((teamSlug) => ({ teamSlug, role: null })),
  };
}

export function teamJson(t: Team, members: Member[], viewer: Member | undefined) {
  return {
    id: t.slug,
    slug: t.slug,
    name: t.name,
    dateCreated: t.dateCreated,
    isMember: viewer?.teams.includes(t.slug) ?? false,
    memberCount: members.filter((m) => m.teams.includes(t.slug)).length,
    hasAccess: true,
    isPending: false,
  };
}

export function tokenJson(t: ApiToken) {
  return { id: t.id, name: t.name, scopes: t.scopes, dateCreated: t.dateCreated, expiresAt: t.expiresAt ?? null, tokenLastCharacters: t.tokenLastCharacters };
}

/** Sentry accepts `teams: [slug]` (older clients) and `teamRoles: [{teamSlug}]`. */
function teamsOf(b: Body): string[] | undefined {
  const list = stringList(b, 'teams', { max: MAX_TEAMS, itemPattern: SLUG });
  if (list !== undefined) return list;
  const roles = b['teamRoles'];
  if (roles === undefined || roles === null) return undefined;
  if (!Array.isArray(roles) || roles.length > MAX_TEAMS) throw new ValidationError(`teamRoles: must be an array of at most ${MAX_TEAMS} {"teamSlug": …}`);
  return [
    ...new Set(
      roles.map((r, i) => {
        const slug = (r as Body | null)?.['teamSlug'];
        if (typeof slug !== 'string' || !SLUG.test(slug)) throw new ValidationError(`teamRoles[${i}].teamSlug: must be a team slug`);
        return slug;
      }),
    ),
  ];
}

function roleOf(b: Body): OrgRole | undefined {
  return oneOf(b, 'orgRole', ORG_ROLES) ?? oneOf(b, 'role', ORG_ROLES);
}

export function registerOrgRoutes({ route, deps, org, project, visible }: Registrar): void {
  const members = deps.members;
  const membership = (principal: ApiPrincipal, orgSlug: string): Membership | undefined => principal.memberships?.[orgSlug];
  /** The caller's own member record in the organization (installation tokens have none). */
  const self = (principal: ApiPrincipal, orgSlug: string) => membership(principal, orgSlug)?.member;
  const scopesIn = (principal: ApiPrincipal, orgSlug: string) => membership(principal, orgSlug)?.scopes ?? principal.scopes;

  const memberOf = async (orgSlug: string, id: string) => {
    const m = /^\d+$/.test(id) ? await members.getMember(orgSlug, id) : undefined;
    if (!m) throw new NotFoundError(`member ${id} not found`);
    return m;
  };
  const teamOf = async (orgSlug: string, slug: string) => {
    const t = await members.getTeam(orgSlug, slug);
    if (!t) throw new NotFoundError(`team ${slug} not found`);
    return t;
  };
  const checkTeams = async (orgSlug: string, teams: string[]) => {
    const known = new Set((await members.listTeams(orgSlug)).map((t) => t.slug));
    const unknown = teams.find((t) => !known.has(t));
    if (unknown !== undefined) throw new ValidationError(`teams: no team "${unknown}" in ${orgSlug}`);
  };
  /** The organization keeps an owner: the last one cannot leave or step down. */
  const keepOwner = async (target: Member, newRole: OrgRole | undefined) => {
    if (target.role !== 'owner' || newRole === 'owner') return;
    const owners = (await members.listMembers(target.orgSlug)).filter((m) => m.role === 'owner');
    if (owners.length <= 1) throw new ConflictError('the organization must keep at least one owner');
  };
  /** A caller never hands out a role above its own. */
  const mayGrant = (principal: ApiPrincipal, orgSlug: string, role: OrgRole) => {
    const mine = self(principal, orgSlug)?.role;
    if (mine !== undefined && roleRank(role) > roleRank(mine)) throw new ForbiddenError(`a ${mine} cannot grant the ${role} role`);
  };

  // ---- members ----

  route('GET', '/organizations/{org}/members', 'member:read', async (_req, p, principal) => {
    const all = await members.listMembers(org(principal, p['org']!));
    return ok(all.sort((a, b) => Number(a.id) - Number(b.id)).map(memberJson));
  });

  route('POST', '/organizations/{org}/members', 'member:write', async (req, p, principal) => {
    const orgSlug = org(principal, p['org']!);
    const b = objectBody(req.body);
    const address = email(b);
    const role = roleOf(b) ?? 'member';
    const teams = teamsOf(b) ?? [];
    const sendInvite = bool(b, 'sendInvite') ?? true;
    mayGrant(principal, orgSlug, role);
    await checkTeams(orgSlug, teams);
    const member: Member = { id: String(await deps.projects.nextId('member')), orgSlug, email: address, role, teams, dateCreated: deps.now().toISOString() };
    await members.createMember(member);
    // The sign-in account (Cognito sends the invitation email); binding happens at its first sign-in.
    if (sendInvite && deps.directory) await deps.directory.invite(address);
    return { status: 201, body: memberJson(member) };
  });

  route('GET', '/organizations/{org}/members/{memberId}', 'member:read', async (_req, p, principal) => {
    const orgSlug = org(principal, p['org']!);
    // Sentry's `me`: the caller's own membership (its role decides what the portal offers).
    if (p['memberId'] === 'me') {
      const mine = self(principal, orgSlug);
      if (!mine) throw new NotFoundError('this caller is not a member (an installation token)');
      return ok(memberJson(mine));
    }
    return ok(memberJson(await memberOf(orgSlug, p['memberId']!)));
  });

  route('PUT', '/organizations/{org}/members/{memberId}', 'member:admin', async (req, p, principal) => {
    const orgSlug = org(principal, p['org']!);
    const target = await memberOf(orgSlug, p['memberId']!);
    const b = objectBody(req.body);
    const role = roleOf(b);
    const teams = teamsOf(b);
    if (role === undefined && teams === undefined) throw new ValidationError('body: give orgRole and/or teams (or teamRoles)');
    if (role !== undefined) {
      mayGrant(principal, orgSlug, role);
      await keepOwner(target, role);
    }
    if (teams !== undefined) await checkTeams(orgSlug, teams);
    const updated: Member = { ...target, role: role ?? target.role, teams: teams ?? target.teams };
    await members.putMember(updated);
    return ok(memberJson(updated));
  });

  // Members may leave on their own (Sentry's "leave organization"); removing others needs member:admin.
  route('DELETE', '/organizations/{org}/members/{memberId}', 'org:read', async (_req, p, principal) => {
    const orgSlug = org(principal, p['org']!);
    const target = await memberOf(orgSlug, p['memberId']!);
    const isSelf = self(principal, orgSlug)?.id === target.id;
    if (!isSelf && !hasScope(scopesIn(principal, orgSlug), 'member:admin')) throw new ForbiddenError('you lack the member:admin scope for this');
    await keepOwner(target, undefined);
    await members.deleteMember(orgSlug, target.id);
    return { status: 204, body: null };
  });

  // ---- teams ----

  route('GET', '/organizations/{org}/teams', 'team:read', async (_req, p, principal) => {
    const orgSlug = org(principal, p['org']!);
    const [teams, all] = await Promise.all([members.listTeams(orgSlug), members.listMembers(orgSlug)]);
    return ok(teams.map((t) => teamJson(t, all, self(principal, orgSlug))));
  });

  route('POST', '/organizations/{org}/teams', 'team:write', async (req, p, principal) => {
    const orgSlug = org(principal, p['org']!);
    const b = objectBody(req.body);
    const name = text(b, 'name', { max: 64 }) ?? text(b, 'slug', { max: 50 });
    if (!name) throw new ValidationError('name: a team name (or slug) is required');
    const slug = text(b, 'slug', { max: 50, pattern: SLUG, patternHint: 'lower-case letters, digits, - and _ only' }) || slugify(name);
    if (!SLUG.test(slug)) throw new ValidationError('slug: lower-case letters, digits, - and _ only');
    const team: Team = { slug, name, orgSlug, dateCreated: deps.now().toISOString() };
    await members.createTeam(team);
    return { status: 201, body: teamJson(team, [], self(principal, orgSlug)) };
  });

  route('GET', '/teams/{org}/{team}', 'team:read', async (_req, p, principal) => {
    const orgSlug = org(principal, p['org']!);
    const team = await teamOf(orgSlug, p['team']!);
    return ok(teamJson(team, await members.listMembers(orgSlug), self(principal, orgSlug)));
  });

  const joinTeam: Handler = async (_req, p, principal) => {
    const orgSlug = org(principal, p['org']!);
    const team = await teamOf(orgSlug, p['team']!);
    const target = await memberOf(orgSlug, p['memberId']!);
    if (!target.teams.includes(team.slug)) await members.putMember({ ...target, teams: [...target.teams, team.slug] });
    const all = await members.listMembers(orgSlug);
    return { status: 201, body: teamJson(team, all, self(principal, orgSlug)) };
  };
  // Teams are closed: adding someone (oneself included) takes team:write, as with Sentry's open membership off.
  route('POST', '/teams/{org}/{team}/members/{memberId}', 'team:write', joinTeam);

  const leaveTeam: Handler = async (_req, p, principal) => {
    const orgSlug = org(principal, p['org']!);
    const team = await teamOf(orgSlug, p['team']!);
    const target = await memberOf(orgSlug, p['memberId']!);
    const isSelf = self(principal, orgSlug)?.id === target.id;
    if (!isSelf && !hasScope(scopesIn(principal, orgSlug), 'team:write')) throw new ForbiddenError('you lack the team:write scope for this');
    if (target.teams.includes(team.slug)) await members.putMember({ ...target, teams: target.teams.filter((t) => t !== team.slug) });
    return ok(teamJson(team, await members.listMembers(orgSlug), self(principal, orgSlug)));
  };
  route('DELETE', '/teams/{org}/{team}/members/{memberId}', 'team:read', leaveTeam);

  route('GET', '/teams/{org}/{team}/projects', 'project:read', async (_req, p, principal) => {
    const orgSlug = org(principal, p['org']!);
    const team = await teamOf(orgSlug, p['team']!);
    const projects = (await deps.projects.listProjects(orgSlug)).filter((x) => (x.teams ?? []).includes(team.slug) && visible(principal, x));
    return ok(projects.map((x) => projectJson(x)));
  });

  // Sentry's ProjectTeamDetailsEndpoint: give a project to a team, or take it away.
  route('POST', '/projects/{org}/{project}/teams/{team}', 'project:write', async (_req, p, principal) => {
    const proj = await project(principal, p['org']!, p['project']!);
    const team = await teamOf(proj.orgSlug, p['team']!);
    const teams = [...new Set([...(proj.teams ?? []), team.slug])];
    await members.setProjectTeams(proj.id, teams);
    return { status: 201, body: projectJson({ ...proj, teams }, { teams: teams.map((slug) => ({ slug })) }) };
  });
  route('DELETE', '/projects/{org}/{project}/teams/{team}', 'project:write', async (_req, p, principal) => {
    const proj = await project(principal, p['org']!, p['project']!);
    await teamOf(proj.orgSlug, p['team']!);
    const teams = (proj.teams ?? []).filter((t) => t !== p['team']);
    await members.setProjectTeams(proj.id, teams);
    return ok(projectJson({ ...proj, teams }, { teams: teams.map((slug) => ({ slug })) }));
  });

  // ---- API tokens (Sentry's /api-tokens/: a user's personal tokens) ----

  const ownMemberships = (principal: ApiPrincipal) => Object.values(principal.memberships ?? {}).filter((m) => m.member !== undefined);

  route('GET', '/api-tokens', 'org:read', async (_req, _p, principal) => {
    const lists = await Promise.all(ownMemberships(principal).map((m) => members.listTokens(m.orgSlug, m.member!.id)));
    return ok(lists.flat().sort((a, b) => Number(a.id) - Number(b.id)).map(tokenJson));
  });

  route('POST', '/api-tokens', 'org:read', async (req, _p, principal) => {
    const b = objectBody(req.body);
    const scopes = stringList(b, 'scopes', { max: TOKEN_SCOPES.length, choices: TOKEN_SCOPES });
    if (!scopes || scopes.length === 0) throw new ValidationError(`scopes: name at least one of ${TOKEN_SCOPES.join(', ')}`);
    const name = text(b, 'name', { max: 255 }) || 'API token';
    const expiresAt = isoDate(b, 'expiresAt');
    if (expiresAt !== undefined && Date.parse(expiresAt) <= deps.now().getTime()) throw new ValidationError('expiresAt: must be in the future');
    const orgSlug = text(b, 'organization', { max: 50, pattern: SLUG });
    const mine = ownMemberships(principal);
    const at = orgSlug !== undefined ? mine.find((m) => m.orgSlug === orgSlug) : mine[0];
    if (!at) throw orgSlug !== undefined ? new NotFoundError(`organization ${orgSlug} not found`) : new ForbiddenError('only a member can hold personal API tokens');
    // Never more than the caller holds now (its role, and the scopes of the token it calls with).
    const held = expandScopes(at.scopes);
    const beyond = scopes.filter((s) => !held.has(s));
    if (beyond.length > 0) throw new ForbiddenError(`scopes: your role does not hold ${beyond.join(', ')}`);
    const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    const record: ApiToken = {
      id: String(await deps.projects.nextId('token')),
      hash: hashToken(token),
      orgSlug: at.orgSlug,
      memberId: at.member!.id,
      userId: principal.userId,
      name,
      scopes,
      tokenLastCharacters: token.slice(-4),
      dateCreated: deps.now().toISOString(),
    };
    if (expiresAt !== undefined) record.expiresAt = expiresAt;
    await members.createToken(record);
    // The token itself is in this answer only; the store keeps its hash.
    return { status: 201, body: { ...tokenJson(record), token } };
  });

  const revoke = async (principal: ApiPrincipal, tokenId: string): Promise<ApiResponse> => {
    for (const m of ownMemberships(principal)) {
      const found = (await members.listTokens(m.orgSlug, m.member!.id)).find((t) => t.id === tokenId);
      if (found) {
        await members.deleteToken(found.hash);
        return { status: 204, body: null };
      }
    }
    throw new NotFoundError(`token ${tokenId} not found`);
  };
  route('DELETE', '/api-tokens', 'org:read', async (req, _p, principal) => {
    const b = objectBody(req.body);
    const raw = b['tokenId'];
    const id = typeof raw === 'number' && Number.isInteger(raw) ? String(raw) : typeof raw === 'string' && /^\d{1,20}$/.test(raw) ? raw : undefined;
    if (id === undefined) throw new ValidationError('tokenId: the id of the token to revoke is required');
    return revoke(principal, id);
  });
  route('DELETE', '/api-tokens/{tokenId}', 'org:read', async (_req, p, principal) => {
    if (!/^\d{1,20}$/.test(p['tokenId']!)) throw new NotFoundError(`token ${p['tokenId']} not found`);
    return revoke(principal, p['tokenId']!);
  });
}

const ok = (body: unknown): ApiResponse => ({ status: 200, body });

function slugify(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 50) || 'team';
}
