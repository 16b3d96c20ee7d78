/**
 * Tenancy of the portal API on the local stack: every route × every kind of
 * caller that must be refused. Owners and admins see the whole organization,
 * members the projects of their teams; tokens never act beyond their scopes
 * nor beyond their member's role; a revoked token stops at the next request.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '#shared/api/auth.ts';
import { createApi, type ApiDeps } from '#shared/api/routes.ts';
import { DynamoStore } from '#functions/lib/dynamo.ts';
import { DynamoMemberStore } from '#functions/lib/dynamo-members.ts';
import { LOCAL_NAMES } from '#cdk/local/emulators.ts';
import { startLocalStack, type LocalStack } from '#cdk/local/stack.ts';
import { httpApiEvent, lambdaContext } from '#cdk/local/lambda.ts';
import { apiCall, apiGet, apiSend, inbox } from '../helpers/api.ts';
import { waitFor } from '../helpers/wait.ts';

let stack: LocalStack;
let dataDir: string;
let members: DynamoMemberStore;
const ids = { owner: '', alice: '', bob: '', carol: '', issue: '', event: 'c'.repeat(32), attachment: '' };
const tokens = {
  other: 'frt_tenancy_other_org',
  alice: 'frt_tenancy_alice_admin',
  bob: 'frt_tenancy_bob_member',
  carol: 'frt_tenancy_carol_other_team',
  bobReadOnly: '',
  revoked: '',
};
const SPARE_KEY = 'f'.repeat(32);
const READ_SCOPES = ['org:read', 'member:read', 'team:read', 'project:read', 'event:read'];

type Kind = 'user' | 'org' | 'project';
interface Case {
  method: string;
  path: string;
  body?: unknown;
  /** user: outside any organization; org: organization-wide; project: of the default project (team ferret). */
  kind: Kind;
  /** Needs more than Sentry's member role (admin or owner). */
  adminOnly?: boolean;
  /** Revoking one's own tokens: no organization data changes. */
  selfService?: boolean;
}

