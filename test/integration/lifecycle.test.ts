/**
 * The issue lifecycle on the local stack: storms count exactly, resolved issues
 * regress, ignored issues reappear, issues merge, and poison goes to the
 * dead-letter queue with its reason while the rest of its batch is processed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '#cdk/local/stack.ts';
import { CONFIG_CACHE_MS } from '#shared/pipeline/group.ts';
import { LOCAL_NAMES } from '#cdk/local/emulators.ts';
import { DynamoStore } from '#functions/lib/dynamo.ts';
import { EVENTS_STORED_PER_HOUR } from '#shared/pipeline/ledger.ts';
import { apiGet, apiSend, inbox } from '../helpers/api.ts';
import { waitFor } from '../helpers/wait.ts';
import { bugEvent, inParallel, postEvent, queueMessage } from '../unit/pipeline/events.ts';

let stack: LocalStack;
let dataDir: string;
let store: DynamoStore;
const PROJECT = '/projects/ferret/default';

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'ferret-lifecycle-'));
  stack = await startLocalStack({ dataDir, port: 0, quiet: true, visibilityTimeoutSeconds: 2 });
  store = new DynamoStore(LOCAL_NAMES.table);
});

afterAll(async () => {
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const send = (event: Record<string, unknown>) => postEvent(stack.url, stack.installation.projectId, stack.installation.publicKey, event);

async function issueOf(bug: string, query = '') {
  const { body } = await apiGet<any[]>(stack, `${PROJECT}/issues/?query=${encodeURIComponent(query)}&limit=100`);
  return body.find((i) => String(i.title).includes(`${bug} is not a function`));
}

async function issueWithCount(bug: string, count: number, query = '') {
  return waitFor(async () => {
    const i = await issueOf(bug, query);
    return i && Number(i.count) === count ? i : undefined;
  }, `${bug} counted ${count} times`, 60_000, 200);
}

const mailsAbout = async (issueId: string) => (await inbox(stack)).filter((m) => (m.body.text ?? '').includes(`/issues/${issueId}/`));

describe('the issue lifecycle', () => {
  it('counts a storm of 1,000 events of one bug, with redelivered duplicates, on one issue exactly', async () => {
    const events = Array.from({ length: 1000 }, (_, i) => bugEvent({ bug: 'stormy', user: `user-${i % 7}` }));
    await inParallel(events, 16, async (e) => expect(await send(e)).toBe(200));
    // An SDK that retries sends the same event ids again: they must change nothing.
    await inParallel(events.slice(0, 50), 16, (e) => send(e));
    const issue = await issueWithCount('stormy', 1000);
    await new Promise((r) => setTimeout(r, 1500));
    const after = await issueOf('stormy');
    expect(after.count).toBe('1000');
    expect(after.userCount).toBe(7);

    const stats = await apiGet<Array<[number, number]>>(stack, `/organizations/ferret/issues/${issue.id}/stats/?period=24h`);
    expect(stats.body.reduce((sum, [, n]) => sum + n, 0)).toBe(1000);
    // Only a bounded sample is stored in full (a few concurrent batches may pass the line together).
    const stored = await store.doc.send(
      new QueryCommand({ TableName: LOCAL_NAMES.table, IndexName: 'gsi2', KeyConditionExpression: 'gsi2pk = :p', ExpressionAttributeValues: { ':p': `ISSUE#${issue.id}#EVENTS` }, Select: 'COUNT' }),
    );
    expect(stored.Count).toBeGreaterThanOrEqual(EVENTS_STORED_PER_HOUR);
    expect(stored.Count).toBeLessThan(EVENTS_STORED_PER_HOUR + 200);
    const mails = await mailsAbout(issue.id);
    expect(mails).toHaveLength(1);
  });

  it('reopens a resolved issue as regressed and alerts when the error comes back', async () => {
    await send(bugEvent({ bug: 'phoenix' }));
    const issue = await issueWithCount('phoenix', 1);
    await waitFor(async () => (await mailsAbout(issue.id)).length === 1, 'the new-issue email');
    const resolved = await apiSend(stack, 'PUT', `/organizations/ferret/issues/${issue.id}/`, { status: 'resolved' });
    expect(resolved.status).toBe(200);

    await send(bugEvent({ bug: 'phoenix' }));
    const regressed = await issueWithCount('phoenix', 2);
    expect(regressed).toMatchObject({ status: 'unresolved', substatus: 'regressed' });
    const mails = await waitFor(async () => {
      const m = await mailsAbout(issue.id);
      return m.length === 2 ? m : undefined;
    }, 'the regression email');
    expect(mails.some((m) => (m.body.text ?? '').includes('Regression'))).toBe(true);
  });

  it('keeps an issue resolved in the next release for events of that release, and regresses it on a newer one', async () => {
    await send(bugEvent({ bug: 'nextrel', release: 'app@1.0' }));
    const issue = await issueWithCount('nextrel', 1);
    await apiSend(stack, 'PUT', `/organizations/ferret/issues/${issue.id}/`, { status: 'resolved', statusDetails: { inNextRelease: true } });

    await send(bugEvent({ bug: 'nextrel', release: 'app@1.0' }));
    const same = await issueWithCount('nextrel', 2, 'is:resolved');
    expect(same.status).toBe('resolved');

    await send(bugEvent({ bug: 'nextrel', release: 'app@1.1' }));
    const newer = await issueWithCount('nextrel', 3);
    expect(newer).toMatchObject({ status: 'unresolved', substatus: 'regressed' });
  });

  it('brings an issue ignored until 3 more events back as reappeared, and alerts when a rule asks', async () => {
    const rule = await apiSend(stack, 'POST', `${PROJECT}/rules/`, {
      name: 'Reappeared issues',
      actionMatch: 'any',
      conditions: [{ id: 'reappeared' }],
      actions: [{ id: 'email', targetType: 'members' }],
      frequencyMinutes: 5,
    });
    expect(rule.status).toBe(201);
    // The grouping step reads a project's rules through a cache: events of the last few seconds
    // may have loaded them just before the rule existed. The rule applies once that entry expires.
    await new Promise((r) => setTimeout(r, CONFIG_CACHE_MS));
    await send(bugEvent({ bug: 'sleeper' }));
    const issue = await issueWithCount('sleeper', 1);
    await apiSend(stack, 'PUT', `/organizations/ferret/issues/${issue.id}/`, { status: 'ignored', statusDetails: { ignoreCount: 3 } });

    for (let i = 0; i < 2; i++) await send(bugEvent({ bug: 'sleeper' }));
    const still = await issueWithCount('sleeper', 3, 'is:ignored');
    expect(still.status).toBe('ignored');

    await send(bugEvent({ bug: 'sleeper' }));
    const back = await issueWithCount('sleeper', 4);
    expect(back.status).toBe('unresolved');
    const mails = await waitFor(async () => {
      const m = (await mailsAbout(issue.id)).filter((x) => (x.body.text ?? '').includes('Issue came back'));
      return m.length > 0 ? m : undefined;
    }, 'the reappeared email');
    expect(mails).toHaveLength(1);
    expect(mails[0]!.body.text).toContain('Reappeared issues');
    await apiSend(stack, 'DELETE', `${PROJECT}/rules/${rule.body.id}/`);
  });

  it('merges issues: counts move, the other is hidden, its fingerprint and events follow the survivor', async () => {
    for (let i = 0; i < 3; i++) await send(bugEvent({ bug: 'mergeA' }));
    await send(bugEvent({ bug: 'mergeB' }));
    const a = await issueWithCount('mergeA', 3);
    const b = await issueWithCount('mergeB', 1);

    const merged = await apiSend(stack, 'PUT', `${PROJECT}/issues/?id=${a.id}&id=${b.id}`, { merge: 1 });
    expect(merged.status).toBe(200);
    expect(merged.body).toEqual({ merge: { parent: a.id, children: [b.id] } });
    const survivor = await issueWithCount('mergeA', 4);
    expect(await issueOf('mergeB')).toBeUndefined();

    // The survivor's title follows its latest event, as in Sentry: look it up by id from here on.
    await send(bugEvent({ bug: 'mergeB' }));
    const byId = async () => (await apiGet(stack, `/organizations/ferret/issues/${survivor.id}/`)).body;
    await waitFor(async () => (await byId()).count === '5', 'the merged fingerprint counted on the survivor');
    const events = await apiGet<any[]>(stack, `/organizations/ferret/issues/${survivor.id}/events/`);
    expect(events.body).toHaveLength(5);
    const oldEvent = await apiGet(stack, `/organizations/ferret/issues/${survivor.id}/events/latest/`);
    expect(oldEvent.status).toBe(200);
    const again = await apiSend(stack, 'PUT', `${PROJECT}/issues/?id=${a.id}&id=${b.id}`, { merge: 1 });
    expect(again.status).toBe(200);
    expect((await byId()).count).toBe('5');
  });

  it('moves poison messages to the dead-letter queue with their reason and processes the rest of the batch', async () => {
    const sqs = new SQSClient({});
    const good = bugEvent({ bug: 'neighbour' });
    const bodies = [
      '{not json',
      JSON.stringify(queueMessage('999999', bugEvent({ bug: 'orphan' }))),
      JSON.stringify({ ...queueMessage(stack.installation.projectId, {}), items: [{ type: 'event', headers: {}, text: '[1, 2, 3]' }] }),
      JSON.stringify(queueMessage(stack.installation.projectId, good)),
    ];
    await Promise.all(bodies.map((MessageBody) => sqs.send(new SendMessageCommand({ QueueUrl: stack.emulators.queueUrl, MessageBody }))));
    await issueWithCount('neighbour', 1);

    const reasons = new Map<string, string>();
    await waitFor(async () => {
      const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: stack.emulators.dlqUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'], WaitTimeSeconds: 1 }));
      for (const m of out.Messages ?? []) {
        reasons.set(m.Body!, m.MessageAttributes?.['reason']?.StringValue ?? '');
        await sqs.send(new DeleteMessageCommand({ QueueUrl: stack.emulators.dlqUrl, ReceiptHandle: m.ReceiptHandle! }));
      }
      return reasons.size >= 3;
    }, 'three dead letters', 30_000);
    sqs.destroy();
    expect(reasons.get(bodies[0]!)).toBe('message body is not JSON');
    expect(reasons.get(bodies[1]!)).toBe('project 999999 no longer exists');
    expect(reasons.get(bodies[2]!)).toMatch(/^event could not be normalized/);
    expect(reasons.has(bodies[3]!)).toBe(false);
  });
});
