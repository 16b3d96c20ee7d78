/**
 * Wire-compatible AWS servers, started in-process on loopback ports:
 * dynalite (DynamoDB, persisted), local-aws-sqs (SQS), aws-ses-v2-local (SES,
 * with its inbox page) and s3rver (S3, persisted). They run in a worker thread
 * of this process (`emulator-servers.ts`), so the handlers and the emulators
 * use two cores. Resources are created from the same definitions the CDK
 * stack uses (`shared/infra.ts`).
 */
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ScanCommand,
  type AttributeValue,
  type CreateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { QUEUE, TABLE } from '#shared/infra.ts';
import type { EmulatorEndpoints } from './emulator-servers.ts';
import type { EmulatorsStarted } from './emulator-thread.ts';
import { awaitStart, closeWorker, startTsWorker } from './thread.ts';

export const LOCAL_REGION = 'us-east-1';
export const LOCAL_NAMES = { table: 'ferret', queue: 'ferret-events', dlq: 'ferret-events-dlq', bucket: 'ferret-payloads' } as const;

export interface Emulators {
  endpoints: EmulatorEndpoints;
  queueUrl: string;
  dlqUrl: string;
  stop(): Promise<void>;
}

/** A second local stack on the same data directory is refused by this. */
export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(`Another Ferret (pid ${pid}) is running on ${dataDir}. Stop it, or set FERRET_DATA_DIR to another folder.`);
    this.name = 'DataDirInUseError';
  }
}

/**
 * dynalite's LevelDB allows one process per folder; a second one would fail
 * deep inside it with "Database is closed". A lock file with the owner's pid
 * turns that into a clear refusal, and a lock left by a killed process is taken over.
 */
