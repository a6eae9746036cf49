import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { appContext, whatsAppEventDependencies } from '../../shared/app.ts';
import { parseWhatsAppNotification } from '../../shared/outreach/whatsapp-events.ts';
import { recordWhatsAppEvent, type MessengerEventDependencies, type MessengerEventOutcome } from '../../shared/outreach/use-cases/messenger-events.ts';

const logger = new Logger({ serviceName: 'whatsapp-events' });
const processor = new BatchProcessor(EventType.SQS);
const app = appContext();

/**
 * One message from the WhatsApp events queue: a Meta webhook entry as End User Messaging Social
 * publishes it, holding statuses and clients' messages. A body that is no such entry fails the
 * record, so it ends in the dead-letter queue for a person to look at.
 */
export const whatsAppRecord = async (record: Pick<SQSRecord, 'body'>, deps: MessengerEventDependencies): Promise<MessengerEventOutcome[]> => {
  const outcomes: MessengerEventOutcome[] = [];
  for (const event of parseWhatsAppNotification(record.body)) {
    const outcome = await recordWhatsAppEvent(event, deps);
    // Ids and outcomes only: never the number or what the client wrote.
    logger.info('whatsapp event', {
      kind: event.kind,
      ...(event.kind === 'status' && { status: event.status, outreachId: event.outreachId, failure: event.failure?.code }),
      ...(event.kind === 'message' && { type: event.type }),
      ...(event.kind === 'preference' && { marketing: event.marketing }),
      outcome: outcome.kind,
      ...(outcome.kind === 'status' && { result: outcome.result }),
      ...(outcome.kind === 'reply' && { reply: outcome.reply.kind }),
    });
    outcomes.push(outcome);
  }
  return outcomes;
};

export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  logger.addContext(context);
  const deps = whatsAppEventDependencies(app);
  return processPartialResponse(event, (record: SQSRecord) => whatsAppRecord(record, deps), processor, { context });
};
