/**
 * Lambda REQUEST authorizer of the portal API (HTTP API, simple responses):
 * passes Cognito JWTs (verified with aws-jwt-verify against the user pool's
 * JWKS) and API tokens (by hash); the decision is in `shared/api/auth.ts`.
 */
import type { APIGatewayRequestAuthorizerEventV2, APIGatewaySimpleAuthorizerWithContextResult } from 'aws-lambda';
import { CognitoJwtVerifier } from 'aws-jwt-verify';
import { authorize, type AuthContext } from '#shared/api/auth.ts';
import { optionalEnv, requireEnv } from '#shared/config.ts';
import { ENV } from '#shared/infra.ts';
import { DynamoStore } from './lib/dynamo.ts';

const store = new DynamoStore(requireEnv(ENV.table));
const userPoolId = optionalEnv(ENV.userPoolId);
// The portal sends access tokens; ID tokens (which carry the email) are accepted too.
/** Exported so tests can hand it a JWKS (`cacheJwks`) instead of fetching the pool's. */
export const verifier = userPoolId ? CognitoJwtVerifier.create({ userPoolId, clientId: requireEnv(ENV.userPoolClientId), tokenUse: null }) : undefined;

async function verifyJwt(jwt: string): Promise<Record<string, unknown> | undefined> {
  if (!verifier) return undefined;
  try {
    return (await verifier.verify(jwt)) as unknown as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

export async function handler(event: APIGatewayRequestAuthorizerEventV2): Promise<APIGatewaySimpleAuthorizerWithContextResult<AuthContext | Record<string, never>>> {
  const header = event.headers?.['authorization'] ?? event.identitySource?.[0];
  const context = await authorize({ tokens: store, now: () => new Date() }, header, verifyJwt);
  return context ? { isAuthorized: true, context } : { isAuthorized: false, context: {} };
}
