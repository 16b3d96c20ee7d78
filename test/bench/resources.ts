/**
 * Resources per event, and what they cost. The ingest and grouping steps run
 * in this process on their real adapters against the wire-compatible
 * emulators, through clients that count what AWS would bill: SQS requests (per
 * 64 KiB chunk), DynamoDB capacity units (ReturnConsumedCapacity, as dynalite
 * reports them), S3 requests, SES messages and Lambda duration. The event
 * source mapping is played by a loop that receives, invokes and deletes like
 * Lambda's pollers.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { marshall } from '@aws-sdk/util-dynamodb';
import { DynamoDBClient, GetItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SESClient } from '@aws-sdk/client-ses';
import { DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import type { MiddlewareStack } from '@smithy/types';
import { ensureDefaults } from '#shared/api/bootstrap.ts';
import { createProjectWithKey } from '#shared/api/routes.ts';
import { QUEUE, TABLE } from '#shared/infra.ts';
import { createGrouper } from '#shared/pipeline/group.ts';
import { EVENTS_STORED_PER_HOUR } from '#shared/pipeline/ledger.ts';
import { createIngest } from '#shared/pipeline/ingest.ts';
import { LOCAL_NAMES, startEmulators } from '#cdk/local/emulators.ts';
import { S3BlobStore, SesMailer, SqsEventQueue } from '#functions/lib/aws.ts';
import { DynamoStore } from '#functions/lib/dynamo.ts';
import { billedMs, costPerMillion, sqsRequestsFor, type CostPerMillion, type UsagePerEvent } from './prices.ts';
import { PAYLOAD_KINDS, pick, sdkRequest, type MixName, type PayloadKind } from './workloads.ts';

/** SQS hands out at most 10 messages per receive and deletes at most 10 per batch call. */
const SQS_MAX_BATCH = 10;
/** DynamoDB bills a failed conditional write at least one write unit; dynalite reports none for it. */
const FAILED_CONDITIONAL_WRITE_UNITS = 1;

export interface ResourceOptions {
  events: number;
  /** Bugs the storm-free steady mix spreads its events over (their issues exist before the run). */
  bugs: number;
}

/**
 * Of a mixed workload's events, the share that opens a new issue: an
 * assumption (ours), stated with the figures; the report gives the cost per
 * new issue too, so any other rate can be priced.
 */
export const NEW_ISSUES_PER_EVENT = 1 / 1000;

export interface ResourceRun {
  /** `distinct` here means every event is a new bug: the cost of a new issue. */
  mix: MixName;
  /** Records per grouping invocation: a busy queue fills the event source's batch, a quiet one hands over single events. */
  batchSize: number;
  events: number;
  lost: number;
  usage: UsagePerEvent;
  /** Of `usage.dynamoWriteUnits`: the estimated global secondary index writes (dynalite reports only the table's). */
  dynamoIndexWriteUnits: number;
  dynamoConditionalFailures: number;
  /** DynamoDB calls per event, by command. */
  dynamoCalls: Record<string, number>;
  /** Write units per event (table and index) by item kind: the key prefix (EVENT, ISSUE, APPLY, USER, …). */
  dynamoWriteUnitsByKind: Record<string, number>;
  /** Of `dynamoIndexWriteUnits`: per index (gsi1…), what each index's entries cost per event. */
  dynamoIndexWriteUnitsByIndex: Record<string, number>;
  cost: { http: CostPerMillion; rest: CostPerMillion };
}

type Counter = Record<string, number>;
const bump = (c: Counter, k: string, n = 1) => {
  c[k] = (c[k] ?? 0) + n;
};

interface Meter {
  dynamo: { read: number; write: number; index: number; conditionalFailures: number; calls: Counter; byKind: Counter; byIndex: Counter };
  sqs: { requests: number; calls: Counter };
  s3: { puts: number; gets: number };
  emails: number;
}

function newMeter(): Meter {
  return { dynamo: { read: 0, write: 0, index: 0, conditionalFailures: 0, calls: {}, byKind: {}, byIndex: {} }, sqs: { requests: 0, calls: {} }, s3: { puts: 0, gets: 0 }, emails: 0 };
}

