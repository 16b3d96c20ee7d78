/**
 * Ferret in one stack: DSN endpoint → ingest Lambda → SQS → grouping Lambda →
 * DynamoDB + SES, and the portal (S3 + CloudFront, Cognito, HTTP API).
 *
 * Every name, size and setting that the local stack shares comes from
 * `shared/infra.ts`; this file only maps it onto AWS resources.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Aws,
  CfnOutput,
  CfnParameter,
  Duration,
  Fn,
  RemovalPolicy,
  Stack,
  type StackProps,
} from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import {
  DEFAULT_INGEST_API,
  ATTACHMENT_RETENTION_TIERS,
  EVENT_BODY_PREFIX,
  CLAIM_CHECK_RETENTION_DAYS,
  ENV,
  FUNCTIONS,
  AUTHORIZER,
  QUEUE,
  ROUTES,
  TABLE,
  type IngestApiKind,
  type RouteDef,
} from '#shared/infra.ts';
import { BUNDLE } from './bundling.ts';
import { suppressFindings } from './nag.ts';
import {
  assertPortalBuild,
  DEFAULT_PORTAL_BUILD,
  inlineScriptHashes,
  PORTAL_CONFIG_KEY,
  PORTAL_IMMUTABLE_GLOB,
  PORTAL_INDEX,
  type PortalRuntimeConfig,
} from './portal.ts';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Context keys (`cdk deploy -c key=value` or cdk.json). */
export const CONTEXT = {
  ingestApi: 'ferret:ingestApi',
  mailFrom: 'mailFrom',
  mailTo: 'mailTo',
  domainName: 'domainName',
  certificateArn: 'certificateArn',
  authDomainPrefix: 'authDomainPrefix',
  region: 'region',
  /**
   * Table indexes to leave out, comma-separated (`gsi5`): CloudFormation creates one index per
   * stack update, so a stack deployed before two indexes were added is upgraded in two deploys.
   */
  withoutIndexes: 'ferret:withoutIndexes',
} as const;

/**
 * DynamoDB actions by the commands `functions/lib/dynamo.ts` sends (no Scan, no
 * transactions: DESIGN.md). A new command there needs its action here.
 */
export const TABLE_READ = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'] as const;
export const TABLE_WRITE = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'] as const;

export type FunctionName = keyof typeof FUNCTIONS;

/** CloudWatch Logs retention of function and access logs. */
const LOG_RETENTION = logs.RetentionDays.ONE_MONTH;

/**
 * Stage throttling, requests per second and burst. API Gateway's account
 * quota is 10,000 rps with a 5,000 burst per region, shared by every API.
 */
const INGEST_THROTTLE = { rateLimit: 1_000, burstLimit: 2_000 } as const;
const PORTAL_API_THROTTLE = { rateLimit: 50, burstLimit: 100 } as const;

/** Failed multipart uploads (attachments) are cleaned up after this long. */
const ABORTED_UPLOAD_RETENTION = Duration.days(1);

/** Fingerprinted portal files (`_app/immutable/*`) never change under their name. */
const IMMUTABLE_MAX_AGE = Duration.days(365);
/** HSTS max-age: two years, the figure hstspreload.org asks for. */
const HSTS_MAX_AGE = Duration.days(730);
const CORS_MAX_AGE = Duration.days(1);

/** The portal's OAuth redirect target (authorization code + PKCE); frontend/src/lib/auth.ts. */
export const PORTAL_AUTH_CALLBACK_PATH = '/auth/callback/';
/** Where Cognito's logout endpoint sends the browser back; frontend/src/lib/auth.ts. */
export const PORTAL_SIGNED_OUT_PATH = '/signin/';

/** Headers the Sentry SDKs send cross-origin, and the ones they read back. */
const SENTRY_REQUEST_HEADERS = ['content-type', 'content-encoding', 'x-sentry-auth', 'sentry-trace', 'baggage'];
const SENTRY_RESPONSE_HEADERS = ['x-sentry-rate-limits', 'retry-after'];

export interface FerretStackProps extends StackProps {
  /** Which API Gateway flavour serves the DSN routes. Default: context `ferret:ingestApi`, else `rest`. */
  ingestApi?: IngestApiKind;
  /** Folder with the portal's static build. Default: `frontend/build`. */
  portalBuildPath?: string;
}

