/**
 * The whole product on one machine: emulators, the same three handlers as in
 * AWS (configured only through environment variables, exactly as the CDK stack
 * configures them), the front door and the event source mapping.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { ensureDefaults, issueToken, LOCAL_USER, type Installation } from '#shared/api/bootstrap.ts';
import { dsnFor } from '#shared/api/serialize.ts';
import { DEFAULT_INGEST_API, ENV, type IngestApiKind } from '#shared/infra.ts';
import { LOCAL_NAMES, startEmulators, type Emulators } from './emulators.ts';
import { startFront } from './front.ts';
import { lambdaContext } from './lambda.ts';
import { startPollerThread, type Poller, type PollerThreadOptions } from './poller.ts';
import { restoreQueues, saveQueues, type QueueName } from './queue-store.ts';

export interface LocalStackOptions {
  dataDir?: string;
  /** 0 picks a free port. */
  port?: number;
  ingestApi?: IngestApiKind;
  /** Visibility timeout of the event queue (seconds); tests shorten it to see retries. */
  visibilityTimeoutSeconds?: number;
  batchingWindowSeconds?: number;
  concurrency?: number;
  mailFrom?: string;
  mailTo?: string;
  quiet?: boolean;
}

export interface LocalStack {
  url: string;
  dsn: string;
  token: string;
  installation: Installation;
  sesInboxUrl: string;
  emulators: Emulators;
  poller: Poller;
  dataDir: string;
  /** Messages the queues held at the last start, sent back to them (`queue-store.ts`). */
  restored: Record<QueueName, number>;
  /** Stops everything; what the queues still hold is kept in the data directory for the next start. */
  stop(): Promise<{ saved: Record<QueueName, number> }>;
}

