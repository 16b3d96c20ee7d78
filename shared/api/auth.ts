/**
 * Who is calling the portal API. API tokens (and the local sign-in token) are
 * stored hashed; portal users in AWS arrive with Cognito JWT claims verified
 * by the API Gateway authorizer. Either way the caller's memberships are read
 * again on every request, so a removed member or a revoked token loses access
 * at once, whatever an authorizer cache still holds.
 */
import { createHash } from 'node:crypto';
import type { MemberStore, TokenStore } from '../ports.ts';
import { effectiveScopes, membershipOf, ROLE_SCOPES, type Membership } from './access.ts';
import type { ApiPrincipal } from './routes.ts';

/** Scopes of an installation token (the local sign-in, automation): everything in its organization. */
export const ALL_SCOPES = [...ROLE_SCOPES.owner];

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The bearer credential of an `Authorization` header. */
export function bearerToken(authorization: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  return m ? m[1] : undefined;
}

/** A compact JWS (`header.payload.signature`, header starting `{"`), as Cognito issues; API tokens never look like one. */
export function looksLikeJwt(token: string): boolean {
  return /^eyJ[\w-]*\.[\w-]+\.[\w-]+$/.test(token);
}

export interface AuthDeps {
  tokens: TokenStore;
  members: Pick<MemberStore, 'getMember' | 'membersOfUser' | 'invitesForEmail' | 'putMember'>;
  now: () => Date;
}

function principalOf(userId: string, memberships: Membership[], extra: { email?: string; tokenHash?: string } = {}): ApiPrincipal {
  const principal: ApiPrincipal = {
    userId,
    orgs: memberships.map((m) => m.orgSlug),
    // Routes outside an organization (`/organizations/`, `/api-tokens/`) check the union; a user of
    // no organization may still ask which organizations it has (none).
    scopes: memberships.length > 0 ? [...new Set(memberships.flatMap((m) => m.scopes))] : ['org:read'],
    memberships: Object.fromEntries(memberships.map((m) => [m.orgSlug, m])),
  };
  if (extra.email !== undefined) principal.email = extra.email;
  if (extra.tokenHash !== undefined) principal.tokenHash = extra.tokenHash;
  return principal;
}

/**
 * The principal of an API token: a member's token acts with its scopes cut to
 * the member's current role; an installation token (no member) with its scopes
 * on the whole organization. Unknown, expired and orphaned tokens: undefined.
 */
export async function principalForToken(deps: AuthDeps, token: string): Promise<ApiPrincipal | undefined> {
  const hash = hashToken(token);
  const found = await deps.tokens.getToken(hash);
  if (!found) return undefined;
  if (found.expiresAt !== undefined && Date.parse(found.expiresAt) <= deps.now().getTime()) return undefined;
  if (found.memberId === undefined) return principalOf(found.userId, [{ orgSlug: found.orgSlug, scopes: [...found.scopes] }], { tokenHash: hash });
  const member = await deps.members.getMember(found.orgSlug, found.memberId);
  if (!member) return undefined;
  const principal = principalOf(member.userId ?? found.userId, [membershipOf(member, effectiveScopes(found.scopes, member.role))], { email: member.email, tokenHash: hash });
  return principal;
}

export interface SignedInUser {
  /** Cognito `sub`. */
  sub: string;
  email?: string;
  /** Only a verified email may claim an invitation. */
  emailVerified: boolean;
}

/** Reads the identity out of verified JWT claims (Cognito ID or access token). */
export function userFromClaims(claims: Record<string, unknown> | undefined): SignedInUser | undefined {
  if (!claims || typeof claims['sub'] !== 'string' || claims['sub'] === '') return undefined;
  const user: SignedInUser = { sub: claims['sub'], emailVerified: claims['email_verified'] === true || claims['email_verified'] === 'true' };
  if (typeof claims['email'] === 'string') user.email = claims['email'].toLowerCase();
  return user;
}

