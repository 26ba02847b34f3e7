import { Aws, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { acknowledgeDeadLetterQueue } from '../shared/control-tower';
import { customerManagedKey } from '../shared/customer-managed-key';

export interface NotificationTopicProps {
  /** Shown as the sender of e-mail notifications. */
  readonly displayName: string;
  /**
   * E-mail addresses subscribed to the topic (each confirms by mail once).
   * @default none
   */
  readonly emails?: readonly string[];
  /**
   * Key that encrypts the topic's messages at rest.
   * @default a new customer-managed key with rotation
   */
  readonly encryptionKey?: kms.Key;
  /**
   * What happens to a key this construct creates when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * An SNS topic that CloudWatch alarms and AWS Budgets can publish to although it is encrypted with
 * a customer-managed key: both services get `sns:Publish` on the topic and the use of its key, each
 * only for this account's alarms and budgets. Only TLS connections may publish or subscribe. A
 * notification no subscriber could take is kept in `deadLetterQueue` (encrypted, 14 days).
 */
export class NotificationTopic extends Construct {
  readonly topic: sns.Topic;
  readonly encryptionKey: kms.Key;
  private queue?: sqs.Queue;

  constructor(scope: Construct, id: string, props: NotificationTopicProps) {
    super(scope, id);
    this.encryptionKey =
      props.encryptionKey ??
      customerManagedKey(this, 'Key', {
        description: `Encrypts the messages of ${props.displayName}`,
        removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      });
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: props.displayName,
      masterKey: this.encryptionKey,
      enforceSSL: true,
    });
    const publishers = [
      new iam.ServicePrincipal('cloudwatch.amazonaws.com'),
      new iam.ServicePrincipal('budgets.amazonaws.com'),
    ];
    const fromThisAccount = { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } };
    this.encryptionKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AlarmsAndBudgetsPublishEncrypted',
        principals: publishers,
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: fromThisAccount,
      }),
    );
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AlarmsAndBudgetsPublish',
        principals: publishers,
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: fromThisAccount,
      }),
    );
    for (const email of props.emails ?? []) this.subscribeEmail(email);
  }

  /** Undeliverable notifications, once something subscribes: watch it (`addDeadLetterQueue`). */
  get deadLetterQueue(): sqs.IQueue | undefined {
    return this.queue;
  }

  subscribeEmail(email: string): void {
    this.topic.addSubscription(new subscriptions.EmailSubscription(email, { deadLetterQueue: this.deadLetters() }));
  }

  /** An HTTPS endpoint (an incident tool's webhook), which confirms the subscription once. */
  subscribeHttps(url: string): void {
    this.topic.addSubscription(
      new subscriptions.UrlSubscription(url, {
        protocol: sns.SubscriptionProtocol.HTTPS,
        deadLetterQueue: this.deadLetters(),
      }),
    );
  }

  subscribeFunction(fn: lambda.IFunction): void {
    this.topic.addSubscription(new subscriptions.LambdaSubscription(fn, { deadLetterQueue: this.deadLetters() }));
  }

  private deadLetters(): sqs.Queue {
    if (!this.queue) {
      this.queue = new sqs.Queue(this, 'DeadLetters', {
        encryption: sqs.QueueEncryption.KMS,
        encryptionMasterKey: this.encryptionKey,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });
      acknowledgeDeadLetterQueue(
        this.queue,
        "SNS moves a notification it could not deliver to one of the topic's subscribers here (the subscription's redrive policy)",
        'sns',
      );
      // SNS encrypts what it moves to the queue with the queue's key.
      this.encryptionKey.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'SnsMovesUndeliverableNotifications',
          principals: [new iam.ServicePrincipal('sns.amazonaws.com')],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          resources: ['*'],
          conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
        }),
      );
    }
    return this.queue;
  }
}
