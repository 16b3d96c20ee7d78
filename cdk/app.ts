#!/usr/bin/env node
/**
 * `npx cdk synth|deploy` entry. Context (cdk.json or `-c key=value`):
 * `ferret:ingestApi` (rest|http), `mailFrom`, `mailTo`, `domainName` +
 * `certificateArn`, `authDomainPrefix`, `region`. See cdk/README.md.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CONTEXT, FerretStack } from './stack.ts';

const app = new App();
const region: unknown = app.node.tryGetContext(CONTEXT.region);

// Without a region the stack stays environment-agnostic: it deploys wherever
// the CLI's credentials point.
new FerretStack(app, 'Ferret', {
  description: 'Ferret: self-hosted, Sentry-compatible error tracking',
  ...(typeof region === 'string' && region !== '' ? { env: { region } } : {}),
});

// Synthesis fails on any unacknowledged AwsSolutions finding.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
