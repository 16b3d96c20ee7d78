/**
 * AWS list prices in us-east-1 as of 2026-11 (on-demand, no free tier), and
 * the cost model: resources used per event × price = dollars per million events.
 */
import { FUNCTIONS, KiB } from '#shared/infra.ts';

export const PRICES_AS_OF = '2026-11';

/** API Gateway HTTP API: $1.00 per million requests (first 300 M), each 512 KB metered as one. */
export const HTTP_API_PER_MILLION_USD = 1.0;
/** API Gateway REST API: $3.50 per million requests (first 333 M). */
export const REST_API_PER_MILLION_USD = 3.5;
/** Lambda: $0.20 per million requests. */
export const LAMBDA_REQUEST_PER_MILLION_USD = 0.2;
/** Lambda on arm64 (Graviton): $0.0000133334 per GB-second (first 7.5 B GB-s per month). */
export const LAMBDA_ARM_GB_SECOND_USD = 0.0000133334;
/** Lambda bills duration in 1 ms increments. */
export const LAMBDA_BILLING_GRANULARITY_MS = 1;
/** SQS standard queue: $0.40 per million requests, each 64 KB chunk of a payload billed as one request. */
export const SQS_PER_MILLION_REQUESTS_USD = 0.4;
export const SQS_BILLING_CHUNK_BYTES = 64 * KiB;
/** DynamoDB on-demand: $0.625 per million write request units, $0.125 per million read request units. */
export const DYNAMODB_PER_MILLION_WRITE_UNITS_USD = 0.625;
export const DYNAMODB_PER_MILLION_READ_UNITS_USD = 0.125;
/** S3 Standard: $0.005 per 1,000 PUT/COPY/POST/LIST, $0.0004 per 1,000 GET. */
export const S3_PUT_PER_THOUSAND_USD = 0.005;
export const S3_GET_PER_THOUSAND_USD = 0.0004;
/** SES outbound email: $0.10 per 1,000 messages (per recipient). */
export const SES_PER_THOUSAND_USD = 0.1;

export type ApiFlavour = 'http' | 'rest';

/** What one event costs in resources, averaged over a run. */
export interface UsagePerEvent {
  apiRequests: number;
  lambda: Record<keyof typeof FUNCTIONS, { invocations: number; billedMs: number }>;
  sqsRequests: number;
  dynamoWriteUnits: number;
  dynamoReadUnits: number;
  s3Puts: number;
  s3Gets: number;
  emails: number;
}

export interface CostPerMillion {
  total: number;
  api: number;
  lambdaRequests: number;
  lambdaCompute: number;
  sqs: number;
  dynamoWrites: number;
  dynamoReads: number;
  s3: number;
  ses: number;
}

/** Bytes → billable SQS requests (at least one). */
export function sqsRequestsFor(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / SQS_BILLING_CHUNK_BYTES));
}

/** Wall milliseconds of one invocation → billed milliseconds. */
export function billedMs(ms: number): number {
  return Math.max(LAMBDA_BILLING_GRANULARITY_MS, Math.ceil(ms / LAMBDA_BILLING_GRANULARITY_MS) * LAMBDA_BILLING_GRANULARITY_MS);
}

export function costPerMillion(usage: UsagePerEvent, flavour: ApiFlavour): CostPerMillion {
  const M = 1_000_000;
  const api = usage.apiRequests * (flavour === 'http' ? HTTP_API_PER_MILLION_USD : REST_API_PER_MILLION_USD);
  let lambdaRequests = 0;
  let lambdaCompute = 0;
  for (const [name, fn] of Object.entries(usage.lambda) as Array<[keyof typeof FUNCTIONS, { invocations: number; billedMs: number }]>) {
    lambdaRequests += fn.invocations * LAMBDA_REQUEST_PER_MILLION_USD;
    lambdaCompute += ((fn.billedMs / 1000) * (FUNCTIONS[name].memoryMB / 1024)) * LAMBDA_ARM_GB_SECOND_USD * M;
  }
  const sqs = usage.sqsRequests * SQS_PER_MILLION_REQUESTS_USD;
  const dynamoWrites = usage.dynamoWriteUnits * DYNAMODB_PER_MILLION_WRITE_UNITS_USD;
  const dynamoReads = usage.dynamoReadUnits * DYNAMODB_PER_MILLION_READ_UNITS_USD;
  const s3 = (usage.s3Puts * S3_PUT_PER_THOUSAND_USD + usage.s3Gets * S3_GET_PER_THOUSAND_USD) * 1000;
  const ses = usage.emails * SES_PER_THOUSAND_USD * 1000;
  const total = api + lambdaRequests + lambdaCompute + sqs + dynamoWrites + dynamoReads + s3 + ses;
  return { total, api, lambdaRequests, lambdaCompute, sqs, dynamoWrites, dynamoReads, s3, ses };
}

/** Targets from the brief, in dollars per million events. */
export const COST_TARGET_USD: Record<'distinct' | 'storm', number> = { distinct: 3, storm: 2 };
