/**
 * First start: the default organization, its default team, project and DSN
 * key, its owner and (locally) a sign-in token. Idempotent: an existing
 * installation is left as it is.
 */
import { randomBytes } from 'node:crypto';
import { ConflictError } from '../errors.ts';
import type { AlertStore, MemberStore, ProjectStore, TokenStore } from '../ports.ts';
import { ALL_SCOPES, hashToken } from './auth.ts';
import { createProjectWithKey } from './routes.ts';

export const DEFAULT_ORG = 'ferret';
export const DEFAULT_PROJECT = 'default';
export const DEFAULT_TEAM = 'ferret';
/** The sign-in identity of the one user of a local installation. */
export const LOCAL_USER = 'local';

export interface Installation {
  orgSlug: string;
  projectId: string;
  projectSlug: string;
  publicKey: string;
  /** The owner made at first start, when one was asked for. */
  ownerMemberId?: string;
  /** The owner was created by this call (its invitation is still to be sent). */
  ownerCreated?: boolean;
}

export interface Owner {
  email: string;
  /** Bound at once (locally); in AWS the owner's first sign-in binds it by email. */
  userId?: string;
}

export async function ensureDefaults(
  deps: { projects: ProjectStore; alerts: AlertStore; members?: MemberStore },
  now: Date,
  owner?: Owner,
): Promise<Installation> {
  if (!(await deps.projects.getOrganization(DEFAULT_ORG))) {
    await deps.projects.putOrganization({ slug: DEFAULT_ORG, name: 'Ferret', dateCreated: now.toISOString() });
  }
  let project = await deps.projects.getProjectBySlug(DEFAULT_ORG, DEFAULT_PROJECT);
  if (!project) {
    // The default project may have been renamed in the portal: the first project made stays the default.
    const existing = await deps.projects.listProjects(DEFAULT_ORG);
    project = existing.sort((a, b) => Number(a.id) - Number(b.id))[0];
  }
  if (!project) {
    project = (await createProjectWithKey(deps, { orgSlug: DEFAULT_ORG, name: 'Default', slug: DEFAULT_PROJECT, now })).project;
  }
  const keys = await deps.projects.listKeys(project.id);
  let key = keys.find((k) => k.isActive) ?? keys[0];
  if (!key) {
    // Every key was revoked in the portal: the installation still needs a DSN to print.
    key = { publicKey: randomBytes(16).toString('hex'), projectId: project.id, label: 'Default', isActive: true, dateCreated: now.toISOString() };
    await deps.projects.putKey(key);
  }
  const installation: Installation = { orgSlug: DEFAULT_ORG, projectId: project.id, projectSlug: project.slug, publicKey: key.publicKey };

  const members = deps.members;
  if (members) {
    if (!(await members.getTeam(DEFAULT_ORG, DEFAULT_TEAM))) {
      // Two cold starts may race here; the loser finds the team made.
      await tolerateConflict(members.createTeam({ slug: DEFAULT_TEAM, name: 'Ferret', orgSlug: DEFAULT_ORG, dateCreated: now.toISOString() }));
    }
    if (project.teams === undefined) await members.setProjectTeams(project.id, [DEFAULT_TEAM]);
    if (owner) {
      const email = owner.email.toLowerCase();
      const all = await members.listMembers(DEFAULT_ORG);
      let member = all.find((m) => m.email === email);
      if (!member && !all.some((m) => m.role === 'owner')) {
        member = { id: String(await deps.projects.nextId('member')), orgSlug: DEFAULT_ORG, email, role: 'owner', teams: [DEFAULT_TEAM], dateCreated: now.toISOString() };
        if (owner.userId !== undefined) member.userId = owner.userId;
        installation.ownerCreated = await tolerateConflict(members.createMember(member));
      }
      if (member) installation.ownerMemberId = member.id;
    }
  }
  return installation;
}

async function tolerateConflict(write: Promise<void>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (e) {
    if (e instanceof ConflictError) return false;
    throw e;
  }
}

/**
 * Issues a new token and stores its hash; returns the token itself, once. With
 * a member it acts as that member (its role bounds it); without, it is an
 * installation token with every scope in the organization.
 */
export async function issueToken(tokens: TokenStore, orgSlug: string, label: string, memberId?: string): Promise<string> {
  const token = `frt_${randomBytes(24).toString('base64url')}`;
  const record: Parameters<TokenStore['putToken']>[0] = { hash: hashToken(token), userId: label, scopes: ALL_SCOPES, orgSlug, label };
  if (memberId !== undefined) record.memberId = memberId;
  await tokens.putToken(record);
  return token;
}
