/**
 * Fault drills on the local stack: a crash between any two writes of the
 * grouping step, SES failing for a while, and the DynamoDB endpoint refusing
 * connections or losing responses. Every drill ends with exact counts: no
 * event lost, none counted twice, one alert per window.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_NAMES } from '#cdk/local/emulators.ts';
import { startPoller, type Poller } from '#cdk/local/poller.ts';
import type { LocalStack } from '#cdk/local/stack.ts';
import { SesMailer } from '#functions/lib/aws.ts';
import { DynamoStore } from '#functions/lib/dynamo.ts';
import type { GroupDeps } from '#shared/pipeline/group.ts';
import { FUNCTIONS } from '#shared/infra.ts';
import type { Mail, Mailer } from '#shared/ports.ts';
import { inbox } from '../helpers/api.ts';
import { startDrillStack, type DrillStack } from '../helpers/drill-stack.ts';
import { waitFor } from '../helpers/wait.ts';
import { bugEvent, inParallel, postEvent, record, redelivery } from '../unit/pipeline/events.ts';

let drill: DrillStack;
let stack: LocalStack;
let store: DynamoStore;
let groupModule: DrillStack['groupModule'];
let projectId: string;

beforeAll(async () => {
  drill = await startDrillStack('faults', { visibilityTimeoutSeconds: 2 });
  ({ stack, store, groupModule, projectId } = drill);
  // The drills run their own event source mapping with faulty ports.
  await stack.poller.stop();
});

afterAll(async () => {
  await drill?.stop();
});

function grouper(overrides: Partial<GroupDeps>) {
  return drill.grouper(overrides);
}

async function issueCount(bug: string): Promise<{ id: string; count: number; userCount: number } | undefined> {
  const { issues } = await store.listIssues(projectId, { sort: 'date', limit: 100 });
  const issue = issues.find((i) => i.title.includes(`${bug} is not a function`));
  return issue && { id: issue.id, count: issue.count, userCount: issue.userCount };
}

/** The EVENT items (claims and stored events) of the records' events, in order; undefined where there is none. */
async function eventItems(records: Array<{ body: string }>): Promise<Array<Record<string, unknown> | undefined>> {
  return Promise.all(
    records.map(async (r) => {
      const id = (JSON.parse(r.body) as { eventId: string }).eventId;
      return (await store.doc.send(new GetCommand({ TableName: LOCAL_NAMES.table, Key: { pk: `EVENT#${projectId}#${id}`, sk: 'EVENT' }, ConsistentRead: true }))).Item;
    }),
  );
}

const mailsAbout = async (issueId: string) => (await inbox(stack)).filter((m) => (m.body.text ?? '').includes(`/issues/${issueId}/`));

/** An IssueStore/EventStore wrapper that crashes once at a named step. */
function crashOnce(step: 'applyDelta' | 'afterApply' | 'finishToken' | 'claimEvent' | 'recordCounted', after = 0): Pick<GroupDeps, 'issues' | 'events'> & { crashed: () => boolean } {
  let calls = 0;
  let crashed = false;
  const boom = () => {
    crashed = true;
    throw new Error(`simulated crash at ${step}`);
  };
  const issues = Object.create(store) as DynamoStore;
  const events = Object.create(store) as DynamoStore;
  if (step === 'applyDelta') issues.applyDelta = async (...args) => (crashed ? store.applyDelta(...args) : boom());
  if (step === 'afterApply')
    issues.applyDelta = async (...args) => {
      const result = await store.applyDelta(...args);
      return crashed ? result : boom();
    };
  if (step === 'finishToken') issues.finishToken = async (...args) => (crashed ? store.finishToken(...args) : boom());
  // The COUNTED record is written, then the worker dies.
  if (step === 'recordCounted')
    issues.recordCounted = async (...args) => {
      await store.recordCounted(...args);
      if (!crashed) boom();
    };
  if (step === 'claimEvent') events.claimEvent = async (...args) => (crashed || calls++ < after ? store.claimEvent(...args) : boom());
  return { issues, events, crashed: () => crashed };
}

