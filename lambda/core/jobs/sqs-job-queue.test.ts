import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { decodeJobMessage } from './job-queue';
import { SqsJobQueue } from './sqs-job-queue';

test('SqsJobQueue sends the job id only, with the delay clamped to SQS’s 0-900 s', async () => {
  const sent: SendMessageCommand[] = [];
  const queue = new SqsJobQueue(
    { send: async (command: unknown) => void sent.push(command as SendMessageCommand) } as never,
    'https://sqs/q',
  );
  const jobId = `job_${'b'.repeat(32)}`;
  await queue.send({ jobId }, 7.2);
  await queue.send({ jobId }, 5_000);
  expect(sent.map((c) => c.input.DelaySeconds)).toEqual([8, 900]);
  expect(sent[0].input.QueueUrl).toBe('https://sqs/q');
  expect(decodeJobMessage(sent[0].input.MessageBody!)).toEqual({ jobId });
  expect(decodeJobMessage('not json')).toBeUndefined();
});
