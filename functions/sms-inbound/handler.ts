import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import * as z from 'zod';
import { appContext, smsDependencies } from '../../shared/app.ts';
import { receiveSms, type SmsDependencies, type SmsOutcome } from '../../shared/answers/use-cases/answers.ts';

const logger = new Logger({ serviceName: 'sms-inbound' });
const processor = new BatchProcessor(EventType.SQS);
const app = appContext();

/**
 * Numbers and ids become keys (the answer's id, the suppressed number, the request looked up),
 * so they are bounded: far above anything End User Messaging sends, far below DynamoDB's key
 * limits. The body is any text of any length: it is an attribute, cut where every answer is.
 */
const inbound = z.object({
  originationNumber: z.string().min(1).max(32),
  destinationNumber: z.string().min(1).max(32),
  messageKeyword: z.string().optional(),
  messageBody: z.string(),
  inboundMessageId: z.string().min(1).max(200),
  previousPublishedMessageId: z.string().min(1).max(200).optional(),
});

/** One two-way SMS from the replies queue (the topic's raw message). A malformed one fails, then waits in the dead-letter queue. */
export const smsRecord = async (record: Pick<SQSRecord, 'body'>, deps: SmsDependencies): Promise<SmsOutcome> => {
  const sms = inbound.parse(JSON.parse(record.body));
  const outcome = await receiveSms(sms, deps);
  // Identifiers and outcomes only: never the number or the text.
  logger.info('inbound sms', {
    inboundMessageId: sms.inboundMessageId,
    outcome: outcome.kind,
    ...(outcome.kind === 'answer' && {
      answer: outcome.result.outcome,
      method: outcome.result.answer.method,
      matched: outcome.result.answer.reasonId !== undefined,
    }),
  });
  return outcome;
};

export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  logger.addContext(context);
  const deps = smsDependencies(app);
  return processPartialResponse(event, (record: SQSRecord) => smsRecord(record, deps), processor, { context });
};
