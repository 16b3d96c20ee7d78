/**
 * Untrusted input on the portal API: every write route answers malformed
 * bodies with a 400 whose detail names what was wrong — never a 500 — and
 * every read route survives malformed queries the same way.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi, type ApiDeps } from '#shared/api/routes.ts';
import { DynamoStore } from '#functions/lib/dynamo.ts';
import { DynamoMemberStore } from '#functions/lib/dynamo-members.ts';
import { LOCAL_NAMES } from '#cdk/local/emulators.ts';
import { startLocalStack, type LocalStack } from '#cdk/local/stack.ts';
import { apiGet, apiSend } from '../helpers/api.ts';
import { waitFor } from '../helpers/wait.ts';

let stack: LocalStack;
let dataDir: string;
const SPARE_KEY = 'e'.repeat(32);
const params: Record<string, string> = { org: 'ferret', project: 'default', team: 'ferret', eventId: 'd'.repeat(32), keyId: SPARE_KEY, ruleId: 'default', tokenId: '999999', key: 'level', attachmentId: '1' };

/** Routes that read no body: a JSON body of the wrong shape is ignored there, not refused. */
const NO_BODY = new Set([
  'DELETE /projects/{org}/{project}/keys/{keyId}',
  'DELETE /organizations/{org}/issues/{id}',
  'DELETE /projects/{org}/{project}/rules/{ruleId}',
  'DELETE /organizations/{org}/members/{memberId}',
  'POST /teams/{org}/{team}/members/{memberId}',
  'DELETE /teams/{org}/{team}/members/{memberId}',
  'POST /projects/{org}/{project}/teams/{team}',
  'DELETE /projects/{org}/{project}/teams/{team}',
  'DELETE /api-tokens/{tokenId}',
]);

/** A body of the right JSON type with a wrong field, per route, and the field the detail must name. */
const WRONG_FIELD: Record<string, [body: unknown, field: string]> = {
  'POST /organizations/{org}/projects': [{ name: 5 }, 'name'],
  'POST /teams/{org}/{team}/projects': [{ name: ['x'] }, 'name'],
  'PUT /projects/{org}/{project}': [{ options: { retentionDays: 'long' } }, 'retentionDays'],
  'POST /projects/{org}/{project}/keys': [{ name: { a: 1 } }, 'name'],
  'PUT /projects/{org}/{project}/keys/{keyId}': [{ isActive: 'yes' }, 'isActive'],
  'PUT /projects/{org}/{project}/issues': [{ status: 7 }, 'status'],
  'PUT /organizations/{org}/issues/{id}': [{ status: 'resolved', statusDetails: 'soon' }, 'statusDetails'],
  'POST /projects/{org}/{project}/rules': [{ name: 'r', conditions: 'x', actions: [] }, 'conditions'],
  'PUT /projects/{org}/{project}/rules/{ruleId}': [{ name: 'r', conditions: [], actions: 'email' }, 'actions'],
  'POST /organizations/{org}/members': [{ email: 'not-an-email' }, 'email'],
  'PUT /organizations/{org}/members/{memberId}': [{ orgRole: 'god' }, 'orgRole'],
  'POST /organizations/{org}/teams': [{ name: 'Ok', slug: 'Bad Slug!' }, 'slug'],
  'POST /api-tokens': [{ scopes: ['root:all'] }, 'scopes'],
  'DELETE /api-tokens': [{ tokenId: { id: 1 } }, 'tokenId'],
};

/** Query parameters a route needs to reach its body check. */
const QUERY: Record<string, () => string> = { 'PUT /projects/{org}/{project}/issues': () => `?id=${params['id']}` };
const routes = () =>
  createApi({} as ApiDeps).routes.map((r) => {
    const key = `${r.method} ${r.path}`;
    return { ...r, key, url: r.path.replace(/\{(\w+)\}/g, (_, k: string) => params[k]!) + (QUERY[key]?.() ?? '') };
  });

async function raw(method: string, path: string, body: string | undefined) {
  const init: RequestInit = { method, headers: { authorization: `Bearer ${stack.token}`, 'content-type': 'application/json' } };
  if (body !== undefined) init.body = body;
  const res = await fetch(`${stack.url}/api/0${path}`, init);
  const text = await res.text();
  let json: { detail?: unknown } | null = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    // asserted below
  }
  return { status: res.status, json, text };
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'ferret-validation-'));
  stack = await startLocalStack({ dataDir, port: 0 });
  const store = new DynamoStore(LOCAL_NAMES.table);
  const project = await store.getProjectBySlug('ferret', 'default');
  await store.putKey({ publicKey: SPARE_KEY, projectId: project!.id, label: 'Spare', isActive: true, dateCreated: new Date().toISOString() });
  const invited = await apiSend(stack, 'POST', '/organizations/ferret/members/', { email: 'val@example.com' });
  params['memberId'] = invited.body.id;
  const dsn = new URL(stack.dsn);
  await fetch(`${stack.url}/api${dsn.pathname}/store/?sentry_key=${dsn.username}&sentry_version=7`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ event_id: params['eventId'], platform: 'python', level: 'error', exception: { values: [{ type: 'ValidationProbe', value: 'x' }] } }),
  });
  params['id'] = (await waitFor(async () => (await apiGet<any[]>(stack, '/projects/ferret/default/issues/')).body.find((i) => i.title.startsWith('ValidationProbe')), 'the issue')).id;
  expect(await new DynamoMemberStore(LOCAL_NAMES.table).getMember('ferret', params['memberId']!)).toBeDefined();
});

