import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AlarmSubscribers, NotificationTopic } from '../../constructs';
import { unacknowledgedNagErrors } from '../../lib/security/nag-packs';
import { evaluateAssertion, topicReaders } from '../support/alarm-topics';
import type { TemplateJson } from '../support/metric-wiring';
import { testApp } from '../support/platform-app';

const ENV = { account: '111122223333', region: 'us-east-1' };

function build(props: Partial<ConstructorParameters<typeof AlarmSubscribers>[2]> = {}) {
  const stack = new Stack(testApp(), 'Subscribed', { env: ENV });
  const topic = new NotificationTopic(stack, 'Alarms', { displayName: 'alarms' });
  new AlarmSubscribers(stack, 'Subscribers', { topic, ...props });
  return { stack, template: Template.fromStack(stack) };
}

test('e-mail, HTTPS and Slack subscribers each read the topic; undeliverable notifications are kept', () => {
  const { stack, template } = build({
    emails: ['oncall@example.com'],
    httpsUrls: ['https://events.pagerduty.com/integration/abc/enqueue'],
    slackChannels: [{ workspaceId: 'T0123ABCD', channelId: 'C0123ABCD' }],
  });
  const readers = topicReaders(template.toJSON() as TemplateJson).map((r) => r.reader);
  expect(readers.sort()).toEqual(['chatbot', 'email', 'https']);
  template.resourcePropertiesCountIs(
    'AWS::SNS::Subscription',
    { RedrivePolicy: { deadLetterTargetArn: Match.anyValue() } },
    2,
  );
  template.hasResourceProperties('AWS::Chatbot::SlackChannelConfiguration', {
    SlackWorkspaceId: 'T0123ABCD',
    SlackChannelId: 'C0123ABCD',
  });
  const slack = Object.values(template.findResources('AWS::Chatbot::SlackChannelConfiguration'))[0];
  // The channel reads only: not the AdministratorAccess guardrail Chatbot applies by default.
  expect(JSON.stringify(slack.Properties.GuardrailPolicies)).toContain(':iam::aws:policy/CloudWatchReadOnlyAccess');
  expect(template.toJSON().Parameters?.AlarmSubscriberEmail).toBeUndefined();
  expect(template.toJSON().Rules?.AlarmSubscriberEmailRequired).toBeUndefined();
  expect(unacknowledgedNagErrors(stack)).toEqual([]);
});

test('with no subscriber the stack still synthesizes, asking for an address its rule refuses empty', () => {
  const { template } = build();
  const json = template.toJSON() as TemplateJson;
  expect(json.Parameters!.AlarmSubscriberEmail).toMatchObject({ Type: 'String', Default: '' });
  const [assertion] = json.Rules!.AlarmSubscriberEmailRequired.Assertions;
  expect(evaluateAssertion(assertion.Assert, { AlarmSubscriberEmail: '' })).toBe(false);
  expect(evaluateAssertion(assertion.Assert, { AlarmSubscriberEmail: 'oncall@example.com' })).toBe(true);
  template.hasResourceProperties('AWS::SNS::Subscription', {
    Protocol: 'email',
    Endpoint: { Ref: 'AlarmSubscriberEmail' },
  });
  expect(topicReaders(json)).toEqual([
    expect.objectContaining({ reader: 'parameter AlarmSubscriberEmail', person: true }),
  ]);
});

test('an imported topic is subscribed too; an http:// endpoint is refused with what to give', () => {
  const stack = new Stack(testApp(), 'Imported', { env: ENV });
  const topic = sns.Topic.fromTopicArn(stack, 'Topic', 'arn:aws:sns:us-east-1:111122223333:alarms');
  new AlarmSubscribers(stack, 'Subscribers', { topic, emails: ['oncall@example.com'] });
  Template.fromStack(stack).hasResourceProperties('AWS::SNS::Subscription', {
    TopicArn: 'arn:aws:sns:us-east-1:111122223333:alarms',
    Protocol: 'email',
  });
  expect(() => build({ httpsUrls: ['http://hooks.example.com/alarms'] })).toThrow(
    /httpsUrls holds "http:\/\/hooks\.example\.com\/alarms": give an https:\/\/ URL/,
  );
});
