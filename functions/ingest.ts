/**
 * Ingest Lambda: the DSN endpoints (`/api/{projectId}/envelope/`, `/store/`).
 * Parses and authenticates the request, enqueues it, answers like Sentry.
 */
import middy from '@middy/core';
import { requireEnv, optionalEnv } from '#shared/config.ts';
import { ENV } from '#shared/infra.ts';
import { createIngest } from '#shared/pipeline/ingest.ts';
import { CORS_HEADERS, corsPreflightHeaders } from '#shared/protocol/request.ts';
import { S3BlobStore } from './lib/s3.ts';
import { SqsEventQueue } from './lib/sqs.ts';
import { DynamoProjectReader } from './lib/dynamo-projects.ts';
import { DynamoOutcomeStore } from './lib/dynamo-outcomes.ts';
import { httpErrors, json, toHttpRequest, type GatewayEvent } from './lib/http.ts';

const flushSeconds = Number(optionalEnv(ENV.outcomeFlushSeconds) ?? NaN);
const ingest = createIngest({
  projects: new DynamoProjectReader(requireEnv(ENV.table)),
  queue: new SqsEventQueue(requireEnv(ENV.queueUrl), optionalEnv(ENV.deadLetterQueueUrl)),
  blobs: new S3BlobStore(requireEnv(ENV.payloadBucket)),
  now: Date.now,
  // Refused requests are counted in memory and written now and then (see OUTCOME_FLUSH_MS).
  outcomes: new DynamoOutcomeStore(requireEnv(ENV.table)),
  ...(Number.isFinite(flushSeconds) && flushSeconds >= 0 ? { outcomeFlushMs: flushSeconds * 1000 } : {}),
});

async function ingestHandler(event: GatewayEvent) {
  const req = toHttpRequest(event);
  if (req.method === 'OPTIONS') return { statusCode: 200, headers: corsPreflightHeaders(req.headers), body: '' };
  const result = await ingest(req, { clientIp: req.clientIp, userAgent: req.userAgent });
  return json(200, result.body, result.headers ? { ...CORS_HEADERS, ...result.headers } : CORS_HEADERS);
}

export const handler = middy(ingestHandler).use(httpErrors(CORS_HEADERS));