const cases = (): Case[] => [
  { method: 'GET', path: '/organizations/', kind: 'user' },
  { method: 'GET', path: '/organizations/ferret/', kind: 'org' },
  { method: 'GET', path: '/organizations/ferret/members/', kind: 'org' },
  { method: 'POST', path: '/organizations/ferret/members/', body: { email: 'intruder@example.com', orgRole: 'owner' }, kind: 'org', adminOnly: true },
  { method: 'GET', path: `/organizations/ferret/members/${ids.alice}/`, kind: 'org' },
  { method: 'PUT', path: `/organizations/ferret/members/${ids.alice}/`, body: { orgRole: 'member' }, kind: 'org', adminOnly: true },
  { method: 'DELETE', path: `/organizations/ferret/members/${ids.alice}/`, kind: 'org', adminOnly: true },
  { method: 'GET', path: '/organizations/ferret/teams/', kind: 'org' },
  { method: 'POST', path: '/organizations/ferret/teams/', body: { name: 'Intruders' }, kind: 'org', adminOnly: true },
  { method: 'GET', path: '/teams/ferret/ferret/', kind: 'org' },
  { method: 'POST', path: `/teams/ferret/ferret/members/${ids.carol}/`, kind: 'org', adminOnly: true },
  { method: 'DELETE', path: `/teams/ferret/ferret/members/${ids.owner}/`, kind: 'org', adminOnly: true },
  { method: 'GET', path: '/teams/ferret/ferret/projects/', kind: 'org' },
  { method: 'GET', path: '/organizations/ferret/projects/', kind: 'org' },
  { method: 'POST', path: '/organizations/ferret/projects/', body: { name: 'Intruder' }, kind: 'org', adminOnly: true },
  { method: 'POST', path: '/teams/ferret/ferret/projects/', body: { name: 'Intruder two' }, kind: 'org', adminOnly: true },
  { method: 'GET', path: '/projects/ferret/default/', kind: 'project' },
  { method: 'PUT', path: '/projects/ferret/default/', body: { options: { retentionDays: 7 } }, kind: 'project', adminOnly: true },
  { method: 'GET', path: '/projects/ferret/default/keys/', kind: 'project' },
  { method: 'POST', path: '/projects/ferret/default/keys/', body: { name: 'Intruder' }, kind: 'project', adminOnly: true },
  { method: 'GET', path: `/projects/ferret/default/keys/${SPARE_KEY}/`, kind: 'project' },
  { method: 'PUT', path: `/projects/ferret/default/keys/${SPARE_KEY}/`, body: { isActive: false }, kind: 'project', adminOnly: true },
  { method: 'DELETE', path: `/projects/ferret/default/keys/${SPARE_KEY}/`, kind: 'project', adminOnly: true },
  { method: 'GET', path: '/projects/ferret/default/issues/', kind: 'project' },
  { method: 'PUT', path: `/projects/ferret/default/issues/?id=${ids.issue}`, body: { status: 'unresolved' }, kind: 'project' },
  { method: 'GET', path: `/organizations/ferret/issues/${ids.issue}/`, kind: 'project' },
  { method: 'PUT', path: `/organizations/ferret/issues/${ids.issue}/`, body: { status: 'unresolved' }, kind: 'project' },
  { method: 'DELETE', path: `/organizations/ferret/issues/${ids.issue}/`, kind: 'project' },
  { method: 'GET', path: `/organizations/ferret/issues/${ids.issue}/events/`, kind: 'project' },
  { method: 'GET', path: `/organizations/ferret/issues/${ids.issue}/events/latest/`, kind: 'project' },
  { method: 'GET', path: `/organizations/ferret/issues/${ids.issue}/events/oldest/`, kind: 'project' },
  { method: 'GET', path: `/organizations/ferret/issues/${ids.issue}/events/${ids.event}/`, kind: 'project' },
  { method: 'GET', path: `/organizations/ferret/issues/${ids.issue}/tags/`, kind: 'project' },
  { method: 'GET', path: `/organizations/ferret/issues/${ids.issue}/tags/level/`, kind: 'project' },
  { method: 'GET', path: `/organizations/ferret/issues/${ids.issue}/tags/level/values/`, kind: 'project' },
  { method: 'GET', path: `/organizations/ferret/issues/${ids.issue}/stats/?period=24h`, kind: 'project' },
  { method: 'GET', path: '/projects/ferret/default/rules/', kind: 'project' },
  { method: 'GET', path: '/projects/ferret/default/rules/default/', kind: 'project' },
  { method: 'POST', path: '/projects/ferret/default/rules/', body: { name: 'x', conditions: [{ id: 'first_seen' }], actions: [{ id: 'email', targetType: 'members' }] }, kind: 'project', adminOnly: true },
  { method: 'GET', path: '/projects/ferret/default/rules/default/', kind: 'project' },
  { method: 'PUT', path: '/projects/ferret/default/rules/default/', body: { name: 'x', conditions: [{ id: 'first_seen' }], actions: [{ id: 'email', targetType: 'members' }] }, kind: 'project', adminOnly: true },
  { method: 'DELETE', path: '/projects/ferret/default/rules/default/', kind: 'project', adminOnly: true },
  { method: 'POST', path: '/projects/ferret/default/teams/beta/', kind: 'project', adminOnly: true },
  { method: 'DELETE', path: '/projects/ferret/default/teams/ferret/', kind: 'project', adminOnly: true },
  { method: 'GET', path: `/projects/ferret/default/events/${ids.event}/attachments/`, kind: 'project' },
  { method: 'GET', path: `/projects/ferret/default/events/${ids.event}/attachments/${ids.attachment}/`, kind: 'project' },
  { method: 'GET', path: `/organizations/ferret/issues/${ids.issue}/attachments/`, kind: 'project' },
  { method: 'GET', path: '/projects/ferret/default/user-feedback/', kind: 'project' },
  { method: 'GET', path: `/organizations/ferret/issues/${ids.issue}/user-reports/`, kind: 'project' },
  { method: 'GET', path: '/projects/ferret/default/releases/', kind: 'project' },
  { method: 'GET', path: '/organizations/ferret/stats_v2/?statsPeriod=7d', kind: 'org' },
  { method: 'GET', path: '/api-tokens/', kind: 'user' },
  { method: 'POST', path: '/api-tokens/', body: { scopes: ['event:admin'], name: 'x' }, kind: 'user' },
  { method: 'DELETE', path: '/api-tokens/', body: { tokenId: '999999' }, kind: 'user', selfService: true },
  { method: 'DELETE', path: '/api-tokens/999999/', kind: 'user', selfService: true },
];

