import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { deadLetterName, type QueueDefinition } from '../resources.ts';
import { localRegion } from './stack.ts';

export interface DrainOptions<T> {
  /** When a message that failed may be received again (the cloud waits out the visibility timeout). */
  readonly retryAfterSeconds?: number;
  readonly onHandled?: (result: T) => void;
  readonly onFailed?: (error: unknown, record: SQSRecord) => void;
}

export interface DrainReport {
  readonly handled: number;
  /** Left on the queue: received again later, and moved to the dead-letter queue after the redrive policy's count. */
  readonly failed: number;
}

const recordOf = (message: Message, queueUrl: string): SQSRecord => ({
  messageId: message.MessageId!,
  receiptHandle: message.ReceiptHandle!,
  body: message.Body ?? '',
  attributes: {
    ApproximateReceiveCount: message.Attributes?.ApproximateReceiveCount ?? '1',
    SentTimestamp: message.Attributes?.SentTimestamp ?? String(Date.now()),
    SenderId: message.Attributes?.SenderId ?? 'local',
    ApproximateFirstReceiveTimestamp: message.Attributes?.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
  },
  messageAttributes: {},
  md5OfBody: message.MD5OfBody ?? '',
  eventSource: 'aws:sqs',
  eventSourceARN: `arn:aws:sqs:${localRegion}:000000000000:${queueUrl.split('/').pop()}`,
  awsRegion: localRegion,
});

/**
 * What a Lambda SQS event source does, on one machine: receives what is visible, hands each
 * message to the function's record handler, deletes what it handled and leaves what failed on
 * the queue, where the queue's redrive policy moves it to the dead-letter queue after its
 * receive count. A run ends when a receive brings nothing it has not already tried.
 */
export const drainQueue = async <T>(
  sqs: SQSClient,
  queueUrl: string,
  handle: (record: SQSRecord) => Promise<T>,
  options: DrainOptions<T> = {},
): Promise<DrainReport> => {
  const retryAfter = options.retryAfterSeconds ?? 60;
  const tried = new Set<string>();
  let handled = 0;
  let failed = 0;
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: 120,
        MessageSystemAttributeNames: ['All'],
      }),
    );
    const fresh = Messages.filter((message) => !tried.has(message.MessageId!));
    for (const message of Messages.filter((m) => tried.has(m.MessageId!))) {
      await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle!, VisibilityTimeout: retryAfter }));
    }
    if (fresh.length === 0) return { handled, failed };
    for (const message of fresh) {
      tried.add(message.MessageId!);
      const record = recordOf(message, queueUrl);
      try {
        const result = await handle(record);
        await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle! }));
        handled++;
        options.onHandled?.(result);
      } catch (error) {
        failed++;
        await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle!, VisibilityTimeout: retryAfter }));
        options.onFailed?.(error, record);
      }
    }
  }
};

/**
 * Moves every message in a dead-letter queue back onto its queue, to be tried again once the
 * cause is fixed (in the cloud: the console's "Start DLQ redrive"). Each is sent before it is
 * deleted, so a failure half-way leaves a copy, never a loss.
 */
export const redrive = async (sqs: SQSClient, deadLetterUrl: string, queueUrl: string): Promise<number> => {
  let moved = 0;
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: deadLetterUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 60 }),
    );
    if (Messages.length === 0) return moved;
    for (const message of Messages) {
      await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: message.Body ?? '' }));
      await sqs.send(new DeleteMessageCommand({ QueueUrl: deadLetterUrl, ReceiptHandle: message.ReceiptHandle! }));
      moved++;
    }
  }
};

/** The dead-letter queue the local stack made for a queue (see provisionMessaging). */
export const deadLetterUrlOf = (queueUrl: string, queue: QueueDefinition): string => queueUrl.replace(/[^/]+$/, deadLetterName(queue));