/**
 * The principal of a signed-in user: its memberships, after binding the
 * invitations sent to its verified email (an invited email becomes a member
 * at its first sign-in). A user of no organization sees nothing.
 */
export async function principalForUser(deps: AuthDeps, user: SignedInUser): Promise<ApiPrincipal> {
  const members = await deps.members.membersOfUser(user.sub);
  if (user.email !== undefined && user.emailVerified) {
    for (const invite of await deps.members.invitesForEmail(user.email)) {
      if (invite.userId !== undefined || members.some((m) => m.orgSlug === invite.orgSlug)) continue;
      const bound = { ...invite, userId: user.sub };
      await deps.members.putMember(bound);
      members.push(bound);
    }
  }
  const extra: { email?: string } = {};
  const email = user.email ?? members[0]?.email;
  if (email !== undefined) extra.email = email;
  return principalOf(user.sub, members.map((m) => membershipOf(m)), extra);
}

/** Identity handed from the authorizer to the API handler (API Gateway's authorizer context). */
export type AuthContext = { kind: 'user'; sub: string; email?: string; emailVerified: boolean } | { kind: 'token' };

/** Resolves the caller of one API request; undefined answers 401. */
export async function resolvePrincipal(deps: AuthDeps, input: { authorization: string | undefined; context?: AuthContext | undefined }): Promise<ApiPrincipal | undefined> {
  if (input.context?.kind === 'user') {
    const user: SignedInUser = { sub: input.context.sub, emailVerified: input.context.emailVerified };
    if (input.context.email !== undefined) user.email = input.context.email;
    return principalForUser(deps, user);
  }
  const token = bearerToken(input.authorization);
  if (token === undefined || looksLikeJwt(token)) return undefined;
  return principalForToken(deps, token);
}

/** Verifies a JWT's signature, issuer, audience and expiry; answers its claims, or undefined when it is not valid. */
export type JwtVerifier = (jwt: string) => Promise<Record<string, unknown> | undefined>;

/**
 * The authorizer's decision (API Gateway's Lambda REQUEST authorizer; the
 * local front calls the same function): a valid Cognito JWT or a known,
 * unexpired API token passes, with the identity the API handler starts from.
 * Undefined denies. The handler reads memberships and the token again on each
 * request, so this answer may be cached by the Authorization header.
 */
export async function authorize(deps: Pick<AuthDeps, 'tokens' | 'now'>, authorization: string | undefined, verifyJwt: JwtVerifier | undefined): Promise<AuthContext | undefined> {
  const token = bearerToken(authorization);
  if (token === undefined) return undefined;
  if (looksLikeJwt(token)) {
    const claims = verifyJwt ? await verifyJwt(token) : undefined;
    const user = userFromClaims(claims);
    if (!user) return undefined;
    const context: AuthContext = { kind: 'user', sub: user.sub, emailVerified: user.emailVerified };
    if (user.email !== undefined) context.email = user.email;
    return context;
  }
  const found = await deps.tokens.getToken(hashToken(token));
  if (!found || (found.expiresAt !== undefined && Date.parse(found.expiresAt) <= deps.now().getTime())) return undefined;
  return { kind: 'token' };
}

/** The authorizer context as API Gateway hands it over (flat string/number/boolean values). */
export function authContextFrom(raw: Record<string, unknown> | undefined): AuthContext | undefined {
  if (!raw) return undefined;
  if (raw['kind'] === 'token') return { kind: 'token' };
  if (raw['kind'] !== 'user' || typeof raw['sub'] !== 'string' || raw['sub'] === '') return undefined;
  const context: AuthContext = { kind: 'user', sub: raw['sub'], emailVerified: raw['emailVerified'] === true || raw['emailVerified'] === 'true' };
  if (typeof raw['email'] === 'string' && raw['email'] !== '') context.email = raw['email'];
  return context;
}
