/**
 * The walking skeleton end to end: real SDKs post to the local stack, events go
 * front → ingest → SQS → grouping → DynamoDB, the portal API shows the issue and
 * the alert lands in the local SES inbox.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { LOCAL_NAMES } from '#cdk/local/emulators.ts';
import { startLocalStack, type LocalStack } from '#cdk/local/stack.ts';
import { DynamoStore } from '#functions/lib/dynamo.ts';
import { decodeEventBody } from '#functions/lib/event-codec.ts';
import { apiGet, inbox } from '../helpers/api.ts';
import { pythonHas, requireRuntime, SYSTEM_PYTHON } from '../helpers/runtime.ts';
import { waitFor } from '../helpers/wait.ts';

const run = promisify(execFile);
let stack: LocalStack;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'ferret-pipeline-'));
  stack = await startLocalStack({ dataDir, port: 0, quiet: true });
});

afterAll(async () => {
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function issueTitled(fragment: string) {
  const { body } = await apiGet<any[]>(stack, '/projects/ferret/default/issues/?query=');
  return body.find((i) => String(i.title).includes(fragment));
}

describe('the local pipeline', () => {
  it('serves the default organization and project to the sign-in token', async () => {
    const orgs = await apiGet(stack, '/organizations/');
    expect(orgs.status).toBe(200);
    expect(orgs.body.map((o: any) => o.slug)).toEqual(['ferret']);
    const projects = await apiGet(stack, '/organizations/ferret/projects/');
    expect(projects.body[0]).toMatchObject({ slug: 'default', id: stack.installation.projectId });
    const anonymous = await fetch(`${stack.url}/api/0/organizations/`);
    expect(anonymous.status).toBe(401);
  });

  it('turns an @sentry/node exception into an issue with frames, context lines and an alert email', async () => {
    await run(process.execPath, [join(import.meta.dirname, 'sdk', 'node-app.cjs')], { env: { ...process.env, SENTRY_DSN: stack.dsn } });
    const issue = await waitFor(() => issueTitled('division by zero in foo(10, 1)'), 'the node issue');
    expect(issue).toMatchObject({ title: 'RangeError: division by zero in foo(10, 1)', count: '1', level: 'error', status: 'unresolved' });
    expect(issue.shortId).toMatch(/^DEFAULT-[0-9A-Z]+$/);

    const event = await apiGet(stack, `/organizations/ferret/issues/${issue.id}/events/latest/`);
    expect(event.status).toBe(200);
    const exception = event.body.entries.find((e: any) => e.type === 'exception').data.values[0];
    expect(exception.type).toBe('RangeError');
    const frame = exception.stacktrace.frames.at(-1);
    expect(frame.function).toBe('foo');
    expect(frame.context.find(([line]: [number]) => line === frame.lineNo)[1]).toContain('throw new RangeError');
    expect(frame.vars).toMatchObject({ m: 10, n: 1, h: 0 });
    expect(event.body.release).toEqual({ version: 'node-app@1.0.0' });

    const mail = await waitFor(async () => (await inbox(stack)).find((m) => m.subject.includes('division by zero in foo(10, 1)')), 'the alert email');
    expect(mail.subject).toBe(`[Ferret] ${issue.shortId} RangeError: division by zero in foo(10, 1)`);
    expect(mail.body.text).toContain(`/organizations/ferret/issues/${issue.id}/`);
  });

  it('counts a second occurrence of the same bug on the same issue', async () => {
    const before = await waitFor(() => issueTitled('division by zero in foo(10, 1)'), 'the node issue');
    await run(process.execPath, [join(import.meta.dirname, 'sdk', 'node-app.cjs')], { env: { ...process.env, SENTRY_DSN: stack.dsn } });
    const after = await waitFor(async () => {
      const i = await issueTitled('division by zero in foo(10, 1)');
      return i && i.count === '2' ? i : undefined;
    }, 'the second occurrence');
    expect(after.id).toBe(before.id);
  });

  it.runIf(requireRuntime('python3-sentry-sdk', pythonHas('sentry_sdk'), 'apt-get install python3-sentry-sdk'))(
    "turns the seed's Python ZeroDivisionError into an issue with local variables",
    async () => {
      await run(SYSTEM_PYTHON, [join(import.meta.dirname, 'sdk', 'python_app.py')], { env: { ...process.env, SENTRY_DSN: stack.dsn } });
      const issue = await waitFor(() => issueTitled('ZeroDivisionError'), 'the python issue');
      expect(issue.title).toMatch(/^ZeroDivisionError: (float )?division by zero$/);
      const event = await apiGet(stack, `/organizations/ferret/issues/${issue.id}/events/latest/`);
      const exception = event.body.entries.find((e: any) => e.type === 'exception').data.values[0];
      const frame = exception.stacktrace.frames.at(-1);
      expect(frame.function).toBe('foo');
      expect(frame.context.find(([line]: [number]) => line === frame.lineNo)[1]).toContain('return m / h');
      expect(frame.vars).toMatchObject({ m: '10', n: '1', h: '0.0' });
      const mail = await waitFor(async () => (await inbox(stack)).find((m) => m.subject.includes('ZeroDivisionError')), 'the python alert email');
      expect(mail.subject).toContain(issue.shortId);
    },
  );

  it('stores an event too large for a DynamoDB item whole in the payload bucket and serves it whole', async () => {
    // Random base64 in fields normalization keeps whole (vars under 512 characters and 2 KB a frame,
    // breadcrumb messages under 8 KB, extra under 256 KB): nearly 1 MiB, still ~700 KB compressed.
    const noise = (chars: number) => randomBytes(Math.ceil((chars * 3) / 4)).toString('base64').slice(0, chars);
    const frames = Array.from({ length: 100 }, (_, j) => ({
      filename: `app/m${j}.py`,
      function: `f${j}`,
      lineno: j + 1,
      context_line: 'step()',
      vars: { a: noise(500), b: noise(500), c: noise(500) },
    }));
    const breadcrumbs = Array.from({ length: 100 }, (_, i) => ({ timestamp: 1_700_000_000 + i, message: `${i} ${noise(6_000)}` }));
    const extra = Object.fromEntries(Array.from({ length: 25 }, (_, k) => [`x${k}`, noise(6_000)]));
    const event = {
      event_id: 'b'.repeat(32),
      platform: 'python',
      exception: { values: [{ type: 'OversizeError', value: 'a very large event', stacktrace: { frames } }] },
      breadcrumbs: { values: breadcrumbs },
      extra,
    };
    const payload = JSON.stringify(event);
    expect(payload.length).toBeGreaterThan(900_000);
    expect(payload.length).toBeLessThan(1024 * 1024);
    const dsn = new URL(stack.dsn);
    const res = await fetch(`${stack.url}/api${dsn.pathname}/envelope/?sentry_key=${dsn.username}`, {
      method: 'POST',
      body: [JSON.stringify({ event_id: event.event_id }), JSON.stringify({ type: 'event', length: Buffer.byteLength(payload) }), payload].join('\n'),
    });
    expect(res.status).toBe(200);
    const issue = await waitFor(() => issueTitled('OversizeError: a very large event'), 'the oversize issue');
    expect(issue.count).toBe('1');

    // The item points at the body; the body in the bucket is the whole event.
    const { GetCommand } = await import('@aws-sdk/lib-dynamodb');
    const { GetObjectCommand, S3Client } = await import('@aws-sdk/client-s3');
    const store = new DynamoStore(LOCAL_NAMES.table);
    const item = (await store.doc.send(new GetCommand({ TableName: LOCAL_NAMES.table, Key: { pk: `EVENT#${stack.installation.projectId}#${event.event_id}`, sk: 'EVENT' } }))).Item!;
    expect(item['body']).toBeUndefined();
    expect(item['bodyRef']).toMatch(new RegExp(`^events/91d/${stack.installation.projectId}/${event.event_id}/[0-9a-f]{16}$`));
    const s3 = new S3Client({ forcePathStyle: true });
    const object = await s3.send(new GetObjectCommand({ Bucket: LOCAL_NAMES.bucket, Key: item['bodyRef'] as string }));
    expect(JSON.parse(decodeEventBody(await object.Body!.transformToByteArray())).extra).toEqual(extra);

    for (const path of [`/organizations/ferret/issues/${issue.id}/events/latest/`, `/organizations/ferret/issues/${issue.id}/events/${event.event_id}/`]) {
      const { status, body } = await apiGet(stack, path);
      expect(status).toBe(200);
      expect(body.eventID).toBe(event.event_id);
      // Nothing cut anywhere: no _meta remark, every byte of every large field as sent.
      expect(body._meta).toEqual({});
      const exception = body.entries.find((e: any) => e.type === 'exception').data.values[0];
      expect(exception).toMatchObject({ type: 'OversizeError', value: 'a very large event' });
      expect(JSON.stringify(exception.stacktrace.frames.map((f: any) => f.vars))).toBe(JSON.stringify(frames.map((f) => f.vars)));
      const crumbs = body.entries.find((e: any) => e.type === 'breadcrumbs').data.values;
      expect(JSON.stringify(crumbs.map((b: any) => b.message))).toBe(JSON.stringify(breadcrumbs.map((b) => b.message)));
      expect(JSON.stringify(body.context)).toBe(JSON.stringify(extra));
    }
    // The list of the issue's events reads it too.
    const list = await apiGet<any[]>(stack, `/organizations/ferret/issues/${issue.id}/events/`);
    expect(list.body.map((e) => e.eventID)).toEqual([event.event_id]);

    // Nothing was dead-lettered on the way.
    const sqs = new SQSClient({});
    const attrs = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: stack.emulators.dlqUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
    );
    sqs.destroy();
    expect(Number(attrs.Attributes?.['ApproximateNumberOfMessages'])).toBe(0);
    expect(Number(attrs.Attributes?.['ApproximateNumberOfMessagesNotVisible'])).toBe(0);

    // Once its lifecycle rule has ended the object, the event is gone too: a 404, not a server error.
    const { DeleteObjectCommand } = await import('@aws-sdk/client-s3');
    await s3.send(new DeleteObjectCommand({ Bucket: LOCAL_NAMES.bucket, Key: item['bodyRef'] as string }));
    s3.destroy();
    const gone = await apiGet(stack, `/organizations/ferret/issues/${issue.id}/events/${event.event_id}/`);
    expect(gone.status).toBe(404);
  });
});