type AnyStack = MiddlewareStack<any, any>;
const READS = new Set(['GetItemCommand', 'QueryCommand', 'BatchGetItemCommand', 'ScanCommand']);

function units(capacity: unknown): number {
  const list = Array.isArray(capacity) ? capacity : capacity ? [capacity] : [];
  return list.reduce((sum: number, c: { CapacityUnits?: number }) => sum + (c.CapacityUnits ?? 0), 0);
}

/** dynalite's item size (DynamoDB's rules: attribute names plus values), on marshalled items. */
const dynaliteDb = createRequire(import.meta.url)('dynalite/db/index.js') as { itemSize: (item: Record<string, AttributeValue>) => number };
const KB = 1024;
/** DynamoDB counts 100 bytes of overhead per index entry. */
const INDEX_ENTRY_OVERHEAD_BYTES = 100;

/**
 * Index write units, by DynamoDB's rules, from the item before and after a
 * write: an item entering or leaving an index costs one write of its index
 * entry, a changed index key a delete and a put, a change of a projected
 * attribute one write; the entry's size is what the index projects
 * (KEYS_ONLY: the table and index keys, plus 100 bytes), rounded up per KB.
 * dynalite reports the table's units only.
 */
export function indexWriteUnits(before: Record<string, AttributeValue> | undefined, after: Record<string, AttributeValue> | undefined, byIndex?: Counter): number {
  let units = 0;
  for (const index of TABLE.indexes) {
    const start = units;
    const entry = (item: Record<string, AttributeValue> | undefined) => {
      if (!item || item[index.partitionKey] === undefined || item[index.sortKey] === undefined) return undefined;
      if (index.projection === 'ALL') return item;
      const keys: Record<string, AttributeValue> = {};
      for (const k of [TABLE.partitionKey, TABLE.sortKey, index.partitionKey, index.sortKey]) keys[k] = item[k]!;
      return keys;
    };
    const size = (e: Record<string, AttributeValue>) => Math.max(1, Math.ceil((dynaliteDb.itemSize(e) + (index.projection === 'ALL' ? 0 : INDEX_ENTRY_OVERHEAD_BYTES)) / KB));
    const old = entry(before);
    const now = entry(after);
    if (!old && !now) continue;
    if (!old) units += size(now!);
    else if (!now) units += size(old);
    else if (JSON.stringify([old[index.partitionKey], old[index.sortKey]]) !== JSON.stringify([now[index.partitionKey], now[index.sortKey]])) units += size(old) + size(now);
    else if (JSON.stringify(old) !== JSON.stringify(now)) units += Math.max(size(old), size(now));
    if (byIndex && units > start) bump(byIndex, index.name, units - start);
  }
  return units;
}

/** The item kind a key belongs to, for the write-unit breakdown. */
function itemKind(key: Record<string, AttributeValue> | undefined): string {
  const pk = key?.['pk']?.S ?? '?';
  const sk = key?.['sk']?.S ?? '';
  const prefix = pk.split('#')[0]!;
  return prefix === 'ISSUE' || prefix === 'PROJECT' ? `${prefix}/${sk.split('#')[0]}` : prefix;
}