describe('a crash between two writes of the grouping step', () => {
  for (const step of ['claimEvent', 'applyDelta', 'afterApply', 'finishToken'] as const) {
    it(`counts every event once when the batch is redelivered after a crash at ${step}`, async () => {
      const bug = `crash${step}`;
      const records = Array.from({ length: 20 }, (_, i) => record(projectId, bugEvent({ bug, user: `u${i % 4}` })));
      const faulty = crashOnce(step, 7);
      const process = grouper({ issues: faulty.issues, events: faulty.events });
      const failed = await process(records);
      expect(faulty.crashed()).toBe(true);
      expect(failed.length).toBeGreaterThan(0);
      // The queue redelivers the whole batch (a crash loses the partial-failure report too).
      expect(await process(records)).toEqual([]);
      expect(await process(records)).toEqual([]);
      expect(await issueCount(bug)).toMatchObject({ count: 20, userCount: 4 });
    });
  }

  /** Feeds an issue its hour's stored sample, so that the next events of the hour are counted only. */
  async function pastSample(bug: string, now?: () => number): Promise<void> {
    const sample = Array.from({ length: 100 }, () => record(projectId, bugEvent({ bug })));
    expect(await grouper(now ? { now } : {})(sample)).toEqual([]);
    expect((await issueCount(bug))!.count).toBe(100);
  }

  for (const step of ['recordCounted', 'applyDelta', 'afterApply', 'finishToken'] as const) {
    it(`counts counted-only events once when their batch crashed at ${step} and comes back whole, then in halves`, async () => {
      const bug = `counted${step}`;
      await pastSample(bug);
      const sentAt = Date.now();
      const records = Array.from({ length: 30 }, (_, i) => record(projectId, bugEvent({ bug, user: `u${i % 3}` })));
      const faulty = crashOnce(step);
      expect(await grouper({ issues: faulty.issues, events: faulty.events })(records)).toHaveLength(30);
      expect(faulty.crashed()).toBe(true);
      const claims = await eventItems(records);
      // The first delivery wrote no claim for them: the COUNTED record is all there is.
      expect(claims.filter((c) => c !== undefined)).toEqual([]);
      const process = grouper({});
      expect(await process(redelivery(records, 2, sentAt))).toEqual([]);
      expect(await issueCount(bug)).toMatchObject({ count: 130 });
      // Delivered again (a lost delete), whole and in halves, with higher receive counts.
      expect(await process(redelivery(records.slice(0, 15), 3, sentAt))).toEqual([]);
      expect(await process(redelivery(records.slice(15), 3, sentAt))).toEqual([]);
      expect(await process(redelivery(records, 4, sentAt))).toEqual([]);
      expect(await issueCount(bug)).toMatchObject({ count: 130, userCount: 3 });
    });

    it(`counts counted-only events once when their batch crashed at ${step} and comes back in two halves`, async () => {
      const bug = `halves${step}`;
      await pastSample(bug);
      const sentAt = Date.now();
      const records = Array.from({ length: 30 }, () => record(projectId, bugEvent({ bug })));
      const faulty = crashOnce(step);
      expect(await grouper({ issues: faulty.issues, events: faulty.events })(records)).toHaveLength(30);
      const process = grouper({});
      expect(await process(redelivery(records.slice(0, 12), 2, sentAt))).toEqual([]);
      expect(await process(redelivery(records.slice(12), 2, sentAt))).toEqual([]);
      expect((await issueCount(bug))!.count).toBe(130);
      expect(await process(redelivery(records, 3, sentAt))).toEqual([]);
      expect((await issueCount(bug))!.count).toBe(130);
    });
  }

  for (const step of ['applyDelta', 'afterApply'] as const) {
    it(`counts once when the first delivery took the sampled path and the redelivery the counted-only one (crash at ${step})`, async () => {
      const bug = `sampledfirst${step}`;
      const sentAt = Date.now();
      const records = Array.from({ length: 20 }, () => record(projectId, bugEvent({ bug })));
      const faulty = crashOnce(step);
      expect(await grouper({ issues: faulty.issues, events: faulty.events })(records)).toHaveLength(20);
      // The hour's sample fills up meanwhile: the redelivered events are now past it.
      const others = Array.from({ length: 100 }, () => record(projectId, bugEvent({ bug })));
      expect(await grouper({})(others)).toEqual([]);
      expect(await grouper({})(redelivery(records, 2, sentAt))).toEqual([]);
      expect((await issueCount(bug))!.count).toBe(120);
      expect(await grouper({})(redelivery(records, 3, sentAt))).toEqual([]);
      expect((await issueCount(bug))!.count).toBe(120);
    });

    it(`counts once when the first delivery was counted only and the redelivery, in the next hour, sampled (crash at ${step})`, async () => {
      const bug = `rollover${step}`;
      const start = Date.now();
      const first = () => start;
      await pastSample(bug, first);
      const records = Array.from({ length: 20 }, () => record(projectId, bugEvent({ bug })));
      const faulty = crashOnce(step);
      expect(await grouper({ issues: faulty.issues, events: faulty.events, now: first })(records)).toHaveLength(20);
      // An hour later the hour's sample is empty again: the redelivered events are sampled.
      const later = () => start + 3_600_000;
      expect(await grouper({ now: later })(redelivery(records, 2, start))).toEqual([]);
      expect((await issueCount(bug))!.count).toBe(120);
      expect(await grouper({ now: later })(redelivery(records, 3, start))).toEqual([]);
      expect((await issueCount(bug))!.count).toBe(120);
      // Counted by the redelivery (the first never applied): stored in full now.
      const stored = (await eventItems(records)).filter((e) => e?.['body'] !== undefined);
      expect(stored).toHaveLength(step === 'applyDelta' ? 20 : 0);
    });
  }

  it('sends the new-issue alert once when the crash came after the counting write', async () => {
    const bug = 'crashalert';
    const records = [record(projectId, bugEvent({ bug }))];
    const faulty = crashOnce('afterApply');
    const process = grouper({ issues: faulty.issues, events: faulty.events });
    expect(await process(records)).toHaveLength(1);
    expect(await process(records)).toEqual([]);
    const issue = (await issueCount(bug))!;
    expect(issue.count).toBe(1);
    await waitFor(async () => (await mailsAbout(issue.id)).length > 0, 'the alert email');
    await process(records);
    expect(await mailsAbout(issue.id)).toHaveLength(1);
  });

  it('counts once when two workers get the same messages at the same time', async () => {
    const bug = 'twins';
    const records = Array.from({ length: 30 }, () => record(projectId, bugEvent({ bug })));
    const a = grouper({});
    const b = grouper({});
    let pending = records;
    for (let round = 0; round < 5 && pending.length > 0; round++) {
      const [fa, fb] = await Promise.all([a(pending), b(pending)]);
      const failed = new Set([...fa, ...fb]);
      pending = records.filter((r) => failed.has(r.messageId));
    }
    expect(pending).toEqual([]);
    expect((await issueCount(bug))!.count).toBe(30);
  });
});

