import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, CfnResource, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ATTACHMENT_RETENTION_TIERS, AUTHORIZER, ENV, eventBodyKey, FUNCTIONS, QUEUE, ROUTES, TABLE } from '#shared/infra.ts';
import { RETENTION_DAYS_MAX, RETENTION_DAYS_MIN } from '#shared/api/project-settings.ts';
import { inlineScriptHashes, PortalBuildMissingError } from '#cdk/portal.ts';
import { FerretStack, parseIngestApi, parseWithoutIndexes, PORTAL_AUTH_CALLBACK_PATH, PORTAL_SIGNED_OUT_PATH, type FunctionName } from '#cdk/stack.ts';

type Json = Record<string, any>;

const BOOT_SCRIPT = "\n\t\t\t\t__sveltekit_boot = { base: '' };\n\t\t\t";
const BOOT_HASH = `'sha256-${createHash('sha256').update(BOOT_SCRIPT).digest('base64')}'`;

/** A stand-in for `frontend/build`: one SPA page with an inline boot script. */
function portalFixture(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ferret-portal-'));
  mkdirSync(join(dir, '_app', 'immutable'), { recursive: true });
  writeFileSync(
    join(dir, 'index.html'),
    `<!doctype html><html><head><script type="module" src="/_app/immutable/entry.js"></script></head>` +
      `<body><div></div><script>${BOOT_SCRIPT}</script></body></html>`,
  );
  writeFileSync(join(dir, '_app', 'immutable', 'entry.js'), 'export {};\n');
  return dir;
}

interface Synth {
  app: App;
  stack: FerretStack;
  template: Template;
  json: Json;
}

function synth(context: Record<string, unknown>, portalBuildPath: string): Synth {
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'ferret-cdk-')), context });
  const stack = new FerretStack(app, 'Ferret', { portalBuildPath });
  const template = Template.fromStack(stack);
  return { app, stack, template, json: template.toJSON() as Json };
}

function logicalId(construct: IConstruct): string {
  const resource = construct.node.defaultChild;
  if (!(resource instanceof CfnResource)) throw new Error(`no resource under ${construct.node.path}`);
  return Stack.of(construct).getLogicalId(resource);
}

function resource(s: Synth, construct: IConstruct): Json {
  const found = s.json['Resources'][logicalId(construct)];
  if (found === undefined) throw new Error(`${construct.node.path} is not in the template`);
  return found;
}

function ofType(s: Synth, type: string): Json[] {
  return Object.values(s.json['Resources'] as Record<string, Json>).filter((r) => r['Type'] === type);
}

/** Policy statements attached to a function's role. */
function statements(s: Synth, name: FunctionName): Json[] {
  const role = s.stack.functions[name].role;
  if (role === undefined) throw new Error('function without role');
  const roleId = logicalId(role);
  return ofType(s, 'AWS::IAM::Policy')
    .filter((p) => (p['Properties']['Roles'] as Json[]).some((r) => r['Ref'] === roleId))
    .flatMap((p) => p['Properties']['PolicyDocument']['Statement'] as Json[]);
}

function actionsOf(s: Synth, name: FunctionName): string[] {
  return statements(s, name).flatMap((st) => [st['Action']].flat() as string[]);
}

