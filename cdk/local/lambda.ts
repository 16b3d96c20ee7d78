/**
 * What Lambda hands a handler: a context object, and API Gateway's event
 * shapes built from a plain HTTP request.
 */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { FUNCTIONS } from '#shared/infra.ts';

export function lambdaContext(name: keyof typeof FUNCTIONS): Context {
  const started = Date.now();
  const fn = FUNCTIONS[name];
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: `ferret-${name}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:ferret-${name}`,
    memoryLimitInMB: String(fn.memoryMB),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/ferret-${name}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, fn.timeoutSeconds * 1000 - (Date.now() - started)),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/**
 * Content types an HTTP API hands to Lambda as UTF-8 text; every other (or a
 * missing) content type arrives base64-encoded. A REST API with binary media
 * type `*\/*` base64-encodes everything.
 */
export function isTextualContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  return type.startsWith('text/') || type === 'application/json' || type === 'application/xml' || type === 'application/javascript';
}

export interface RawRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  rawQuery: string;
  /** Header names as sent; API Gateway lower-cases them. */
  headers: Record<string, string>;
  body: Buffer;
  sourceIp: string;
}

export function httpApiEvent(req: RawRequest, routeKey: string): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) headers[k.toLowerCase()] = v;
  const text = isTextualContentType(headers['content-type']);
  const now = Date.now();
  const query: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(req.rawQuery)) query[k] = query[k] === undefined ? v : `${query[k]},${v}`;
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey,
    rawPath: req.path,
    rawQueryString: req.rawQuery,
    headers,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers['host'] ?? 'localhost',
      domainPrefix: 'local',
      http: { method: req.method, path: req.path, protocol: 'HTTP/1.1', sourceIp: req.sourceIp, userAgent: headers['user-agent'] ?? '' },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: new Date(now).toUTCString(),
      timeEpoch: now,
    },
    isBase64Encoded: !text,
  };
  if (req.rawQuery) event.queryStringParameters = query;
  if (req.body.length > 0) event.body = text ? req.body.toString('utf8') : req.body.toString('base64');
  return event;
}

export function restApiEvent(req: RawRequest, resource: string): APIGatewayProxyEvent {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    headers[k] = v;
    multiValueHeaders[k] = [v];
  }
  const query: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (const [k, v] of new URLSearchParams(req.rawQuery)) {
    query[k] = v;
    (multi[k] ??= []).push(v);
  }
  const hasQuery = Object.keys(query).length > 0;
  return {
    resource,
    path: req.path,
    httpMethod: req.method,
    headers,
    multiValueHeaders,
    queryStringParameters: hasQuery ? query : null,
    multiValueQueryStringParameters: hasQuery ? multi : null,
    pathParameters: null,
    stageVariables: null,
    body: req.body.length > 0 ? req.body.toString('base64') : null,
    isBase64Encoded: req.body.length > 0,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      authorizer: null,
      protocol: 'HTTP/1.1',
      httpMethod: req.method,
      identity: { sourceIp: req.sourceIp, userAgent: req.headers['user-agent'] ?? req.headers['User-Agent'] ?? null } as APIGatewayProxyEvent['requestContext']['identity'],
      path: req.path,
      stage: 'prod',
      requestId: randomUUID(),
      requestTimeEpoch: Date.now(),
      resourceId: 'local',
      resourcePath: resource,
    },
  };
}
