/**
 * Contract tests of the portal API on the local stack: each route answers in
 * Sentry's shapes, and every route refuses an anonymous caller (401), a
 * caller of another organization (404) and a token without the scope (403).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '#shared/api/auth.ts';
import { DynamoStore } from '#functions/lib/dynamo.ts';
import { LOCAL_NAMES } from '#cdk/local/emulators.ts';
import { startLocalStack, type LocalStack } from '#cdk/local/stack.ts';
import { apiGet, apiSend } from '../helpers/api.ts';
import { waitFor } from '../helpers/wait.ts';

let stack: LocalStack;
let dataDir: string;
let issueId: string;
let eventId: string;
const OTHER_TOKEN = 'frt_other_org_token';
const READONLY_TOKEN = 'frt_read_only_token';

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'ferret-api-'));
  stack = await startLocalStack({ dataDir, port: 0 });
  const store = new DynamoStore(LOCAL_NAMES.table);
  await store.putOrganization({ slug: 'other', name: 'Other', dateCreated: new Date().toISOString() });
  await store.putToken({ hash: hashToken(OTHER_TOKEN), userId: 'mallory', scopes: ['org:read', 'project:admin', 'event:admin'], orgSlug: 'other', label: 'other' });
  await store.putToken({ hash: hashToken(READONLY_TOKEN), userId: 'reader', scopes: ['org:read', 'project:read', 'event:read'], orgSlug: 'ferret', label: 'reader' });

  const dsn = new URL(stack.dsn);
  eventId = 'b'.repeat(32);
  const res = await fetch(`${stack.url}/api${dsn.pathname}/store/?sentry_key=${dsn.username}&sentry_version=7`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      event_id: eventId,
      platform: 'python',
      level: 'error',
      release: 'api@1.0',
      tags: { browser: 'Chrome 120' },
      user: { id: 'u1' },
      exception: { values: [{ type: 'KeyError', value: "'missing'", stacktrace: { frames: [{ filename: 'app.py', function: 'handler', lineno: 7, context_line: 'x = d["missing"]', pre_context: ['def handler(d):'], post_context: ['return x'], in_app: true, vars: { d: '{}' } }] } }] },
    }),
  });
  expect(res.status).toBe(200);
  const issue = await waitFor(async () => (await apiGet<any[]>(stack, '/projects/ferret/default/issues/')).body.find((i) => i.title.startsWith('KeyError')), 'the issue');
  issueId = issue.id;
});

afterAll(async () => {
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const routes = (): Array<[method: string, path: string, body?: unknown]> => [
  ['GET', '/organizations/'],
  ['GET', '/organizations/ferret/'],
  ['GET', '/organizations/ferret/members/'],
  ['GET', '/organizations/ferret/projects/'],
  ['POST', '/organizations/ferret/projects/', { name: 'Intruder' }],
  ['POST', '/teams/ferret/ferret/projects/', { name: 'Intruder two' }],
  ['GET', '/projects/ferret/default/'],
  ['GET', '/projects/ferret/default/keys/'],
  ['GET', '/projects/ferret/default/issues/'],
  ['PUT', `/projects/ferret/default/issues/?id=${issueId}`, { status: 'resolved' }],
  ['GET', `/organizations/ferret/issues/${issueId}/`],
  ['PUT', `/organizations/ferret/issues/${issueId}/`, { status: 'resolved' }],
  ['DELETE', `/organizations/ferret/issues/${issueId}/`],
  ['GET', `/organizations/ferret/issues/${issueId}/events/`],
  ['GET', `/organizations/ferret/issues/${issueId}/events/latest/`],
  ['GET', `/organizations/ferret/issues/${issueId}/events/oldest/`],
  ['GET', `/organizations/ferret/issues/${issueId}/events/${eventId}/`],
  ['GET', `/organizations/ferret/issues/${issueId}/tags/`],
  ['GET', `/organizations/ferret/issues/${issueId}/stats/?period=24h`],
  ['GET', '/projects/ferret/default/rules/'],
  ['POST', '/projects/ferret/default/rules/', { name: 'x', conditions: [{ id: 'first_seen' }], actions: [{ id: 'email', targetType: 'members' }] }],
  ['PUT', '/projects/ferret/default/rules/default/', { name: 'x', conditions: [{ id: 'first_seen' }], actions: [{ id: 'email', targetType: 'members' }] }],
  ['DELETE', '/projects/ferret/default/rules/default/'],
];

async function call(method: string, path: string, token: string | undefined, body?: unknown) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers['authorization'] = `Bearer ${token}`;
  const init: RequestInit = { method, headers };
  if (body !== undefined) init.body = JSON.stringify(body);
  const res = await fetch(`${stack.url}/api/0${path}`, init);
  return { status: res.status, body: await res.text() };
}

describe('portal API tenancy', () => {
  it('answers 401 with a JSON detail to every route without a token', async () => {
    for (const [method, path, body] of routes()) {
      const res = await call(method, path, undefined, body);
      expect(res.status, `${method} ${path}`).toBe(401);
      expect(JSON.parse(res.body).detail, `${method} ${path}`).toMatch(/authentication/i);
    }
  });

  it('answers 401 to a token it does not know', async () => {
    const res = await call('GET', '/organizations/', 'frt_not_a_real_token');
    expect(res.status).toBe(401);
  });

  it("hides another organization's data from its members (404), and lists only their own organization", async () => {
    for (const [method, path, body] of routes().slice(1)) {
      const res = await call(method, path, OTHER_TOKEN, body);
      expect(res.status, `${method} ${path}`).toBe(404);
    }
    const orgs = await call('GET', '/organizations/', OTHER_TOKEN);
    expect(JSON.parse(orgs.body).map((o: any) => o.slug)).toEqual(['other']);
  });

  it('refuses writes to a read-only token (403) and allows its reads', async () => {
    for (const [method, path, body] of routes()) {
      const res = await call(method, path, READONLY_TOKEN, body);
      if (method === 'GET') expect(res.status, `${method} ${path}`).toBe(200);
      else expect(res.status, `${method} ${path}`).toBe(403);
    }
  });
});

describe('portal API contract', () => {
  it('lists issues in Sentry shape with a Link header and a 24 h series', async () => {
    const res = await apiGet<any[]>(stack, '/projects/ferret/default/issues/?query=is:unresolved&sort=freq&limit=1');
    expect(res.status).toBe(200);
    const issue = res.body.find((i) => i.id === issueId);
    expect(issue).toMatchObject({ id: issueId, title: "KeyError: 'missing'", count: '1', userCount: 1, level: 'error', status: 'unresolved', project: { slug: 'default' } });
    expect(issue.culprit).toContain('handler');
    expect(issue.stats['24h']).toHaveLength(24);
    expect(res.headers.get('link')).toMatch(/rel="previous".*rel="next"/);
  });

  it('finds issues by search text and filters by level and release', async () => {
    const hit = await apiGet<any[]>(stack, '/projects/ferret/default/issues/?query=' + encodeURIComponent('is:unresolved level:error release:api@1.0 missing'));
    expect(hit.body.map((i) => i.id)).toContain(issueId);
    const miss = await apiGet<any[]>(stack, '/projects/ferret/default/issues/?query=' + encodeURIComponent('level:warning'));
    expect(miss.body.map((i) => i.id)).not.toContain(issueId);
    const bad = await apiGet(stack, '/projects/ferret/default/issues/?query=level:loud');
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toContain('level');
  });

  it('returns the event with exception entries, context lines and vars', async () => {
    const res = await apiGet(stack, `/organizations/ferret/issues/${issueId}/events/${eventId}/`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ eventID: eventId, groupID: issueId, release: { version: 'api@1.0' } });
    const frame = res.body.entries.find((e: any) => e.type === 'exception').data.values[0].stacktrace.frames[0];
    expect(frame).toMatchObject({ function: 'handler', lineNo: 7, inApp: true, vars: { d: '{}' } });
    expect(frame.context).toEqual([[6, 'def handler(d):'], [7, 'x = d["missing"]'], [8, 'return x']]);
    expect(res.body.tags).toContainEqual({ key: 'browser', value: 'Chrome 120' });
  });

  it('reports tag distributions and the DSN keys', async () => {
    const tags = await apiGet<any[]>(stack, `/organizations/ferret/issues/${issueId}/tags/`);
    expect(tags.body.find((t) => t.key === 'browser').topValues[0]).toMatchObject({ value: 'Chrome 120', count: 1 });
    const keys = await apiGet<any[]>(stack, '/projects/ferret/default/keys/');
    expect(keys.body[0].dsn.public).toBe(stack.dsn);
  });

  it('validates bodies with a 400 that says what was wrong', async () => {
    const status = await apiSend(stack, 'PUT', `/organizations/ferret/issues/${issueId}/`, { status: 'sleeping' });
    expect(status.status).toBe(400);
    expect(status.body.detail).toContain('status');
    const project = await apiSend(stack, 'POST', '/organizations/ferret/projects/', { name: '' });
    expect(project.status).toBe(400);
    const notJson = await fetch(`${stack.url}/api/0/organizations/ferret/projects/`, { method: 'POST', headers: { authorization: `Bearer ${stack.token}` }, body: '{nope' });
    expect(notJson.status).toBe(400);
  });

  it('creates a project with a DSN key that ingests', async () => {
    const created = await apiSend(stack, 'POST', '/organizations/ferret/projects/', { name: 'Backend API', platform: 'python' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ slug: 'backend-api', name: 'Backend API', platform: 'python' });
    const dup = await apiSend(stack, 'POST', '/organizations/ferret/projects/', { name: 'Backend API' });
    expect(dup.status).toBe(409);
    const keys = await apiGet<any[]>(stack, '/projects/ferret/backend-api/keys/');
    expect(keys.body[0].dsn.public).toMatch(new RegExp(`/${created.body.id}$`));
  });

  it('resolves and reopens an issue, and deletes it', async () => {
    const resolved = await apiSend(stack, 'PUT', `/organizations/ferret/issues/${issueId}/`, { status: 'resolved' });
    expect(resolved.body.status).toBe('resolved');
    const unresolved = await apiGet<any[]>(stack, '/projects/ferret/default/issues/?query=is:unresolved');
    expect(unresolved.body.map((i) => i.id)).not.toContain(issueId);
    const reopened = await apiSend(stack, 'PUT', `/organizations/ferret/issues/${issueId}/`, { status: 'unresolved' });
    expect(reopened.body.status).toBe('unresolved');
    const deleted = await call('DELETE', `/organizations/ferret/issues/${issueId}/`, stack.token);
    expect(deleted.status).toBe(202);
    const gone = await apiGet(stack, `/organizations/ferret/issues/${issueId}/`);
    expect(gone.status).toBe(404);
  });
});
