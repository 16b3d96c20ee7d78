/**
 * HTTP edges: API Gateway events in (REST v1 and HTTP API v2 shapes), and the
 * one place where typed errors become HTTP responses.
 */
import type middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2, APIGatewayProxyResult } from 'aws-lambda';
import { FerretError } from '#shared/errors.ts';

export type GatewayEvent = APIGatewayProxyEventV2 | APIGatewayProxyEvent;

export interface HttpRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** Repeated query parameters (`?id=1&id=2`). */
  multiQuery: Record<string, string[]>;
  headers: Record<string, string>;
  body: Uint8Array;
  /** API Gateway delivered the body as text (not base64). */
  bodyWasText: boolean;
  clientIp: string | undefined;
  userAgent: string | undefined;
}

function isV2(event: GatewayEvent): event is APIGatewayProxyEventV2 {
  return (event as APIGatewayProxyEventV2).version === '2.0';
}

/** A query name or value; a broken percent-escape is kept as sent (as URLSearchParams does), never a crash. */
function decodeQueryPart(raw: string): string {
  const plus = raw.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(plus);
  } catch {
    return plus;
  }
}

/** Normalizes both API Gateway event shapes into one request. */
export function toHttpRequest(event: GatewayEvent): HttpRequest {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(event.headers ?? {})) if (v !== undefined) headers[k.toLowerCase()] = v;
  const query: Record<string, string> = {};
  const multiQuery: Record<string, string[]> = {};
  let method: string;
  let path: string;
  let clientIp: string | undefined;
  if (isV2(event)) {
    method = event.requestContext.http.method;
    path = event.rawPath;
    clientIp = event.requestContext.http.sourceIp;
    for (const part of (event.rawQueryString ?? '').split('&')) {
      if (!part) continue;
      const eq = part.indexOf('=');
      const k = decodeQueryPart(eq < 0 ? part : part.slice(0, eq));
      const v = eq < 0 ? '' : decodeQueryPart(part.slice(eq + 1));
      query[k] ??= v;
      (multiQuery[k] ??= []).push(v);
    }
  } else {
    method = event.httpMethod;
    path = event.path;
    clientIp = event.requestContext?.identity?.sourceIp;
    for (const [k, v] of Object.entries(event.queryStringParameters ?? {})) if (v !== undefined) query[k] = v;
    for (const [k, v] of Object.entries(event.multiValueQueryStringParameters ?? {})) if (v) multiQuery[k] = v;
  }
  const raw = event.body ?? '';
  const body = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  return {
    method: method.toUpperCase(),
    path,
    query,
    multiQuery,
    headers,
    body,
    bodyWasText: !event.isBase64Encoded && raw.length > 0,
    clientIp,
    userAgent: headers['user-agent'],
  };
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyResult {
  return {
    statusCode: status,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  };
}

/**
 * Maps errors to responses, Sentry style: `{"detail": …}`, plus
 * `X-Sentry-Error` for the SDKs. Unknown errors are logged and answered 500
 * without their message.
 */
export function httpErrors(extraHeaders: Record<string, string> = {}): middy.MiddlewareObj<GatewayEvent, APIGatewayProxyResult> {
  return {
    onError: async (request) => {
      const error = request.error;
      if (error instanceof FerretError && error.expose) {
        request.response = json(error.status, { detail: error.message }, { ...extraHeaders, 'x-sentry-error': headerText(error.message), ...error.headers() });
        return;
      }
      console.error(JSON.stringify({ msg: 'unhandled error', error: String(error), stack: (error as Error)?.stack }));
      request.response = json(500, { detail: 'internal error' }, { ...extraHeaders, 'x-sentry-error': 'internal error' });
    },
  };
}

/**
 * An error message as a header value: messages may quote what the client sent,
 * and a header takes only visible ASCII (Node refuses the rest; CR/LF would split it).
 */
export function headerText(message: string): string {
  return message.replace(/[\r\n]+/g, ' ').replace(/[^\x20-\x7e]/g, '?').slice(0, 200);
}
