#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { ENVIRONMENTS } from '../lib/config/environments';
import { addPlatformStages } from '../lib/platform-app';
import { assertControlTowerClean } from '../lib/security/control-tower';
import { assertNagClean } from '../lib/security/nag-packs';

const app = new App();
addPlatformStages(app, ENVIRONMENTS, { defaultAccount: process.env.CDK_DEFAULT_ACCOUNT });

// The rule packs run at every synth: an unacknowledged error stops it. cdk-nag reads the construct
// tree; the AWS Control Tower proactive controls (cfn-guard) read the synthesized templates. `-c
// nag=false` skips both for a faster inner loop; `npm test` runs them regardless.
if (String(app.node.tryGetContext('nag')) !== 'false') {
  assertNagClean(app);
  assertControlTowerClean(app);
}
