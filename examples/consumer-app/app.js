#!/usr/bin/env node
'use strict';
const { App, CfnOutput, Validations } = require('aws-cdk-lib');
const { AwsSolutionsChecks } = require('cdk-nag');
const { GatewayStack } = require('./lib/gateway-stack');

const app = new App();
const stack = new GatewayStack(app, 'LlmGateway');
new CfnOutput(stack, 'GatewayUrl', { value: stack.api.url });

// The team's own rule pack: synth fails on any finding that no acknowledgment covers. The
// constructs bring their reasoned acknowledgments with them.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

// `cdk synth` would synthesize on exit; calling it here lets `node app.js` do it on its own too.
app.synth();
