/**
 * The SQS, SES and S3 adapters in one import, for tests and tools. Handlers
 * import the per-service modules (`sqs.ts`, `ses.ts`, `s3.ts`) so that each
 * loads only the SDK clients it uses.
 */
export { SqsEventQueue } from './sqs.ts';
export { SesMailer } from './ses.ts';
export { S3BlobStore } from './s3.ts';
