/**
 * What the providers tell us after a send, in one shape: SES events (through EventBridge) and
 * End User Messaging SMS and voice events (through the configuration set's SNS topic).
 */
import type { OutreachStatus } from './outreach-record.ts';

export type DeliveryOutcome = Extract<OutreachStatus, 'delivered' | 'clicked' | 'bounced' | 'complained' | 'failed'>;

export interface DeliveryEvent {
  readonly providerMessageId: string;
  readonly outcome: DeliveryOutcome;
  /** The outreach id we attached (SES tag, SMS context), when the provider echoes it. */
  readonly outreachId?: string;
  /** An address to stop using: a permanent bounce, a complaint, an opt-out. */
  readonly suppress?: { readonly key: string; readonly reason: 'bounce' | 'complaint' | 'opt-out' };
  readonly at: string;
}

/** Later news never overwrites worse news: a complaint stays a complaint whatever comes after. */
export const outcomeRank: Readonly<Record<OutreachStatus, number>> = {
  skipped: 0,
  retry: 0,
  sending: 1,
  sent: 2,
  delivered: 3,
  clicked: 4,
  failed: 5,
  bounced: 6,
  complained: 7,
};

/** The statuses an outcome may replace. */
export const replaceableBy = (outcome: DeliveryOutcome): OutreachStatus[] =>
  (Object.keys(outcomeRank) as OutreachStatus[]).filter((status) => outcomeRank[status] >= 1 && outcomeRank[status] < outcomeRank[outcome]);

interface SesDetail {
  eventType?: string;
  mail?: { messageId?: string; timestamp?: string; tags?: Record<string, string[]> };
  bounce?: { bounceType?: string; bouncedRecipients?: { emailAddress?: string }[]; timestamp?: string };
  complaint?: { complainedRecipients?: { emailAddress?: string }[]; timestamp?: string };
  delivery?: { timestamp?: string };
  click?: { timestamp?: string };
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
      return {
        ...base,
        outcome: permanent ? 'bounced' : 'failed',
        at: detail.bounce?.timestamp ?? '',
        ...(permanent && address && { suppress: { key: `email:${address}`, reason: 'bounce' as const } }),
      };
    }
    case 'Complaint': {
      const address = recipient(detail.complaint?.complainedRecipients);
      return { ...base, outcome: 'complained', at: detail.complaint?.timestamp ?? '', ...(address && { suppress: { key: `email:${address}`, reason: 'complaint' as const } }) };
    }
    case 'Reject':
      return { ...base, outcome: 'failed', at: detail.mail?.timestamp ?? '' };
    default:
      return undefined;
  }
};

interface SmsVoiceEvent {
  eventType?: string;
  eventTimestamp?: number;
  messageId?: string;
  destinationPhoneNumber?: string;
  context?: Record<string, string>;
}

const delivered = new Set(['TEXT_DELIVERED', 'TEXT_SUCCESSFUL', 'VOICE_COMPLETED', 'VOICE_ANSWERED']);
const failed = new Set([
  'TEXT_BLOCKED',
  'TEXT_CARRIER_BLOCKED',
  'TEXT_CARRIER_UNREACHABLE',
  'TEXT_INVALID',
  'TEXT_INVALID_MESSAGE',
  'TEXT_TTL_EXPIRED',
  'TEXT_UNREACHABLE',
  'TEXT_SPAM',
  'VOICE_BUSY',
  'VOICE_NO_ANSWER',
  'VOICE_FAILED',
  'VOICE_TTL_EXPIRED',
]);
// A number that does not exist, or opted out with the carrier: stop texting and calling it.
const numberGone = new Set(['TEXT_INVALID', 'TEXT_OPTED_OUT', 'VOICE_OPTED_OUT']);

/** An End User Messaging SMS or voice event as a delivery event; undefined for in-between states (queued, ringing). */
export const fromSmsVoiceEvent = (event: SmsVoiceEvent): DeliveryEvent | undefined => {
  if (!event.messageId || !event.eventType) return undefined;
  const outcome: DeliveryOutcome | undefined = delivered.has(event.eventType) ? 'delivered' : failed.has(event.eventType) || numberGone.has(event.eventType) ? 'failed' : undefined;
  if (!outcome) return undefined;
  const outreachId = event.context?.outreachId;
  const gone = numberGone.has(event.eventType) && event.destinationPhoneNumber;
  return {
    providerMessageId: event.messageId,
    outcome,
    at: event.eventTimestamp ? new Date(event.eventTimestamp).toISOString() : '',
    ...(outreachId && { outreachId }),
    ...(gone && { suppress: { key: `phone:${event.destinationPhoneNumber}`, reason: event.eventType === 'TEXT_INVALID' ? ('bounce' as const) : ('opt-out' as const) } }),
  };
};
