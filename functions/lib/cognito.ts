/**
 * Cognito adapter of the `UserDirectory` port: inviting a member creates its
 * account (Cognito emails the temporary password); an access token's `sub`
 * is looked up for its email.
 */
import { AdminCreateUserCommand, AdminGetUserCommand, CognitoIdentityProviderClient, UsernameExistsException } from '@aws-sdk/client-cognito-identity-provider';
import type { UserDirectory } from '#shared/ports.ts';

export class CognitoDirectory implements UserDirectory {
  constructor(
    readonly userPoolId: string,
    readonly client: CognitoIdentityProviderClient = new CognitoIdentityProviderClient({}),
  ) {}

  async invite(email: string): Promise<void> {
    try {
      await this.client.send(
        new AdminCreateUserCommand({
          UserPoolId: this.userPoolId,
          Username: email,
          UserAttributes: [
            { Name: 'email', Value: email },
            // The invitation reaches this address, so it is verified by use.
            { Name: 'email_verified', Value: 'true' },
          ],
          DesiredDeliveryMediums: ['EMAIL'],
        }),
      );
    } catch (e) {
      // Already has an account (a member of another organization): the membership is enough.
      if (e instanceof UsernameExistsException || (e as { name?: string })?.name === 'UsernameExistsException') return;
      throw e;
    }
  }

  async emailOf(userId: string): Promise<{ email: string; verified: boolean } | undefined> {
    try {
      const out = await this.client.send(new AdminGetUserCommand({ UserPoolId: this.userPoolId, Username: userId }));
      const attr = (name: string) => out.UserAttributes?.find((a) => a.Name === name)?.Value;
      const email = attr('email');
      return email ? { email: email.toLowerCase(), verified: attr('email_verified') === 'true' } : undefined;
    } catch (e) {
      if ((e as { name?: string })?.name === 'UserNotFoundException') return undefined;
      throw e;
    }
  }
}
