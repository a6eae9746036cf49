import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import * as z from 'zod';
import { appContext, sender, type Sender } from '../../shared/app.ts';
import { channels } from '../../shared/visits/client.ts';
import type { OutreachJob } from '../../shared/lapse/episode.ts';
import { sendOutreach, type SendOutcome } from '../../shared/outreach/use-cases/send-outreach.ts';

const logger = new Logger({ serviceName: 'send-outreach' });
const processor = new BatchProcessor(EventType.SQS);

export type { Sender };
const app = appContext();

const job = z.object({
  jobId: z.string().min(1),
  clientId: z.string().min(1),
  episodeId: z.string().min(1),
  request: z.number().int().min(1),
  requestedOn: z.string(),
  channels: z.array(z.enum(channels)),
});

/** One outreach job from the queue. Throwing fails only this record; the queue retries it, then its DLQ keeps it. */
export const sendRecord = async (record: Pick<SQSRecord, 'body'>, use: Sender): Promise<SendOutcome> => {
  const request = job.parse(JSON.parse(record.body)) as OutreachJob;
  const outcome = await sendOutreach(request, use.settings, use.deps);
  if (outcome.kind === 'delayed') {
    // SQS holds a message back 15 minutes at most: a night is a few hops.
    await use.queue.enqueue([request], { delaySeconds: (outcome.until.getTime() - Date.now()) / 1000 });
  }
  // Identifiers and outcomes only: never an address, a number or a name.
  logger.info('outreach job', {
    outreachId: request.jobId,
    outcome: outcome.kind,
    ...(outcome.kind === 'sent' && { channel: outcome.channel }),
    ...((outcome.kind === 'skipped' || outcome.kind === 'failed') && { reason: outcome.reason }),
    ...(outcome.kind === 'delayed' && { until: outcome.until.toISOString() }),
  });
  return outcome;
};

export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  logger.addContext(context);
  const use = await sender(app);
  return processPartialResponse(event, async (record: SQSRecord) => void (await sendRecord(record, use)), processor, { context });
};