/** A TCP proxy in front of an endpoint that can refuse connections or swallow responses. */
function faultyProxy(target: URL) {
  let mode: 'pass' | 'refuse' | 'drop' = 'pass';
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    if (mode === 'refuse') return client.destroy();
    sockets.add(client);
    const upstream = connect(Number(target.port), target.hostname);
    sockets.add(upstream);
    client.pipe(upstream);
    upstream.on('data', (chunk) => {
      // The request reached DynamoDB and was applied; the answer is lost on the way back.
      if (mode === 'drop') {
        client.destroy();
        upstream.destroy();
      } else client.write(chunk);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  return {
    async listen(): Promise<string> {
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    set(next: typeof mode) {
      mode = next;
      if (next === 'refuse') for (const s of sockets) s.destroy();
    },
    close: () => new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    }),
  };
}

async function runPoller(processBatch: ReturnType<typeof grouper>): Promise<Poller> {
  const sqs = new SQSClient({});
  const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: stack.emulators.queueUrl, AttributeNames: ['QueueArn'] }))).Attributes!['QueueArn']!;
  sqs.destroy();
  return startPoller({ onError: (e) => console.error('fault drill event source mapping:', String(e).slice(0, 200)), queueUrl: stack.emulators.queueUrl, queueArn: arn, handler: groupModule.sqsBatchHandler(processBatch), batchingWindowSeconds: 0.2, concurrency: 2 });
}

