import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, EventBridgeEvent, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { appContext, deliveryDependencies } from '../../shared/app.ts';
import { fromSesEvent, fromSmsVoiceEvent, type DeliveryEvent } from '../../shared/outreach/delivery-events.ts';
import { recordDelivery, type DeliveryResult } from '../../shared/outreach/use-cases/record-delivery.ts';
import { AppError } from '../../shared/common/app-error.ts';

const logger = new Logger({ serviceName: 'delivery-events' });
const processor = new BatchProcessor(EventType.SQS);
const app = appContext();

type SesEvent = EventBridgeEvent<string, Parameters<typeof fromSesEvent>[0]>;
type Dependencies = Parameters<typeof recordDelivery>[1];

export class MalformedEventError extends AppError {
  override readonly name = 'MalformedEventError';
  readonly kind = 'invalid';
}

/** The delivery event in one SES event from EventBridge; none for events of other sources. */
export const deliveryEventsOf = (event: SesEvent): DeliveryEvent[] => {
  if (event.source !== 'aws.ses') return [];
  const parsed = fromSesEvent(event.detail);
  return parsed ? [parsed] : [];
};

const record = async (delivery: DeliveryEvent, deps: Dependencies): Promise<DeliveryResult> => {
  const result = await recordDelivery(delivery, deps);
  // Message ids, outcomes and reason codes only: the number, the address and the provider's words stay out of the logs.
  logger.info('delivery event', {
    providerMessageId: delivery.providerMessageId,
    outcome: delivery.outcome,
    ...(delivery.failure && { failureReason: delivery.failure.code }),
    result,
    suppressed: delivery.suppress !== undefined,
  });
  return result;
};

/**
 * One SMS or voice event from the events queue (the SNS topic's raw message). In-between
 * states (queued, ringing) change nothing; a body that is not an event fails the record, so
 * it ends in the dead-letter queue for a person to look at.
 */
export const deliveryRecord = async (sqsRecord: Pick<SQSRecord, 'body'>, deps: Dependencies): Promise<DeliveryResult[]> => {
  let event: unknown;
  try {
    event = JSON.parse(sqsRecord.body);
  } catch {
    throw new MalformedEventError('the message is not JSON');
  }
  if (typeof event !== 'object' || event === null || !('eventType' in event)) throw new MalformedEventError('the message is not an SMS or voice event');
  const delivery = fromSmsVoiceEvent(event as Parameters<typeof fromSmsVoiceEvent>[0]);
  return delivery ? [await record(delivery, deps)] : [];
};

/**
 * SMS and voice events arrive in SQS batches (a failed record is retried, then dead-lettered);
 * an SES event arrives alone from EventBridge, and an error is thrown so EventBridge retries it.
 */
export async function handler(event: SQSEvent, context: Context): Promise<SQSBatchResponse>;
export async function handler(event: SesEvent, context: Context): Promise<DeliveryResult[]>;
export async function handler(event: SQSEvent | SesEvent, context: Context): Promise<SQSBatchResponse | DeliveryResult[]> {
  logger.addContext(context);
  const deps = deliveryDependencies(app);
  if ('Records' in event) return processPartialResponse(event, (sqsRecord: SQSRecord) => deliveryRecord(sqsRecord, deps), processor, { context });
  const results: DeliveryResult[] = [];
  for (const delivery of deliveryEventsOf(event)) results.push(await record(delivery, deps));
  return results;
}
