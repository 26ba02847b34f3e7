'use strict';
const { App } = require('aws-cdk-lib');
const { Template } = require('aws-cdk-lib/assertions');
const { AwsSolutionsChecks } = require('cdk-nag');
const { GatewayStack } = require('../lib/gateway-stack');

// The same feature flags as `cdk synth` reads from cdk.json.
const app = new App({ context: require('../cdk.json').context });
const stack = new GatewayStack(app, 'LlmGateway');
const template = Template.fromStack(stack);

test('the stack matches its snapshot', () => {
  expect(template.toJSON()).toMatchSnapshot();
});

test('the AwsSolutions pack finds no unacknowledged error', () => {
  const report = new AwsSolutionsChecks().validateScope(stack);
  const errors = report.violations
    .filter((violation) => violation.severity === 'error')
    .map((violation) => violation.ruleName);
  expect(errors).toEqual([]);
});

test('the gateway runs on its prebuilt bundle, behind the API', () => {
  template.resourceCountIs('AWS::ApiGateway::RestApi', 1);
  template.hasResourceProperties('AWS::Lambda::Function', { Handler: 'index.handler', Runtime: 'nodejs24.x' });
});
