import { type SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import { encodeReindexMessage, type ReindexMessage, type ReindexQueue } from './reindex-queue';

/** The deployed re-index queue: SQS (KMS-encrypted, with a dead-letter queue; see EmbeddingService). */
export class SqsReindexQueue implements ReindexQueue {
  constructor(
    private readonly client: Pick<SQSClient, 'send'>,
    private readonly queueUrl: string,
  ) {}

  async send(message: ReindexMessage): Promise<void> {
    await this.client.send(
      new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: encodeReindexMessage(message) }),
    );
  }
}
