/**
 * Who is calling the portal API. API tokens (and the local sign-in token) are
 * stored hashed; portal users in AWS arrive with Cognito JWT claims already
 * verified by the API Gateway authorizer.
 */
import { createHash } from 'node:crypto';
import type { TokenStore } from '../ports.ts';
import type { ApiPrincipal } from './routes.ts';

export const ALL_SCOPES = ['org:read', 'project:admin', 'event:admin'];

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export async function principalFromToken(tokens: TokenStore, authorization: string | undefined): Promise<ApiPrincipal | undefined> {
  const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  if (!m) return undefined;
  const found = await tokens.getToken(hashToken(m[1]!));
  if (!found) return undefined;
  return { userId: found.userId, orgs: [found.orgSlug], scopes: found.scopes };
}

/** Cognito users are members of the installation's organization. */
export function principalFromClaims(claims: Record<string, unknown> | undefined, orgSlug: string): ApiPrincipal | undefined {
  if (!claims || typeof claims['sub'] !== 'string') return undefined;
  const principal: ApiPrincipal = { userId: claims['sub'], orgs: [orgSlug], scopes: ALL_SCOPES };
  if (typeof claims['email'] === 'string') principal.email = claims['email'];
  return principal;
}