const call = (method: string, path: string, token: string | undefined, body?: unknown) => apiCall(stack, method, path, token, body);

/** Members are invited through the API, then bound to a sign-in as their first sign-in would. */
async function invite(email: string, orgRole: string, teams: string[], token: string) {
  const res = await apiSend(stack, 'POST', '/organizations/ferret/members/', { email, orgRole, teams });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const member = (await members.getMember('ferret', res.body.id))!;
  await members.putMember({ ...member, userId: `user-${email}` });
  await new DynamoStore(LOCAL_NAMES.table).putToken({ hash: hashToken(token), userId: `user-${email}`, scopes: ['org:admin', 'member:admin', 'team:admin', 'project:admin', 'event:admin'], orgSlug: 'ferret', label: email, memberId: member.id });
  return member.id;
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'ferret-tenancy-'));
  stack = await startLocalStack({ dataDir, port: 0 });
  members = new DynamoMemberStore(LOCAL_NAMES.table);
  const store = new DynamoStore(LOCAL_NAMES.table);
  await store.putOrganization({ slug: 'other', name: 'Other', dateCreated: new Date().toISOString() });
  await store.putToken({ hash: hashToken(tokens.other), userId: 'mallory', scopes: ['org:admin', 'member:admin', 'team:admin', 'project:admin', 'event:admin'], orgSlug: 'other', label: 'other' });

  const defaultProject = await store.getProjectBySlug('ferret', 'default');
  await store.putKey({ publicKey: SPARE_KEY, projectId: defaultProject!.id, label: 'Spare', isActive: true, dateCreated: new Date().toISOString() });
  const owner = (await members.listMembers('ferret')).find((m) => m.role === 'owner')!;
  ids.owner = owner.id;
  expect((await apiSend(stack, 'POST', '/organizations/ferret/teams/', { name: 'Beta', slug: 'beta' })).status).toBe(201);
  expect((await apiSend(stack, 'POST', '/teams/ferret/beta/projects/', { name: 'Beta app', slug: 'beta-app' })).status).toBe(201);
  ids.alice = await invite('alice@example.com', 'admin', [], tokens.alice);
  ids.bob = await invite('bob@example.com', 'member', ['ferret'], tokens.bob);
  ids.carol = await invite('carol@example.com', 'member', ['beta'], tokens.carol);

  // Bob's own tokens, made through the API with his full token.
  const readOnly = await call('POST', '/api-tokens/', tokens.bob, { scopes: READ_SCOPES, name: 'read only' });
  expect(readOnly.status, JSON.stringify(readOnly.body)).toBe(201);
  tokens.bobReadOnly = readOnly.body.token;
  const revoked = await call('POST', '/api-tokens/', tokens.bob, { scopes: ['event:admin', 'project:read', 'org:read'], name: 'to revoke' });
  tokens.revoked = revoked.body.token;
  // Used once, so the authorizer's cache still holds it when it is revoked: the handler must refuse it.
  expect((await call('GET', '/organizations/', tokens.revoked)).status).toBe(200);
  expect((await call('DELETE', `/api-tokens/${revoked.body.id}/`, tokens.bob)).status).toBe(204);

  const dsn = new URL(stack.dsn);
  const res = await fetch(`${stack.url}/api${dsn.pathname}/store/?sentry_key=${dsn.username}&sentry_version=7`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ event_id: ids.event, platform: 'python', level: 'error', exception: { values: [{ type: 'TenancyError', value: 'x' }] } }),
  });
  expect(res.status).toBe(200);
  ids.issue = (await waitFor(async () => (await apiGet<any[]>(stack, '/projects/ferret/default/issues/')).body.find((i) => i.title.startsWith('TenancyError')), 'the issue')).id;
  // An attachment sent after its event, for the attachment routes.
  const attached = await fetch(`${stack.url}/api${dsn.pathname}/envelope/?sentry_key=${dsn.username}`, {
    method: 'POST',
    body: `${JSON.stringify({ event_id: ids.event })}\n${JSON.stringify({ type: 'attachment', length: 6, filename: 'log.txt' })}\nhello\n`,
  });
  expect(attached.status).toBe(200);
  ids.attachment = (await waitFor(async () => (await apiGet<any[]>(stack, `/projects/ferret/default/events/${ids.event}/attachments/`)).body[0], 'the attachment')).id;
});