function meterDynamo(stack: AnyStack, meter: Meter, raw: DynamoDBClient) {
  const read = async (Key: Record<string, AttributeValue>) => (await raw.send(new GetItemCommand({ TableName: LOCAL_NAMES.table, Key, ConsistentRead: true }))).Item;
  stack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? 'unknown';
      const input = args.input as Record<string, any>;
      input['ReturnConsumedCapacity'] = 'TOTAL';
      bump(meter.dynamo.calls, command.replace(/Command$/, ''));
      const isWrite = command === 'PutItemCommand' || command === 'UpdateItemCommand' || command === 'DeleteItemCommand';
      const plainKey = isWrite ? (input['Key'] ?? { pk: input['Item']['pk'], sk: input['Item']['sk'] }) : undefined;
      // The document client may not have marshalled its input yet at this step.
      const Key: Record<string, AttributeValue> | undefined = plainKey === undefined || plainKey['pk']?.S !== undefined ? plainKey : marshall(plainKey);
      const before = Key ? await read(Key) : undefined;
      try {
        const out = await next(args);
        const u = units((out.output as { ConsumedCapacity?: unknown }).ConsumedCapacity);
        if (READS.has(command)) meter.dynamo.read += u;
        else if (Key) {
          const index = indexWriteUnits(before, await read(Key), meter.dynamo.byIndex);
          meter.dynamo.write += u + index;
          meter.dynamo.index += index;
          bump(meter.dynamo.byKind, itemKind(Key), u + index);
        }
        return out;
      } catch (error) {
        if ((error as { name?: string }).name === 'ConditionalCheckFailedException') {
          meter.dynamo.conditionalFailures++;
          meter.dynamo.write += FAILED_CONDITIONAL_WRITE_UNITS;
          bump(meter.dynamo.byKind, itemKind(Key), FAILED_CONDITIONAL_WRITE_UNITS);
        }
        throw error;
      }
    },
    { step: 'initialize', name: 'benchConsumedCapacity' },
  );
}

function meterSqs(stack: AnyStack, meter: Meter) {
  stack.add(
    (next, context) => async (args) => {
      const command = (context.commandName ?? 'unknown').replace(/Command$/, '');
      const out = await next(args);
      const input = args.input as { MessageBody?: string };
      let bytes = 0;
      if (command === 'SendMessage') bytes = Buffer.byteLength(input.MessageBody ?? '');
      if (command === 'ReceiveMessage') for (const m of (out.output as { Messages?: Message[] }).Messages ?? []) bytes += Buffer.byteLength(m.Body ?? '');
      const n = sqsRequestsFor(bytes);
      bump(meter.sqs.calls, command, n);
      meter.sqs.requests += n;
      return out;
    },
    { step: 'initialize', name: 'benchSqsRequests' },
  );
}

function meterS3(stack: AnyStack, meter: Meter) {
  stack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'PutObjectCommand') meter.s3.puts++;
      if (context.commandName === 'GetObjectCommand') meter.s3.gets++;
      return next(args);
    },
    { step: 'initialize', name: 'benchS3Requests' },
  );
}

function meterSes(stack: AnyStack, meter: Meter) {
  stack.add(
    (next) => async (args) => {
      const input = args.input as { Destination?: { ToAddresses?: string[]; CcAddresses?: string[]; BccAddresses?: string[] } };
      const d = input.Destination ?? {};
      meter.emails += (d.ToAddresses?.length ?? 0) + (d.CcAddresses?.length ?? 0) + (d.BccAddresses?.length ?? 0);
      return next(args);
    },
    { step: 'initialize', name: 'benchSesMessages' },
  );
}