export const REPO_ROOT = resolve(import.meta.dirname, '..', '..');

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const dataDir = resolve(options.dataDir ?? process.env['FERRET_DATA_DIR'] ?? join(REPO_ROOT, '.ferret'));
  mkdirSync(dataDir, { recursive: true });
  const emulatorOpts: { visibilityTimeoutSeconds?: number } = {};
  if (options.visibilityTimeoutSeconds !== undefined) emulatorOpts.visibilityTimeoutSeconds = options.visibilityTimeoutSeconds;
  const emulators = await startEmulators(dataDir, emulatorOpts);

  // The front listens first so the DSN and portal URLs (which include the port) are known to the handlers.
  let ingest: (e: unknown, c: unknown) => Promise<never>;
  let api: (e: unknown, c: unknown) => Promise<never>;
  let authorizer: (e: unknown, c: unknown) => Promise<{ isAuthorized: boolean; context?: Record<string, unknown> }>;
  let token = '';
  const state: { dsnBaseUrl: string } = { dsnBaseUrl: '' };
  const ingestApi = options.ingestApi ?? DEFAULT_INGEST_API;
  const front: Server = await startFront(
    {
      ingest: (e, c) => ingest(e, c),
      api: (e, c) => api(e, c),
      // The same authorizer handler as in AWS, with the REQUEST event API Gateway sends it.
      authorize: async (authorization) => {
        const out = await authorizer({ version: '2.0', type: 'REQUEST', routeKey: 'ANY /api/0/{proxy+}', identitySource: [authorization], headers: { authorization } }, lambdaContext('authorizer'));
        return out.isAuthorized ? (out.context ?? {}) : undefined;
      },
      ingestApi,
      portalDir: join(REPO_ROOT, 'frontend', 'build'),
      portalConfig: () => ({ apiUrl: '', dsnBaseUrl: state.dsnBaseUrl, auth: { kind: 'local' } }),
    },
    options.port ?? Number(process.env['PORT'] ?? 8787),
  );
  const url = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;
  state.dsnBaseUrl = url;

  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: emulators.endpoints.dynamodb,
    AWS_ENDPOINT_URL_SQS: emulators.endpoints.sqs,
    AWS_ENDPOINT_URL_SES: emulators.endpoints.ses,
    AWS_ENDPOINT_URL_S3: emulators.endpoints.s3,
    [ENV.table]: LOCAL_NAMES.table,
    [ENV.queueUrl]: emulators.queueUrl,
    [ENV.deadLetterQueueUrl]: emulators.dlqUrl,
    [ENV.payloadBucket]: LOCAL_NAMES.bucket,
    [ENV.mailFrom]: options.mailFrom ?? 'ferret@localhost',
    [ENV.mailTo]: options.mailTo ?? 'team@localhost',
    [ENV.portalUrl]: url,
    [ENV.dsnBaseUrl]: url,
    [ENV.apiUrl]: url,
    // Webhook receivers of a single-machine installation (and of its tests) listen on loopback.
    [ENV.webhookAllowLoopback]: 'true',
  });

  // Imported only now: the handlers read their configuration at module load, like a Lambda cold start.
  // The grouping handler is loaded by its own thread (`startPollerThread`).
  const [ingestModule, apiModule, authorizerModule, dynamoModule, membersModule] = await Promise.all([
    import('#functions/ingest.ts'),
    import('#functions/api.ts'),
    import('#functions/authorizer.ts'),
    import('#functions/lib/dynamo.ts'),
    import('#functions/lib/dynamo-members.ts'),
  ]);
  ingest = ingestModule.handler as never;
  api = apiModule.handler as never;
  authorizer = authorizerModule.handler as never;

  const store = new dynamoModule.DynamoStore(LOCAL_NAMES.table);
  const members = new membersModule.DynamoMemberStore(LOCAL_NAMES.table);
  // The one local user owns the installation; its email receives the alerts of its projects.
  const ownerEmail = (options.mailTo ?? 'team@localhost').split(',')[0]!;
  const installation = await ensureDefaults({ projects: store, alerts: store, members }, new Date(), { email: ownerEmail, userId: LOCAL_USER });
  token = await issueToken(store, installation.orgSlug, LOCAL_USER, installation.ownerMemberId);

  const sqs = new SQSClient({});
  const queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: emulators.queueUrl, AttributeNames: ['QueueArn'] }))).Attributes!['QueueArn']!;
  const queues: Record<QueueName, string> = { events: emulators.queueUrl, 'dead-letter': emulators.dlqUrl };
  // Before the mapping starts: the events waiting at the last stop are grouped first.
  const restored = await restoreQueues(sqs, dataDir, queues);
  const pollerOpts: PollerThreadOptions = { queueUrl: emulators.queueUrl, queueArn };
  if (options.batchingWindowSeconds !== undefined) pollerOpts.batchingWindowSeconds = options.batchingWindowSeconds;
  if (options.concurrency !== undefined) pollerOpts.concurrency = options.concurrency;
  const poller = await startPollerThread(pollerOpts);

  const dsn = dsnFor(url, { publicKey: installation.publicKey, projectId: installation.projectId, label: '', isActive: true, dateCreated: '' });
  const sesInboxUrl = `${emulators.endpoints.ses}/`;
  writeFileSync(
    join(dataDir, 'local.json'),
    JSON.stringify({ dsn, portalUrl: url, token, sesInboxUrl, organization: installation.orgSlug, project: installation.projectSlug }, null, 2),
  );

  return {
    url,
    dsn,
    token,
    installation,
    sesInboxUrl,
    emulators,
    poller,
    dataDir,
    restored,
    async stop() {
      // The front first, so nothing is accepted that could not be kept; then the mapping, which
      // hands back what it held; then whatever the queues hold goes to the data directory.
      await new Promise<void>((r) => {
        front.closeAllConnections();
        front.close(() => r());
      });
      await poller.stop();
      const saved = await saveQueues(sqs, dataDir, queues);
      sqs.destroy();
      await emulators.stop();
      return { saved };
    },
  };
}
