/**
 * Portal API Lambda: Sentry's web API paths and shapes (see shared/api/routes.ts).
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { principalFromClaims, principalFromToken } from '#shared/api/auth.ts';
import { DEFAULT_ORG } from '#shared/api/bootstrap.ts';
import { createApi } from '#shared/api/routes.ts';
import { optionalEnv, requireEnv } from '#shared/config.ts';
import { ValidationError } from '#shared/errors.ts';
import { ENV } from '#shared/infra.ts';
import { DynamoStore } from './lib/dynamo.ts';
import { httpErrors, json, toHttpRequest, type GatewayEvent } from './lib/http.ts';

const store = new DynamoStore(requireEnv(ENV.table));
const api = createApi({
  projects: store,
  issues: store,
  events: store,
  alerts: store,
  dsnBaseUrl: requireEnv(ENV.dsnBaseUrl),
  portalUrl: requireEnv(ENV.portalUrl),
  apiUrl: optionalEnv(ENV.apiUrl) ?? '',
  now: () => new Date(),
});

async function apiHandler(event: GatewayEvent) {
  const req = toHttpRequest(event);
  const claims = (event as APIGatewayProxyEventV2WithJWTAuthorizer).requestContext?.authorizer?.jwt?.claims;
  const principal = principalFromClaims(claims, DEFAULT_ORG) ?? (await principalFromToken(store, req.headers['authorization']));
  let body: unknown;
  if (req.body.length > 0) {
    try {
      body = JSON.parse(Buffer.from(req.body).toString('utf8'));
    } catch (cause) {
      throw new ValidationError('the request body is not valid JSON', { cause });
    }
  }
  const res = await api({ method: req.method, path: req.path, query: req.query, multiQuery: req.multiQuery, body, principal });
  return res.body === null ? { statusCode: res.status, headers: res.headers ?? {}, body: '' } : json(res.status, res.body, res.headers);
}

export const handler = middy(apiHandler).use(httpErrors());