async function deadLetters(): Promise<Array<{ body: string; reason: string | undefined }>> {
  const sqs = new SQSClient({});
  const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: stack.emulators.dlqUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'], WaitTimeSeconds: 1 }));
  sqs.destroy();
  return (out.Messages ?? []).map((m) => ({ body: m.Body ?? '', reason: m.MessageAttributes?.['reason']?.StringValue }));
}

describe('one alert per window between a send and its record', () => {
  /** A mailer that records what it sends and can hold a send inside the SES call. */
  function heldMailer() {
    const ses = new SesMailer(undefined);
    const sent: Mail[] = [];
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    let entered!: () => void;
    const inside = new Promise<void>((r) => (entered = r));
    const mailer: Mailer = {
      async send(mail) {
        entered();
        await gate;
        await ses.send(mail);
        sent.push(mail);
      },
    };
    return { mailer, sent, inside, open };
  }

  it('sends once when a second worker finishes the same batch while the first is inside its SES call', async () => {
    const bug = 'slowsend';
    const records = [record(projectId, bugEvent({ bug }))];
    const held = heldMailer();
    const first = grouper({ mailer: held.mailer })(records);
    await held.inside;
    // SQS hands the same message to another worker: it adopts the first worker's batch and finds its alert in flight.
    const second = grouper({});
    expect(await second(records)).toHaveLength(1);
    held.open();
    expect(await first).toEqual([]);
    // The second worker's retry finds the window sent.
    expect(await second(records)).toEqual([]);
    const issue = (await issueCount(bug))!;
    expect(issue.count).toBe(1);
    expect(await mailsAbout(issue.id)).toHaveLength(1);
  });

  it('waits while a crashed send may be in flight, then sends again rather than lose the alert, under the same SES tags', async () => {
    const bug = 'crashsent';
    const records = [record(projectId, bugEvent({ bug }))];
    let clock = Date.now();
    const now = () => clock;
    const sent: Mail[] = [];
    const ses = new SesMailer(undefined);
    const mailer: Mailer = { send: async (m) => void (await ses.send(m), sent.push(m)) };
    // The worker dies after SES accepted the message, before the send is recorded.
    const alerts = Object.create(store) as DynamoStore;
    alerts.markAlertSent = async () => {
      throw new Error('simulated crash after the SES call');
    };
    expect(await grouper({ now, mailer, alerts })(records)).toHaveLength(1);
    expect(sent).toHaveLength(1);
    const retry = grouper({ now, mailer });
    // Redelivered while the dead attempt could still be running: no second email yet.
    clock += 10_000;
    expect(await retry(records)).toHaveLength(1);
    expect(sent).toHaveLength(1);
    // Past any invocation's lifetime the attempt is known dead: SES cannot say whether it sent, so it sends.
    clock += FUNCTIONS.group.timeoutSeconds * 1000;
    expect(await retry(records)).toEqual([]);
    expect(sent).toHaveLength(2);
    expect(sent[1]!.tags).toEqual(sent[0]!.tags);
    expect(sent[0]!.tags).toMatchObject({ 'ferret-rule': 'default', 'ferret-token': expect.any(String) });
    // And that is the end of it: the window is recorded as sent.
    clock += 10_000;
    expect(await retry(records)).toEqual([]);
    expect(sent).toHaveLength(2);
    expect((await issueCount(bug))!.count).toBe(1);
  });
});

