/**
 * Webhook actions on the local stack, posting to a receiver on loopback (which
 * the local stack's configuration allows): a new issue is posted once, with
 * the Sentry-like body; a receiver that fails and recovers gets exactly one
 * successful delivery for the window, and the rule's email is not repeated.
 */
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '#cdk/local/stack.ts';
import { apiSend, inbox } from '../helpers/api.ts';
import { waitFor } from '../helpers/wait.ts';
import { bugEvent, postEvent } from '../unit/pipeline/events.ts';

interface Delivery {
  path: string;
  status: number;
  headers: IncomingMessage['headers'];
  body: any;
  raw: string;
}

let stack: LocalStack;
let dataDir: string;
let receiver: Server;
let receiverUrl: string;
const deliveries: Delivery[] = [];
/** Answers still to fail, by path. */
const failuresLeft = new Map<string, number>();
const PROJECT = '/projects/ferret/default';
let rules: Record<'fresh' | 'flaky' | 'gone', { id: string }>;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'ferret-webhooks-'));
  stack = await startLocalStack({ dataDir, port: 0, quiet: true, visibilityTimeoutSeconds: 2 });
  receiver = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '';
      const left = failuresLeft.get(path) ?? 0;
      const status = left > 0 ? 500 : 200;
      if (left > 0) failuresLeft.set(path, left - 1);
      const raw = Buffer.concat(chunks).toString('utf8');
      deliveries.push({ path, status, headers: { ...req.headers, 'x-received-at': new Date().toISOString() }, body: JSON.parse(raw), raw });
      res.writeHead(status).end(status === 200 ? 'ok' : 'down for maintenance');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  // Rules are created before any event: the grouping step caches a project's rules for a few seconds.
  rules = { fresh: await hookRule('fresh', `${receiverUrl}/fresh`, SECRET), flaky: await hookRule('flaky'), gone: await hookRule('gone', `${stack.url}/no-such-webhook`) };
});

afterAll(async () => {
  await stack?.stop();
  receiver?.closeAllConnections();
  await new Promise((r) => receiver?.close(r));
  rmSync(dataDir, { recursive: true, force: true });
});

const send = (event: Record<string, unknown>) => postEvent(stack.url, stack.installation.projectId, stack.installation.publicKey, event);

/** A rule that posts new issues tagged `hook=<tag>` to the receiver's `/<tag>` and emails one address. */
const SECRET = 'fresh-signing-secret-0123456789';

async function hookRule(tag: string, url = `${receiverUrl}/${tag}`, secret?: string) {
  const res = await apiSend(stack, 'POST', `${PROJECT}/rules/`, {
    name: `Post ${tag}`,
    actionMatch: 'any',
    conditions: [{ id: 'first_seen' }],
    filters: [{ id: 'tag', key: 'hook', value: tag }],
    actions: [
      { id: 'webhook', url, secret },
      { id: 'email', targetType: 'addresses', addresses: [`${tag}@example.com`] },
    ],
    frequency: 30,
  });
  expect(res.status).toBe(201);
  return res.body as { id: string };
}

const to = (path: string) => deliveries.filter((d) => d.path === path);
const mailsTo = async (address: string) => (await inbox(stack)).filter((m) => m.destination.to.includes(address));
const settle = () => new Promise((r) => setTimeout(r, 3_000));

