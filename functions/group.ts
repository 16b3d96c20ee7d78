/**
 * Grouping Lambda: consumes SQS batches from the ingest queue, fingerprints
 * events, upserts issues and sends alerts. Failed messages are reported
 * individually (ReportBatchItemFailures), never the whole batch.
 */
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { optionalEnv, requireEnv } from '#shared/config.ts';
import { ENV } from '#shared/infra.ts';
import { createGrouper } from '#shared/pipeline/group.ts';
import { S3BlobStore, SesMailer, SqsEventQueue } from './lib/aws.ts';
import { DynamoStore } from './lib/dynamo.ts';

const store = new DynamoStore(requireEnv(ENV.table));
const processBatch = createGrouper({
  projects: store,
  issues: store,
  events: store,
  alerts: store,
  mailer: new SesMailer(optionalEnv(ENV.sesConfigurationSet)),
  blobs: new S3BlobStore(requireEnv(ENV.payloadBucket)),
  queue: new SqsEventQueue(requireEnv(ENV.queueUrl), requireEnv(ENV.deadLetterQueueUrl)),
  now: Date.now,
  mail: { from: requireEnv(ENV.mailFrom), to: (optionalEnv(ENV.mailTo) ?? '').split(',').filter(Boolean) },
  portalUrl: requireEnv(ENV.portalUrl),
});

async function groupHandler(event: SQSEvent): Promise<SQSBatchResponse> {
  const failed = await processBatch(event.Records.map((r) => ({ messageId: r.messageId, body: r.body })));
  return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
}

export const handler = middy(groupHandler);
