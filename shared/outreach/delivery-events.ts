/**
 * What the providers tell us after a send, in one shape: SES events (through EventBridge),
 * End User Messaging SMS and voice events (through the configuration set's SNS topic), and the
 * messengers' statuses (WhatsApp's through its event destination, Viber's callbacks).
 */
import type { OutreachStatus } from './outreach-record.ts';
import { providerFailure, sesBounceCode, smsVoiceFailureCode, smsVoiceFailureTypes, type ProviderFailure } from './provider-failure.ts';

export type DeliveryOutcome = Extract<OutreachStatus, 'delivered' | 'seen' | 'clicked' | 'bounced' | 'complained' | 'failed'>;

export interface DeliveryEvent {
  readonly providerMessageId: string;
  readonly outcome: DeliveryOutcome;
  /** The outreach id we attached (SES tag, SMS context), when the provider echoes it. */
  readonly outreachId?: string;
  /** An address to stop using: a permanent bounce, a complaint, an opt-out. */
  readonly suppress?: { readonly key: string; readonly reason: 'bounce' | 'complaint' | 'opt-out' };
  /** Why it failed or bounced: a code, and the provider's words with contacts removed. */
  readonly failure?: ProviderFailure;
  readonly at: string;
}

/** Later news never overwrites worse news: a complaint stays a complaint whatever comes after. */
export const outcomeRank: Readonly<Record<OutreachStatus, number>> = {
  skipped: 0,
  retry: 0,
  sending: 1,
  sent: 2,
  delivered: 3,
  seen: 4,
  clicked: 5,
  failed: 6,
  bounced: 7,
  complained: 8,
};

/** The statuses an outcome may replace. */
export const replaceableBy = (outcome: DeliveryOutcome): OutreachStatus[] =>
  (Object.keys(outcomeRank) as OutreachStatus[]).filter((status) => outcomeRank[status] >= 1 && outcomeRank[status] < outcomeRank[outcome]);

interface SesDetail {
  eventType?: string;
  mail?: { messageId?: string; timestamp?: string; tags?: Record<string, string[]> };
  bounce?: { bounceType?: string; bounceSubType?: string; bouncedRecipients?: { emailAddress?: string; diagnosticCode?: string }[]; timestamp?: string };
  complaint?: { complainedRecipients?: { emailAddress?: string }[]; timestamp?: string };
  delivery?: { timestamp?: string };
  click?: { timestamp?: string };
  reject?: { reason?: string };
}

/** An SES event's `detail` (EventBridge) as a delivery event; undefined for events that change nothing (send, open). */
export const fromSesEvent = (detail: SesDetail): DeliveryEvent | undefined => {
  const providerMessageId = detail.mail?.messageId;
  if (!providerMessageId) return undefined;
  const outreachId = detail.mail?.tags?.outreachId?.[0];
  const base = { providerMessageId, ...(outreachId && { outreachId }) };
  const recipient = (list?: { emailAddress?: string }[]) => list?.[0]?.emailAddress?.toLowerCase();
  switch (detail.eventType) {
    case 'Delivery':
      return { ...base, outcome: 'delivered', at: detail.delivery?.timestamp ?? detail.mail?.timestamp ?? '' };
    case 'Click':
      return { ...base, outcome: 'clicked', at: detail.click?.timestamp ?? '' };
    case 'Bounce': {
      // Only a permanent bounce says the address is gone; a transient one (full mailbox) does not.
      const permanent = detail.bounce?.bounceType === 'Permanent';
      const address = recipient(detail.bounce?.bouncedRecipients);
      const kind = [detail.bounce?.bounceType, detail.bounce?.bounceSubType].filter(Boolean).join('/');
      return {
        ...base,
        outcome: permanent ? 'bounced' : 'failed',
        at: detail.bounce?.timestamp ?? '',
        failure: providerFailure(sesBounceCode(detail.bounce?.bounceType), kind || undefined),
        ...(permanent && address && { suppress: { key: `email:${address}`, reason: 'bounce' as const } }),
      };
    }
    case 'Complaint': {
      const address = recipient(detail.complaint?.complainedRecipients);
      return {
        ...base,
        outcome: 'complained',
        at: detail.complaint?.timestamp ?? '',
        ...(address && { suppress: { key: `email:${address}`, reason: 'complaint' as const } }),
      };
    }
    case 'Reject':
      return { ...base, outcome: 'failed', at: detail.mail?.timestamp ?? '', failure: providerFailure('rejected', detail.reject?.reason) };
    default:
      return undefined;
  }
};

interface SmsVoiceEvent {
  eventType?: string;
  eventTimestamp?: number;
  messageId?: string;
  destinationPhoneNumber?: string;
  messageStatus?: string;
  messageStatusDescription?: string;
  context?: Record<string, string>;
}

const delivered = new Set(['TEXT_DELIVERED', 'TEXT_SUCCESSFUL', 'VOICE_COMPLETED', 'VOICE_ANSWERED']);
// A number that does not exist, or opted out with the carrier: stop texting and calling it.
const numberGone = new Set(['TEXT_INVALID', 'TEXT_OPTED_OUT', 'VOICE_OPTED_OUT']);

/** An End User Messaging SMS or voice event as a delivery event; undefined for in-between states (queued, ringing). */
export const fromSmsVoiceEvent = (event: SmsVoiceEvent): DeliveryEvent | undefined => {
  if (!event.messageId || !event.eventType) return undefined;
  const outcome: DeliveryOutcome | undefined = delivered.has(event.eventType) ? 'delivered' : smsVoiceFailureTypes.has(event.eventType) ? 'failed' : undefined;
  if (!outcome) return undefined;
  const outreachId = event.context?.outreachId;
  const gone = numberGone.has(event.eventType) && event.destinationPhoneNumber;
  const status = [event.messageStatus, event.messageStatusDescription].filter(Boolean).join(': ');
  return {
    providerMessageId: event.messageId,
    outcome,
    ...(outcome === 'failed' && { failure: providerFailure(smsVoiceFailureCode(event.eventType, event.messageStatus), status || undefined) }),
    at: event.eventTimestamp ? new Date(event.eventTimestamp).toISOString() : '',
    ...(outreachId && { outreachId }),
    ...(gone && {
      suppress: { key: `phone:${event.destinationPhoneNumber}`, reason: event.eventType === 'TEXT_INVALID' ? ('bounce' as const) : ('opt-out' as const) },
    }),
  };
};
