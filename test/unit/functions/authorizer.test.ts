/**
 * The authorizer Lambda with the real aws-jwt-verify (given a JWKS instead of
 * fetching the pool's) and a mocked table: Cognito tokens of this pool and
 * client pass, forged, expired and foreign ones do not; API tokens by hash.
 * And the Cognito directory that invites members.
 */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { AdminCreateUserCommand, AdminGetUserCommand, CognitoIdentityProviderClient, UsernameExistsException } from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '#shared/api/auth.ts';
import { ENV } from '#shared/infra.ts';
import { CognitoDirectory } from '#functions/lib/cognito.ts';

const POOL = 'us-east-1_Test1234';
const CLIENT = 'portalclient123';
const ISSUER = `https://cognito-idp.us-east-1.amazonaws.com/${POOL}`;
const ddb = mockClient(DynamoDBDocumentClient);
const cognito = mockClient(CognitoIdentityProviderClient);
afterEach(() => {
  ddb.reset();
  cognito.reset();
});

const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
function jwt(claims: Record<string, unknown>, key: KeyObject = keys.privateKey, kid = 'k1'): string {
  const now = Math.floor(Date.now() / 1000);
  const data = `${b64({ alg: 'RS256', kid, typ: 'JWT' })}.${b64({ iss: ISSUER, client_id: CLIENT, token_use: 'access', sub: 'sub-1', iat: now, exp: now + 600, ...claims })}`;
  return `${data}.${sign('sha256', Buffer.from(data), key).toString('base64url')}`;
}

let handler: (typeof import('#functions/authorizer.ts'))['handler'];
const call = (authorization: string) => handler({ type: 'REQUEST', headers: { authorization }, identitySource: [authorization] } as never);

beforeAll(async () => {
  Object.assign(process.env, { [ENV.table]: 'ferret-test', [ENV.userPoolId]: POOL, [ENV.userPoolClientId]: CLIENT });
  const mod = await import('#functions/authorizer.ts');
  handler = mod.handler;
  mod.verifier!.cacheJwks({ keys: [{ ...(keys.publicKey.export({ format: 'jwk' }) as object), kid: 'k1', alg: 'RS256', use: 'sig' } as never] });
});

describe('authorizer Lambda', () => {
  it('passes an access token of this pool and client, with its subject', async () => {
    const out = await call(`Bearer ${jwt({})}`);
    expect(out).toEqual({ isAuthorized: true, context: { kind: 'user', sub: 'sub-1', emailVerified: false } });
  });

  it('refuses a forged signature, an expired token, another client and another pool', async () => {
    const past = Math.floor(Date.now() / 1000) - 3600;
    for (const [what, token] of [
      ['forged', jwt({}, stranger.privateKey)],
      ['expired', jwt({ iat: past - 600, exp: past })],
      ['other client', jwt({ client_id: 'someone-else' })],
      ['other pool', jwt({ iss: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other999' })],
      ['unknown key', jwt({}, keys.privateKey, 'k2')],
    ] as const) {
      expect((await call(`Bearer ${token}`)).isAuthorized, what).toBe(false);
    }
  });

  it('passes an API token found by its hash, and refuses an unknown one', async () => {
    ddb.on(GetCommand, { Key: { pk: `TOKEN#${hashToken('frt_known')}`, sk: 'TOKEN' } }).resolves({ Item: { userId: 'u', scopes: ['event:read'], orgSlug: 'acme' } });
    ddb.on(GetCommand, { Key: { pk: `TOKEN#${hashToken('frt_unknown')}`, sk: 'TOKEN' } }).resolves({});
    expect(await call('Bearer frt_known')).toEqual({ isAuthorized: true, context: { kind: 'token' } });
    expect((await call('Bearer frt_unknown')).isAuthorized).toBe(false);
  });
});

describe('CognitoDirectory', () => {
  it('creates the invited account with a verified email, and leaves an existing one alone', async () => {
    cognito.on(AdminCreateUserCommand).resolvesOnce({}).rejectsOnce(new UsernameExistsException({ message: 'exists', $metadata: {} }));
    const directory = new CognitoDirectory(POOL);
    await directory.invite('ann@example.com');
    await directory.invite('ann@example.com');
    const input = cognito.commandCalls(AdminCreateUserCommand)[0]!.args[0].input;
    expect(input).toMatchObject({ UserPoolId: POOL, Username: 'ann@example.com', DesiredDeliveryMediums: ['EMAIL'] });
    expect(input.UserAttributes).toContainEqual({ Name: 'email_verified', Value: 'true' });
  });

  it("reads a user's email and whether it is verified", async () => {
    cognito.on(AdminGetUserCommand).resolves({ UserAttributes: [{ Name: 'email', Value: 'Ann@Example.com' }, { Name: 'email_verified', Value: 'true' }] });
    expect(await new CognitoDirectory(POOL).emailOf('sub-1')).toEqual({ email: 'ann@example.com', verified: true });
  });
});
