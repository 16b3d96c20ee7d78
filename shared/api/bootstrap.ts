/**
 * First start: the default organization, project, DSN key and (locally) a
 * sign-in token. Idempotent: an existing installation is left as it is.
 */
import { randomBytes } from 'node:crypto';
import type { AlertStore, ProjectStore, TokenStore } from '../ports.ts';
import { ALL_SCOPES, hashToken } from './auth.ts';
import { createProjectWithKey } from './routes.ts';

export const DEFAULT_ORG = 'ferret';
export const DEFAULT_PROJECT = 'default';

export interface Installation {
  orgSlug: string;
  projectId: string;
  projectSlug: string;
  publicKey: string;
}

export async function ensureDefaults(deps: { projects: ProjectStore; alerts: AlertStore }, now: Date): Promise<Installation> {
  if (!(await deps.projects.getOrganization(DEFAULT_ORG))) {
    await deps.projects.putOrganization({ slug: DEFAULT_ORG, name: 'Ferret', dateCreated: now.toISOString() });
  }
  let project = await deps.projects.getProjectBySlug(DEFAULT_ORG, DEFAULT_PROJECT);
  if (!project) {
    project = (await createProjectWithKey(deps, { orgSlug: DEFAULT_ORG, name: 'Default', slug: DEFAULT_PROJECT, now })).project;
  }
  const keys = await deps.projects.listKeys(project.id);
  const key = keys.find((k) => k.isActive) ?? keys[0];
  if (!key) throw new Error(`project ${project.id} has no DSN key`);
  return { orgSlug: DEFAULT_ORG, projectId: project.id, projectSlug: project.slug, publicKey: key.publicKey };
}

/** Issues a new token with every scope and stores its hash; returns the token itself, once. */
export async function issueToken(tokens: TokenStore, orgSlug: string, label: string): Promise<string> {
  const token = `frt_${randomBytes(24).toString('base64url')}`;
  await tokens.putToken({ hash: hashToken(token), userId: label, scopes: ALL_SCOPES, orgSlug, label });
  return token;
}
