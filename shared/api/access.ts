/**
 * Who may do what: organization roles and their scopes, as Sentry defines them
 * (`SENTRY_ROLES` in src/sentry/conf/server.py; https://docs.sentry.io/organization/membership/),
 * and which projects a principal sees.
 *
 * - member: acts on issues, reads everything of the projects of its teams.
 * - admin: also changes projects, teams and alert rules; sees every project.
 * - owner: also adds, changes and removes members.
 */
import type { Member, OrgRole, Project } from '../model.ts';

export const ROLE_SCOPES: Record<OrgRole, readonly string[]> = {
  member: ['event:read', 'event:write', 'event:admin', 'project:releases', 'project:read', 'org:read', 'member:read', 'team:read', 'alerts:read', 'alerts:write'],
  admin: [
    'event:read', 'event:write', 'event:admin', 'org:read', 'member:read', 'project:read', 'project:write', 'project:admin',
    'project:releases', 'team:read', 'team:write', 'team:admin', 'org:integrations', 'alerts:read', 'alerts:write',
  ],
  owner: [
    'org:read', 'org:write', 'org:admin', 'org:integrations', 'member:read', 'member:write', 'member:admin', 'team:read', 'team:write',
    'team:admin', 'project:read', 'project:write', 'project:admin', 'project:releases', 'event:read', 'event:write', 'event:admin',
    'alerts:read', 'alerts:write',
  ],
};

/** Every scope an API token may ask for. */
export const TOKEN_SCOPES: readonly string[] = ROLE_SCOPES.owner;

const LEVELS = ['read', 'write', 'admin'];

/** The scope and those it implies: `project:admin` → write, read; `event:write` → read. */
export function expandScopes(scopes: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const s of scopes) {
    out.add(s);
    const [area, level] = s.split(':') as [string, string | undefined];
    const at = LEVELS.indexOf(level ?? '');
    for (let i = 0; i < at; i++) out.add(`${area}:${LEVELS[i]}`);
  }
  return out;
}

export function hasScope(scopes: readonly string[], needed: string): boolean {
  return expandScopes(scopes).has(needed);
}

/** A token acts with the scopes it was given and its member's role both hold: never more than the role. */
export function effectiveScopes(tokenScopes: readonly string[], role: OrgRole): string[] {
  const allowed = expandScopes(ROLE_SCOPES[role]);
  return [...expandScopes(tokenScopes)].filter((s) => allowed.has(s)).sort();
}

/** A principal's standing in one organization. */
export interface Membership {
  orgSlug: string;
  scopes: string[];
  /** Absent for installation tokens, which act for the organization, not for a member. */
  member?: Member;
}

export function membershipOf(member: Member, scopes: readonly string[] = ROLE_SCOPES[member.role]): Membership {
  return { orgSlug: member.orgSlug, scopes: [...scopes], member };
}

/** Owners and admins see every project of the organization; members those of their teams. */
export function canSeeProject(membership: Membership | undefined, project: Project): boolean {
  if (!membership || membership.orgSlug !== project.orgSlug) return false;
  const member = membership.member;
  if (!member || member.role !== 'member') return true;
  return (project.teams ?? []).some((t) => member.teams.includes(t));
}

/** Roles ordered by power, to keep a user from granting a role above its own. */
export function roleRank(role: OrgRole): number {
  return ['member', 'admin', 'owner'].indexOf(role);
}

/**
 * Who "the project's members" are for alert emails: the signed-in members of
 * the teams that own the project (invitations not yet accepted get nothing).
 */
export async function projectMemberEmails(members: { listMembers(orgSlug: string): Promise<Member[]> }, project: Project): Promise<string[]> {
  const teams = new Set(project.teams ?? []);
  if (teams.size === 0) return [];
  const all = await members.listMembers(project.orgSlug);
  return [...new Set(all.filter((m) => m.userId !== undefined && m.teams.some((t) => teams.has(t))).map((m) => m.email))].sort();
}
