/**
 * The one definition of Ferret's infrastructure: table schema, queue and
 * event-source settings, function settings and HTTP routes.
 *
 * Both the CDK stack (`cdk/stack.ts`) and the local stack (`cdk/local/`) import
 * this module, so the cloud and the single-machine product cannot drift apart.
 * It holds plain data only — no AWS SDK, no CDK types.
 */

export const KiB = 1024;
export const MiB = 1024 * KiB;

/** Single DynamoDB table; item shapes are documented in `shared/keys.ts`. */
export const TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Epoch seconds. TTL deletion is lazy (up to ~2 days on AWS, never in dynalite):
   * expiry is always decided in condition/filter expressions, never by absence. */
  ttlAttribute: 'expiresAt',
  indexes: [
    /** Lists: projects of an org, issues of a project by last seen, keys by public key. */
    { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk', projection: 'ALL' },
    /**
     * Keys only: events of an issue by time (the body is fetched by key), and issues of a project
     * in one status by last seen. An index projecting whole items would be written again, by the
     * KB, on every write of a hot issue item.
     */
    { name: 'gsi2', partitionKey: 'gsi2pk', sortKey: 'gsi2sk', projection: 'KEYS_ONLY' },
    /** Keys only: issues of a project in one status by first seen (the "new" order); shares gsi2's partition key. */
    { name: 'gsi3', partitionKey: 'gsi2pk', sortKey: 'gsi3sk', projection: 'KEYS_ONLY' },
    /**
     * Keys only: issues of a project in one status by a bucket of their event count (`sort=freq`), and
     * by a bucket of their users affected (`sort=user`); both share gsi2's partition key, so a status
     * change moves them with it. A bucket changes O(log count) times per issue: see shared/api/count-order.ts.
     */
    { name: 'gsi4', partitionKey: 'gsi2pk', sortKey: 'gsi4sk', projection: 'KEYS_ONLY' },
    { name: 'gsi5', partitionKey: 'gsi2pk', sortKey: 'gsi5sk', projection: 'KEYS_ONLY' },
  ],
} as const;

/** The functions, by the file in `functions/` that holds each handler. */
export const FUNCTIONS = {
  ingest: { entry: 'functions/ingest.ts', memoryMB: 512, timeoutSeconds: 10 },
  group: { entry: 'functions/group.ts', memoryMB: 1024, timeoutSeconds: 60 },
  api: { entry: 'functions/api.ts', memoryMB: 512, timeoutSeconds: 15 },
  authorizer: { entry: 'functions/authorizer.ts', memoryMB: 256, timeoutSeconds: 5 },
} as const;

/**
 * The portal API's Lambda REQUEST authorizer. Its answer is cached per
 * Authorization header; the API handler reads the token and the caller's
 * memberships again on every request, so a revoked token or a removed member
 * loses access at the next request, not when the cache expires.
 */
export const AUTHORIZER = {
  identityHeader: 'Authorization',
  cacheTtlSeconds: 300,
} as const;

/**
 * AWS SDK packages left to the Lambda runtime's copy instead of bundled.
 * Bundling the clients a function loads at start, tree-shaken into one file,
 * cuts ingest's module init from about 155 ms to about 50 ms (`npm run bench`):
 * the runtime's SDK is hundreds of files resolved and compiled one by one. S3
 * is imported only on first use (payloads too large for a queue message), so
 * it stays external and costs nothing at start.
 */
export const SDK_FROM_RUNTIME = [
  '@aws-sdk/client-s3',
  /*
   * The default credential chain's links after the environment: a Lambda function finds its
   * role's credentials in its environment (AWS_ACCESS_KEY_ID, …), the chain's first link, and
   * the chain imports the others (profile files, SSO, web identity, container and instance
   * metadata) only when it reaches them — never on Lambda. Bundled, with the STS, SSO and
   * sign-in clients they bring, they were 90 KB of every function.
   */
  '@aws-sdk/credential-provider-ini',
  '@aws-sdk/credential-provider-sso',
  '@aws-sdk/credential-provider-process',
  '@aws-sdk/credential-provider-web-identity',
  '@aws-sdk/credential-provider-http',
  '@smithy/credential-provider-imds',
  /* Imported by the protocol code only for operations with event streams; none of ours has one. */
  '@smithy/core/event-streams',
] as const;

/**
 * The event queue between ingest and grouping, and the event source mapping
 * that drains it. Lambda's own rules apply: visibility ≥ 6 × consumer timeout.
 */
export const QUEUE = {
  /** SQS maximum message size (raised from 256 KiB in 2025). Larger payloads go to S3. */
  maxMessageBytes: 1 * MiB,
  /** Payloads above this travel by reference through the payload bucket (claim check). */
  claimCheckThresholdBytes: 200 * KiB,
  visibilityTimeoutSeconds: 6 * FUNCTIONS.group.timeoutSeconds,
  retentionSeconds: 4 * 24 * 3600,
  /** Receives before a message is moved to the dead-letter queue. */
  maxReceiveCount: 5,
  dlqRetentionSeconds: 14 * 24 * 3600,
  eventSource: {
    batchSize: 100,
    /** Short window: alerts must go out within seconds of the SDK's POST. */
    maxBatchingWindowSeconds: 1,
    maxConcurrency: 10,
    reportBatchItemFailures: true,
  },
} as const;