function nagViolations(stack: Stack): string[] {
  const report = new AwsSolutionsChecks().validateScope(stack);
  return report.violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`));
}

const INGEST_ROUTES = ROUTES.filter((r) => r.target === 'ingest');
const API_ROUTES = ROUTES.filter((r) => r.target === 'api');

let portal: string;
let rest: Synth;
let http: Synth;
let custom: Synth;

beforeAll(() => {
  portal = portalFixture();
  // Bundles the three functions once (local esbuild); the other variants skip bundling.
  rest = synth({ mailFrom: 'alerts@example.com', mailTo: 'ops@example.com' }, portal);
  const noBundling = { 'aws:cdk:bundling-stacks': [] };
  http = synth({ ...noBundling, 'ferret:ingestApi': 'http' }, portal);
  custom = synth(
    {
      ...noBundling,
      domainName: 'errors.example.com',
      certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc',
    },
    portal,
  );
});

describe('data', () => {
  it('creates an on-demand table with the key schema, indexes and TTL from TABLE', () => {
    rest.template.resourceCountIs('AWS::DynamoDB::Table', 1);
    const table = resource(rest, rest.stack.table);
    const props = table['Properties'];
    expect(props['BillingMode']).toBe('PAY_PER_REQUEST');
    expect(props['KeySchema']).toEqual([
      { AttributeName: TABLE.partitionKey, KeyType: 'HASH' },
      { AttributeName: TABLE.sortKey, KeyType: 'RANGE' },
    ]);
    expect(props['GlobalSecondaryIndexes']).toEqual(
      TABLE.indexes.map((index) => ({
        IndexName: index.name,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' },
          { AttributeName: index.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: index.projection },
      })),
    );
    expect(props['TimeToLiveSpecification']).toEqual({ AttributeName: TABLE.ttlAttribute, Enabled: true });
  });

  it('protects the table: point-in-time recovery, deletion protection and a retain policy', () => {
    const table = resource(rest, rest.stack.table);
    expect(table['Properties']['PointInTimeRecoverySpecification']).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(table['Properties']['DeletionProtectionEnabled']).toBe(true);
    expect(table['DeletionPolicy']).toBe('Retain');
  });

  it('redrives failed events to the dead-letter queue after QUEUE.maxReceiveCount receives', () => {
    rest.template.resourceCountIs('AWS::SQS::Queue', 2);
    const queue = resource(rest, rest.stack.queue)['Properties'];
    expect(queue['RedrivePolicy']).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(rest.stack.deadLetterQueue), 'Arn'] },
      maxReceiveCount: QUEUE.maxReceiveCount,
    });
    expect(queue['MessageRetentionPeriod']).toBe(QUEUE.retentionSeconds);
  });

  it('keeps messages invisible for at least six grouping timeouts', () => {
    const queue = resource(rest, rest.stack.queue)['Properties'];
    const group = resource(rest, rest.stack.functions.group)['Properties'];
    expect(queue['VisibilityTimeout']).toBe(QUEUE.visibilityTimeoutSeconds);
    expect(queue['VisibilityTimeout']).toBeGreaterThanOrEqual(6 * group['Timeout']);
  });

  it('accepts 1 MiB messages, encrypts both queues and refuses plain HTTP', () => {
    for (const q of [rest.stack.queue, rest.stack.deadLetterQueue]) {
      const props = resource(rest, q)['Properties'];
      expect(props['MaximumMessageSize']).toBe(1_048_576);
      expect(props['SqsManagedSseEnabled']).toBe(true);
    }
    const policies = ofType(rest, 'AWS::SQS::QueuePolicy');
    expect(policies).toHaveLength(2);
    for (const policy of policies) {
      expect(policy['Properties']['PolicyDocument']['Statement']).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    }
  });

  it('alarms by email as soon as one message waits in the dead-letter queue', () => {
    rest.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(rest.stack.deadLetterQueue), 'QueueName'] } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^AlarmTopic') }],
    });
    rest.template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: { Ref: 'MailTo' } });
  });

  it('keeps both buckets private, encrypted and TLS-only, and expires payloads', () => {
    rest.template.resourceCountIs('AWS::S3::Bucket', 2);
    for (const bucket of [rest.stack.payloadBucket, rest.stack.portalBucket]) {
      const props = resource(rest, bucket)['Properties'];
      expect(props['PublicAccessBlockConfiguration']).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(props['BucketEncryption']['ServerSideEncryptionConfiguration'][0]).toEqual({
        ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' },
      });
    }
    const rules = resource(rest, rest.stack.payloadBucket)['Properties']['LifecycleConfiguration']['Rules'];
    expect(rules).toContainEqual(expect.objectContaining({ Status: 'Enabled', ExpirationInDays: expect.any(Number) }));
    // Attachments expire with their event's retention tier; no rule without a prefix ends them early.
    for (const days of ATTACHMENT_RETENTION_TIERS) expect(rules).toContainEqual(expect.objectContaining({ Prefix: `attachments/${days}d/`, ExpirationInDays: days }));
    expect(rules.filter((r: any) => r.Prefix === undefined && r.ExpirationInDays !== undefined)).toEqual([]);
    for (const policy of ofType(rest, 'AWS::S3::BucketPolicy')) {
      expect(policy['Properties']['PolicyDocument']['Statement']).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    }
  });

  it('expires the body of an event too large for an item after its event, with the rule of its retention tier', () => {
    const rules: Json[] = resource(rest, rest.stack.payloadBucket)['Properties']['LifecycleConfiguration']['Rules'];
    for (const days of ATTACHMENT_RETENTION_TIERS) expect(rules).toContainEqual(expect.objectContaining({ Prefix: `events/${days}d/`, ExpirationInDays: days, Status: 'Enabled' }));
    // The rule S3 applies to a key is the shortest of those whose prefix it starts with.
    const expiryOf = (key: string) => Math.min(...rules.filter((r) => r['Prefix'] !== undefined && key.startsWith(r['Prefix']) && r['ExpirationInDays']).map((r) => r['ExpirationInDays'] as number));
    // Every retention a project may set: the object outlives the item's TTL, ended by the shortest tier that does.
    for (let retentionDays = RETENTION_DAYS_MIN; retentionDays <= RETENTION_DAYS_MAX; retentionDays++) {
      const key = eventBodyKey(retentionDays, '7', 'e'.repeat(32), '0123456789abcdef');
      expect(expiryOf(key), key).toBe(ATTACHMENT_RETENTION_TIERS.find((tier) => tier > retentionDays));
    }
    expect(rules).toContainEqual(expect.objectContaining({ Prefix: 'events/', ExpirationInDays: Math.max(...ATTACHMENT_RETENTION_TIERS) }));
  });
});

describe('functions', () => {
  const names = Object.keys(FUNCTIONS) as FunctionName[];

  it('runs every function on nodejs22.x, arm64, with memory and timeout from FUNCTIONS', () => {
    for (const name of names) {
      const props = resource(rest, rest.stack.functions[name])['Properties'];
      expect(props).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        MemorySize: FUNCTIONS[name].memoryMB,
        Timeout: FUNCTIONS[name].timeoutSeconds,
      });
    }
  });

  it('gives each function its own log group with a retention', () => {
    for (const name of names) {
      const props = resource(rest, rest.stack.functions[name])['Properties'];
      const group = rest.json['Resources'][props['LoggingConfig']['LogGroup']['Ref']];
      expect(group['Type']).toBe('AWS::Logs::LogGroup');
      expect(group['Properties']['RetentionInDays']).toBeGreaterThan(0);
    }
  });

  it('bundles ESM with a createRequire banner, a source map, the SDK clients used at start, and S3 and the unused credential links left to the runtime', () => {
    const fn = resource(rest, rest.stack.functions.ingest);
    const key = String(fn['Properties']['Code']['S3Key']);
    const dir = join(rest.app.outdir, `asset.${key.replace(/\.zip$/, '')}`);
    const code = readFileSync(join(dir, 'index.mjs'), 'utf8');
    expect(code.startsWith('import { createRequire')).toBe(true);
    expect(existsSync(join(dir, 'index.mjs.map'))).toBe(true);
    // Bundled: no import of the runtime's SQS or DynamoDB packages, and the SQS client's code is inside.
    expect(code).not.toMatch(/from\s*"@aws-sdk\/client-(sqs|dynamodb)"/);
    expect(code).toContain('AmazonSQS');
    // S3 is loaded on first use, from the runtime's SDK; so are the credential links after the environment.
    expect(code).toMatch(/import\(\s*"@aws-sdk\/client-s3"\s*\)/);
    expect(code).toMatch(/import\(\s*"@aws-sdk\/credential-provider-ini"\s*\)/);
    expect(code).not.toMatch(/from\s*"@aws-sdk\/credential-provider-/);
    expect(fn['Properties']['Environment']['Variables']['NODE_OPTIONS']).toBe('--enable-source-maps');
  });

  it('passes the environment variables named by ENV', () => {
    const vars = (name: FunctionName): Json => resource(rest, rest.stack.functions[name])['Properties']['Environment']['Variables'];
    const ref = (c: IConstruct): Json => ({ Ref: logicalId(c) });
    expect(vars('ingest')).toMatchObject({
      [ENV.table]: ref(rest.stack.table),
      [ENV.queueUrl]: ref(rest.stack.queue),
      [ENV.payloadBucket]: ref(rest.stack.payloadBucket),
    });
    expect(vars('group')).toMatchObject({
      [ENV.table]: ref(rest.stack.table),
      [ENV.queueUrl]: ref(rest.stack.queue),
      [ENV.deadLetterQueueUrl]: ref(rest.stack.deadLetterQueue),
      [ENV.payloadBucket]: ref(rest.stack.payloadBucket),
      [ENV.mailFrom]: { Ref: 'MailFrom' },
      [ENV.mailTo]: { Ref: 'MailTo' },
      [ENV.portalUrl]: expect.anything(),
    });
    expect(vars('group')[ENV.sesConfigurationSet]['Ref']).toMatch(/^MailConfiguration/);
    expect(vars('api')).toMatchObject({
      [ENV.table]: ref(rest.stack.table),
      [ENV.payloadBucket]: ref(rest.stack.payloadBucket),
      [ENV.portalUrl]: expect.anything(),
      [ENV.dsnBaseUrl]: expect.anything(),
      [ENV.jwtIssuer]: expect.anything(),
    });
    expect(JSON.stringify(vars('api')[ENV.jwtIssuer])).toContain(logicalId(rest.stack.userPool));
    // Invitations go into this pool; the MailTo address owns the default organization.
    expect(vars('api')[ENV.userPoolId]).toEqual({ Ref: logicalId(rest.stack.userPool) });
    expect(vars('api')[ENV.ownerEmail]).toEqual({ Ref: 'MailTo' });
  });

  it("invites the MailTo address into the user pool at deploy, the account that becomes the organization's owner", () => {
    const users = ofType(rest, 'AWS::Cognito::UserPoolUser');
    expect(users).toHaveLength(1);
    expect(users[0]!['Properties']).toMatchObject({
      UserPoolId: { Ref: logicalId(rest.stack.userPool) },
      Username: { Ref: 'MailTo' },
      DesiredDeliveryMediums: ['EMAIL'],
      UserAttributes: [
        { Name: 'email', Value: { Ref: 'MailTo' } },
        { Name: 'email_verified', Value: 'true' },
      ],
    });
    expect(users[0]!['DeletionPolicy']).toBe('Retain');
  });

  it('drains the queue with the event source settings from QUEUE, reporting failed items', () => {
    rest.template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    rest.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [logicalId(rest.stack.queue), 'Arn'] },
      FunctionName: { Ref: logicalId(rest.stack.functions.group) },
      BatchSize: QUEUE.eventSource.batchSize,
      MaximumBatchingWindowInSeconds: QUEUE.eventSource.maxBatchingWindowSeconds,
      ScalingConfig: { MaximumConcurrency: QUEUE.eventSource.maxConcurrency },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });
});

describe('permissions', () => {
  it('never grants a function an action on every resource', () => {
    for (const name of Object.keys(FUNCTIONS) as FunctionName[]) {
      for (const st of statements(rest, name)) {
        expect([st['Resource']].flat(), `${name}: ${JSON.stringify(st)}`).not.toContain('*');
      }
    }
  });

  it('lets the authorizer read API tokens by key from the table, nothing more', () => {
    const st = statements(rest, 'authorizer').filter((x) => [x['Action']].flat().some((a: string) => a.startsWith('dynamodb:')));
    expect(st).toHaveLength(1);
    expect(st[0]!['Action']).toBe('dynamodb:GetItem');
    expect(JSON.stringify(st[0]!['Resource'])).not.toContain('index');
    const actions = actionsOf(rest, 'authorizer');
    expect(actions.some((a) => a.startsWith('s3:') || a.startsWith('sqs:') || a.startsWith('ses:') || a.startsWith('cognito-idp:'))).toBe(false);
  });

  it('lets the API invite members into the user pool and read their email there, on that pool only', () => {
    const st = statements(rest, 'api').find((x) => [x['Action']].flat().includes('cognito-idp:AdminCreateUser'));
    expect([st!['Action']].flat().sort()).toEqual(['cognito-idp:AdminCreateUser', 'cognito-idp:AdminGetUser']);
    expect(st!['Resource']).toEqual({ 'Fn::GetAtt': [logicalId(rest.stack.userPool), 'Arn'] });
  });

  it('lets ingest enqueue, store payloads and read the table, nothing more', () => {
    const actions = actionsOf(rest, 'ingest');
    expect(actions).toEqual(expect.arrayContaining(['sqs:SendMessage', 's3:PutObject', 'dynamodb:GetItem', 'dynamodb:Query']));
    expect(actions).not.toContain('dynamodb:PutItem');
    expect(actions).not.toContain('dynamodb:DeleteItem');
    // Only to count the requests it refuses, on the table itself (no index).
    const update = statements(rest, 'ingest').find((st) => [st['Action']].flat().includes('dynamodb:UpdateItem'));
    expect([update?.['Resource']].flat()).toHaveLength(1);
    expect(actions).not.toContain('s3:GetObject');
    expect(actions.some((a) => a.startsWith('ses:'))).toBe(false);
  });

  it('lets the grouping step write the table and send mail only as the sender identity', () => {
    const actions = actionsOf(rest, 'group');
    expect(actions).toEqual(
      expect.arrayContaining(['dynamodb:UpdateItem', 'dynamodb:PutItem', 's3:GetObject', 's3:PutObject', 'sqs:ReceiveMessage']),
    );
    const ses = statements(rest, 'group').find((st) => [st['Action']].flat().includes('ses:SendEmail'));
    expect(ses?.['Action']).toEqual(['ses:SendEmail', 'ses:SendRawEmail']);
    const resources = JSON.stringify(ses?.['Resource']);
    expect(resources).toContain(':identity/');
    expect(resources).toContain('"Ref":"MailFrom"');
    expect(resources).toContain(':configuration-set/');
  });

  it('sends alert mail from the MailFrom parameter through the configuration set the grouping step names', () => {
    const [identity] = ofType(rest, 'AWS::SES::EmailIdentity');
    expect(identity!['Properties']['EmailIdentity']).toEqual({ Ref: 'MailFrom' });
    const set = identity!['Properties']['ConfigurationSetAttributes']['ConfigurationSetName'];
    const groupVars = resource(rest, rest.stack.functions.group)['Properties']['Environment']['Variables'];
    expect(groupVars[ENV.sesConfigurationSet]).toEqual(set);
    expect(ofType(rest, 'AWS::SES::ConfigurationSet')).toHaveLength(1);
    expect(rest.template.toJSON()['Parameters']['MailFrom']).toMatchObject({ Type: 'String' });
    // In Lambda, loopback is the Runtime API: webhooks never get to post there.
    expect(groupVars[ENV.webhookAllowLoopback]).toBeUndefined();
  });

  it('lets the portal API read and write the table but only read payloads', () => {
    const actions = actionsOf(rest, 'api');
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:UpdateItem', 'dynamodb:Query', 's3:GetObject']));
    expect(actions).not.toContain('s3:PutObject');
    // Listing the payload bucket (not its objects) makes a missing event body or attachment a 404 NoSuchKey, not a 403.
    const list = statements(rest, 'api').find((st) => [st['Action']].flat().includes('s3:ListBucket'));
    expect(list?.['Resource']).toEqual({ 'Fn::GetAtt': [logicalId(rest.stack.payloadBucket), 'Arn'] });
    expect([list?.['Action']].flat()).toEqual(['s3:ListBucket']);
    expect(actions.some((a) => a.startsWith('ses:') || a.startsWith('sqs:'))).toBe(false);
  });

  it('names each table index instead of a wildcard', () => {
    const table = statements(rest, 'api').find((st) => [st['Action']].flat().includes('dynamodb:Query'));
    const resources = JSON.stringify(table?.['Resource']);
    for (const index of TABLE.indexes) expect(resources).toContain(`/index/${index.name}`);
    expect(resources).not.toContain('/index/*');
  });
});

describe('DSN endpoint on a REST API (default)', () => {
  it('serves the ingest routes from ROUTES on a REST API that passes every body as binary', () => {
    rest.template.resourceCountIs('AWS::ApiGateway::RestApi', 1);
    rest.template.hasResourceProperties('AWS::ApiGateway::RestApi', { BinaryMediaTypes: ['*/*'] });
    const ingestArn = { 'Fn::GetAtt': [logicalId(rest.stack.functions.ingest), 'Arn'] };
    const methods = ofType(rest, 'AWS::ApiGateway::Method');
    for (const m of methods) {
      expect(m['Properties']['Integration']['Type']).toBe('AWS_PROXY');
      expect(JSON.stringify(m['Properties']['Integration']['Uri'])).toContain(JSON.stringify(ingestArn));
    }
    const pathParts = ofType(rest, 'AWS::ApiGateway::Resource').map((r) => r['Properties']['PathPart']);
    expect(pathParts).toEqual(expect.arrayContaining(['api', '{projectId}', 'envelope', 'store', '{proxy+}']));
    const verbs = methods.map((m) => m['Properties']['HttpMethod']).sort();
    const expected = [...INGEST_ROUTES.map((r) => r.method), 'ANY'].sort();
    expect(verbs).toEqual(expected);
  });

  it('throttles the ingest stage', () => {
    const stage = ofType(rest, 'AWS::ApiGateway::Stage')[0]?.['Properties'];
    expect(stage?.['MethodSettings']).toContainEqual(
      expect.objectContaining({ HttpMethod: '*', ResourcePath: '/*', ThrottlingRateLimit: expect.any(Number), ThrottlingBurstLimit: expect.any(Number) }),
    );
  });

  it('keeps only the portal API on the HTTP API, behind the Lambda authorizer that takes JWTs and API tokens', () => {
    const routes = ofType(rest, 'AWS::ApiGatewayV2::Route');
    expect(routes.map((r) => r['Properties']['RouteKey'])).toEqual(API_ROUTES.map((r) => `${r.method} ${r.path}`));
    expect(routes[0]?.['Properties']['AuthorizationType']).toBe('CUSTOM');
    const authorizers = ofType(rest, 'AWS::ApiGatewayV2::Authorizer');
    expect(authorizers).toHaveLength(1);
    expect(authorizers[0]!['Properties']).toMatchObject({
      AuthorizerType: 'REQUEST',
      AuthorizerPayloadFormatVersion: '2.0',
      EnableSimpleResponses: true,
      IdentitySource: [`$request.header.${AUTHORIZER.identityHeader}`],
      AuthorizerResultTtlInSeconds: AUTHORIZER.cacheTtlSeconds,
    });
    expect(JSON.stringify(authorizers[0]!['Properties']['AuthorizerUri'])).toContain(logicalId(rest.stack.functions.authorizer));
    // The authorizer verifies JWTs against this pool and client.
    const vars = resource(rest, rest.stack.functions.authorizer)['Properties']['Environment']['Variables'];
    expect(vars[ENV.userPoolId]).toEqual({ Ref: logicalId(rest.stack.userPool) });
    expect(vars[ENV.userPoolClientId]).toEqual({ Ref: logicalId(rest.stack.userPoolClient) });
  });

  it('allows only the portal origin on the HTTP API', () => {
    const cors = ofType(rest, 'AWS::ApiGatewayV2::Api')[0]?.['Properties']['CorsConfiguration'];
    expect(cors['AllowOrigins']).toHaveLength(1);
    expect(JSON.stringify(cors['AllowOrigins'])).toContain(logicalId(rest.stack.distribution));
    expect(cors['AllowHeaders']).toContain('authorization');
  });
});

describe('DSN endpoint on the HTTP API (ferret:ingestApi = http)', () => {
  it('creates no REST API', () => {
    http.template.resourceCountIs('AWS::ApiGateway::RestApi', 0);
    expect(http.stack.ingestApi).toBe('http');
  });

  it('adds the ingest routes from ROUTES and a catch-all for DSN path prefixes, without authorizer', () => {
    const routes = ofType(http, 'AWS::ApiGatewayV2::Route').map((r) => r['Properties']);
    const keys = routes.map((r) => r['RouteKey']);
    expect(keys).toEqual(expect.arrayContaining([...ROUTES.map((r) => `${r.method} ${r.path}`), '$default']));
    for (const route of routes) {
      const isApi = API_ROUTES.some((r) => `${r.method} ${r.path}` === route['RouteKey']);
      expect(route['AuthorizationType'] ?? 'NONE').toBe(isApi ? 'CUSTOM' : 'NONE');
    }
  });

  it('answers preflights for SDKs on any origin and exposes the rate-limit headers', () => {
    const cors = ofType(http, 'AWS::ApiGatewayV2::Api')[0]?.['Properties']['CorsConfiguration'];
    expect(cors['AllowOrigins']).toEqual(['*']);
    expect(cors['AllowHeaders']).toEqual(expect.arrayContaining(['x-sentry-auth', 'content-encoding']));
    expect(cors['ExposeHeaders']).toEqual(expect.arrayContaining(['x-sentry-rate-limits', 'retry-after']));
  });

  it('uses the HTTP API as the DSN base', () => {
    expect(http.json['Outputs']['DsnBaseUrl']['Value']).toEqual({
      'Fn::GetAtt': [logicalId(http.stack.httpApi), 'ApiEndpoint'],
    });
  });
});

describe('portal API stage', () => {
  it('throttles and logs the HTTP API stage', () => {
    for (const s of [rest, http]) {
      const stage = ofType(s, 'AWS::ApiGatewayV2::Stage')[0]?.['Properties'];
      expect(stage['StageName']).toBe('$default');
      expect(stage['DefaultRouteSettings']['ThrottlingRateLimit']).toBeGreaterThan(0);
      expect(stage['DefaultRouteSettings']['ThrottlingBurstLimit']).toBeGreaterThan(0);
      expect(stage['AccessLogSettings']['DestinationArn']).toBeDefined();
    }
  });
});

describe('sign-in', () => {
  it('creates an invite-only user pool with optional MFA and a hosted UI domain', () => {
    rest.template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: Match.objectLike({ AllowAdminCreateUserOnly: true }),
      MfaConfiguration: 'OPTIONAL',
    });
    rest.template.resourceCountIs('AWS::Cognito::UserPoolDomain', 1);
  });

  it('gives the portal a public client for the authorization code flow back to the portal', () => {
    const client = resource(rest, rest.stack.userPoolClient)['Properties'];
    expect(client['GenerateSecret']).toBe(false);
    expect(client['AllowedOAuthFlows']).toEqual(['code']);
    expect(client['AllowedOAuthFlowsUserPoolClient']).toBe(true);
    expect(client['CallbackURLs']).toEqual([
      { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [logicalId(rest.stack.distribution), 'DomainName'] }, PORTAL_AUTH_CALLBACK_PATH]] },
    ]);
    expect(client['LogoutURLs']).toEqual([
      { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [logicalId(rest.stack.distribution), 'DomainName'] }, PORTAL_SIGNED_OUT_PATH]] },
    ]);
    expect(client['AllowedOAuthScopes']).toEqual(expect.arrayContaining(['openid', 'email', 'profile']));
  });
});

describe('mail', () => {
  it('creates the sender identity and a configuration set for it', () => {
    rest.template.hasResourceProperties('AWS::SES::EmailIdentity', {
      EmailIdentity: { Ref: 'MailFrom' },
      ConfigurationSetAttributes: { ConfigurationSetName: { Ref: Match.stringLikeRegexp('^MailConfiguration') } },
    });
  });

  it('takes sender and recipient defaults from context', () => {
    expect(rest.json['Parameters']['MailFrom']['Default']).toBe('alerts@example.com');
    expect(rest.json['Parameters']['MailTo']['Default']).toBe('ops@example.com');
    expect(http.json['Parameters']['MailFrom']['Default']).toBeUndefined();
  });
});

describe('portal hosting', () => {
  it('reads the private bucket through Origin Access Control', () => {
    rest.template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    const dist = resource(rest, rest.stack.distribution)['Properties']['DistributionConfig'];
    expect(dist['Origins']).toHaveLength(1);
    expect(dist['Origins'][0]['OriginAccessControlId']).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/OriginAccessControl/), 'Id'],
    });
    expect(dist['Origins'][0]['S3OriginConfig']).toEqual({ OriginAccessIdentity: '' });
    const bucketPolicy = ofType(rest, 'AWS::S3::BucketPolicy').find((p) =>
      JSON.stringify(p['Properties']['Bucket']).includes(logicalId(rest.stack.portalBucket)),
    );
    expect(bucketPolicy?.['Properties']['PolicyDocument']['Statement']).toContainEqual(
      expect.objectContaining({ Principal: { Service: 'cloudfront.amazonaws.com' }, Action: 's3:GetObject' }),
    );
  });

  it('serves index.html for client-side routes', () => {
    const dist = resource(rest, rest.stack.distribution)['Properties']['DistributionConfig'];
    expect(dist['DefaultRootObject']).toBe('index.html');
    expect(dist['CustomErrorResponses']).toEqual(
      [403, 404].map((code) => ({ ErrorCode: code, ResponseCode: 200, ResponsePagePath: '/index.html', ErrorCachingMinTTL: 0 })),
    );
    expect(dist['DefaultCacheBehavior']['ViewerProtocolPolicy']).toBe('redirect-to-https');
  });

  it('sends security headers with a CSP that allows the build’s inline boot script and nothing else inline', () => {
    const policy = ofType(rest, 'AWS::CloudFront::ResponseHeadersPolicy')[0]?.['Properties']['ResponseHeadersPolicyConfig'];
    const headers = policy['SecurityHeadersConfig'];
    const csp = JSON.stringify(headers['ContentSecurityPolicy']['ContentSecurityPolicy']);
    expect(csp).toContain(BOOT_HASH);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toMatch(/script-src 'self' 'sha256-[^;]*;/);
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(headers['FrameOptions']).toEqual({ FrameOption: 'DENY', Override: true });
    expect(headers['ContentTypeOptions']).toEqual({ Override: true });
    expect(headers['StrictTransportSecurity']).toMatchObject({ IncludeSubdomains: true, Override: true });
    expect(headers['StrictTransportSecurity']['AccessControlMaxAgeSec']).toBeGreaterThanOrEqual(31_536_000);
    expect(headers['ReferrerPolicy']).toEqual({ ReferrerPolicy: 'no-referrer', Override: true });
  });

  it('deploys the build and a config.json with the API, DSN base and Cognito settings', () => {
    const deployments = ofType(rest, 'Custom::CDKBucketDeployment');
    expect(deployments).toHaveLength(2);
    const pages = deployments.find((d) => d['Properties']['SourceMarkers'] !== undefined)?.['Properties'];
    const markers = JSON.stringify(pages?.['SourceMarkers']);
    expect(markers).toContain(logicalId(rest.stack.httpApi));
    expect(markers).toContain(logicalId(rest.stack.restApi!));
    expect(markers).toContain(logicalId(rest.stack.userPool));
    expect(markers).toContain(logicalId(rest.stack.userPoolClient));
    expect(markers).toContain('UserPoolHostedUi');
    expect(pages?.['DistributionPaths']).toEqual(['/*']);
  });

  it('caches fingerprinted files for a year and everything else not at all', () => {
    const metadata = ofType(rest, 'Custom::CDKBucketDeployment').map((d) => d['Properties']['SystemMetadata']['cache-control']);
    expect(metadata.sort()).toEqual(['no-cache', 'public, max-age=31536000, immutable']);
  });

  it('serves a custom domain with its certificate and a modern TLS policy when given', () => {
    const dist = resource(custom, custom.stack.distribution)['Properties']['DistributionConfig'];
    expect(dist['Aliases']).toEqual(['errors.example.com']);
    expect(dist['ViewerCertificate']).toMatchObject({
      AcmCertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc',
      MinimumProtocolVersion: 'TLSv1.2_2021',
    });
    expect(custom.json['Outputs']['PortalUrl']['Value']).toBe('https://errors.example.com');
    expect(resource(custom, custom.stack.userPoolClient)['Properties']['CallbackURLs']).toContain(
      `https://errors.example.com${PORTAL_AUTH_CALLBACK_PATH}`,
    );
  });
});

