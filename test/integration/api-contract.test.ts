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
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoStore } from '#functions/lib/dynamo.ts';
import { LOCAL_NAMES } from '#cdk/local/emulators.ts';
import { startLocalStack, type LocalStack } from '#cdk/local/stack.ts';
import { apiCall, apiGet, apiSend } from '../helpers/api.ts';
import { waitFor } from '../helpers/wait.ts';

let stack: LocalStack;
let dataDir: string;
let issueId: string;
let eventId: string;
const OTHER_TOKEN = 'frt_other_org_token';
const READONLY_TOKEN = 'frt_read_only_token';
/** A key of the default project that only the tenancy checks name (they must never change it). */
const SPARE_KEY = 'c'.repeat(32);

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'ferret-api-'));
  stack = await startLocalStack({ dataDir, port: 0 });
  const store = new DynamoStore(LOCAL_NAMES.table);
  await store.putOrganization({ slug: 'other', name: 'Other', dateCreated: new Date().toISOString() });
  await store.putToken({ hash: hashToken(OTHER_TOKEN), userId: 'mallory', scopes: ['org:read', 'project:admin', 'event:admin'], orgSlug: 'other', label: 'other' });
  const defaultProject = await store.getProjectBySlug('ferret', 'default');
  await store.putKey({ publicKey: SPARE_KEY, projectId: defaultProject!.id, label: 'Spare', isActive: true, dateCreated: new Date().toISOString() });
  await store.putToken({ hash: hashToken(READONLY_TOKEN), userId: 'reader', scopes: ['org:read', 'member:read', 'team:read', 'project:read', 'event:read'], orgSlug: 'ferret', label: 'reader' });

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
  ['PUT', '/projects/ferret/default/', { options: { retentionDays: 7 } }],
  ['GET', '/projects/ferret/default/keys/'],
  ['POST', '/projects/ferret/default/keys/', { name: 'Intruder' }],
  ['GET', `/projects/ferret/default/keys/${SPARE_KEY}/`],
  ['PUT', `/projects/ferret/default/keys/${SPARE_KEY}/`, { isActive: false }],
  ['DELETE', `/projects/ferret/default/keys/${SPARE_KEY}/`],
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
  ['GET', `/organizations/ferret/issues/${issueId}/tags/browser/`],
  ['GET', `/organizations/ferret/issues/${issueId}/tags/browser/values/`],
  ['GET', `/organizations/ferret/issues/${issueId}/events/?query=level:error`],
  ['GET', `/organizations/ferret/issues/${issueId}/stats/?period=24h`],
  ['GET', `/projects/ferret/default/events/${eventId}/attachments/`],
  ['GET', `/organizations/ferret/issues/${issueId}/attachments/`],
  ['GET', '/projects/ferret/default/user-feedback/'],
  ['GET', `/organizations/ferret/issues/${issueId}/user-reports/`],
  ['GET', '/projects/ferret/default/releases/'],
  ['GET', '/organizations/ferret/stats_v2/?statsPeriod=14d&groupBy=outcome'],
  ['GET', '/projects/ferret/default/rules/'],
  ['POST', '/projects/ferret/default/rules/', { name: 'x', conditions: [{ id: 'first_seen' }], actions: [{ id: 'email', targetType: 'members' }] }],
  ['PUT', '/projects/ferret/default/rules/default/', { name: 'x', conditions: [{ id: 'first_seen' }], actions: [{ id: 'email', targetType: 'members' }] }],
  ['DELETE', '/projects/ferret/default/rules/default/'],
];

const call = (method: string, path: string, token: string | undefined, body?: unknown) => apiCall(stack, method, path, token, body);

