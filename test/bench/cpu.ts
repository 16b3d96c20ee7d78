/**
 * Handler CPU per event: the real ingest and grouping Lambda handlers
 * (`functions/ingest.ts`, `functions/group.ts`, middy and adapters included),
 * bundled as the stack ships them, with every AWS call answered in memory —
 * DynamoDB by {@link FakeTable}, SQS, S3 and SES by fixed answers
 * ({@link answerInMemory}). Run in its own process: the handlers read their
 * configuration when first imported.
 */
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SendEmailCommand, SESClient } from '@aws-sdk/client-ses';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { esbuildOptions } from '#cdk/bundling.ts';
import { REPO_ROOT } from '#cdk/local/stack.ts';
import { ensureDefaults } from '#shared/api/bootstrap.ts';
import { createProjectWithKey } from '#shared/api/routes.ts';
import { ENV, QUEUE } from '#shared/infra.ts';
import { lambdaContext, restApiEvent } from '#cdk/local/lambda.ts';
import { answerInMemory, FakeTable, mockDynamo } from './fake-dynamo.ts';
import { distribution, type Distribution } from './stats.ts';
import { pick, sdkRequest, type Endpoint, type MixName, type PayloadKind } from './workloads.ts';

export interface CpuScenario {
  name: string;
  /** A single payload kind, or the weighted mix. */
  kind: PayloadKind | 'mix';
  mix: MixName;
}

export const CPU_SCENARIOS: readonly CpuScenario[] = [
  { name: 'python-5k', kind: 'python', mix: 'distinct' },
  { name: 'browser-2k', kind: 'browser', mix: 'distinct' },
  { name: 'big-50k', kind: 'big', mix: 'distinct' },
  { name: 'mix-distinct', kind: 'mix', mix: 'distinct' },
  { name: 'storm', kind: 'python', mix: 'storm' },
];

export interface CpuOptions {
  /** Measured events per scenario and mode (after warm-up). */
  events: number;
  warmup: number;
  /** Distinct bugs the distinct mix rotates through. */
  bugs: number;
}

export interface HandlerFigures {
  /** CPU (user + system) per call, ms. */
  cpuMs: Distribution;
  /** Wall time per call, ms (no I/O: everything is answered in memory). */
  wallMs: Distribution;
  /** Events handled per second of one core, from the mean CPU per event. */
  eventsPerSecondPerCore: number;
}

export interface CpuScenarioResult {
  name: string;
  ingest: HandlerFigures;
  /** One event per invocation: the per-event distribution. */
  groupSingle: HandlerFigures;
  /** Batches of the event source's batch size: CPU per event amortized over each batch. */
  groupBatched: HandlerFigures & { batchSize: number };
}

