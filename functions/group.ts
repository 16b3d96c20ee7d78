/**
 * Grouping Lambda: consumes SQS batches from the ingest queue, fingerprints
 * events, upserts issues and sends alerts. Failed messages are reported
 * individually (ReportBatchItemFailures), never the whole batch.
 */
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { optionalEnv, requireEnv } from '#shared/config.ts';
import { ENV } from '#shared/infra.ts';
import { createGrouper, type BatchRecord, type GroupDeps } from '#shared/pipeline/group.ts';
import { S3BlobStore } from './lib/s3.ts';
import { SesMailer } from './lib/ses.ts';
import { SqsEventQueue } from './lib/sqs.ts';
import { HttpWebhookSender } from './lib/webhook.ts';
import { DynamoStore } from './lib/dynamo.ts';
import { DynamoIntakeStore } from './lib/dynamo-intake.ts';
import { DynamoMemberStore } from './lib/dynamo-members.ts';
import { batchRecord } from './lib/sqs-record.ts';

/** The grouping step's adapters, configured from the environment; `overrides` replace ports (tests, fault drills). */
export function groupDepsFromEnv(overrides: Partial<GroupDeps> = {}): GroupDeps {
  const blobs = new S3BlobStore(requireEnv(ENV.payloadBucket));
  // The store writes the bodies of events too large for an item to the payload bucket.
  const store = new DynamoStore(requireEnv(ENV.table), undefined, blobs);
  return {
    projects: store,
    issues: store,
    events: store,
    alerts: store,
    mailer: new SesMailer(optionalEnv(ENV.sesConfigurationSet)),
    webhooks: new HttpWebhookSender({ allowLoopback: optionalEnv(ENV.webhookAllowLoopback) === 'true' }),
    blobs,
    queue: new SqsEventQueue(requireEnv(ENV.queueUrl), requireEnv(ENV.deadLetterQueueUrl)),
    now: Date.now,
    mail: { from: requireEnv(ENV.mailFrom), to: (optionalEnv(ENV.mailTo) ?? '').split(',').filter(Boolean) },
    members: new DynamoMemberStore(store.table),
    portalUrl: requireEnv(ENV.portalUrl),
    intake: new DynamoIntakeStore(requireEnv(ENV.table)),
    ...overrides,
  };
}

/** Maps an SQS event to the grouping step and its failures to `batchItemFailures`. */
export function sqsBatchHandler(processBatch: (records: BatchRecord[]) => Promise<string[]>) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const failed = await processBatch(event.Records.map(batchRecord));
    return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
  };
}

export const handler = middy(sqsBatchHandler(createGrouper(groupDepsFromEnv())));