describe('portal API tenancy', () => {
  it('answers 401 with a JSON detail to every route without a token', async () => {
    for (const [method, path, body] of routes()) {
      const res = await call(method, path, undefined, body);
      expect(res.status, `${method} ${path}`).toBe(401);
      // API Gateway's own answer when the Authorization header is missing.
      expect(res.body.message, `${method} ${path}`).toBe('Unauthorized');
    }
  });

  it('refuses a token it does not know at the authorizer (403, as API Gateway answers a denying authorizer)', async () => {
    const res = await call('GET', '/organizations/', 'frt_not_a_real_token');
    expect(res.status).toBe(403);
    expect(res.body.message).toBe('Forbidden');
  });

  it("hides another organization's data from its members (404), and lists only their own organization", async () => {
    for (const [method, path, body] of routes().slice(1)) {
      const res = await call(method, path, OTHER_TOKEN, body);
      expect(res.status, `${method} ${path}`).toBe(404);
    }
    const orgs = await call('GET', '/organizations/', OTHER_TOKEN);
    expect(orgs.body.map((o: any) => o.slug)).toEqual(['other']);
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
    // Tags derived from the event's fields, as Sentry indexes them.
    const byKey = Object.fromEntries(tags.body.map((t) => [t.key, t.topValues[0].value]));
    expect(byKey).toMatchObject({ level: 'error', release: 'api@1.0', user: 'id:u1' });
    expect(tags.body.find((t) => t.key === 'release')).toMatchObject({ name: 'Release', totalValues: 1, uniqueValues: 1 });
    const values = await apiGet<any[]>(stack, `/organizations/ferret/issues/${issueId}/tags/browser/values/`);
    // Counted values: count without first and last seen (the counters keep counts only).
    expect(values.body).toEqual([{ key: 'browser', name: 'Chrome 120', value: 'Chrome 120', count: 1 }]);
    const one = await apiGet(stack, `/organizations/ferret/issues/${issueId}/tags/user/`);
    expect(one.body).toMatchObject({ key: 'user', topValues: [{ value: 'id:u1', count: 1 }] });
    expect((await apiGet(stack, `/organizations/ferret/issues/${issueId}/tags/nope/`)).status).toBe(404);

    const hit = await apiGet<any[]>(stack, `/organizations/ferret/issues/${issueId}/events/?query=${encodeURIComponent('browser:"Chrome 120" missing')}`);
    expect(hit.body.map((e) => e.eventID)).toEqual([eventId]);
    const miss = await apiGet<any[]>(stack, `/organizations/ferret/issues/${issueId}/events/?query=${encodeURIComponent('browser:Firefox')}`);
    expect(miss.body).toEqual([]);
    const textMiss = await apiGet<any[]>(stack, `/organizations/ferret/issues/${issueId}/events/?query=nowhere-to-be-found`);
    expect(textMiss.body).toEqual([]);
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

  it('answers outcome stats in the stats_v2 shape and refuses what it does not serve', async () => {
    const stats = await apiGet(stack, '/organizations/ferret/stats_v2/?statsPeriod=3d&interval=1d&field=sum(quantity)&groupBy=outcome&groupBy=category');
    expect(stats.status).toBe(200);
    expect(stats.body.intervals).toHaveLength(3);
    const accepted = stats.body.groups.find((g: any) => g.by.outcome === 'accepted' && g.by.category === 'error');
    expect(accepted.totals['sum(quantity)']).toBeGreaterThanOrEqual(1);
    expect(accepted.series['sum(quantity)']).toHaveLength(3);
    const hourly = await apiGet(stack, '/organizations/ferret/stats_v2/?interval=1h');
    expect(hourly.status).toBe(400);
    expect(hourly.body.detail).toContain('interval');
    const long = await apiGet(stack, '/organizations/ferret/stats_v2/?statsPeriod=365d');
    expect(long.status).toBe(400);
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

/** Sends one minimal event to a DSN; answers the HTTP status. */
async function sendTo(dsn: string, message: string): Promise<number> {
  const u = new URL(dsn);
  const res = await fetch(`${stack.url}/api${u.pathname}/store/?sentry_key=${u.username}&sentry_version=7`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ message, level: 'error', platform: 'other' }),
  });
  await res.arrayBuffer();
  return res.status;
}

describe('project settings (PUT /projects/{org}/{project}/)', () => {
  it('saves the name, platform and every Ferret option, and answers them on GET', async () => {
    const created = await apiSend(stack, 'POST', '/organizations/ferret/projects/', { name: 'Settings one', platform: 'python' });
    expect(created.status).toBe(201);
    const put = await apiSend(stack, 'PUT', '/projects/ferret/settings-one/', {
      name: 'Settings One',
      platform: 'node',
      options: { retentionDays: 30, rateLimitPerMinute: 120, monthlyQuota: 50_000, storeIp: true, sensitiveFields: ['card_number', ' pin ', 'pin'], safeFields: 'order_id\nsku' },
    });
    expect(put.status).toBe(200);
    const got = await apiGet(stack, '/projects/ferret/settings-one/');
    expect(got.body).toMatchObject({
      name: 'Settings One',
      slug: 'settings-one',
      platform: 'node',
      options: { retentionDays: 30, rateLimitPerMinute: 120, monthlyQuota: 50_000, storeIp: true, sensitiveFields: ['card_number', 'pin'], safeFields: ['order_id', 'sku'] },
      sensitiveFields: ['card_number', 'pin'],
      scrubIPAddresses: false,
    });
    // Sentry's top-level names work too, and fields left out keep their value.
    const sentryShape = await apiSend(stack, 'PUT', '/projects/ferret/settings-one/', { scrubIPAddresses: true, safeFields: [] });
    expect(sentryShape.status).toBe(200);
    const again = await apiGet(stack, '/projects/ferret/settings-one/');
    expect(again.body.options).toMatchObject({ storeIp: false, safeFields: [], retentionDays: 30, monthlyQuota: 50_000 });
  });

  it('refuses wrong values with a 400 naming the field, and changes nothing', async () => {
    const bad: Array<[unknown, string]> = [
      [{ options: { retentionDays: 0 } }, 'options.retentionDays'],
      [{ options: { retentionDays: 366 } }, 'options.retentionDays'],
      [{ options: { retentionDays: '30' } }, 'options.retentionDays'],
      [{ options: { rateLimitPerMinute: -1 } }, 'options.rateLimitPerMinute'],
      [{ options: { monthlyQuota: 1.5 } }, 'options.monthlyQuota'],
      [{ options: { storeIp: 'yes' } }, 'options.storeIp'],
      [{ sensitiveFields: 5 }, 'sensitiveFields'],
      [{ safeFields: [1] }, 'safeFields'],
      [{ name: '' }, 'name'],
      [{ slug: 'Not A Slug' }, 'slug'],
      [{ options: [] }, 'options'],
      [[1, 2], 'body'],
    ];
    for (const [body, field] of bad) {
      const res = await apiSend(stack, 'PUT', '/projects/ferret/default/', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.detail, JSON.stringify(body)).toContain(field);
    }
    const unchanged = await apiGet(stack, '/projects/ferret/default/');
    expect(unchanged.body.options.retentionDays).toBe(90);
    expect(unchanged.body.name).toBe('Default');
  });

  it('writes only the settings: what other writers keep on the project item survives a PUT', async () => {
    const store = new DynamoStore(LOCAL_NAMES.table);
    const before = (await store.getProjectBySlug('ferret', 'default'))!;
    const until = Date.now() - 1000;
    await store.doc.send(new UpdateCommand({ TableName: LOCAL_NAMES.table, Key: { pk: `PROJECT#${before.id}`, sk: 'PROJECT' }, UpdateExpression: 'SET limitedUntil = :u', ExpressionAttributeValues: { ':u': until } }));
    expect((await apiSend(stack, 'PUT', '/projects/ferret/default/', { safeFields: ['order_id'] })).status).toBe(200);
    const after = (await store.getProject(before.id)) as any;
    expect(after.limitedUntil).toBe(until);
    expect(after.teams).toEqual((before as any).teams);
    expect(after.safeFields).toEqual(['order_id']);
    expect((await apiSend(stack, 'PUT', '/projects/ferret/default/', { safeFields: [] })).status).toBe(200);
    // Changing a limit lifts the one in force.
    const rate = after.rateLimitPerMinute;
    expect((await apiSend(stack, 'PUT', '/projects/ferret/default/', { options: { rateLimitPerMinute: rate + 1 } })).status).toBe(200);
    expect(((await store.getProject(before.id)) as any).limitedUntil).toBeUndefined();
    expect((await apiSend(stack, 'PUT', '/projects/ferret/default/', { options: { rateLimitPerMinute: rate } })).status).toBe(200);
  });

  it('renames the slug, frees the old one and refuses a taken one (409)', async () => {
    await apiSend(stack, 'POST', '/organizations/ferret/projects/', { name: 'Slug before' });
    const taken = await apiSend(stack, 'PUT', '/projects/ferret/slug-before/', { slug: 'default' });
    expect(taken.status).toBe(409);
    const moved = await apiSend(stack, 'PUT', '/projects/ferret/slug-before/', { slug: 'slug-after' });
    expect(moved.status).toBe(200);
    expect((await apiGet(stack, '/projects/ferret/slug-after/')).status).toBe(200);
    expect((await apiGet(stack, '/projects/ferret/slug-before/')).status).toBe(404);
    const reused = await apiSend(stack, 'POST', '/organizations/ferret/projects/', { name: 'Slug before' });
    expect(reused.status).toBe(201);
    const slugs = (await apiGet<any[]>(stack, '/organizations/ferret/projects/')).body.map((p) => p.slug);
    expect(slugs.filter((s) => s === 'slug-after' || s === 'slug-before').sort()).toEqual(['slug-after', 'slug-before']);
  });
});

describe('client keys', () => {
  it('creates, renames, disables, enables and revokes a key; ingest follows', async () => {
    await apiSend(stack, 'POST', '/organizations/ferret/projects/', { name: 'Keys project' });
    const created = await apiSend(stack, 'POST', '/projects/ferret/keys-project/keys/', { name: 'Mobile app' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'Mobile app', label: 'Mobile app', isActive: true, public: created.body.id });
    const dsn: string = created.body.dsn.public;
    expect(dsn).toContain(`${created.body.id}@`);
    const listed = await apiGet<any[]>(stack, '/projects/ferret/keys-project/keys/');
    expect(listed.body.map((k) => k.name).sort()).toEqual(['Default', 'Mobile app']);

    expect(await sendTo(dsn, 'through a new key')).toBe(200);

    const renamed = await apiSend(stack, 'PUT', `/projects/ferret/keys-project/keys/${created.body.id}/`, { name: 'iOS app' });
    expect(renamed.body).toMatchObject({ name: 'iOS app', isActive: true });
    const disabled = await apiSend(stack, 'PUT', `/projects/ferret/keys-project/keys/${created.body.id}/`, { isActive: false });
    expect(disabled.body).toMatchObject({ name: 'iOS app', isActive: false });
    // Ingest caches keys for a few seconds: the disabled key is refused once the cache turns over.
    await waitFor(async () => (await sendTo(dsn, 'through a disabled key')) === 403, 'the disabled key to be refused');
    const enabled = await apiSend(stack, 'PUT', `/projects/ferret/keys-project/keys/${created.body.id}/`, { isActive: true });
    expect(enabled.body.isActive).toBe(true);
    await waitFor(async () => (await sendTo(dsn, 'through an enabled key')) === 200, 'the enabled key to be accepted');

    const bad = await apiSend(stack, 'PUT', `/projects/ferret/keys-project/keys/${created.body.id}/`, { isActive: 'no' });
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toContain('isActive');

    const revoked = await call('DELETE', `/projects/ferret/keys-project/keys/${created.body.id}/`, stack.token);
    expect(revoked.status).toBe(204);
    expect((await apiGet(stack, `/projects/ferret/keys-project/keys/${created.body.id}/`)).status).toBe(404);
    await waitFor(async () => (await sendTo(dsn, 'through a revoked key')) === 403, 'the revoked key to be refused');
  });

  it('refuses a never-used revoked key at once, and keys of another project', async () => {
    const created = await apiSend(stack, 'POST', '/projects/ferret/default/keys/', {});
    expect(created.body.name).toBe('Default');
    expect((await call('DELETE', `/projects/ferret/default/keys/${created.body.id}/`, stack.token)).status).toBe(204);
    expect(await sendTo(created.body.dsn.public, 'revoked before use')).toBe(403);
    const other = await apiSend(stack, 'POST', '/organizations/ferret/projects/', { name: 'Key owner' });
    const foreign = (await apiGet<any[]>(stack, `/projects/ferret/${other.body.slug}/keys/`)).body[0].id;
    expect((await apiSend(stack, 'PUT', `/projects/ferret/default/keys/${foreign}/`, { isActive: false })).status).toBe(404);
    expect((await call('DELETE', `/projects/ferret/default/keys/${foreign}/`, stack.token)).status).toBe(404);
  });
});

describe('project list stats', () => {
  it('answers a 24 h series per project with the events counted, and none without statsPeriod', async () => {
    const created = await apiSend(stack, 'POST', '/organizations/ferret/projects/', { name: 'Counted' });
    const dsn = (await apiGet<any[]>(stack, '/projects/ferret/counted/keys/')).body[0].dsn.public;
    for (const m of ['one', 'two', 'two']) expect(await sendTo(dsn, `counted ${m}`)).toBe(200);
    const counted = await waitFor(async () => {
      const { body } = await apiGet<any[]>(stack, '/organizations/ferret/projects/?statsPeriod=24h');
      const p = body.find((x) => x.id === created.body.id);
      const total = p.stats.reduce((a: number, [, n]: [number, number]) => a + n, 0);
      return total === 3 ? p : undefined;
    }, 'three events counted');
    expect(counted.stats).toHaveLength(24);
    expect(counted.stats.at(-1)[1]).toBe(3);
    expect(counted.stats.every(([t]: [number, number]) => Number.isInteger(t) && t % 3600 === 0)).toBe(true);
    const plain = await apiGet<any[]>(stack, '/organizations/ferret/projects/');
    expect(plain.body.find((x) => x.id === created.body.id).stats).toBeUndefined();
    expect((await apiGet(stack, '/organizations/ferret/projects/?statsPeriod=90d')).status).toBe(400);
  });
});

describe('event navigation', () => {
  it('links each event of an issue to its older and newer neighbours, from both ends', async () => {
    await apiSend(stack, 'POST', '/organizations/ferret/projects/', { name: 'Navigation' });
    const dsn = (await apiGet<any[]>(stack, '/projects/ferret/navigation/keys/')).body[0].dsn.public;
    const u = new URL(dsn);
    const ids = ['1', '2', '3'].map((n) => n.repeat(32));
    for (const [i, id] of ids.entries()) {
      const res = await fetch(`${stack.url}/api${u.pathname}/store/?sentry_key=${u.username}&sentry_version=7`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ event_id: id, message: 'the same message', timestamp: 1_790_000_000 + i * 60 }),
      });
      expect(res.status).toBe(200);
      // One at a time, so each is stored in its own batch and all three are kept in full.
      await waitFor(async () => (await apiGet<any[]>(stack, '/projects/ferret/navigation/issues/')).body[0]?.count === String(i + 1), `event ${i + 1} counted`);
    }
    const issue = (await apiGet<any[]>(stack, '/projects/ferret/navigation/issues/')).body[0];
    const get = async (which: string) => (await apiGet(stack, `/organizations/ferret/issues/${issue.id}/events/${which}/`)).body;
    const latest = await get('latest');
    const oldest = await get('oldest');
    expect(new Set([latest.eventID, oldest.eventID]).size).toBe(2);
    expect(latest.nextEventID).toBeNull();
    expect(oldest.previousEventID).toBeNull();
    const middle = await get(latest.previousEventID);
    expect(middle.nextEventID).toBe(latest.eventID);
    expect(middle.previousEventID).toBe(oldest.eventID);
    expect(oldest.nextEventID).toBe(middle.eventID);
    expect([latest.eventID, middle.eventID, oldest.eventID].sort()).toEqual([...ids].sort());
  });
});

