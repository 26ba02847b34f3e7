import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { encodeJobMessage, type JobQueue } from '../../../lambda/core/jobs/job-queue';

/**
 * A standard SQS queue with a redrive policy, as far as the worker can tell, on a clock the test
 * moves (no real waiting):
 *
 * - a received message is invisible for the visibility timeout, then visible again unless deleted
 *   with its latest receipt handle; ChangeMessageVisibility moves that moment;
 * - every receive adds one to ApproximateReceiveCount; a message whose count has reached
 *   maxReceiveCount is moved to the dead-letter queue on the next receive instead of delivered
 *   (SQS moves it "when the ReceiveCount exceeds maxReceiveCount");
 * - DelaySeconds keeps a new message invisible; a redrive (start-message-move-task) moves the DLQ's
 *   messages back as new messages with their count reset.
 *
 * `poll` plays the Lambda event source mapping with ReportBatchItemFailures: one batch, the
 * handler, then the records not listed as failures are deleted (all stay if the handler throws).
 */
export interface FakeMessage {
  readonly messageId: string;
  readonly body: string;
  receiveCount: number;
  visibleAt: number;
  receiptHandle?: string;
}

export class FakeSqsQueue {
  readonly messages: FakeMessage[] = [];
  readonly deadLetters: FakeMessage[] = [];
  /** Every delivery made, in order: the message and its receive count then. */
  readonly deliveries: Array<{ messageId: string; body: string; receiveCount: number }> = [];
  private nowMs = 0;

  constructor(readonly settings: { visibilityTimeoutSeconds: number; maxReceiveCount: number }) {}

  /** The worker's view of this queue (SendMessage). */
  get jobQueue(): JobQueue {
    return { send: async (message, delaySeconds = 0) => this.send(encodeJobMessage(message), delaySeconds) };
  }

  /** The deployed code's view of this queue: an SQS client that understands SendMessage. */
  get client(): Pick<SQSClient, 'send'> {
    return {
      send: (async (command: SendMessageCommand) => {
        if (!(command instanceof SendMessageCommand)) throw new Error(`FakeSqsQueue: ${command} is not SendMessage`);
        this.send(command.input.MessageBody ?? '', command.input.DelaySeconds ?? 0);
        return { MessageId: this.messages.at(-1)!.messageId, $metadata: {} };
      }) as unknown as SQSClient['send'],
    };
  }

  send(body: string, delaySeconds = 0): void {
    if (delaySeconds < 0 || delaySeconds > 900) throw new Error(`DelaySeconds must be 0 to 900, got ${delaySeconds}`);
    this.messages.push({ messageId: randomUUID(), body, receiveCount: 0, visibleAt: this.nowMs + delaySeconds * 1000 });
  }

  advance(seconds: number): void {
    this.nowMs += seconds * 1000;
  }

  /** Messages still on the queue (visible or in flight). */
  get depth(): number {
    return this.messages.length;
  }

  receive(maxMessages: number): FakeMessage[] {
    const received: FakeMessage[] = [];
    for (const message of [...this.messages]) {
      if (received.length >= maxMessages) break;
      if (message.visibleAt > this.nowMs) continue;
      if (message.receiveCount >= this.settings.maxReceiveCount) {
        this.messages.splice(this.messages.indexOf(message), 1);
        this.deadLetters.push(message);
        continue;
      }
      message.receiveCount += 1;
      message.receiptHandle = randomUUID();
      message.visibleAt = this.nowMs + this.settings.visibilityTimeoutSeconds * 1000;
      this.deliveries.push({ messageId: message.messageId, body: message.body, receiveCount: message.receiveCount });
      received.push(message);
    }
    return received;
  }

  delete(receiptHandle: string): void {
    const at = this.messages.findIndex((m) => m.receiptHandle === receiptHandle);
    if (at >= 0) this.messages.splice(at, 1);
  }

  changeVisibility(receiptHandle: string, seconds: number): void {
    const message = this.messages.find((m) => m.receiptHandle === receiptHandle);
    if (message) message.visibleAt = this.nowMs + seconds * 1000;
  }

  /** `aws sqs start-message-move-task --source-arn <dlq>`: every dead letter back to this queue. */
  redrive(): number {
    const moved = this.deadLetters.splice(0);
    for (const message of moved) this.send(message.body);
    return moved.length;
  }

  /** One batch through `handler` as the event source mapping would; returns how many it delivered. */
  async poll(
    handler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>,
    batchSize = 10,
  ): Promise<number> {
    const batch = this.receive(batchSize);
    if (batch.length === 0) return 0;
    const event: SQSEvent = {
      Records: batch.map((message) => ({
        messageId: message.messageId,
        receiptHandle: message.receiptHandle!,
        body: message.body,
        attributes: {
          ApproximateReceiveCount: String(message.receiveCount),
          SentTimestamp: '0',
          SenderId: 'test',
          ApproximateFirstReceiveTimestamp: '0',
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:eu-west-1:111111111111:jobs',
        awsRegion: 'eu-west-1',
      })),
    };
    let failed: Set<string>;
    try {
      const response = await handler(event, lambdaContext());
      failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
    } catch {
      failed = new Set(batch.map((m) => m.messageId));
    }
    for (const message of batch) if (!failed.has(message.messageId)) this.delete(message.receiptHandle!);
    return batch.length;
  }
}

function lambdaContext(): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'jobs-worker',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:111111111111:function:jobs-worker',
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: '/aws/lambda/jobs-worker',
    logStreamName: 'test',
    getRemainingTimeInMillis: () => 60_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