const DUMMY_ENV: Record<string, string> = {
  [ENV.table]: 'ferret-bench',
  [ENV.queueUrl]: 'https://sqs.us-east-1.amazonaws.com/000000000000/ferret-events',
  [ENV.deadLetterQueueUrl]: 'https://sqs.us-east-1.amazonaws.com/000000000000/ferret-events-dlq',
  [ENV.payloadBucket]: 'ferret-payloads',
  [ENV.mailFrom]: 'ferret@example.com',
  [ENV.mailTo]: 'team@example.com',
  [ENV.portalUrl]: 'https://ferret.example.com',
  [ENV.dsnBaseUrl]: 'https://ingest.example.com',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  // The Lambda runtime is Node 22; this machine may run an older one.
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

function figures(cpu: number[], wall: number[], events: number): HandlerFigures {
  const totalCpu = cpu.reduce((a, b) => a + b, 0);
  return { cpuMs: distribution(cpu), wallMs: distribution(wall), eventsPerSecondPerCore: totalCpu > 0 ? (1000 * events) / totalCpu : Number.NaN };
}

async function timed(fn: () => Promise<unknown>): Promise<{ cpu: number; wall: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { cpu: (c.user + c.system) / 1000, wall };
}

/**
 * The two handlers bundled with the stack's settings (cdk/bundling.ts), except that npm packages
 * stay in node_modules: the bundles then use the very SDK classes whose `send` is answered in
 * memory. Run from the TypeScript sources instead, every closure our code creates would pay the
 * name-keeping wrapper tsx adds, which the deployed bundle does not have.
 */
async function bundleHandlers(dir: string): Promise<{ ingest: string; group: string }> {
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  const out = { ingest: join(dir, 'ingest.mjs'), group: join(dir, 'group.mjs') };
  for (const name of ['ingest', 'group'] as const) {
    await build({ ...esbuildOptions(name, REPO_ROOT, out[name]), external: [], packages: 'external', sourcemap: false, logLevel: 'silent' });
  }
  return { ingest: pathToFileURL(out.ingest).href, group: pathToFileURL(out.group).href };
}

export async function runCpu(opts: CpuOptions): Promise<CpuScenarioResult[]> {
  Object.assign(process.env, DUMMY_ENV);
  const table = new FakeTable();
  const dynamo = mockDynamo(table);
  const sent: string[] = [];
  const sqs = answerInMemory(SQSClient, [
    [
      SendMessageCommand,
      (input: { MessageBody: string }) => {
        sent.push(input.MessageBody);
        return { MessageId: String(sent.length) };
      },
    ],
  ]);
  const blobs = new Map<string, Uint8Array>();
  const s3 = answerInMemory(S3Client, [
    [
      PutObjectCommand,
      (input: { Key: string; Body: Uint8Array }) => {
        blobs.set(input.Key, input.Body);
        return {};
      },
    ],
    [
      GetObjectCommand,
      (input: { Key: string }) => {
        const body = blobs.get(input.Key)!;
        return { Body: { transformToByteArray: async () => body } };
      },
    ],
  ]);
  const ses = answerInMemory(SESClient, [[SendEmailCommand, () => ({ MessageId: 'bench' })]]);
  // The grouping step logs one JSON line per alert; the line is still built, only not printed. Failures are kept to explain an error.
  const log = console.log;
  const failureLines: string[] = [];
  console.log = (line: unknown) => {
    if (failureLines.length < 5 && String(line).includes('fail')) failureLines.push(String(line));
  };

  const dir = mkdtempSync(join(tmpdir(), 'ferret-cpu-'));
  try {
    const bundles = await bundleHandlers(dir);
    type Handler = (event: unknown, context: unknown) => Promise<unknown>;
    const [{ handler: ingestHandler }, { handler: groupHandler }, { DynamoStore }] = await Promise.all([
      import(bundles.ingest) as Promise<{ handler: Handler }>,
      import(bundles.group) as Promise<{ handler: Handler }>,
      import('#functions/lib/dynamo.ts'),
    ]);
    const ingestContext = lambdaContext('ingest');
    const groupContext = lambdaContext('group');
    const results: CpuScenarioResult[] = [];

    const store = new DynamoStore(DUMMY_ENV[ENV.table]!);
    const installation = await ensureDefaults({ projects: store, alerts: store }, new Date());
    for (const scenario of CPU_SCENARIOS) {
      // A project per scenario: the handlers' caches outlive a scenario, the fingerprints repeat across them.
      const { project, key } = await createProjectWithKey({ projects: store, alerts: store }, { orgSlug: installation.orgSlug, name: scenario.name, slug: `bench-${scenario.name}`, now: new Date() });
      const endpoint: Endpoint = { projectId: project.id, publicKey: key.publicKey };
      const tag = `cpu${scenario.name.replace(/\W/g, '')}`;

      const total = 2 * (opts.warmup + opts.events);
      const ingestCpu: number[] = [];
      const ingestWall: number[] = [];
      sent.length = 0;
      for (let i = 0; i < total; i++) {
        const chosen = pick(scenario.mix, i, opts.bugs);
        const kind = scenario.kind === 'mix' ? chosen.kind : scenario.kind;
        const req = sdkRequest(endpoint, kind, chosen.bug, tag);
        const event = restApiEvent({ method: 'POST', path: req.path, rawQuery: new URLSearchParams(req.query).toString(), headers: req.headers, body: req.body, sourceIp: '203.0.113.7' }, '/{proxy+}');
        let status = 0;
        const t = await timed(async () => {
          status = ((await ingestHandler(event as never, ingestContext)) as { statusCode: number }).statusCode;
        });
        if (status !== 200) throw new Error(`ingest answered ${status} in scenario ${scenario.name}`);
        if (i >= opts.warmup && i < opts.warmup + opts.events) {
          ingestCpu.push(t.cpu);
          ingestWall.push(t.wall);
        }
      }
      if (sent.length !== total) throw new Error(`ingest queued ${sent.length} of ${total} events`);
      // As SQS hands them over: first deliveries (a record without a receive count is taken for a
      // redelivery, which the grouping step checks against earlier deliveries).
      const sentAt = String(Date.now());
      const records: SQSRecord[] = sent.map((body, i) => ({ messageId: `m${i}`, body, attributes: { ApproximateReceiveCount: '1', SentTimestamp: sentAt } }) as SQSRecord);

      const singleCpu: number[] = [];
      const singleWall: number[] = [];
      const half = total / 2;
      for (let i = 0; i < half; i++) {
        let failures = 0;
        const t = await timed(async () => {
          failures = ((await groupHandler({ Records: [records[i]!] }, groupContext)) as { batchItemFailures: unknown[] }).batchItemFailures.length;
        });
        if (failures) throw new Error(`grouping failed a record in scenario ${scenario.name}: ${failureLines.join('\n')}`);
        if (i >= opts.warmup) {
          singleCpu.push(t.cpu);
          singleWall.push(t.wall);
        }
      }

      const batchSize = Math.min(QUEUE.eventSource.batchSize, Math.max(1, Math.floor(opts.events / 4)));
      const batchCpu: number[] = [];
      const batchWall: number[] = [];
      for (let i = half; i < total; i += batchSize) {
        const batch = records.slice(i, Math.min(total, i + batchSize));
        let failures = 0;
        const t = await timed(async () => {
          failures = ((await groupHandler({ Records: batch }, groupContext)) as { batchItemFailures: unknown[] }).batchItemFailures.length;
        });
        if (failures) throw new Error(`grouping failed ${failures} records in scenario ${scenario.name}: ${failureLines.join('\n')}`);
        if (i >= half + opts.warmup) {
          batchCpu.push(t.cpu / batch.length);
          batchWall.push(t.wall / batch.length);
        }
      }
      if (batchCpu.length === 0) throw new Error(`no measured batches in scenario ${scenario.name}`);

      results.push({
        name: scenario.name,
        ingest: figures(ingestCpu, ingestWall, ingestCpu.length),
        groupSingle: figures(singleCpu, singleWall, singleCpu.length),
        groupBatched: { ...figures(batchCpu, batchWall, batchCpu.length), batchSize },
      });
    }
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
    console.log = log;
    dynamo.restore();
    sqs.restore();
    s3.restore();
    ses.restore();
  }
}