describe('issue search by tag', () => {
  it('filters issues by environment and indexed tags, and refuses a tag issues do not index', async () => {
    await apiSend(stack, 'POST', '/organizations/ferret/projects/', { name: 'Tagged' });
    const dsn = new URL((await apiGet<any[]>(stack, '/projects/ferret/tagged/keys/')).body[0].dsn.public);
    const chrome = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
    const firefox = 'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0';
    const send = async (message: string, environment: string, ua: string) => {
      const res = await fetch(`${stack.url}/api${dsn.pathname}/store/?sentry_key=${dsn.username}&sentry_version=7`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ message, environment, platform: 'javascript', request: { url: 'https://app.example/', headers: { 'User-Agent': ua } } }),
      });
      expect(res.status).toBe(200);
    };
    await send('broken in chrome on prod', 'production', chrome);
    await send('broken in firefox on staging', 'staging', firefox);
    await waitFor(async () => (await apiGet<any[]>(stack, '/projects/ferret/tagged/issues/')).body.length === 2, 'two issues');

    const titles = async (query: string) => {
      const res = await apiGet<any[]>(stack, `/projects/ferret/tagged/issues/?query=${encodeURIComponent(query)}`);
      expect(res.status, query).toBe(200);
      return res.body.map((i) => i.title).sort();
    };
    expect(await titles('environment:production')).toEqual(['broken in chrome on prod']);
    expect(await titles('browser:Chrome')).toEqual(['broken in chrome on prod']);
    expect(await titles('browser.name:Firefox')).toEqual(['broken in firefox on staging']);
    expect(await titles('os.name:Linux is:unresolved')).toEqual(['broken in firefox on staging']);
    expect(await titles('environment:staging browser:Chrome')).toEqual([]);
    expect(await titles('browser:"Chrome 120.0.0.0"')).toEqual(['broken in chrome on prod']);

    const refused = await apiGet(stack, `/projects/ferret/tagged/issues/?query=${encodeURIComponent('user:id:42')}`);
    expect(refused.status).toBe(400);
    expect(refused.body.detail).toContain('"user"');
    expect(refused.body.detail).toContain('browser.name');
  });
});

