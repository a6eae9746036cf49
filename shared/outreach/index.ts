/** Outreach: whom we may ask, on which channel, at what hour and in what words; sending the request and hearing how it went. */
export {
  sendOutreach,
  unsubscribeLinkDays,
  type SendDependencies,
  type SendOutcome,
  type SendSettings,
  type SendSkipReason,
} from './use-cases/send-outreach.ts';
export { recordDelivery, type DeliveryResult } from './use-cases/record-delivery.ts';
export {
  recordViberEvent,
  recordWhatsAppEvent,
  type MessengerEventDependencies,
  type MessengerEventOutcome,
} from './use-cases/messenger-events.ts';
export {
  ProviderRejectedError,
  ProviderThrottledError,
  type Messenger,
  type OutgoingCall,
  type OutgoingEmail,
  type OutgoingText,
  type OutgoingViberMessage,
} from './ports/messenger.ts';
export type { OutreachLog } from './ports/outreach-log.ts';
export type { OutreachQueue } from './ports/outreach-queue.ts';
export type { SuppressionEntry, SuppressionList } from './ports/suppression-list.ts';
export { PacedMessenger } from './paced-messenger.ts';
export { defaultOutreachPolicy, type OutreachPolicy, type SkipReason } from './eligibility.ts';
export type { ChannelPolicy } from './channel-policy.ts';
export { defaultSendWindow, type SendWindow } from './quiet-hours.ts';
export type { OutreachWording } from './wording.ts';
export type { OutreachRecord, OutreachStatus } from './outreach-record.ts';
export type { DeliveryEvent, DeliveryOutcome } from './delivery-events.ts';
export type { FailureReason } from './provider-failure.ts';