export type RouteTarget = 'ingest' | 'api';
export interface RouteDef {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'OPTIONS' | 'ANY';
  /** API Gateway route path syntax: `{name}` and greedy `{name+}`. */
  path: string;
  target: RouteTarget;
  /** Portal API routes require a bearer token (JWT authorizer in AWS). */
  auth: boolean;
}

/**
 * HTTP routes. The DSN routes accept any path prefix in front of `/api/…`
 * (a DSN may carry one); API Gateway expresses that with the greedy routes.
 */
export const ROUTES: readonly RouteDef[] = [
  { method: 'POST', path: '/api/{projectId}/envelope', target: 'ingest', auth: false },
  { method: 'POST', path: '/api/{projectId}/store', target: 'ingest', auth: false },
  { method: 'OPTIONS', path: '/api/{projectId}/envelope', target: 'ingest', auth: false },
  { method: 'OPTIONS', path: '/api/{projectId}/store', target: 'ingest', auth: false },
  { method: 'POST', path: '/api/store', target: 'ingest', auth: false },
  { method: 'ANY', path: '/api/0/{proxy+}', target: 'api', auth: true },
];

/** Ingest paths, with an optional DSN path prefix. Used to route and to parse. */
export const INGEST_PATH = /^(?<prefix>(?:\/[^/]+)*?)\/api\/(?:(?<projectId>\d+)\/)?(?<kind>envelope|store)\/?$/;

/** Which API Gateway flavour serves the DSN routes; see README "Compressed bodies". */
export type IngestApiKind = 'http' | 'rest';
export const DEFAULT_INGEST_API: IngestApiKind = 'rest';

/** Environment variable names shared by the stack and the local stack. */
export const ENV = {
  table: 'FERRET_TABLE',
  queueUrl: 'FERRET_QUEUE_URL',
  /** Poison messages are moved here by the grouping step with their reason. */
  deadLetterQueueUrl: 'FERRET_DLQ_URL',
  payloadBucket: 'FERRET_PAYLOAD_BUCKET',
  mailFrom: 'FERRET_MAIL_FROM',
  mailTo: 'FERRET_MAIL_TO',
  sesConfigurationSet: 'FERRET_SES_CONFIGURATION_SET',
  /** `true` lets webhooks reach loopback addresses: the local stack's test receivers. Never set in AWS. */
  webhookAllowLoopback: 'FERRET_WEBHOOK_ALLOW_LOOPBACK',
  portalUrl: 'FERRET_PORTAL_URL',
  dsnBaseUrl: 'FERRET_DSN_BASE_URL',
  /** Public base URL of the portal API, for pagination `Link` headers (optional). */
  apiUrl: 'FERRET_API_URL',
  /** Issuer and audience of portal JWTs (Cognito), checked again in the handler. */
  jwtIssuer: 'FERRET_JWT_ISSUER',
  /** Cognito user pool and portal client: the authorizer verifies JWTs against them; the API invites into the pool. */
  userPoolId: 'FERRET_USER_POOL_ID',
  userPoolClientId: 'FERRET_USER_POOL_CLIENT_ID',
  /** The email made owner of the default organization at first start (bound at its first sign-in). */
  ownerEmail: 'FERRET_OWNER_EMAIL',
  /** How often ingest writes the counts of the requests it refused (seconds; default 10). */
  outcomeFlushSeconds: 'FERRET_OUTCOME_FLUSH_SECONDS',
} as const;

/** Retention of stored events unless a project overrides it. */
export const DEFAULT_RETENTION_DAYS = 90;

/**
 * Attachment bytes live in the payload bucket under `attachments/{tier}d/`, one
 * S3 lifecycle rule per tier: the smallest tier that outlives the project's
 * event retention (a day of margin: the bytes are written at ingest, the
 * record's TTL starts at grouping). Attachments never vanish before their
 * event and linger at most until the tier's end.
 */
export const ATTACHMENT_RETENTION_TIERS = [8, 31, 91, 181, 366] as const;
export function attachmentRetentionTier(retentionDays: number): number {
  return ATTACHMENT_RETENTION_TIERS.find((t) => t >= retentionDays + 1) ?? ATTACHMENT_RETENTION_TIERS.at(-1)!;
}
/**
 * The body of an event too large for a DynamoDB item lives in the payload bucket under
 * `events/{tier}d/`, with the attachments' tiers and one lifecycle rule per tier: the object
 * outlives its event's item (a day of margin) and never stays past the tier's end.
 */
export const EVENT_BODY_PREFIX = 'events/';
/**
 * The key of an offloaded event body: retention tier, project, event id, then a digest of the
 * stored bytes. A retried batch stores the same bytes and so overwrites its own object; another
 * copy sent under a reused event id gets a key of its own (left for the lifecycle rule to end),
 * so the item written first never points at a copy it was not written with.
 */
export function eventBodyKey(retentionDays: number, projectId: string, eventId: string, digest: string): string {
  return `${EVENT_BODY_PREFIX}${attachmentRetentionTier(retentionDays)}d/${projectId}/${eventId}/${digest}`;
}
/** Claim-check payloads are read within the queue's retention (4 days); a week is plenty. */
export const CLAIM_CHECK_RETENTION_DAYS = 7;
