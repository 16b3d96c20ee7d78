/**
 * Who the caller is: the authorizer's decision, API tokens cut to their
 * member's role, invitations claimed only with a verified email, and the
 * scopes of Sentry's roles.
 */
import { describe, expect, it } from 'vitest';
import { canSeeProject, effectiveScopes, hasScope, membershipOf, projectMemberEmails, ROLE_SCOPES } from '#shared/api/access.ts';
import { authContextFrom, authorize, hashToken, principalForToken, principalForUser, resolvePrincipal } from '#shared/api/auth.ts';
import type { Member, Project } from '#shared/model.ts';
import { MemoryStores } from './memory-stores.ts';

const NOW = new Date('2026-11-24T12:00:00Z');
const member = (patch: Partial<Member>): Member => ({ id: '1', orgSlug: 'acme', email: 'ann@example.com', role: 'member', teams: ['web'], dateCreated: NOW.toISOString(), ...patch });
const project = (patch: Partial<Project>): Project => ({
  id: '7', slug: 'shop', name: 'Shop', orgSlug: 'acme', dateCreated: '', shortIdPrefix: 'SHOP', retentionDays: 90, rateLimitPerMinute: 0, storeIp: false, sensitiveFields: [], safeFields: [], ...patch,
});

function setup() {
  const stores = new MemoryStores();
  return { stores, deps: { tokens: stores, members: stores, now: () => NOW } };
}

describe('Sentry role scopes', () => {
  it('lets members act on issues but not change projects, teams or members', () => {
    const m = ROLE_SCOPES.member;
    expect(hasScope(m, 'event:admin')).toBe(true);
    expect(hasScope(m, 'project:read')).toBe(true);
    for (const s of ['project:write', 'team:write', 'member:write', 'org:write']) expect(hasScope(m, s), s).toBe(false);
  });

  it('lets admins change projects and teams but not members; owners everything', () => {
    expect(hasScope(ROLE_SCOPES.admin, 'project:admin')).toBe(true);
    expect(hasScope(ROLE_SCOPES.admin, 'team:admin')).toBe(true);
    expect(hasScope(ROLE_SCOPES.admin, 'member:write')).toBe(false);
    expect(hasScope(ROLE_SCOPES.owner, 'member:admin')).toBe(true);
  });

  it('never gives a token more than its role, whatever it asked for', () => {
    expect(effectiveScopes(['project:admin', 'event:read'], 'member')).toEqual(['event:read', 'project:read']);
    expect(effectiveScopes(['member:admin'], 'admin')).toEqual(['member:read']);
    expect(effectiveScopes(['event:write'], 'owner')).toEqual(['event:read', 'event:write']);
  });

  it('shows a member only the projects of its teams; owners and admins all of the organization', () => {
    const shop = project({ teams: ['web'] });
    const ops = project({ teams: ['ops'] });
    expect(canSeeProject(membershipOf(member({})), shop)).toBe(true);
    expect(canSeeProject(membershipOf(member({})), ops)).toBe(false);
    expect(canSeeProject(membershipOf(member({})), project({}))).toBe(false);
    expect(canSeeProject(membershipOf(member({ role: 'admin', teams: [] })), ops)).toBe(true);
    expect(canSeeProject(membershipOf(member({ role: 'owner', orgSlug: 'other' })), shop)).toBe(false);
  });

  it("mails a project's signed-in team members, once each", async () => {
    const { stores } = setup();
    await stores.createMember(member({ id: '1', userId: 'u1', teams: ['web', 'ops'] }));
    await stores.createMember(member({ id: '2', email: 'bob@example.com', teams: ['web'] }));
    await stores.createMember(member({ id: '3', email: 'cid@example.com', userId: 'u3', teams: ['ops'] }));
    await stores.createMember(member({ id: '4', email: 'dee@example.com', userId: 'u4', teams: ['web'], orgSlug: 'other' }));
    expect(await projectMemberEmails(stores, project({ teams: ['web', 'ops'] }))).toEqual(['ann@example.com', 'cid@example.com']);
    expect(await projectMemberEmails(stores, project({ teams: [] }))).toEqual([]);
  });
});

