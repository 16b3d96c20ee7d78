/**
 * What travels beside errors, from the real @sentry/node SDK to the portal API
 * on the local stack: attachments (downloadable byte for byte), user feedback
 * (new `feedback` items and legacy `user_report`), release health from session
 * updates, client reports as outcomes — and quotas: an SDK over its project's
 * monthly quota gets 429 with `Retry-After` and `X-Sentry-Rate-Limits`, and
 * every refused or dropped event is counted as a `rate_limited` outcome.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '#cdk/local/stack.ts';
import { ENV } from '#shared/infra.ts';
import { apiGet, apiSend } from '../helpers/api.ts';
import { waitFor } from '../helpers/wait.ts';

const run = promisify(execFile);
let stack: LocalStack;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'ferret-intake-'));
  // Every refused request is written at once, so the test can count them exactly.
  process.env[ENV.outcomeFlushSeconds] = '0';
  stack = await startLocalStack({ dataDir, port: 0, quiet: true });
});

afterAll(async () => {
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

interface AppOutput {
  eventId?: string;
  responses: Array<{ items: string[]; statusCode?: number; headers: Record<string, string | null> }>;
}

async function runApp(dsn: string, mode: string): Promise<AppOutput> {
  const { stdout } = await run(process.execPath, [join(import.meta.dirname, 'sdk', 'node-intake-app.cjs')], { env: { ...process.env, SENTRY_DSN: dsn, MODE: mode } });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as AppOutput;
}

async function outcomes(projectId: string): Promise<Array<{ by: Record<string, string>; totals: Record<string, number> }>> {
  const res = await apiGet(stack, `/organizations/ferret/stats_v2/?statsPeriod=2d&interval=1d&field=sum(quantity)&groupBy=outcome&groupBy=category&groupBy=reason&project=${projectId}`);
  expect(res.status).toBe(200);
  return res.body.groups;
}
const total = (groups: Awaited<ReturnType<typeof outcomes>>, match: Record<string, string>) =>
  groups.filter((g) => Object.entries(match).every(([k, v]) => g.by[k] === v)).reduce((a, g) => a + g.totals['sum(quantity)']!, 0);

describe('@sentry/node beside errors', () => {
  let out: AppOutput;
  let issueId: string;

  beforeAll(async () => {
    out = await runApp(stack.dsn, 'intake');
    expect(out.eventId).toMatch(/^[0-9a-f]{32}$/);
    const issue = await waitFor(async () => (await apiGet<any[]>(stack, '/projects/ferret/default/issues/?query=')).body.find((i) => i.title.includes('intake: attachment test')), 'the issue');
    issueId = issue.id;
  });

  it('answers every envelope of the SDK with 200', () => {
    expect(out.responses.length).toBeGreaterThan(3);
    for (const r of out.responses) expect(r.statusCode, r.items.join(',')).toBe(200);
    expect(out.responses.flatMap((r) => r.items)).toEqual(expect.arrayContaining(['event', 'attachment', 'feedback', 'session', 'client_report', 'span']));
  });

  it("lists the event's attachments and serves each byte for byte", async () => {
    const list = await waitFor(async () => {
      const res = await apiGet<any[]>(stack, `/projects/ferret/default/events/${out.eventId}/attachments/`);
      return res.body.length === 2 ? res.body : undefined;
    }, 'two attachments');
    const bin = list.find((a) => a.name === 'report.bin');
    expect(bin).toMatchObject({ event_id: out.eventId, type: 'event.attachment', mimetype: 'application/octet-stream', size: 12 });
    const txt = list.find((a) => a.name === 'notes.txt');
    expect(txt.size).toBe(Buffer.byteLength('first line\nsecond line\n'));

    const meta = await apiGet(stack, `/projects/ferret/default/events/${out.eventId}/attachments/${bin.id}/`);
    expect(meta.body).toMatchObject({ id: bin.id, name: 'report.bin' });
    const download = await fetch(`${stack.url}/api/0/projects/ferret/default/events/${out.eventId}/attachments/${bin.id}/?download=1`, { headers: { authorization: `Bearer ${stack.token}` } });
    expect(download.status).toBe(200);
    expect(download.headers.get('content-disposition')).toBe(`attachment; filename="report.bin"; filename*=UTF-8''report.bin`);
    expect(download.headers.get('content-type')).toBe('application/octet-stream');
    expect([...new Uint8Array(await download.arrayBuffer())]).toEqual([0, 1, 2, 10, 13, 255, 254, 0x7b, 0x0a, 0x7d, 128, 10]);
    const text = await fetch(`${stack.url}/api/0/projects/ferret/default/events/${out.eventId}/attachments/${txt.id}/?download=1`, { headers: { authorization: `Bearer ${stack.token}` } });
    expect(await text.text()).toBe('first line\nsecond line\n');

    // The issue lists its events' attachments too.
    const onIssue = await apiGet<any[]>(stack, `/organizations/ferret/issues/${issueId}/attachments/`);
    expect(onIssue.body.map((a) => [a.name, a.event_id]).sort()).toEqual([['notes.txt', out.eventId], ['report.bin', out.eventId]]);

    const missing = await apiGet(stack, `/projects/ferret/default/events/${out.eventId}/attachments/nope/?download=1`);
    expect(missing.status).toBe(404);
  });

  it('shows the feedback on the project and on the issue of its event', async () => {
    const project = await waitFor(async () => {
      const res = await apiGet<any[]>(stack, '/projects/ferret/default/user-feedback/');
      return res.body.find((f) => f.comments === 'It broke when I clicked save');
    }, 'the feedback');
    expect(project).toMatchObject({ name: 'Ada', email: 'ada@example.com', eventID: out.eventId, issue: { id: issueId } });
    const onIssue = await apiGet<any[]>(stack, `/organizations/ferret/issues/${issueId}/user-reports/`);
    expect(onIssue.body.map((f) => f.comments)).toEqual(['It broke when I clicked save']);
    // The event page shows both beside the event.
    const event = await apiGet(stack, `/organizations/ferret/issues/${issueId}/events/${out.eventId}/`);
    expect(event.body.attachments.map((x: any) => x.name).sort()).toEqual(['notes.txt', 'report.bin']);
    expect(event.body.userReport).toMatchObject({ comments: 'It broke when I clicked save', eventID: out.eventId });
  });

  it('shows a legacy user_report sent after its event on the issue', async () => {
    const dsn = new URL(stack.dsn);
    const envelope = [
      JSON.stringify({ event_id: out.eventId }),
      JSON.stringify({ type: 'user_report' }),
      JSON.stringify({ event_id: out.eventId, name: 'Grace', email: 'grace@example.com', comments: 'Same here.\nTwice.' }),
    ].join('\n');
    const res = await fetch(`${stack.url}/api${dsn.pathname}/envelope/?sentry_key=${dsn.username}`, { method: 'POST', body: envelope });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({});
    const reports = await waitFor(async () => {
      const r = await apiGet<any[]>(stack, `/organizations/ferret/issues/${issueId}/user-reports/`);
      return r.body.length === 2 ? r.body : undefined;
    }, 'the legacy report');
    expect(reports.find((f) => f.name === 'Grace')).toMatchObject({ comments: 'Same here.\nTwice.', eventID: out.eventId });
    expect((await apiGet(stack, `/organizations/ferret/issues/${issueId}/`)).body.userReportCount).toBe(2);
  });

  it('counts the sessions of the release: each state once per session', async () => {
    const release = await waitFor(async () => {
      const res = await apiGet<any[]>(stack, '/projects/ferret/default/releases/');
      const r = res.body.find((x) => x.version === 'intake-app@2.0.0');
      return r && r.projects[0].healthData.totalSessions === 4 ? r : undefined;
    }, 'four sessions');
    expect(release.environments).toEqual(['test']);
    // The SDK's own session from init, the errored one (two updates with errors: 1), the healthy one, the crashed one.
    expect(release.projects[0].healthData).toMatchObject({ totalSessions: 4, sessionsCrashed: 1, sessionsErrored: 1, sessionsAbnormal: 0, healthySessions: 2 });
    expect(release.projects[0].healthData.crashFreeSessions).toBe(75);
  });

  it("records the SDK's client report and the accepted events as outcomes", async () => {
    const groups = await waitFor(async () => {
      const g = await outcomes(stack.installation.projectId);
      return total(g, { outcome: 'client_discard' }) > 0 ? g : undefined;
    }, 'the client report');
    expect(total(groups, { outcome: 'client_discard', category: 'error', reason: 'before_send' })).toBe(1);
    expect(total(groups, { outcome: 'accepted', category: 'error' })).toBeGreaterThanOrEqual(2);
    expect(total(groups, { outcome: 'accepted', category: 'attachment' })).toBeGreaterThanOrEqual(12);
    // This SDK streams spans (`span` items, v2 containers) instead of transactions.
    expect(total(groups, { outcome: 'filtered', category: 'span', reason: 'unsupported_item_type' })).toBe(1);
  });
});

describe('quotas', () => {
  it('refuses an SDK over the monthly quota with 429 and counts every refused event', async () => {
    const created = await apiSend(stack, 'POST', '/organizations/ferret/projects/', { name: 'Quota' });
    expect(created.status).toBe(201);
    const projectId: string = created.body.id;
    const updated = await apiSend(stack, 'PUT', '/projects/ferret/quota/', { options: { monthlyQuota: 3 } });
    expect(updated.status).toBe(200);
    const dsn: string = (await apiGet<any[]>(stack, '/projects/ferret/quota/keys/')).body[0].dsn.public;
    const url = new URL(dsn);
    const send = async (i: number) => {
      const res = await fetch(`${stack.url}/api${url.pathname}/store/?sentry_key=${url.username}`, {
        method: 'POST',
        body: JSON.stringify({ message: `quota message ${i}`, level: 'error' }),
      });
      return res;
    };

    // Five arrive before the grouping step has counted any: three fit, two are dropped there.
    for (let i = 0; i < 5; i++) expect((await send(i)).status).toBe(200);
    let sent = 5;
    // Until ingest's cached project shows the limit, more arrive and are dropped by the grouping step.
    const refused = await waitFor(async () => {
      const res = await send(sent++);
      return res.status === 429 ? res : undefined;
    }, 'a 429', 30_000, 200);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    const body = await refused.json();
    expect(body.detail).toContain('monthly event quota');
    expect(refused.headers.get('x-sentry-rate-limits')).toBe(`${refused.headers.get('retry-after')}:default;error;security:project:project_quota`);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);

    const app = await runApp(dsn, 'limited');
    const first = app.responses.find((r) => r.items.includes('event'))!;
    expect(first.statusCode).toBe(429);
    expect(first.headers['x-sentry-rate-limits']).toMatch(/^\d+:default;error;security:project:project_quota$/);
    // The SDK held its second error back and said so in a client report, which the limit lets through.
    expect(app.responses.filter((r) => r.items.includes('event') && r.statusCode !== undefined)).toHaveLength(1);
    const report = app.responses.find((r) => r.items.includes('client_report'));
    expect(report?.statusCode).toBe(200);
    sent += 1;

    // Nothing lost silently: every event sent is either counted on an issue or a rate-limited outcome.
    const groups = await waitFor(async () => {
      const g = await outcomes(projectId);
      return total(g, { outcome: 'rate_limited' }) === sent - 3 && total(g, { outcome: 'client_discard' }) > 0 ? g : undefined;
    }, 'every refused event counted');
    expect(total(groups, { outcome: 'rate_limited', category: 'error', reason: 'project_quota' })).toBe(sent - 3);
    expect(total(groups, { outcome: 'accepted' })).toBe(3);
    expect(total(groups, { outcome: 'client_discard', category: 'error', reason: 'ratelimit_backoff' })).toBe(1);
    // The messages differ only by a number: one issue, counting the three events that fit (outcomes are written after issues).
    const issues = await apiGet<any[]>(stack, '/projects/ferret/quota/issues/?query=');
    expect(issues.body.map((i) => i.count)).toEqual(['3']);
  });

  it("refuses a DSN key over its own rate limit in the key's scope, while the project's other keys still send", async () => {
    const created = await apiSend(stack, 'POST', '/projects/ferret/default/keys/', { name: 'Limited' });
    expect(created.status).toBe(201);
    const limited = await apiSend(stack, 'PUT', `/projects/ferret/default/keys/${created.body.id}/`, { rateLimit: { window: 86_400, count: 2 } });
    expect(limited.body.rateLimit).toEqual({ window: 86_400, count: 2 });
    const bad = await apiSend(stack, 'PUT', `/projects/ferret/default/keys/${created.body.id}/`, { rateLimit: { window: 0, count: 2 } });
    expect(bad.status).toBe(400);
    const send = async (key: string, i: number) =>
      fetch(`${stack.url}/api/${stack.installation.projectId}/store/?sentry_key=${key}`, { method: 'POST', body: JSON.stringify({ message: `key limited ${i}` }) });
    let i = 0;
    const refused = await waitFor(async () => {
      const res = await send(created.body.id, i++);
      return res.status === 429 ? res : undefined;
    }, 'a 429 for the key', 30_000, 200);
    expect(i).toBeGreaterThan(2);
    expect(refused.headers.get('x-sentry-rate-limits')).toMatch(/^\d+:default;error;security:key:key_quota$/);
    expect((await refused.json()).detail).toContain('key');
    expect((await send(new URL(stack.dsn).username, 0)).status).toBe(200);
  });
});