function contextString(scope: Construct, key: string): string | undefined {
  const value: unknown = scope.node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  return String(value);
}

export function parseIngestApi(value: string | undefined): IngestApiKind {
  if (value === undefined) return DEFAULT_INGEST_API;
  if (value === 'rest' || value === 'http') return value;
  throw new Error(`Context ${CONTEXT.ingestApi} must be "rest" or "http", not "${value}"`);
}

/** The TABLE indexes a deploy leaves out (`ferret:withoutIndexes`); only names of TABLE's indexes. */
export function parseWithoutIndexes(value: string | undefined): string[] {
  const names = (value ?? '').split(',').map((n) => n.trim()).filter(Boolean);
  for (const n of names) {
    if (!TABLE.indexes.some((i) => i.name === n)) throw new Error(`Context ${CONTEXT.withoutIndexes} names no index of the table: "${n}"`);
  }
  return names;
}

function lambdaRole(scope: Construct, id: string): iam.Role {
  return new iam.Role(scope, id, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: 'Ferret function role; log writes and data grants are added per function',
  });
}

export class FerretStack extends Stack {
  readonly ingestApi: IngestApiKind;
  readonly table: dynamodb.Table;
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly payloadBucket: s3.Bucket;
  readonly portalBucket: s3.Bucket;
  readonly functions: Record<FunctionName, NodejsFunction>;
  readonly httpApi: apigwv2.HttpApi;
  readonly restApi: apigw.RestApi | undefined;
  readonly userPool: cognito.UserPool;
  readonly userPoolClient: cognito.UserPoolClient;
  readonly distribution: cloudfront.Distribution;
  /** The portal's own domain (context `domainName`), when it has one. */
  readonly customDomain: string | undefined;
  /** DSN routes on the HTTP API (ingestApi = http); empty otherwise. */
  readonly ingestHttpRoutes: apigwv2.HttpRoute[] = [];

