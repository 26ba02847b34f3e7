import { CfnParameter, CfnRule, Fn, Names } from 'aws-cdk-lib';
import * as chatbot from 'aws-cdk-lib/aws-chatbot';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { NotificationTopic } from './notification-topic';

/** A Slack channel that AWS Chatbot (Amazon Q Developer in chat applications) posts the alarms to. */
export interface SlackChannelSubscriber {
  /** The Slack workspace (team) id, once authorized in the Chatbot console, e.g. `T0123ABCD`. */
  readonly workspaceId: string;
  /** The channel id, e.g. `C0123ABCD`; invite @aws to a private channel first. */
  readonly channelId: string;
}

export interface AlarmSubscribersProps {
  /** The topic the alarms notify (a {@link NotificationTopic} keeps what it could not deliver). */
  readonly topic: NotificationTopic | sns.ITopic;
  /** E-mail addresses (each confirms once by mail). @default none */
  readonly emails?: readonly string[];
  /** HTTPS endpoints (an incident tool's webhook; each confirms the subscription once). @default none */
  readonly httpsUrls?: readonly string[];
  /** Slack channels, through AWS Chatbot. @default none */
  readonly slackChannels?: readonly SlackChannelSubscriber[];
  /**
   * Name of the CloudFormation parameter that asks for an e-mail address when no subscriber is
   * given, so that a deploy without one fails before it creates anything.
   * @default 'AlarmSubscriberEmail'
   */
  readonly parameterName?: string;
}

const HTTPS_URL = /^https:\/\/[^\s/]+/;

/**
 * Subscribers of an alarm topic that cannot be forgotten. With subscribers, it subscribes each. With
 * none, the stack still synthesizes (offline, in CI) but carries a parameter, `AlarmSubscriberEmail`,
 * subscribed to the topic, and a template rule that refuses it empty: CloudFormation checks rules
 * before it creates or changes anything, so a deploy that names nobody fails at once, saying what to
 * pass (`npx cdk deploy --parameters AlarmSubscriberEmail=oncall@example.com`). No address is ever
 * made up.
 */
export class AlarmSubscribers extends Construct {
  /** The parameter asking for an address, when no subscriber was given. */
  readonly emailParameter?: CfnParameter;
  /** One per Slack channel. */
  readonly slackChannels: chatbot.SlackChannelConfiguration[] = [];

  constructor(scope: Construct, id: string, props: AlarmSubscribersProps) {
    super(scope, id);
    const problems = (props.httpsUrls ?? [])
      .filter((url) => !HTTPS_URL.test(url))
      .map((url) => `httpsUrls holds "${url}": give an https:// URL (SNS sends alarms in the clear otherwise)`);
    if (problems.length > 0) throw new Error(`Invalid AlarmSubscribers props:\n  - ${problems.join('\n  - ')}`);

    const own = props.topic instanceof NotificationTopic ? props.topic : undefined;
    const topic = own ? own.topic : (props.topic as sns.ITopic);
    // A NotificationTopic keeps what it could not deliver in its dead-letter queue.
    const email = (address: string) =>
      own ? own.subscribeEmail(address) : topic.addSubscription(new subscriptions.EmailSubscription(address));
    for (const address of props.emails ?? []) email(address);
    for (const url of props.httpsUrls ?? []) {
      if (own) own.subscribeHttps(url);
      else topic.addSubscription(new subscriptions.UrlSubscription(url, { protocol: sns.SubscriptionProtocol.HTTPS }));
    }
    (props.slackChannels ?? []).forEach((channel, index) => {
      this.slackChannels.push(
        new chatbot.SlackChannelConfiguration(this, `Slack${index}`, {
          slackChannelConfigurationName: `${Names.uniqueResourceName(this, { maxLength: 120 })}-${index}`,
          slackWorkspaceId: channel.workspaceId,
          slackChannelId: channel.channelId,
          notificationTopics: [topic],
          // The channel reads; nobody acts on the account from it.
          guardrailPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('CloudWatchReadOnlyAccess')],
        }),
      );
    });
    if (props.emails?.length || props.httpsUrls?.length || props.slackChannels?.length) return;

    const name = props.parameterName ?? 'AlarmSubscriberEmail';
    this.emailParameter = new CfnParameter(this, 'Email', {
      type: 'String',
      default: '',
      allowedPattern: '^$|^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$',
      constraintDescription: 'must be an e-mail address',
      description: `Who gets the alarms of ${topic.node.path} by e-mail (no subscriber is configured for this stage).`,
    });
    this.emailParameter.overrideLogicalId(name);
    new CfnRule(this, 'EmailRequired', {
      assertions: [
        {
          assert: Fn.conditionNot(Fn.conditionEquals(this.emailParameter.valueAsString, '')),
          assertDescription:
            `No one would get this stage's alarms: pass --parameters ${name}=<address>, or configure ` +
            'observability.notifyEmails, notifyHttpsUrls or notifySlackChannels for the stage.',
        },
      ],
    }).overrideLogicalId(`${name}Required`);
    email(this.emailParameter.valueAsString);
  }
}