describe('principalForToken', () => {
  it("acts with the token's scopes cut to the member's current role", async () => {
    const { stores, deps } = setup();
    await stores.createMember(member({ userId: 'u1' }));
    await stores.putToken({ hash: hashToken('frt_a'), userId: 'u1', scopes: ['project:admin', 'event:admin'], orgSlug: 'acme', label: 'a', memberId: '1' });
    const p = await principalForToken(deps, 'frt_a');
    expect(p?.orgs).toEqual(['acme']);
    expect(p?.memberships?.['acme']?.scopes).not.toContain('project:write');
    expect(p?.memberships?.['acme']?.scopes).toContain('event:admin');
    expect(p?.tokenHash).toBe(hashToken('frt_a'));
  });

  it('refuses the token of a removed member, an expired token and an unknown one', async () => {
    const { stores, deps } = setup();
    await stores.putToken({ hash: hashToken('frt_orphan'), userId: 'u9', scopes: ['event:read'], orgSlug: 'acme', label: 'x', memberId: '9' });
    expect(await principalForToken(deps, 'frt_orphan')).toBeUndefined();
    stores.tokens.set(hashToken('frt_old'), { hash: hashToken('frt_old'), userId: 'i', scopes: ['event:read'], orgSlug: 'acme', label: 'x', expiresAt: '2026-11-24T11:59:59Z' });
    expect(await principalForToken(deps, 'frt_old')).toBeUndefined();
    expect(await principalForToken(deps, 'frt_never')).toBeUndefined();
  });

  it('gives an installation token (no member) its scopes on every project of its organization', async () => {
    const { stores, deps } = setup();
    await stores.putToken({ hash: hashToken('frt_ci'), userId: 'ci', scopes: ['event:read'], orgSlug: 'acme', label: 'ci' });
    const p = (await principalForToken(deps, 'frt_ci'))!;
    expect(p.memberships?.['acme']?.member).toBeUndefined();
    expect(canSeeProject(p.memberships?.['acme'], project({ teams: ['ops'] }))).toBe(true);
  });
});

describe('principalForUser', () => {
  it('binds an invitation to the first sign-in of its verified email', async () => {
    const { stores, deps } = setup();
    await stores.createMember(member({ email: 'ann@example.com' }));
    const p = await principalForUser(deps, { sub: 'sub-1', email: 'ann@example.com', emailVerified: true });
    expect(p.orgs).toEqual(['acme']);
    expect((await stores.getMember('acme', '1'))?.userId).toBe('sub-1');
    // Later sign-ins find the membership by identity, even without the email.
    expect((await principalForUser(deps, { sub: 'sub-1', emailVerified: false })).orgs).toEqual(['acme']);
  });

  it('does not let an unverified email claim an invitation', async () => {
    const { stores, deps } = setup();
    await stores.createMember(member({ email: 'ann@example.com' }));
    const p = await principalForUser(deps, { sub: 'mallory', email: 'ann@example.com', emailVerified: false });
    expect(p.orgs).toEqual([]);
    expect((await stores.getMember('acme', '1'))?.userId).toBeUndefined();
  });

  it('does not take over a membership already bound to another sign-in', async () => {
    const { stores, deps } = setup();
    await stores.createMember(member({ email: 'ann@example.com', userId: 'sub-ann' }));
    const p = await principalForUser(deps, { sub: 'sub-other', email: 'ann@example.com', emailVerified: true });
    expect(p.orgs).toEqual([]);
  });
});

describe('authorize (the Lambda authorizer and the local front)', () => {
  const verify = async (jwt: string) => (jwt.endsWith('.good') ? { sub: 'sub-1', email: 'Ann@Example.com', email_verified: 'true' } : undefined);
  const jwt = (end: string) => `eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.${end}`;

  it('passes a verified JWT with the identity the handler starts from, and refuses one that fails verification', async () => {
    const { deps } = setup();
    expect(await authorize(deps, `Bearer ${jwt('good')}`, verify)).toEqual({ kind: 'user', sub: 'sub-1', email: 'ann@example.com', emailVerified: true });
    expect(await authorize(deps, `Bearer ${jwt('bad')}`, verify)).toBeUndefined();
    // Without a user pool (one machine) no JWT passes.
    expect(await authorize(deps, `Bearer ${jwt('good')}`, undefined)).toBeUndefined();
  });

  it('passes a known API token and refuses unknown, expired and malformed credentials', async () => {
    const { stores, deps } = setup();
    await stores.putToken({ hash: hashToken('frt_ok'), userId: 'u', scopes: ['event:read'], orgSlug: 'acme', label: 'ok' });
    expect(await authorize(deps, 'Bearer frt_ok', verify)).toEqual({ kind: 'token' });
    expect(await authorize(deps, 'bearer frt_ok', verify)).toEqual({ kind: 'token' });
    stores.tokens.set(hashToken('frt_old'), { hash: hashToken('frt_old'), userId: 'u', scopes: [], orgSlug: 'acme', label: 'x', expiresAt: '2026-01-01T00:00:00Z' });
    for (const header of ['Bearer frt_nope', 'Bearer frt_old', 'Basic dXNlcjpwdw==', 'Bearer', 'frt_ok', '', undefined]) {
      expect(await authorize(deps, header, verify), String(header)).toBeUndefined();
    }
  });

  it("trusts only a well-formed authorizer context, and never a JWT that skipped the authorizer", async () => {
    expect(authContextFrom({ kind: 'user', sub: 's', emailVerified: 'true', email: 'a@b.c' })).toEqual({ kind: 'user', sub: 's', email: 'a@b.c', emailVerified: true });
    expect(authContextFrom({ kind: 'user', sub: '' })).toBeUndefined();
    expect(authContextFrom({ kind: 'admin' })).toBeUndefined();
    const { deps } = setup();
    expect(await resolvePrincipal(deps, { authorization: `Bearer ${jwt('good')}` })).toBeUndefined();
  });
});