function lockDataDir(dataDir: string): () => void {
  const lock = join(dataDir, 'ferret.lock');
  for (;;) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      return () => rmSync(lock, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const owner = Number(readFileSync(lock, 'utf8'));
    if (Number.isInteger(owner) && owner > 0 && isAlive(owner)) throw new DataDirInUseError(dataDir, owner);
    rmSync(lock, { force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A data directory written before an index was added to TABLE: dynalite cannot add an index to a
 * table, so the table is rebuilt with every index and its items copied back (in memory: a local
 * table). Without this, the orders served by the new index would fail on an upgraded `npm start`.
 */
async function addMissingIndexes(ddb: DynamoDBClient, present: string[]): Promise<void> {
  if (TABLE.indexes.every((i) => present.includes(i.name))) return;
  const items: Array<Record<string, AttributeValue>> = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await ddb.send(new ScanCommand({ TableName: LOCAL_NAMES.table, ExclusiveStartKey: start }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  await ddb.send(new DeleteTableCommand({ TableName: LOCAL_NAMES.table }));
  await tableGone(ddb, LOCAL_NAMES.table);
  await ddb.send(new CreateTableCommand(tableInput(LOCAL_NAMES.table)));
  await tableActive(ddb, LOCAL_NAMES.table);
  for (let i = 0; i < items.length; i += 25) {
    let pending: Array<{ PutRequest: { Item: Record<string, AttributeValue> } }> | undefined = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
    while (pending && pending.length > 0) {
      const out = await ddb.send(new BatchWriteItemCommand({ RequestItems: { [LOCAL_NAMES.table]: pending } }));
      pending = out.UnprocessedItems?.[LOCAL_NAMES.table] as typeof pending;
    }
  }
}

/**
 * dynalite makes a table ACTIVE just after answering CreateTable (even with createTableMs 0), and
 * refuses writes until then, as DynamoDB does; with dynalite in its own thread, the next request
 * can arrive first. Whatever creates a table waits for this before writing to it.
 */
export async function tableActive(ddb: DynamoDBClient, name: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const status = await ddb.send(new DescribeTableCommand({ TableName: name })).then(
      (out) => out.Table?.TableStatus,
      () => undefined,
    );
    if (status === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`table ${name} did not become active`);
}

/** dynalite deletes a table just after answering DeleteTable (even with deleteTableMs 0). */
export async function tableGone(ddb: DynamoDBClient, name: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const exists = await ddb.send(new DescribeTableCommand({ TableName: name })).then(
      () => true,
      () => false,
    );
    if (!exists) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`table ${name} was not deleted`);
}

/** Table input derived from TABLE; on-demand billing like the stack. */
export function tableInput(name: string): CreateTableCommandInput {
  const attrs = new Set<string>([TABLE.partitionKey, TABLE.sortKey]);
  for (const i of TABLE.indexes) {
    attrs.add(i.partitionKey);
    attrs.add(i.sortKey);
  }
  return {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...attrs].map((a) => ({ AttributeName: a, AttributeType: 'S' })),
    KeySchema: [
      { AttributeName: TABLE.partitionKey, KeyType: 'HASH' },
      { AttributeName: TABLE.sortKey, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: TABLE.indexes.map((i) => ({
      IndexName: i.name,
      KeySchema: [
        { AttributeName: i.partitionKey, KeyType: 'HASH' },
        { AttributeName: i.sortKey, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: i.projection },
    })),
  };
}

export async function startEmulators(dataDir: string, opts: { visibilityTimeoutSeconds?: number } = {}): Promise<Emulators> {
  mkdirSync(join(dataDir, 'dynamodb'), { recursive: true });
  mkdirSync(join(dataDir, 's3'), { recursive: true });
  const unlock = lockDataDir(dataDir);
  // The SDK signs every request; s3rver checks the signature against its fixed
  // credentials, the other emulators accept any. Real credentials are never used here.
  process.env['AWS_REGION'] = LOCAL_REGION;
  process.env['AWS_ACCESS_KEY_ID'] = 'S3RVER';
  process.env['AWS_SECRET_ACCESS_KEY'] = 'S3RVER';
  delete process.env['AWS_SESSION_TOKEN'];
  delete process.env['AWS_PROFILE'];
  // The local stack runs on the machine's Node; the Lambda runtime is Node 22.
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';

  const worker = startTsWorker(new URL('./emulator-thread.ts', import.meta.url), { dataDir });
  const { endpoints } = await awaitStart<EmulatorsStarted>(worker, 'emulators').catch((e: unknown) => {
    unlock();
    throw e;
  });

  // Create the resources (idempotent: the DynamoDB and S3 data persist across restarts).
  const ddb = new DynamoDBClient({ endpoint: endpoints.dynamodb });
  const existing = await ddb.send(new DescribeTableCommand({ TableName: LOCAL_NAMES.table })).then(
    (out) => out.Table,
    () => undefined,
  );
  if (!existing) {
    await ddb.send(new CreateTableCommand(tableInput(LOCAL_NAMES.table)));
    await tableActive(ddb, LOCAL_NAMES.table);
  } else {
    await addMissingIndexes(ddb, (existing.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName ?? ''));
  }
  ddb.destroy();

  const s3c = new S3Client({ endpoint: endpoints.s3, forcePathStyle: true });
  await s3c.send(new CreateBucketCommand({ Bucket: LOCAL_NAMES.bucket })).catch((e: { name?: string }) => {
    if (e.name !== 'BucketAlreadyOwnedByYou' && e.name !== 'BucketAlreadyExists') throw e;
  });
  s3c.destroy();

  const sqsc = new SQSClient({ endpoint: endpoints.sqs });
  const dlq = await sqsc.send(
    new CreateQueueCommand({ QueueName: LOCAL_NAMES.dlq, Attributes: { MessageRetentionPeriod: String(QUEUE.dlqRetentionSeconds) } }),
  );
  const dlqArn = (await sqsc.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl!, AttributeNames: ['QueueArn'] }))).Attributes!['QueueArn']!;
  const queue = await sqsc.send(
    new CreateQueueCommand({
      QueueName: LOCAL_NAMES.queue,
      Attributes: {
        VisibilityTimeout: String(opts.visibilityTimeoutSeconds ?? QUEUE.visibilityTimeoutSeconds),
        MessageRetentionPeriod: String(QUEUE.retentionSeconds),
        MaximumMessageSize: String(QUEUE.maxMessageBytes),
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: QUEUE.maxReceiveCount }),
      },
    }),
  );
  sqsc.destroy();

  return {
    endpoints,
    queueUrl: queue.QueueUrl!,
    dlqUrl: dlq.QueueUrl!,
    async stop() {
      await closeWorker(worker);
      unlock();
    },
  };
}