afterAll(async () => {
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

let tried = 0;
function expect400(res: { status: number; json: { detail?: unknown } | null; text: string }, what: string, field?: string) {
  tried++;
  expect(res.status, `${what} → ${res.text}`).toBe(400);
  expect(typeof res.json?.detail, `${what}: a JSON detail`).toBe('string');
  if (field) expect(String(res.json!.detail), `${what}: the detail names ${field}`).toContain(field);
}

describe('portal API input validation', () => {
  const writes = () => routes().filter((r) => r.method !== 'GET');

  it('has a wrong-field case for every write route that reads a body', () => {
    for (const r of writes()) if (!NO_BODY.has(r.key)) expect(WRONG_FIELD[r.key], `${r.key} has no wrong-field case`).toBeDefined();
  });

  it('answers a body that is not JSON with 400 on every write route', async () => {
    for (const r of writes()) expect400(await raw(r.method, r.url, '{"name": "x",'), `${r.key} with broken JSON`, 'body');
  });

  it('answers bodies of the wrong JSON type with 400 on every write route that reads one', async () => {
    for (const r of writes().filter((x) => !NO_BODY.has(x.key))) {
      for (const body of ['[1,2]', '"text"', '42', 'true']) expect400(await raw(r.method, r.url, body), `${r.key} with ${body}`);
    }
  });

  it('answers a wrong field with 400 naming it, and changes nothing', async () => {
    const before = JSON.stringify((await apiGet(stack, '/projects/ferret/default/')).body);
    for (const r of writes().filter((x) => !NO_BODY.has(x.key))) {
      const [body, field] = WRONG_FIELD[r.key]!;
      expect400(await raw(r.method, r.url, JSON.stringify(body)), `${r.key} with ${JSON.stringify(body)}`, field);
    }
    expect(JSON.stringify((await apiGet(stack, '/projects/ferret/default/')).body)).toBe(before);
    expect((await apiGet<any[]>(stack, '/organizations/ferret/members/')).body.map((m) => m.email)).not.toContain('not-an-email');
  });

  it('answers huge and control-character strings with 400, not 500', async () => {
    const huge = 'x'.repeat(100_000);
    for (const [key, body, field] of [
      ['POST /organizations/{org}/projects', { name: huge }, 'name'],
      ['POST /organizations/{org}/teams', { name: 'a\u0000b' }, 'name'],
      ['POST /organizations/{org}/members', { email: `${huge}@example.com` }, 'email'],
      ['POST /api-tokens', { scopes: ['event:read'], name: huge }, 'name'],
    ] as const) {
      const r = routes().find((x) => x.key === key)!;
      expect400(await raw(r.method, r.url, JSON.stringify(body)), `${key} with a huge or control string`, field);
    }
  });

  it('refuses malformed queries with 400 naming the parameter, and never fails on any query', async () => {
    for (const [path, field] of [
      ['/projects/ferret/default/issues/?limit=abc', 'limit'],
      ['/projects/ferret/default/issues/?limit=100000', 'limit'],
      ['/projects/ferret/default/issues/?sort=loudest', 'sort'],
      ['/projects/ferret/default/issues/?query=level:loud', 'level'],
      [`/organizations/ferret/issues/${params['id']}/stats/?period=9y`, 'period'],
      ['/organizations/ferret/projects/?statsPeriod=9y', 'statsPeriod'],
    ] as const) {
      expect400(await raw('GET', path, undefined), `GET ${path}`, field);
    }
    const garbage = '?cursor=%E0%A4%A&limit=-1&query=%22&statsPeriod=&period=&sort=&id=%00';
    for (const r of routes().filter((x) => x.method === 'GET')) {
      const res = await raw('GET', `${r.url}${garbage}`, undefined);
      tried++;
      expect(res.status, `GET ${r.key} with garbage query → ${res.text}`).toBeLessThan(500);
      expect(res.json, `GET ${r.key}: JSON answer`).not.toBeNull();
    }
  });

  /** Objects made of the field names the routes read, with any JSON values: reaches past the first check. */
  const fieldsBody = fc.dictionary(
    fc.constantFrom('name', 'slug', 'email', 'orgRole', 'role', 'teams', 'teamRoles', 'scopes', 'expiresAt', 'organization', 'tokenId', 'status', 'statusDetails', 'options', 'isActive', 'conditions', 'actions', 'actionMatch', 'frequency', 'merge', 'platform', 'sendInvite', 'label'),
    fc.jsonValue({ maxDepth: 2 }),
  );

  it('never answers 5xx to arbitrary JSON bodies on any write route (fuzz)', async () => {
    const targets = writes().filter((x) => !NO_BODY.has(x.key));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...targets), fc.oneof(fc.jsonValue({ maxDepth: 3 }), fieldsBody), async (r, body) => {
        const res = await raw(r.method, r.url, JSON.stringify(body));
        tried++;
        expect(res.status, `${r.key} with ${JSON.stringify(body).slice(0, 200)} → ${res.text.slice(0, 200)}`).toBeLessThan(500);
        if (res.status >= 400) expect(typeof res.json?.detail).toBe('string');
      }),
      { numRuns: 300 },
    );
  });

  it('reports how many malformed inputs were tried', () => {
    console.info(`validation: ${writes().length} write routes, ${routes().length - writes().length} read routes, ${tried} malformed inputs tried (300 of them fuzzed), none answered 5xx`);
    expect(tried).toBeGreaterThan(writes().length * 2);
  });
});