describe('Link header', () => {
  it('pages forward with the next cursor and offers a previous page only where it can', async () => {
    await apiSend(stack, 'POST', '/organizations/ferret/projects/', { name: 'Paged' });
    const dsn = (await apiGet<any[]>(stack, '/projects/ferret/paged/keys/')).body[0].dsn.public;
    for (const m of ['first paged bug', 'second paged bug']) expect(await sendTo(dsn, m)).toBe(200);
    await waitFor(async () => (await apiGet<any[]>(stack, '/projects/ferret/paged/issues/')).body.length === 2, 'two issues');
    const first = await apiGet<any[]>(stack, '/projects/ferret/paged/issues/?limit=1&query=');
    expect(first.body).toHaveLength(1);
    const link = first.headers.get('link')!;
    expect(link).toMatch(/rel="previous"; results="false"/);
    const next = /rel="next"; results="true"; cursor="([^"]+)"/.exec(link)![1]!;
    const second = await apiGet<any[]>(stack, `/projects/ferret/paged/issues/?limit=1&query=&cursor=${encodeURIComponent(next)}`);
    expect(second.body).toHaveLength(1);
    expect(second.body[0].id).not.toBe(first.body[0].id);
    expect(second.headers.get('link')).toMatch(/rel="next"; results="false"/);
    // A previous link, when given, leads to the page before.
    const prev = /rel="previous"; results="true"; cursor="([^"]*)"/.exec(second.headers.get('link')!)?.[1];
    if (prev !== undefined) {
      const back = await apiGet<any[]>(stack, `/projects/ferret/paged/issues/?limit=1&query=&cursor=${encodeURIComponent(prev)}`);
      expect(back.body[0].id).toBe(first.body[0].id);
    }
  });
});