  constructor(scope: Construct, id: string, props: FerretStackProps = {}) {
    super(scope, id, props);
    this.ingestApi = props.ingestApi ?? parseIngestApi(contextString(this, CONTEXT.ingestApi));
    const portalBuild = props.portalBuildPath ?? DEFAULT_PORTAL_BUILD;
    assertPortalBuild(portalBuild);

    const mailFrom = new CfnParameter(this, 'MailFrom', {
      type: 'String',
      description: 'Sender address of alert emails; SES sends a verification link to it',
      default: contextString(this, CONTEXT.mailFrom),
      allowedPattern: '^[^@\\s]+@[^@\\s]+$',
      constraintDescription: 'an email address',
    }).valueAsString;
    const mailTo = new CfnParameter(this, 'MailTo', {
      type: 'String',
      description: 'Recipient of alert emails and of operational alarms (dead-letter queue)',
      default: contextString(this, CONTEXT.mailTo),
      allowedPattern: '^[^@\\s]+@[^@\\s]+$',
      constraintDescription: 'an email address',
    }).valueAsString;

    // --- Data -----------------------------------------------------------------
    const keyAttr = (name: string): dynamodb.Attribute => ({ name, type: dynamodb.AttributeType.STRING });
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: keyAttr(TABLE.partitionKey),
      sortKey: keyAttr(TABLE.sortKey),
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: TABLE.ttlAttribute,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const without = parseWithoutIndexes(contextString(this, CONTEXT.withoutIndexes));
    for (const index of TABLE.indexes.filter((i) => !without.includes(i.name))) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: keyAttr(index.partitionKey),
        sortKey: keyAttr(index.sortKey),
        projectionType: dynamodb.ProjectionType[index.projection],
      });
    }

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      retentionPeriod: Duration.seconds(QUEUE.dlqRetentionSeconds),
      maxMessageSizeBytes: QUEUE.maxMessageBytes,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    this.queue = new sqs.Queue(this, 'EventQueue', {
      visibilityTimeout: Duration.seconds(QUEUE.visibilityTimeoutSeconds),
      retentionPeriod: Duration.seconds(QUEUE.retentionSeconds),
      maxMessageSizeBytes: QUEUE.maxMessageBytes,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: QUEUE.maxReceiveCount },
    });

    const privateBucket = {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
    } as const;
    this.payloadBucket = new s3.Bucket(this, 'PayloadBucket', {
      ...privateBucket,
      lifecycleRules: [
        { id: 'ClaimChecks', prefix: 'payloads/', expiration: Duration.days(CLAIM_CHECK_RETENTION_DAYS) },
        // Attachments follow their event's retention, by tier (see attachmentRetentionTier); where rules
        // overlap S3 applies the shortest, so the catch-all only ends what no tier names.
        ...ATTACHMENT_RETENTION_TIERS.map((days) => ({ id: `Attachments${days}d`, prefix: `attachments/${days}d/`, expiration: Duration.days(days) })),
        { id: 'AttachmentsCatchAll', prefix: 'attachments/', expiration: Duration.days(Math.max(...ATTACHMENT_RETENTION_TIERS)) },
        // Bodies of events too large for a DynamoDB item (eventBodyKey): the same tiers.
        ...ATTACHMENT_RETENTION_TIERS.map((days) => ({ id: `EventBodies${days}d`, prefix: `${EVENT_BODY_PREFIX}${days}d/`, expiration: Duration.days(days) })),
        { id: 'EventBodiesCatchAll', prefix: EVENT_BODY_PREFIX, expiration: Duration.days(Math.max(...ATTACHMENT_RETENTION_TIERS)) },
        // No bucket-wide expiration: it would end long-retention attachments early (the shortest rule wins).
        { id: 'AbortedUploads', abortIncompleteMultipartUploadAfter: ABORTED_UPLOAD_RETENTION },
      ],
    });
    this.portalBucket = new s3.Bucket(this, 'PortalBucket', privateBucket);

    // --- Operations alarm -------------------------------------------------------
    const alarmTopic = new sns.Topic(this, 'AlarmTopic', { displayName: 'Ferret alarms', enforceSSL: true });
    alarmTopic.addSubscription(new EmailSubscription(mailTo));
    const dlqAlarm = this.deadLetterQueue
      .metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' })
      .createAlarm(this, 'DeadLetterAlarm', {
        alarmDescription: 'Events failed grouping and wait in the dead-letter queue',
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    dlqAlarm.addAlarmAction(new SnsAction(alarmTopic));

    // --- Mail -----------------------------------------------------------------
    const mailConfig = new ses.ConfigurationSet(this, 'MailConfiguration', {
      reputationMetrics: true,
      suppressionReasons: ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
    });
    new ses.EmailIdentity(this, 'MailSender', {
      identity: ses.Identity.email(mailFrom),
      configurationSet: mailConfig,
    });

    // --- Portal hosting -------------------------------------------------------
    const domainName = contextString(this, CONTEXT.domainName);
    this.customDomain = domainName;
    const certificateArn = contextString(this, CONTEXT.certificateArn);
    if ((domainName === undefined) !== (certificateArn === undefined)) {
      throw new Error(`Contexts ${CONTEXT.domainName} and ${CONTEXT.certificateArn} go together (an ACM certificate in us-east-1)`);
    }
    this.distribution = new cloudfront.Distribution(this, 'PortalDistribution', {
      comment: 'Ferret portal',
      defaultRootObject: PORTAL_INDEX,
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.portalBucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: this.portalHeaders(inlineScriptHashes(portalBuild)),
        compress: true,
      },
      // Client-side routes are not objects in the bucket: S3 answers 403 through OAC.
      errorResponses: [403, 404].map((httpStatus) => ({
        httpStatus,
        responseHttpStatus: 200,
        responsePagePath: `/${PORTAL_INDEX}`,
        ttl: Duration.seconds(0),
      })),
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      ...(domainName !== undefined && certificateArn !== undefined
        ? {
            domainNames: [domainName],
            certificate: acm.Certificate.fromCertificateArn(this, 'PortalCertificate', certificateArn),
            minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
          }
        : {}),
    });
    const portalUrl = domainName !== undefined ? `https://${domainName}` : `https://${this.distribution.distributionDomainName}`;

    // --- Portal sign-in ---------------------------------------------------------
    this.userPool = new cognito.UserPool(this, 'UserPool', {
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      autoVerify: { email: true },
      mfa: cognito.Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
      },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      userInvitation: {
        emailSubject: 'Your Ferret account',
        emailBody: `You have been invited to Ferret (${portalUrl}). User name: {username}, temporary password: {####}`,
      },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // The installer's account: MailTo is invited at deploy (Cognito emails a temporary password) and
    // its first sign-in makes it owner of the default organization; it invites everyone else.
    const owner = new cognito.CfnUserPoolUser(this, 'OwnerUser', {
      userPoolId: this.userPool.userPoolId,
      username: mailTo,
      desiredDeliveryMediums: ['EMAIL'],
      userAttributes: [
        { name: 'email', value: mailTo },
        { name: 'email_verified', value: 'true' },
      ],
    });
    owner.applyRemovalPolicy(RemovalPolicy.RETAIN);
    const authDomain = this.userPool.addDomain('HostedUi', {
      cognitoDomain: {
        domainPrefix:
          contextString(this, CONTEXT.authDomainPrefix) ?? Fn.join('-', [this.stackName.toLowerCase(), Aws.ACCOUNT_ID]),
      },
    });
    this.userPoolClient = this.userPool.addClient('PortalClient', {
      generateSecret: false,
      authFlows: { userSrp: true },
      preventUserExistenceErrors: true,
      oAuth: {
        // A public client without secret: Cognito requires PKCE's code_challenge when sent.
        flows: { authorizationCodeGrant: true },
        scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE],
        // Cognito compares these byte for byte with the portal's redirect_uri and logout_uri.
        callbackUrls: [`${portalUrl}${PORTAL_AUTH_CALLBACK_PATH}`],
        logoutUrls: [`${portalUrl}${PORTAL_SIGNED_OUT_PATH}`],
      },
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
    });

    // --- Functions ------------------------------------------------------------
    this.functions = {
      ingest: this.nodeFunction('ingest', 'Ingest'),
      group: this.nodeFunction('group', 'Group'),
      api: this.nodeFunction('api', 'Api'),
      authorizer: this.nodeFunction('authorizer', 'Authorizer'),
    };
    const { ingest, group, api, authorizer: authorizerFn } = this.functions;

    for (const fn of [ingest, group, api]) {
      fn.addEnvironment(ENV.table, this.table.tableName);
      fn.addEnvironment(ENV.payloadBucket, this.payloadBucket.bucketName);
    }
    ingest.addEnvironment(ENV.queueUrl, this.queue.queueUrl);
    this.queue.grantSendMessages(ingest);
    this.grantTable(ingest, TABLE_READ);
    // Counts of refused (rate-limited) requests: an ADD on the project's outcome day item now and then.
    ingest.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:UpdateItem'], resources: [this.table.tableArn] }));
    this.grantPayloads(ingest, ['s3:PutObject']);

    group.addEnvironment(ENV.queueUrl, this.queue.queueUrl);
    group.addEnvironment(ENV.deadLetterQueueUrl, this.deadLetterQueue.queueUrl);
    group.addEnvironment(ENV.mailFrom, mailFrom);
    group.addEnvironment(ENV.mailTo, mailTo);
    group.addEnvironment(ENV.sesConfigurationSet, mailConfig.configurationSetName);
    group.addEnvironment(ENV.portalUrl, portalUrl);
    // Poison messages are moved to the DLQ by the function itself, with their reason.
    this.deadLetterQueue.grantSendMessages(group);
    this.grantTable(group, [...TABLE_READ, ...TABLE_WRITE]);
    this.grantPayloads(group, ['s3:GetObject', 's3:PutObject']);
    group.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['ses:SendEmail', 'ses:SendRawEmail'],
        resources: [
          this.formatArn({ service: 'ses', resource: 'identity', resourceName: mailFrom }),
          this.formatArn({ service: 'ses', resource: 'configuration-set', resourceName: mailConfig.configurationSetName }),
        ],
      }),
    );
    group.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: QUEUE.eventSource.batchSize,
        maxBatchingWindow: Duration.seconds(QUEUE.eventSource.maxBatchingWindowSeconds),
        maxConcurrency: QUEUE.eventSource.maxConcurrency,
        reportBatchItemFailures: QUEUE.eventSource.reportBatchItemFailures,
      }),
    );

    api.addEnvironment(ENV.portalUrl, portalUrl);
    api.addEnvironment(ENV.jwtIssuer, this.userPool.userPoolProviderUrl);
    api.addEnvironment(ENV.userPoolId, this.userPool.userPoolId);
    // The alert recipient installing Ferret owns its default organization (invited at first start).
    api.addEnvironment(ENV.ownerEmail, mailTo);
    // Inviting a member creates its Cognito account; an access token's sub is looked up for its email.
    api.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['cognito-idp:AdminCreateUser', 'cognito-idp:AdminGetUser'], resources: [this.userPool.userPoolArn] }),
    );

    // The authorizer reads API tokens by key, nothing else.
    authorizerFn.addEnvironment(ENV.table, this.table.tableName);
    authorizerFn.addEnvironment(ENV.userPoolId, this.userPool.userPoolId);
    authorizerFn.addEnvironment(ENV.userPoolClientId, this.userPoolClient.userPoolClientId);
    authorizerFn.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:GetItem'], resources: [this.table.tableArn] }));
    this.grantTable(api, [...TABLE_READ, ...TABLE_WRITE]);
    this.grantPayloads(api, ['s3:GetObject']);
    // Without it S3 answers a missing object (an attachment or event body its lifecycle rule ended) with
    // 403 AccessDenied instead of 404 NoSuchKey, and the API could not tell "gone" from "forbidden".
    api.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [this.payloadBucket.bucketArn] }));

    // --- HTTP API: the portal API, and the DSN routes when ingestApi = http ------
    const http = this.ingestApi === 'http';
    this.httpApi = new apigwv2.HttpApi(this, 'HttpApi', {
      description: http ? 'Ferret portal API and DSN endpoint' : 'Ferret portal API',
      createDefaultStage: false,
      corsPreflight: {
        // API Gateway answers preflights itself and overrides the functions' CORS
        // headers; SDKs post from any origin, so the DSN routes need "*". Bearer
        // tokens (no cookies) keep "*" safe for the portal API.
        allowOrigins: http ? ['*'] : [portalUrl],
        allowMethods: [apigwv2.CorsHttpMethod.ANY],
        allowHeaders: ['authorization', ...(http ? SENTRY_REQUEST_HEADERS : ['content-type'])],
        exposeHeaders: http ? SENTRY_RESPONSE_HEADERS : [],
        maxAge: CORS_MAX_AGE,
      },
    });
    new apigwv2.HttpStage(this, 'HttpApiStage', {
      httpApi: this.httpApi,
      autoDeploy: true,
      // One stage serves both kinds of route in http mode: it takes the SDK-sized figures.
      throttle: http ? INGEST_THROTTLE : PORTAL_API_THROTTLE,
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(
          new logs.LogGroup(this, 'HttpApiAccessLogs', { retention: LOG_RETENTION }),
        ),
        format: apigw.AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            time: '$context.requestTime',
            routeKey: '$context.routeKey',
            status: '$context.status',
            responseLength: '$context.responseLength',
            latencyMs: '$context.responseLatency',
            integrationError: '$context.integrationErrorMessage',
            authorizerError: '$context.authorizer.error',
          }),
        ),
      },
    });
    // Cognito JWTs and API tokens both (a JWT authorizer refuses API tokens); cached per Authorization header.
    const authorizer = new HttpLambdaAuthorizer('Portal', authorizerFn, {
      responseTypes: [HttpLambdaResponseType.SIMPLE],
      identitySource: [`$request.header.${AUTHORIZER.identityHeader}`],
      resultsCacheTtl: Duration.seconds(AUTHORIZER.cacheTtlSeconds),
    });
    const integrations: Record<RouteDef['target'], HttpLambdaIntegration> = {
      api: new HttpLambdaIntegration('ApiIntegration', api),
      ingest: new HttpLambdaIntegration('IngestIntegration', ingest),
    };
    for (const route of ROUTES) {
      if (route.target === 'ingest' && !http) continue;
      const added = this.httpApi.addRoutes({
        path: route.path,
        methods: [apigwv2.HttpMethod[route.method]],
        integration: integrations[route.target],
        ...(route.auth ? { authorizer } : {}),
      });
      if (route.target === 'ingest') this.ingestHttpRoutes.push(...added);
    }
    if (http) {
      // A greedy route cannot sit in front of `/api/…`, so DSNs with a path prefix
      // reach ingest through the catch-all, which ranks below every other route.
      this.ingestHttpRoutes.push(
        new apigwv2.HttpRoute(this, 'IngestPrefixRoute', {
          httpApi: this.httpApi,
          routeKey: apigwv2.HttpRouteKey.DEFAULT,
          integration: integrations.ingest,
        }),
      );
    }
    const apiUrl = this.httpApi.apiEndpoint;

    // --- REST API: the DSN routes when ingestApi = rest ---------------------------
    let dsnBaseUrl: string;
    if (http) {
      this.restApi = undefined;
      dsnBaseUrl = this.httpApi.apiEndpoint;
    } else {
      this.restApi = this.ingestRestApi(ingest);
      dsnBaseUrl = Fn.join('', [
        'https://',
        this.restApi.restApiId,
        '.execute-api.',
        Aws.REGION,
        '.',
        Aws.URL_SUFFIX,
        '/',
        this.restApi.deploymentStage.stageName,
      ]);
    }
    api.addEnvironment(ENV.dsnBaseUrl, dsnBaseUrl);

    // --- Portal files and runtime configuration -------------------------------------
    const portalConfig: PortalRuntimeConfig = {
      apiUrl,
      dsnBaseUrl,
      auth: {
        kind: 'cognito',
        region: Aws.REGION,
        userPoolId: this.userPool.userPoolId,
        clientId: this.userPoolClient.userPoolClientId,
        domain: authDomain.baseUrl(),
      },
    };
    const portalAssets = s3deploy.Source.asset(portalBuild);
    const immutable = new s3deploy.BucketDeployment(this, 'PortalImmutableFiles', {
      destinationBucket: this.portalBucket,
      sources: [portalAssets],
      exclude: ['*'],
      include: [PORTAL_IMMUTABLE_GLOB],
      prune: false,
      cacheControl: [
        s3deploy.CacheControl.setPublic(),
        s3deploy.CacheControl.maxAge(IMMUTABLE_MAX_AGE),
        s3deploy.CacheControl.immutable(),
      ],
    });
    const pages = new s3deploy.BucketDeployment(this, 'PortalFiles', {
      destinationBucket: this.portalBucket,
      sources: [portalAssets, s3deploy.Source.jsonData(PORTAL_CONFIG_KEY, portalConfig)],
      // Excluded files are also kept from pruning: the immutable deployment owns them.
      exclude: [PORTAL_IMMUTABLE_GLOB],
      cacheControl: [s3deploy.CacheControl.noCache()],
      distribution: this.distribution,
      distributionPaths: ['/*'],
    });
    // Pages refer to immutable files by hash: those must be there first.
    pages.node.addDependency(immutable);

    // --- Outputs --------------------------------------------------------------
    new CfnOutput(this, 'DsnBaseUrl', {
      value: dsnBaseUrl,
      description: `Base of every DSN (${this.ingestApi} API): https://<public key>@<host><path>/<project id>`,
    });
    new CfnOutput(this, 'PortalUrl', { value: portalUrl, description: 'The portal' });
    new CfnOutput(this, 'ApiUrl', { value: apiUrl, description: 'Portal API (Sentry API subset under /api/0/)' });
    new CfnOutput(this, 'UserPoolId', { value: this.userPool.userPoolId, description: 'Invite users here' });
    new CfnOutput(this, 'UserPoolClientId', { value: this.userPoolClient.userPoolClientId });
    if (domainName !== undefined) {
      new CfnOutput(this, 'PortalDistributionDomain', {
        value: this.distribution.distributionDomainName,
        description: `Point ${domainName} here (CNAME or alias)`,
      });
    }

    suppressFindings(this);
  }

  /** The table and each of its indexes by name: no `index/*` wildcard. */
  private grantTable(fn: lambda.IFunction, actions: readonly string[]): void {
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: [...actions],
        resources: [this.table.tableArn, ...TABLE.indexes.map((index) => `${this.table.tableArn}/index/${index.name}`)],
      }),
    );
  }

  private grantPayloads(fn: lambda.IFunction, actions: readonly string[]): void {
    fn.addToRolePolicy(
      new iam.PolicyStatement({ actions: [...actions], resources: [this.payloadBucket.arnForObjects('*')] }),
    );
  }

  private nodeFunction(name: FunctionName, id: string): NodejsFunction {
    const settings = FUNCTIONS[name];
    const role = lambdaRole(this, `${id}Role`);
    const logGroup = new logs.LogGroup(this, `${id}Logs`, { retention: LOG_RETENTION });
    logGroup.grantWrite(role);
    return new NodejsFunction(this, id, {
      entry: join(REPO_ROOT, settings.entry),
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: settings.memoryMB,
      timeout: Duration.seconds(settings.timeoutSeconds),
      role,
      logGroup,
      description: `Ferret ${name} (${settings.entry})`,
      // Stack traces in the logs point at the TypeScript sources.
      environment: { NODE_OPTIONS: '--enable-source-maps' },
      // The settings the cold-start bench measures (cdk/bundling.ts).
      bundling: {
        forceDockerBundling: false,
        format: BUNDLE.format as OutputFormat,
        target: BUNDLE.target,
        mainFields: [...BUNDLE.mainFields],
        banner: BUNDLE.banner,
        minify: BUNDLE.minify,
        sourceMap: BUNDLE.sourcemap,
        sourceMapMode: SourceMapMode.DEFAULT,
        // The SDK clients loaded at start are bundled (faster cold start, see SDK_FROM_RUNTIME);
        // what is loaded only on first use comes from the nodejs22.x runtime's SDK v3.
        externalModules: [...BUNDLE.external],
        tsconfig: join(REPO_ROOT, 'tsconfig.json'),
      },
    });
  }

  private ingestRestApi(ingest: lambda.IFunction): apigw.RestApi {
    const rest = new apigw.RestApi(this, 'IngestApi', {
      description: 'Ferret DSN endpoint (REST API: compressed bodies arrive intact as binary)',
      endpointTypes: [apigw.EndpointType.REGIONAL],
      // Every body reaches the function base64-encoded, byte for byte.
      binaryMediaTypes: ['*/*'],
      cloudWatchRole: false,
      deployOptions: {
        throttlingRateLimit: INGEST_THROTTLE.rateLimit,
        throttlingBurstLimit: INGEST_THROTTLE.burstLimit,
      },
    });
    const integration = new apigw.LambdaIntegration(ingest, { proxy: true, allowTestInvoke: false });
    for (const route of ROUTES) {
      if (route.target !== 'ingest') continue;
      rest.root.resourceForPath(route.path).addMethod(route.method, integration);
    }
    // `/{prefix…}/api/{projectId}/envelope` for DSNs with a path; the function parses it.
    rest.root.addResource('{proxy+}').addMethod('ANY', integration);
    // The stage URL output RestApi adds is DsnBaseUrl's, with a trailing slash: one is enough.
    rest.node.tryRemoveChild('Endpoint');
    return rest;
  }

  private portalHeaders(scriptHashes: readonly string[]): cloudfront.ResponseHeadersPolicy {
    const csp = [
      "default-src 'self'",
      ['script-src', "'self'", ...scriptHashes].join(' '),
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data:",
      `connect-src 'self' https://*.execute-api.${Aws.REGION}.amazonaws.com https://*.amazoncognito.com https://cognito-idp.${Aws.REGION}.amazonaws.com`,
      "object-src 'none'",
      "base-uri 'self'",
      "form-action 'self' https://*.amazoncognito.com",
      "frame-ancestors 'none'",
    ].join('; ');
    return new cloudfront.ResponseHeadersPolicy(this, 'PortalHeaders', {
      comment: 'Ferret portal security headers',
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: csp, override: true },
        strictTransportSecurity: { accessControlMaxAge: HSTS_MAX_AGE, includeSubdomains: true, override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        contentTypeOptions: { override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true },
      },
    });
  }
}
