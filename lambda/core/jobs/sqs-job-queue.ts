import { type SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import { clampDelay, encodeJobMessage, type JobMessage, type JobQueue } from './job-queue';

/** The deployed queue: SQS (KMS-encrypted, with a dead-letter queue; see the AsyncJobs construct). */
export class SqsJobQueue implements JobQueue {
  constructor(
    private readonly client: Pick<SQSClient, 'send'>,
    private readonly queueUrl: string,
  ) {}

  async send(message: JobMessage, delaySeconds = 0): Promise<void> {
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: encodeJobMessage(message),
        DelaySeconds: clampDelay(delaySeconds),
      }),
    );
  }
}
