import { replaceableBy, type DeliveryEvent } from '../delivery-events.ts';
import type { OutreachLog } from '../ports/outreach-log.ts';
import type { SuppressionList } from '../ports/suppression-list.ts';

export type DeliveryResult = 'recorded' | 'unchanged' | 'unknown-message';

/**
 * Applies what a provider said about a send: the request's status moves on (never back), and
 * a hard bounce, a complaint or an opt-out puts the address on the suppression list that every
 * channel decision reads, even when the message is not one of ours (it is still that address).
 * A failure keeps the provider's reason on the request (a code, and its words without contacts).
 */
export const recordDelivery = async (
  event: DeliveryEvent,
  deps: { log: OutreachLog; suppression: SuppressionList; now?: () => Date },
): Promise<DeliveryResult> => {
  const at = event.at || (deps.now ?? (() => new Date()))().toISOString();
  if (event.suppress) await deps.suppression.add({ ...event.suppress, at });
  const outreachId = event.outreachId ?? (await deps.log.byProviderMessage(event.providerMessageId))?.outreachId;
  if (!outreachId) return 'unknown-message';
  return (await deps.log.delivery(outreachId, event.outcome, replaceableBy(event.outcome), at, event.failure)) ? 'recorded' : 'unchanged';
};
