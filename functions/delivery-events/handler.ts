import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, EventBridgeEvent, SNSEvent } from 'aws-lambda';
import { deliveryDependenciesFromEnv } from '../../shared/composition.ts';
import { fromSesEvent, fromSmsVoiceEvent, type DeliveryEvent } from '../../shared/domain/delivery-events.ts';
import { recordDelivery, type DeliveryResult } from '../../shared/use-cases/record-delivery.ts';

const logger = new Logger({ serviceName: 'delivery-events' });
let dependencies: ReturnType<typeof deliveryDependenciesFromEnv> | undefined;

type ProviderEvent = EventBridgeEvent<string, Parameters<typeof fromSesEvent>[0]> | SNSEvent;

/** The delivery events in what arrived: one SES event from EventBridge, or SMS and voice events from SNS. */
export const deliveryEventsOf = (event: ProviderEvent): DeliveryEvent[] => {
  if ('Records' in event) {
    return event.Records.flatMap((record) => {
      const parsed = fromSmsVoiceEvent(JSON.parse(record.Sns.Message) as Parameters<typeof fromSmsVoiceEvent>[0]);
      return parsed ? [parsed] : [];
    });
  }
  if (event.source === 'aws.ses') {
    const parsed = fromSesEvent(event.detail);
    return parsed ? [parsed] : [];
  }
  return [];
};

/** Errors are thrown: EventBridge and SNS retry, then their dead-letter queues keep the event. */
export const handler = async (event: ProviderEvent, context: Context): Promise<DeliveryResult[]> => {
  logger.addContext(context);
  dependencies ??= deliveryDependenciesFromEnv();
  const results: DeliveryResult[] = [];
  for (const delivery of deliveryEventsOf(event)) {
    const result = await recordDelivery(delivery, dependencies);
    // Message ids and outcomes only: the address stays out of the logs.
    logger.info('delivery event', { providerMessageId: delivery.providerMessageId, outcome: delivery.outcome, result, suppressed: delivery.suppress !== undefined });
    results.push(result);
  }
  return results;
};
