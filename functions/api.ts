/**
 * Portal API Lambda: Sentry's web API paths and shapes (see shared/api/routes.ts).
 * The authorizer (functions/authorizer.ts) let the request in; who the caller
 * is and what it may see is decided here again, on every request.
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2WithLambdaAuthorizer } from 'aws-lambda';
import { authContextFrom, resolvePrincipal } from '#shared/api/auth.ts';
import { ensureDefaults } from '#shared/api/bootstrap.ts';
import { createApi } from '#shared/api/routes.ts';
import { optionalEnv, requireEnv } from '#shared/config.ts';
import { ValidationError } from '#shared/errors.ts';
import { ENV } from '#shared/infra.ts';
import { CognitoDirectory } from './lib/cognito.ts';
import { DynamoStore } from './lib/dynamo.ts';
import { DynamoMemberStore } from './lib/dynamo-members.ts';
import { S3BlobStore } from './lib/s3.ts';
import { DynamoIntakeStore } from './lib/dynamo-intake.ts';
import { httpErrors, json, toHttpRequest, type GatewayEvent } from './lib/http.ts';

const table = requireEnv(ENV.table);
const blobs = new S3BlobStore(requireEnv(ENV.payloadBucket));
// The store reads the bodies of events too large for an item from the payload bucket.
const store = new DynamoStore(table, undefined, blobs);
const members = new DynamoMemberStore(table);
const userPoolId = optionalEnv(ENV.userPoolId);
const directory = userPoolId ? new CognitoDirectory(userPoolId) : undefined;
const ownerEmail = optionalEnv(ENV.ownerEmail);
const now = () => new Date();
const api = createApi({
  projects: store,
  issues: store,
  events: store,
  alerts: store,
  members,
  ...(directory ? { directory } : {}),
  dsnBaseUrl: requireEnv(ENV.dsnBaseUrl),
  portalUrl: requireEnv(ENV.portalUrl),
  apiUrl: optionalEnv(ENV.apiUrl) ?? '',
  now,
  intake: new DynamoIntakeStore(table),
  blobs,
});
/** First start in AWS: the default organization and its owner, invited by email (idempotent). */
let installed: Promise<unknown> | undefined;
async function install() {
  const installation = await ensureDefaults({ projects: store, alerts: store, members }, now(), ownerEmail ? { email: ownerEmail } : undefined);
  if (installation.ownerCreated && ownerEmail && directory) await directory.invite(ownerEmail);
}

async function apiHandler(event: GatewayEvent) {
  installed ??= install().catch((e) => {
    installed = undefined;
    throw e;
  });
  await installed;
  const req = toHttpRequest(event);
  const raw = (event as APIGatewayProxyEventV2WithLambdaAuthorizer<Record<string, unknown>>).requestContext?.authorizer?.lambda;
  const context = authContextFrom(raw);
  const deps = { tokens: store, members, now };
  let principal = await resolvePrincipal(deps, { authorization: req.headers['authorization'], context });
  // An access token carries no email. A user of no organization yet may hold an invitation
  // to its email: only then is the directory asked, not on the requests of members.
  if (context?.kind === 'user' && context.email === undefined && principal?.orgs.length === 0 && directory) {
    const found = await directory.emailOf(context.sub);
    if (found) principal = await resolvePrincipal(deps, { authorization: undefined, context: { ...context, email: found.email, emailVerified: found.verified } });
  }
  let body: unknown;
  if (req.body.length > 0) {
    try {
      body = JSON.parse(Buffer.from(req.body).toString('utf8'));
    } catch (cause) {
      throw new ValidationError('body: not valid JSON', { cause });
    }
  }
  const res = await api({ method: req.method, path: req.path, query: req.query, multiQuery: req.multiQuery, body, principal });
  if (res.raw) return { statusCode: res.status, headers: res.headers ?? {}, body: Buffer.from(res.raw).toString('base64'), isBase64Encoded: true };
  return res.body === null ? { statusCode: res.status, headers: res.headers ?? {}, body: '' } : json(res.status, res.body, res.headers);
}

export const handler = middy(apiHandler).use(httpErrors());