describe('issue list statsPeriod', () => {
  it('answers hourly 24 h series by default, daily 14 d series, none when empty, and refuses others', async () => {
    await apiSend(stack, 'POST', '/organizations/ferret/projects/', { name: 'Stats period' });
    const dsn = (await apiGet<any[]>(stack, '/projects/ferret/stats-period/keys/')).body[0].dsn.public;
    expect(await sendTo(dsn, 'one for the series')).toBe(200);
    await waitFor(async () => (await apiGet<any[]>(stack, '/projects/ferret/stats-period/issues/')).body.length === 1, 'the issue');
    const hourly = await apiGet<any[]>(stack, '/projects/ferret/stats-period/issues/?query=');
    expect(hourly.body[0].stats['24h']).toHaveLength(24);
    const daily = await apiGet<any[]>(stack, '/projects/ferret/stats-period/issues/?query=&statsPeriod=14d');
    const series = daily.body[0].stats['14d'];
    expect(series).toHaveLength(14);
    expect(series[1][0] - series[0][0]).toBe(86_400);
    const total = (s: Array<[number, number]>) => s.reduce((a, [, n]) => a + n, 0);
    expect(total(series)).toBe(1);
    expect(total(hourly.body[0].stats['24h'])).toBe(1);
    const none = await apiGet<any[]>(stack, '/projects/ferret/stats-period/issues/?query=&statsPeriod=');
    expect(none.body[0].stats).toBeUndefined();
    expect((await apiGet(stack, '/projects/ferret/stats-period/issues/?statsPeriod=1y')).status).toBe(400);
  });
});