afterAll(async () => {
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

let checks = 0;
const byCaller = new Map<string, number>();
function expectStatus(res: { status: number; body: unknown }, expected: number, what: string) {
  checks++;
  const caller = what.split(/ (?=GET|PUT|POST|DELETE)/)[0]!;
  byCaller.set(caller, (byCaller.get(caller) ?? 0) + 1);
  expect(res.status, `${what} → ${JSON.stringify(res.body)}`).toBe(expected);
}

describe('portal API tenancy, every route × every refused caller', () => {
  it('covers every route the API registers', () => {
    const registered = createApi({} as ApiDeps).routes;
    const covered = cases().map((c) => ({ method: c.method, path: `/api/0${c.path.split('?')[0]}` }));
    for (const r of registered) {
      expect(covered.some((c) => c.method === r.method && r.pattern.test(c.path)), `${r.method} ${r.path} has no tenancy case`).toBe(true);
    }
  });

  it('answers 401 without a token and to a revoked token', async () => {
    for (const c of cases()) {
      expectStatus(await call(c.method, c.path, undefined, c.body), 401, `anonymous ${c.method} ${c.path}`);
      const revoked = await call(c.method, c.path, tokens.revoked, c.body);
      expectStatus(revoked, 401, `revoked ${c.method} ${c.path}`);
      expect((revoked.body as { detail: string }).detail).toMatch(/authentication/);
    }
  });

  it('hides the organization from a caller of another organization (404)', async () => {
    for (const c of cases().filter((x) => x.kind !== 'user')) expectStatus(await call(c.method, c.path, tokens.other, c.body), 404, `other org ${c.method} ${c.path}`);
    const orgs = await call('GET', '/organizations/', tokens.other);
    expect((orgs.body as Array<{ slug: string }>).map((o) => o.slug)).toEqual(['other']);
  });

  it("hides a project from a member of another team (404), and lists only the team's projects", async () => {
    // Scopes are checked before any lookup, so a write the role lacks is 403 whether or not the project exists.
    for (const c of cases().filter((x) => x.kind === 'project')) expectStatus(await call(c.method, c.path, tokens.carol, c.body), c.adminOnly ? 403 : 404, `other team ${c.method} ${c.path}`);
    const listed = await call('GET', '/organizations/ferret/projects/', tokens.carol);
    expect((listed.body as Array<{ slug: string }>).map((p) => p.slug)).toEqual(['beta-app']);
    const bobs = await call('GET', '/organizations/ferret/projects/', tokens.bob);
    expect((bobs.body as Array<{ slug: string }>).map((p) => p.slug)).toEqual(['default']);
    const alices = await call('GET', '/organizations/ferret/projects/', tokens.alice);
    expect((alices.body as Array<{ slug: string }>).map((p) => p.slug).sort()).toEqual(['beta-app', 'default']);
    const teamProjects = await call('GET', '/teams/ferret/ferret/projects/', tokens.carol);
    expect(teamProjects.body).toEqual([]);
  });

  it('refuses admin writes to a member (403)', async () => {
    for (const c of cases().filter((x) => x.adminOnly)) expectStatus(await call(c.method, c.path, tokens.bob, c.body), 403, `member ${c.method} ${c.path}`);
  });

  it('refuses every write to a read-only token (403), and serves its reads', async () => {
    for (const c of cases().filter((x) => !x.selfService)) {
      const res = await call(c.method, c.path, tokens.bobReadOnly, c.body);
      expectStatus(res, c.method === 'GET' ? 200 : 403, `read-only ${c.method} ${c.path}`);
    }
  });

  it('never lets a token act beyond its member role, nor mint one that would', async () => {
    // Bob's full token asked for org:admin; as a member he still cannot add members.
    expectStatus(await call('POST', '/organizations/ferret/members/', tokens.bob, { email: 'x@example.com' }), 403, 'member token with admin scopes');
    expectStatus(await call('POST', '/api-tokens/', tokens.bob, { scopes: ['project:admin'] }), 403, 'minting beyond the role');
    expectStatus(await call('POST', '/api-tokens/', tokens.bobReadOnly, { scopes: ['event:write'] }), 403, 'minting beyond the calling token');
    // An admin cannot make an owner.
    expectStatus(await call('POST', '/organizations/ferret/members/', tokens.alice, { email: 'boss@example.com', orgRole: 'owner' }), 403, 'admin granting owner');
  });

  it('reports how many refusals were checked', () => {
    // routes × callers, for the record of the security checks.
    console.info(`tenancy: ${cases().length} routes, ${checks} refusals and read checks asserted: ${[...byCaller].map(([k, n]) => `${k} ${n}`).join(', ')}`);
    expect(checks).toBeGreaterThan(cases().length * 4);
  });
});

describe('members, teams and tokens', () => {
  it('lets the owner change roles and teams, and keeps the last owner', async () => {
    const promoted = await apiSend(stack, 'PUT', `/organizations/ferret/members/${ids.carol}/`, { orgRole: 'member', teams: ['beta', 'ferret'] });
    expect(promoted.status).toBe(200);
    expect(promoted.body).toMatchObject({ id: ids.carol, orgRole: 'member', teams: ['beta', 'ferret'], pending: false });
    expect((await call('GET', '/projects/ferret/default/', tokens.carol)).status).toBe(200);
    const back = await apiSend(stack, 'DELETE', `/teams/ferret/ferret/members/${ids.carol}/`);
    expect(back.status).toBe(200);
    expect((await call('GET', '/projects/ferret/default/', tokens.carol)).status).toBe(404);
    const demote = await apiSend(stack, 'PUT', `/organizations/ferret/members/${ids.owner}/`, { orgRole: 'admin' });
    expect(demote.status).toBe(409);
    expect(demote.body.detail).toMatch(/owner/);
  });

  it('shows a token once, stores only its hash, lists and revokes it', async () => {
    const created = await call('POST', '/api-tokens/', tokens.alice, { scopes: ['project:read'], name: 'ci' });
    expect(created.status).toBe(201);
    const { token, id } = created.body as { token: string; id: string };
    expect(token).toMatch(/^frt_[\w-]{40,}$/);
    const listed = await call('GET', '/api-tokens/', tokens.alice);
    const entry = (listed.body as any[]).find((t) => t.id === id);
    expect(entry).toMatchObject({ name: 'ci', scopes: ['project:read'], tokenLastCharacters: token.slice(-4) });
    expect(JSON.stringify(listed.body)).not.toContain(token);
    const stored = await new DynamoStore(LOCAL_NAMES.table).doc.send(new (await import('@aws-sdk/lib-dynamodb')).GetCommand({ TableName: LOCAL_NAMES.table, Key: { pk: `TOKEN#${hashToken(token)}`, sk: 'TOKEN' } }));
    expect(stored.Item).toBeDefined();
    expect(JSON.stringify(stored.Item)).not.toContain(token);
    expect((await call('GET', '/projects/ferret/default/', token)).status).toBe(200);
    expect((await call('DELETE', '/api-tokens/', tokens.alice, { tokenId: id })).status).toBe(204);
    expect((await call('GET', '/projects/ferret/default/', token)).status).toBe(401);
    // Another member cannot revoke it (it does not exist for them).
    expect((await call('DELETE', `/api-tokens/${id}/`, tokens.bob)).status).toBe(404);
  });

  it('removes a member and, with it, every token of that member', async () => {
    const dave = await invite('dave@example.com', 'member', ['ferret'], 'frt_tenancy_dave');
    expect((await call('GET', '/projects/ferret/default/', 'frt_tenancy_dave')).status).toBe(200);
    expect((await apiSend(stack, 'DELETE', `/organizations/ferret/members/${dave}/`)).status).toBe(204);
    expect((await call('GET', '/projects/ferret/default/', 'frt_tenancy_dave')).status).toBe(401);
    expect((await apiGet<any[]>(stack, '/organizations/ferret/members/')).body.map((m) => m.email)).not.toContain('dave@example.com');
  });

  it('lets a member leave its team and the organization on its own, but not remove others', async () => {
    const gina = await invite('gina@example.com', 'member', ['ferret'], 'frt_tenancy_gina');
    expect((await call('DELETE', `/teams/ferret/ferret/members/${ids.bob}/`, 'frt_tenancy_gina')).status).toBe(403);
    expect((await call('DELETE', `/organizations/ferret/members/${ids.bob}/`, 'frt_tenancy_gina')).status).toBe(403);
    expect((await call('DELETE', `/teams/ferret/ferret/members/${gina}/`, 'frt_tenancy_gina')).status).toBe(200);
    expect((await call('GET', '/projects/ferret/default/', 'frt_tenancy_gina')).status).toBe(404);
    expect((await call('DELETE', `/organizations/ferret/members/${gina}/`, 'frt_tenancy_gina')).status).toBe(204);
    expect((await call('GET', '/organizations/', 'frt_tenancy_gina')).status).toBe(401);
  });

  it("answers a member's own membership at members/me, and none for an installation token", async () => {
    const me = await call('GET', '/organizations/ferret/members/me/', tokens.bob);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: ids.bob, email: 'bob@example.com', orgRole: 'member' });
    const store = new DynamoStore(LOCAL_NAMES.table);
    await store.putToken({ hash: hashToken('frt_tenancy_installation'), userId: 'ci', scopes: ['org:read', 'member:read'], orgSlug: 'ferret', label: 'ci' });
    expect((await call('GET', '/organizations/ferret/members/me/', 'frt_tenancy_installation')).status).toBe(404);
  });

  it('refuses a second membership for the same email (409)', async () => {
    const again = await apiSend(stack, 'POST', '/organizations/ferret/members/', { email: 'Alice@Example.com' });
    expect(again.status).toBe(409);
  });

  it("emails a new issue to the signed-in members of the project's teams, not to the others", async () => {
    const key = (await apiGet<any[]>(stack, '/projects/ferret/beta-app/keys/')).body[0].dsn.public as string;
    const beta = new URL(key);
    // A pending invitation to team beta: not signed in yet, so not mailed.
    expect((await apiSend(stack, 'POST', '/organizations/ferret/members/', { email: 'erin@example.com', teams: ['beta'] })).status).toBe(201);
    const res = await fetch(`${stack.url}/api${beta.pathname}/store/?sentry_key=${beta.username}&sentry_version=7`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ platform: 'python', level: 'error', exception: { values: [{ type: 'BetaOnlyError', value: 'beta' }] } }),
    });
    expect(res.status).toBe(200);
    const mail = await waitFor(async () => (await inbox(stack)).find((m) => m.subject.includes('BetaOnlyError')), 'the beta alert');
    expect(mail.destination.to).toEqual(['carol@example.com']);
  });

  it('emails the configured MailTo address when no signed-in member belongs to the project\'s teams', async () => {
    expect((await apiSend(stack, 'POST', '/organizations/ferret/teams/', { name: 'Gamma', slug: 'gamma' })).status).toBe(201);
    expect((await apiSend(stack, 'POST', '/teams/ferret/gamma/projects/', { name: 'Gamma app', slug: 'gamma-app' })).status).toBe(201);
    const gamma = new URL((await apiGet<any[]>(stack, '/projects/ferret/gamma-app/keys/')).body[0].dsn.public as string);
    const res = await fetch(`${stack.url}/api${gamma.pathname}/store/?sentry_key=${gamma.username}&sentry_version=7`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ platform: 'python', level: 'error', exception: { values: [{ type: 'GammaOnlyError', value: 'gamma' }] } }),
    });
    expect(res.status).toBe(200);
    const mail = await waitFor(async () => (await inbox(stack)).find((m) => m.subject.includes('GammaOnlyError')), 'the gamma alert');
    expect(mail.destination.to).toEqual(['team@localhost']);
  });

  it('makes an invited email a member at its first Cognito sign-in, with what the authorizer verified', async () => {
    // What API Gateway hands the API after the authorizer verified a Cognito ID token.
    const { handler } = await import('#functions/api.ts');
    const asUser = async (path: string, context: Record<string, unknown>) => {
      const event = httpApiEvent({ method: 'GET', path: `/api/0${path}`, rawQuery: '', headers: { authorization: 'Bearer eyJhbGciOiJSUzI1NiJ9.e30.sig' }, body: Buffer.alloc(0), sourceIp: '127.0.0.1' }, 'ANY /api/0/{proxy+}');
      (event.requestContext as unknown as { authorizer: unknown }).authorizer = { lambda: context };
      const res = (await handler(event as never, lambdaContext('api') as never)) as { statusCode: number; body: string };
      return { status: res.statusCode, body: JSON.parse(res.body) };
    };
    expect((await apiSend(stack, 'POST', '/organizations/ferret/members/', { email: 'frank@example.com', teams: ['beta'] })).status).toBe(201);
    // An unverified email claims nothing.
    const unverified = await asUser('/organizations/', { kind: 'user', sub: 'cognito-mallory', email: 'frank@example.com', emailVerified: false });
    expect(unverified.body, JSON.stringify(unverified.body)).toEqual([]);
    const first = await asUser('/organizations/', { kind: 'user', sub: 'cognito-frank', email: 'frank@example.com', emailVerified: true });
    expect(first.body.map((o: { slug: string }) => o.slug)).toEqual(['ferret']);
    // Later requests find the member by its sub; it sees the projects of its team only.
    const projects = await asUser('/organizations/ferret/projects/', { kind: 'user', sub: 'cognito-frank', emailVerified: false });
    expect(projects.body.map((p: { slug: string }) => p.slug)).toEqual(['beta-app']);
    expect((await asUser('/projects/ferret/default/', { kind: 'user', sub: 'cognito-frank', emailVerified: false })).status).toBe(404);
    const listed = (await apiGet<any[]>(stack, '/organizations/ferret/members/')).body.find((m) => m.email === 'frank@example.com');
    expect(listed).toMatchObject({ pending: false, user: { id: 'cognito-frank' } });
  });
});
