/**
 * Acknowledged cdk-nag AwsSolutions findings, each with its reason. Everything
 * else the pack reports fails `cdk synth` (cdk/app.ts) and the stack tests.
 */
import { CfnResource, Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { FerretStack } from './stack.ts';

function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: `AwsSolutions-${id}`, reason });
}

/** `<LogicalId.Arn>` as cdk-nag prints a resolved `Fn::GetAtt` in a finding. */
function arnRef(construct: IConstruct): string {
  const resource = construct.node.defaultChild;
  if (!(resource instanceof CfnResource)) throw new Error(`${construct.node.path} has no CloudFormation resource`);
  return `<${Stack.of(construct).getLogicalId(resource)}.Arn>`;
}

export function suppressFindings(stack: FerretStack): void {
  const payloadObjects = `IAM5[Resource::${arnRef(stack.payloadBucket)}/*]`;
  for (const fn of Object.values(stack.functions)) {
    acknowledge(
      fn,
      'L1',
      'nodejs22.x is the runtime the handlers are bundled for (esbuild target node22) and tested on; moving to a newer one is a deliberate upgrade, not a drift',
    );
    if (fn.role !== undefined) {
      acknowledge(
        fn.role,
        payloadObjects,
        'Payload objects are keyed per event (claim checks, attachments); the grant is limited to the named object actions on this one bucket',
      );
    }
  }

  for (const bucket of [stack.payloadBucket, stack.portalBucket]) {
    acknowledge(
      bucket,
      'S1',
      'Private bucket reached only by the stack’s own functions and CloudFront (OAC); access logs would need a log bucket of their own for no reader',
    );
  }

  acknowledge(
    stack.deadLetterQueue,
    'SQS3',
    'This is the dead-letter queue of the event queue; it has no DLQ of its own',
  );

  const distribution = stack.distribution;
  acknowledge(distribution, 'CFR1', 'Error tracking portal for a team anywhere; no country restriction applies');
  acknowledge(distribution, 'CFR2', 'Static files only, behind Cognito sign-in for every API call; WAF costs more than the rest of the stack');
  acknowledge(distribution, 'CFR3', 'Static files only; CloudFront standard logs need an ACL-enabled bucket and have no reader here');
  if (stack.customDomain === undefined) {
    acknowledge(
      distribution,
      'CFR4',
      'Without a custom domain CloudFront serves its default certificate, whose TLS policy cannot be set; with domainName/certificateArn the stack sets TLSv1.2_2021',
    );
  }

  acknowledge(stack.userPool, 'COG2', 'MFA (TOTP) is optional per user by design; admins invite users and may require it per user');
  acknowledge(stack.userPool, 'COG8', 'The Plus feature plan (threat protection) is billed per monthly active user; self sign-up is off and users are invited');

  const rest = stack.restApi;
  if (rest !== undefined) {
    acknowledge(rest, 'APIG2', 'Sentry envelopes and store bodies are binary or compressed; the ingest function validates them (API Gateway models cannot)');
    acknowledge(
      rest,
      'APIG1',
      'REST access and execution logs need an account-wide API Gateway CloudWatch role this stack does not take over; the ingest function logs each rejection',
    );
    acknowledge(rest, 'APIG6', 'See APIG1: execution logging needs the account-wide CloudWatch role');
    acknowledge(rest, 'APIG3', 'WAF costs more than the whole pipeline; per-project rate limits are enforced by ingest (429 with Retry-After)');
    acknowledge(rest, 'APIG4', 'DSN endpoints authenticate with the project’s public key (X-Sentry-Auth or sentry_key), checked by the ingest function as Sentry does');
    acknowledge(rest, 'COG4', 'See APIG4: Sentry SDKs cannot present Cognito tokens');
  }
  for (const route of stack.ingestHttpRoutes) {
    acknowledge(route, 'APIG4', 'DSN endpoints authenticate with the project’s public key (X-Sentry-Auth or sentry_key), checked by the ingest function as Sentry does');
  }

  // The singleton function behind BucketDeployment belongs to aws-cdk-lib.
  for (const child of stack.node.children) {
    if (!child.node.id.startsWith('Custom::CDKBucketDeployment')) continue;
    acknowledge(child, 'L1', 'Runtime chosen by aws-cdk-lib for its BucketDeployment provider');
    acknowledge(
      child,
      'IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      'Role created by aws-cdk-lib for its BucketDeployment provider',
    );
    for (const finding of [
      'Action::s3:GetObject*',
      'Action::s3:GetBucket*',
      'Action::s3:List*',
      'Action::s3:DeleteObject*',
      'Action::s3:Abort*',
      `Resource::${arnRef(stack.portalBucket)}/*`,
      'Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*',
      // CloudFront invalidations cannot be scoped to a distribution.
      'Resource::*',
    ]) {
      acknowledge(child, `IAM5[${finding}]`, 'Grants aws-cdk-lib makes to copy the portal build from the asset bucket and invalidate the distribution');
    }
  }
}