describe('the pipeline under failing dependencies', () => {
  it('sends exactly one alert after SES fails for a while, and dead-letters a poison message', async () => {
    let sesDown = true;
    let refused = 0;
    const ses = new SesMailer(undefined);
    const mailer: Mailer = {
      async send(mail) {
        if (sesDown) {
          refused++;
          throw new Error('SES: connection refused');
        }
        await ses.send(mail);
      },
    };
    const poller = await runPoller(grouper({ mailer }));
    try {
      const event = bugEvent({ bug: 'sesdown' });
      expect(await postEvent(stack.url, projectId, stack.installation.publicKey, event)).toBe(200);
      // The SDK retried: the same event arrives again while SES is down.
      expect(await postEvent(stack.url, projectId, stack.installation.publicKey, event)).toBe(200);
      const sqs = new SQSClient({});
      await sqs.send(new SendMessageCommand({ QueueUrl: stack.emulators.queueUrl, MessageBody: '{"v": 1, "projectId": 42' }));
      sqs.destroy();

      await waitFor(() => refused >= 2, 'two refused sends');
      const issue = (await waitFor(() => issueCount('sesdown'), 'the issue'))!;
      expect(await mailsAbout(issue.id)).toHaveLength(0);
      sesDown = false;
      await waitFor(async () => (await mailsAbout(issue.id)).length > 0, 'the alert after SES recovers');
      await new Promise((r) => setTimeout(r, 2500));
      expect(await mailsAbout(issue.id)).toHaveLength(1);
      expect((await issueCount('sesdown'))!.count).toBe(1);
      const dead = await waitFor(async () => {
        const d = await deadLetters();
        return d.length > 0 ? d : undefined;
      }, 'the poison message in the dead-letter queue');
      expect(dead).toEqual([{ body: '{"v": 1, "projectId": 42', reason: 'message body is not JSON' }]);
    } finally {
      await poller.stop();
    }
  });

  it('recovers from DynamoDB refusing connections and losing responses with no lost and no double-counted event', async () => {
    const proxy = faultyProxy(new URL(stack.emulators.endpoints.dynamodb));
    const endpoint = await proxy.listen();
    const flaky = new DynamoStore(LOCAL_NAMES.table, new DynamoDBClient({ endpoint, maxAttempts: 2 }));
    const poller = await runPoller(grouper({ projects: flaky, issues: flaky, events: flaky, alerts: flaky }));
    try {
      const events = Array.from({ length: 200 }, (_, i) => bugEvent({ bug: 'dynamodown', user: `u${i % 5}` }));
      const sending = inParallel(events, 8, async (e) => expect(await postEvent(stack.url, projectId, stack.installation.publicKey, e)).toBe(200));
      await new Promise((r) => setTimeout(r, 300));
      proxy.set('drop');
      await new Promise((r) => setTimeout(r, 1200));
      proxy.set('refuse');
      await new Promise((r) => setTimeout(r, 1200));
      proxy.set('pass');
      await sending;
      try {
        await waitFor(async () => (await issueCount('dynamodown'))?.count === 200, 'all 200 events counted', 90_000, 250);
      } catch (e) {
        // What the pipeline holds when it did not converge: the issue, the queue, the mapping, the dead letters.
        const sqs = new SQSClient({});
        const queue = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: stack.emulators.queueUrl, AttributeNames: ['All'] }));
        sqs.destroy();
        console.error('dynamodown drill state:', JSON.stringify({ issue: await issueCount('dynamodown'), queue: queue.Attributes, mapping: poller.stats, dead: await deadLetters() }));
        throw e;
      }
      await new Promise((r) => setTimeout(r, 2500));
      expect(await issueCount('dynamodown')).toMatchObject({ count: 200, userCount: 5 });
      expect(await deadLetters()).toEqual([]);
    } finally {
      await poller.stop();
      await proxy.close();
    }
  }, 150_000);
});