export async function runResources(opts: ResourceOptions): Promise<ResourceRun[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ferret-bench-resources-'));
  const emulators = await startEmulators(dataDir);
  const meter = newMeter();
  const ddb = new DynamoDBClient({ endpoint: emulators.endpoints.dynamodb });
  // Unmetered: reads the items around each metered write, for the index units.
  const raw = new DynamoDBClient({ endpoint: emulators.endpoints.dynamodb });
  const sqs = new SQSClient({ endpoint: emulators.endpoints.sqs });
  const s3 = new S3Client({ endpoint: emulators.endpoints.s3, forcePathStyle: true });
  const ses = new SESClient({ endpoint: emulators.endpoints.ses });
  meterDynamo(ddb.middlewareStack as AnyStack, meter, raw);
  meterSqs(sqs.middlewareStack as AnyStack, meter);
  meterS3(s3.middlewareStack as AnyStack, meter);
  meterSes(ses.middlewareStack as AnyStack, meter);

  const failures: string[] = [];
  const blobs = new S3BlobStore(LOCAL_NAMES.bucket, s3);
  // As in the grouping Lambda: a body too large for an item is a metered S3 PUT.
  const store = new DynamoStore(LOCAL_NAMES.table, ddb, blobs);
  const queue = new SqsEventQueue(emulators.queueUrl, emulators.dlqUrl, sqs);
  const ingest = createIngest({ projects: store, queue, blobs, now: Date.now });
  const processBatch = createGrouper({
    projects: store,
    issues: store,
    events: store,
    alerts: store,
    mailer: new SesMailer(undefined, ses),
    blobs,
    queue,
    now: Date.now,
    mail: { from: 'ferret@localhost', to: ['team@localhost'] },
    portalUrl: 'http://127.0.0.1',
    log: (entry) => {
      if (failures.length < 5 && String(entry['msg']).includes('fail')) failures.push(JSON.stringify(entry));
    },
  });

  try {
    const installation = await ensureDefaults({ projects: store, alerts: store }, new Date());
    const runs: ResourceRun[] = [];
    const plans: Array<{ mix: MixName; batchSize: number; bugs: number; warm: boolean; sample?: boolean }> = [
      // Steady state: the bugs' issues exist, events keep arriving for them.
      { mix: 'steady', batchSize: QUEUE.eventSource.batchSize, bugs: opts.bugs, warm: true },
      { mix: 'steady', batchSize: 1, bugs: opts.bugs, warm: true },
      // A storm of a million events stores 100 of them per hour (EVENTS_STORED_PER_HOUR): its bug's hour
      // sample is taken before the meter starts, so the figures are what each further event costs, not
      // the sample's share of a short run (100 of the run's 1,000 events would be a tenth of them).
      { mix: 'storm', batchSize: QUEUE.eventSource.batchSize, bugs: 1, warm: false, sample: true },
      { mix: 'storm', batchSize: 1, bugs: 1, warm: false, sample: true },
      // Every event a new bug: what a new issue costs (its first event, the issue, the email).
      { mix: 'distinct', batchSize: QUEUE.eventSource.batchSize, bugs: opts.events, warm: false },
    ];
    for (const plan of plans) {
      const { mix, batchSize } = plan;
      const { project, key } = await createProjectWithKey(
        { projects: store, alerts: store },
        { orgSlug: installation.orgSlug, name: `${mix} ${batchSize}`, slug: `res-${mix}-${batchSize}`, now: new Date() },
      );
      const endpoint = { projectId: project.id, publicKey: key.publicKey };
      const tag = `res${randomBytes(3).toString('hex')}`;
      const lambdaMs = { ingest: 0, group: 0, api: 0 };
      const invocations = { ingest: 0, group: 0, api: 0 };

      const post = async (kind: PayloadKind, bug: number) => {
        const req = sdkRequest(endpoint, kind, bug, tag);
        const t0 = performance.now();
        await ingest({ method: 'POST', path: req.path, query: req.query, headers: req.headers, body: req.body, bodyWasText: false }, { clientIp: '203.0.113.7', userAgent: req.headers['user-agent'] });
        lambdaMs.ingest += billedMs(performance.now() - t0);
        invocations.ingest++;
      };
      // The event source mapping: receive up to the batch size, invoke, delete what succeeded.
      const drain = async () => {
        for (;;) {
          const batch: Message[] = [];
          while (batch.length < batchSize) {
            const got = await sqs.send(
              new ReceiveMessageCommand({
                QueueUrl: emulators.queueUrl,
                MaxNumberOfMessages: Math.min(SQS_MAX_BATCH, batchSize - batch.length),
                WaitTimeSeconds: 0,
                MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
                // The name local-aws-sqs reads.
                AttributeNames: ['All'],
              }),
            );
            if (!got.Messages?.length) break;
            batch.push(...got.Messages);
          }
          if (batch.length === 0) {
            // An empty receive is not an empty queue (the emulator, like SQS, may answer short): ask.
            const attrs = await sqs.send(
              new GetQueueAttributesCommand({ QueueUrl: emulators.queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
            );
            const left = Number(attrs.Attributes?.['ApproximateNumberOfMessages'] ?? 0) + Number(attrs.Attributes?.['ApproximateNumberOfMessagesNotVisible'] ?? 0);
            if (left === 0) return;
            await new Promise((r) => setTimeout(r, 50));
            continue;
          }
          const t0 = performance.now();
          // As Lambda hands them over: the receive count tells first deliveries from redeliveries.
          const records = batch.map((m) => ({
            messageId: m.MessageId!,
            body: m.Body ?? '',
            receiveCount: Number(m.Attributes?.['ApproximateReceiveCount'] ?? 1),
            sentTimestamp: Number(m.Attributes?.['SentTimestamp'] ?? Date.now()),
          }));
          const failed = new Set(await processBatch(records));
          lambdaMs.group += billedMs(performance.now() - t0);
          invocations.group++;
          const done = batch.filter((m) => !failed.has(m.MessageId!));
          for (let i = 0; i < done.length; i += SQS_MAX_BATCH) {
            const chunk = done.slice(i, i + SQS_MAX_BATCH);
            await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: emulators.queueUrl, Entries: chunk.map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle! })) }));
          }
          if (failed.size > 0) throw new Error(`grouping failed ${failed.size} messages in the ${mix} run: ${failures.join('\n')}`);
        }
      };

      let warmEvents = 0;
      if (plan.warm) {
        // Not metered: each bug's first event of each payload kind (each an SDK of its own, so an issue of its own) opens its issue.
        for (const kind of PAYLOAD_KINDS) for (let bug = 1; bug <= plan.bugs; bug++) await post(kind, bug);
        await drain();
        warmEvents = PAYLOAD_KINDS.length * plan.bugs;
      }
      if (plan.sample) {
        // Not metered: the hour's stored sample of the storm's bug.
        for (let i = 0; i < EVENTS_STORED_PER_HOUR; i++) {
          const { kind, bug } = pick(mix, i, plan.bugs);
          await post(kind, bug);
        }
        await drain();
        warmEvents += EVENTS_STORED_PER_HOUR;
      }
      Object.assign(meter, newMeter());
      lambdaMs.ingest = lambdaMs.group = 0;
      invocations.ingest = invocations.group = 0;
      for (let i = 0; i < opts.events; i++) {
        const { kind, bug } = pick(mix, i, plan.bugs);
        await post(kind, bug);
      }
      await drain();

      const counted = (await store.listIssues(project.id, { sort: 'date', limit: 100_000 })).issues.reduce((a, i) => a + i.count, 0);
      const n = opts.events;
      const usage: UsagePerEvent = {
        apiRequests: 1,
        lambda: {
          ingest: { invocations: invocations.ingest / n, billedMs: lambdaMs.ingest / n },
          group: { invocations: invocations.group / n, billedMs: lambdaMs.group / n },
          api: { invocations: 0, billedMs: 0 },
          // Ingest traffic never reaches the portal API's authorizer.
          authorizer: { invocations: 0, billedMs: 0 },
        },
        sqsRequests: meter.sqs.requests / n,
        dynamoWriteUnits: meter.dynamo.write / n,
        dynamoReadUnits: meter.dynamo.read / n,
        s3Puts: meter.s3.puts / n,
        s3Gets: meter.s3.gets / n,
        emails: meter.emails / n,
      };
      const perEvent = (c: Counter) => Object.fromEntries(Object.entries(c).map(([k, v]) => [k, v / n]));
      runs.push({
        mix,
        batchSize,
        events: n,
        lost: n + warmEvents - counted,
        usage,
        dynamoIndexWriteUnits: meter.dynamo.index / n,
        dynamoConditionalFailures: meter.dynamo.conditionalFailures / n,
        dynamoCalls: perEvent(meter.dynamo.calls),
        dynamoWriteUnitsByKind: perEvent(meter.dynamo.byKind),
        dynamoIndexWriteUnitsByIndex: perEvent(meter.dynamo.byIndex),
        cost: { http: costPerMillion(usage, 'http'), rest: costPerMillion(usage, 'rest') },
      });
    }
    return runs;
  } finally {
    for (const c of [ddb, raw, sqs, s3, ses]) c.destroy();
    await emulators.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
