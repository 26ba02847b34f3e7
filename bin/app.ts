#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { ENVIRONMENTS } from '../lib/config/environments';
import { addPlatformStages } from '../lib/platform-app';
import { assertNagClean } from '../lib/security/nag-packs';

const app = new App();
addPlatformStages(app, ENVIRONMENTS, { defaultAccount: process.env.CDK_DEFAULT_ACCOUNT });

// The rule packs run at every synth: an unacknowledged error stops it. `-c nag=false` skips them
// for a faster inner loop; `npm test` runs them regardless.
if (String(app.node.tryGetContext('nag')) !== 'false') {
  assertNagClean(app);
}