describe('webhook actions', () => {
  it('posts a new issue once, with chat text and the Sentry-like body', async () => {
    const rule = rules.fresh;
    await send({ ...bugEvent({ bug: 'hooked' }), tags: { hook: 'fresh' }, environment: 'production' });
    const [delivery] = await waitFor(() => to('/fresh').length > 0 && to('/fresh'), 'the webhook POST', 30_000);
    expect(delivery!.status).toBe(200);
    expect(delivery!.headers['content-type']).toBe('application/json');
    expect(delivery!.headers['sentry-hook-resource']).toBe('event_alert');
    // Signed as Sentry signs: HMAC-SHA256 of the body with the rule's secret, in hex.
    expect(delivery!.headers['sentry-hook-signature']).toBe(createHmac('sha256', SECRET).update(delivery!.raw).digest('hex'));
    const body = delivery!.body;
    expect(body.text).toContain('*New issue*');
    expect(body.text).toContain('hooked is not a function');
    expect(body.action).toBe('triggered');
    expect(body.data.reason).toBe('new');
    expect(body.data.triggered_rule).toBe('Post fresh');
    expect(body.data.issue_alert.id).toBe(rule.id);
    expect(body.data.issue).toMatchObject({ title: 'TypeError: hooked is not a function', count: 1, status: 'unresolved' });
    expect(body.data.event).toMatchObject({ environment: 'production', level: 'error', platform: 'node' });
    expect(body.data.event.tags).toContainEqual(['hook', 'fresh']);
    expect(body.data.event.exception.values[0].stacktrace.frames.at(-1)).toMatchObject({ function: 'hooked', filename: 'app/hooked.js', lineno: 10, in_app: true });
    expect(body.url).toBe(`${stack.url}/organizations/ferret/issues/${body.data.issue.id}/`);

    // More of the same issue inside the window: no second POST.
    await send({ ...bugEvent({ bug: 'hooked' }), tags: { hook: 'fresh' } });
    await waitFor(async () => (await mailsTo('fresh@example.com')).length === 1 || undefined, 'the rule email');
    await settle();
    expect(to('/fresh')).toHaveLength(1);
    expect(await mailsTo('fresh@example.com')).toHaveLength(1);
  });

  it('retries a receiver that fails with 500 until it recovers: one successful delivery, one email', async () => {
    failuresLeft.set('/flaky', 2);
    await send({ ...bugEvent({ bug: 'flaky' }), tags: { hook: 'flaky' } });
    await waitFor(() => to('/flaky').some((d) => d.status === 200), 'the delivery after the receiver recovered', 45_000);
    await settle();
    const all = to('/flaky');
    expect(all.map((d) => d.status)).toEqual([500, 500, 200]);
    expect(all[2]!.headers['sentry-hook-signature']).toBeUndefined();
    // Every attempt is the same alert: one request id for the window.
    expect(new Set(all.map((d) => d.headers['request-id'])).size).toBe(1);
    expect(all[2]!.body.data.issue.count).toBe(1);
    // The email went out on the first attempt and is not repeated by the retries.
    expect(await mailsTo('flaky@example.com')).toHaveLength(1);
    // Nor did the failing webhook hold back the default rule's email until the retry.
    const issueId = all[2]!.body.data.issue.id;
    const defaultMail = (await inbox(stack)).filter((m) => m.destination.to.includes('team@localhost') && (m.body.text ?? '').includes(`/issues/${issueId}/`));
    expect(defaultMail).toHaveLength(1);
    // (The inbox stamps whole seconds; two retries lie between the first attempt and the delivery.)
    expect((defaultMail[0]!.at + 1) * 1000).toBeLessThanOrEqual(Date.parse(String(all[2]!.headers['x-received-at'])));
  });

  it('does not retry a receiver that refuses the request with a 4xx', async () => {
    const failuresBefore = stack.poller.stats.failures;
    await send({ ...bugEvent({ bug: 'gone' }), tags: { hook: 'gone' } });
    // The rule's email shows the batch was processed; the refusal did not make it retry.
    await waitFor(async () => (await mailsTo('gone@example.com')).length === 1 || undefined, 'the rule email');
    await settle();
    expect(await mailsTo('gone@example.com')).toHaveLength(1);
    expect(stack.poller.stats.failures).toBe(failuresBefore);
  });
});

describe('the rules API', () => {
  it('takes and answers Sentry’s rule shape; an answer sent back with PUT changes nothing', async () => {
    const body = {
      name: 'Imported from Sentry',
      actionMatch: 'any',
      filterMatch: 'all',
      frequency: 60,
      environment: 'production',
      conditions: [
        { id: 'sentry.rules.conditions.first_seen_event.FirstSeenEventCondition' },
        { id: 'sentry.rules.conditions.event_frequency.EventFrequencyCondition', value: 100, interval: '1h', comparisonType: 'count' },
      ],
      filters: [{ id: 'sentry.rules.filters.level.LevelFilter', match: 'gte', level: '40' }],
      actions: [
        { id: 'sentry.mail.actions.NotifyEmailAction', targetType: 'IssueOwners', fallthroughType: 'ActiveMembers' },
        { id: 'sentry.rules.actions.notify_event_service.NotifyEventServiceAction', service: 'webhooks', url: 'https://chat.example.com/hooks/1' },
      ],
      status: 'disabled',
    };
    const created = await apiSend(stack, 'POST', `${PROJECT}/rules/`, body);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'Imported from Sentry', frequency: 60, environment: 'production', status: 'disabled', projects: ['default'] });
    expect(created.body.conditions[1]).toMatchObject({ id: body.conditions[1]!.id, value: 100, interval: '1h' });
    expect(created.body.actions[1]).toMatchObject({ service: 'webhooks', url: 'https://chat.example.com/hooks/1' });

    const one = await apiSend(stack, 'GET', `${PROJECT}/rules/${created.body.id}/`);
    expect(one).toEqual({ status: 200, body: created.body });
    const put = await apiSend(stack, 'PUT', `${PROJECT}/rules/${created.body.id}/`, one.body);
    expect(put).toEqual({ status: 200, body: created.body });
    const listed = await apiSend(stack, 'GET', `${PROJECT}/rules/`);
    expect(listed.body.find((r: { id: string }) => r.id === created.body.id)).toEqual(created.body);

    const bad = await apiSend(stack, 'PUT', `${PROJECT}/rules/${created.body.id}/`, { ...body, actions: [{ id: 'sentry.mail.actions.NotifyEmailAction', targetType: 'Team', targetIdentifier: '1' }] });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('Team is not supported');
    expect((await apiSend(stack, 'GET', `${PROJECT}/rules/nope/`)).status).toBe(404);
    expect((await apiSend(stack, 'DELETE', `${PROJECT}/rules/${created.body.id}/`)).status).toBe(202);
  });
});