describe('outputs', () => {
  it('names the DSN base, portal, API and Cognito identifiers', () => {
    for (const s of [rest, http]) {
      expect(Object.keys(s.json['Outputs'])).toEqual(
        expect.arrayContaining(['DsnBaseUrl', 'PortalUrl', 'ApiUrl', 'UserPoolId', 'UserPoolClientId']),
      );
    }
    expect(JSON.stringify(rest.json['Outputs']['DsnBaseUrl']['Value'])).toContain(logicalId(rest.stack.restApi!));
    expect(rest.json['Outputs']['UserPoolId']['Value']).toEqual({ Ref: logicalId(rest.stack.userPool) });
  });
});

describe('cdk-nag AwsSolutions', () => {
  it('has no unacknowledged finding with the DSN routes on the REST API', () => {
    expect(nagViolations(rest.stack)).toEqual([]);
  });

  it('has no unacknowledged finding with the DSN routes on the HTTP API', () => {
    expect(nagViolations(http.stack)).toEqual([]);
  });

  it('has no unacknowledged finding with a custom domain', () => {
    expect(nagViolations(custom.stack)).toEqual([]);
  });
});

describe('settings', () => {
  it('fails with the build command when the portal was not built', () => {
    const empty = mkdtempSync(join(tmpdir(), 'ferret-empty-'));
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    expect(() => new FerretStack(app, 'NoPortal', { portalBuildPath: empty })).toThrow(PortalBuildMissingError);
    expect(() => new FerretStack(new App(), 'NoPortal', { portalBuildPath: empty })).toThrow(/npm run build:portal/);
  });

  it('accepts only rest or http for ferret:ingestApi', () => {
    expect(parseIngestApi(undefined)).toBe('rest');
    expect(parseIngestApi('http')).toBe('http');
    expect(() => parseIngestApi('websocket')).toThrow(/ferret:ingestApi/);
  });

  it('leaves out the indexes ferret:withoutIndexes names (an upgrade adds one index per deploy)', () => {
    expect(parseWithoutIndexes(undefined)).toEqual([]);
    expect(parseWithoutIndexes('gsi4, gsi5')).toEqual(['gsi4', 'gsi5']);
    expect(() => parseWithoutIndexes('gsi9')).toThrow(/ferret:withoutIndexes/);
    const staged = synth({ 'aws:cdk:bundling-stacks': [], 'ferret:withoutIndexes': 'gsi5' }, portal);
    const names = (resource(staged, staged.stack.table)['Properties']['GlobalSecondaryIndexes'] as Json[]).map((i) => i['IndexName']);
    expect(names).toEqual(TABLE.indexes.map((i) => i.name).filter((n) => n !== 'gsi5'));
    expect(names).toContain('gsi4');
  });

  it('requires domainName and certificateArn together', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [], domainName: 'errors.example.com' } });
    expect(() => new FerretStack(app, 'HalfDomain', { portalBuildPath: portal })).toThrow(/certificateArn/);
  });

  it('hashes inline scripts only, not external ones', () => {
    expect(inlineScriptHashes(portal)).toEqual([BOOT_HASH]);
  });
});
