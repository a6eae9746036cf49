import { SendMessageBatchCommand, SQSClient, type SendMessageBatchRequestEntry } from '@aws-sdk/client-sqs';
import type { OutreachJob } from '../lapse/episode.ts';
import type { OutreachQueue } from '../outreach/ports/outreach-queue.ts';
import { backoff } from './dynamo-batch.ts';
import { AppError } from '../common/app-error.ts';

let sharedSqs: SQSClient | undefined;

/** One SQS client per process; it sends to the queue URL's host only when the endpoint says so. */
export const sqsClient = (): SQSClient => {
  sharedSqs ??= new SQSClient({ useQueueUrlAsEndpoint: false });
  return sharedSqs;
};

const batchLimit = 10;
const maxAttempts = 5;

export class QueueError extends AppError {
  override readonly name = 'QueueError';
  readonly kind = 'unavailable';
}

export class SqsOutreachQueue implements OutreachQueue {
  constructor(
    private readonly queueUrl: string,
    private readonly sqs: SQSClient = sqsClient(),
  ) {}

  async enqueue(jobs: readonly OutreachJob[], options: { delaySeconds?: number } = {}): Promise<void> {
    const delay = options.delaySeconds === undefined ? undefined : Math.min(900, Math.max(0, Math.round(options.delaySeconds)));
    for (let start = 0; start < jobs.length; start += batchLimit) {
      let entries: SendMessageBatchRequestEntry[] = jobs.slice(start, start + batchLimit).map((job, index) => ({
        Id: String(index),
        MessageBody: JSON.stringify(job),
        MessageAttributes: { jobId: { DataType: 'String', StringValue: job.jobId } },
        ...(delay !== undefined && { DelaySeconds: delay }),
      }));
      for (let attempt = 1; entries.length > 0; attempt++) {
        const result = await this.sqs.send(new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: entries }));
        const failed = result.Failed ?? [];
        const retryable = failed.filter((failure) => !failure.SenderFault);
        if (failed.length > retryable.length || (retryable.length > 0 && attempt >= maxAttempts)) {
          const first = failed[0]!;
          throw new QueueError(`${failed.length} outreach job(s) not queued: ${first.Code} ${first.Message ?? ''}`.trim());
        }
        entries = entries.filter((entry) => retryable.some((failure) => failure.Id === entry.Id));
        if (entries.length > 0) await backoff(attempt);
      }
    }
  }
}
