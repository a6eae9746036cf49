/**
 * Why a provider refused or failed a message, as a small closed set of codes that reports can
 * group by (an invalid number is not an unreachable one), and the provider's own words with
 * every phone number and e-mail address taken out: End User Messaging says "+3069… has opted
 * out", SES quotes the address it bounced. Nothing a provider says is kept or logged unredacted.
 */

export const failureReasons = [
  /** The number does not exist or is not a phone number (TEXT_INVALID, a refused DestinationPhoneNumber). */
  'invalid-number',
  /** The handset or its network could not be reached (TEXT_UNREACHABLE, TEXT_CARRIER_UNREACHABLE, UNKNOWN). */
  'unreachable',
  /** The number is not on the messenger, or the client is not subscribed to the clinic's bot: the next channel is tried. */
  'not-on-messenger',
  /** End User Messaging or a protect configuration blocked it (TEXT_BLOCKED, a blocked country). */
  'blocked',
  /** The carrier blocked it (TEXT_CARRIER_BLOCKED): often a registration matter on our side. */
  'carrier-blocked',
  /** The carrier took it for spam (TEXT_SPAM). */
  'spam',
  /** The number is on an opt-out list (TEXT_OPTED_OUT, VOICE_OPTED_OUT, DESTINATION_PHONE_NUMBER_OPTED_OUT). */
  'opted-out',
  /** The body was refused (TEXT_INVALID_MESSAGE). */
  'invalid-message',
  /** Not delivered within its time to live (TEXT_TTL_EXPIRED, VOICE_TTL_EXPIRED). */
  'ttl-expired',
  /** The call rang out (VOICE_NO_ANSWER). */
  'no-answer',
  /** The line was busy (VOICE_BUSY). */
  'busy',
  /** The call failed, the service does not say why (VOICE_FAILED). */
  'call-failed',
  /** A permanent SES bounce: the address is gone. */
  'bounced',
  /** A transient or undetermined SES bounce (full mailbox, message too large). */
  'soft-bounced',
  /** SES refused the email (MessageRejected, a Reject event). */
  'rejected',
  /** Over the provider's rate: the job is tried again. */
  'throttled',
  /** Our set-up, not the client: no voice for the language, an unverified sender, missing access. */
  'not-configured',
  /** The provider refused the request as malformed. */
  'invalid-request',
  /** The provider failed it and says nothing we know. */
  'unknown',
] as const;

export type FailureReason = (typeof failureReasons)[number];

const known: ReadonlySet<string> = new Set(failureReasons);

export const isFailureReason = (value: unknown): value is FailureReason => typeof value === 'string' && known.has(value);

/** What a provider said, kept: the code, and its words with contacts removed. */
export interface ProviderFailure {
  readonly code: FailureReason;
  readonly detail?: string;
}

const emailAddress = /[\p{L}\p{N}._%+'-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+/gu;
// An international number (+ and 7 to 15 digits, separators allowed) or any run of 7+ digits
// with phone-like separators; ISO dates and times are left alone.
const phoneNumber = /(?:\+|\b00)\d(?:[\s().\-/]{0,2}\d){5,16}|\(?\b\d(?:[\s().\-/]{0,2}\d){6,16}\b/g;
const isoDate = /^\d{4}-\d{2}-\d{2}$/;
const controls = /[\p{Cc}\p{Cf}]+/gu;

/** Longest provider message kept: enough for a person to see what happened. */
export const maxDetailLength = 300;

/**
 * The one redaction of provider text: phone numbers become `<phone>`, e-mail addresses
 * `<email>`, control and formatting characters a space, and the rest is cut at 300 characters.
 */
export const redactContacts = (text: string): string =>
  text
    .replace(controls, ' ')
    .replace(emailAddress, '<email>')
    .replace(phoneNumber, (match) => (isoDate.test(match) ? match : '<phone>'))
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, maxDetailLength);

/** A failure with the provider's words redacted; no detail when they said nothing. */
export const providerFailure = (code: FailureReason, words?: string): ProviderFailure => {
  const detail = words === undefined ? '' : redactContacts(words);
  return detail ? { code, detail } : { code };
};

/** The End User Messaging SMS and voice event types (and `messageStatus` values) that fail a message, by code. */
const smsVoiceFailures: Readonly<Record<string, FailureReason>> = {
  TEXT_INVALID: 'invalid-number',
  TEXT_UNREACHABLE: 'unreachable',
  TEXT_CARRIER_UNREACHABLE: 'unreachable',
  TEXT_BLOCKED: 'blocked',
  TEXT_PROTECT_BLOCKED: 'blocked',
  TEXT_CARRIER_BLOCKED: 'carrier-blocked',
  TEXT_SPAM: 'spam',
  TEXT_OPTED_OUT: 'opted-out',
  TEXT_INVALID_MESSAGE: 'invalid-message',
  TEXT_TTL_EXPIRED: 'ttl-expired',
  TEXT_UNKNOWN: 'unknown',
  VOICE_OPTED_OUT: 'opted-out',
  VOICE_NO_ANSWER: 'no-answer',
  VOICE_BUSY: 'busy',
  VOICE_FAILED: 'call-failed',
  VOICE_TTL_EXPIRED: 'ttl-expired',
};

const messageStatusFailures: Readonly<Record<string, FailureReason>> = {
  INVALID: 'invalid-number',
  UNREACHABLE: 'unreachable',
  CARRIER_UNREACHABLE: 'unreachable',
  UNKNOWN: 'unknown',
  BLOCKED: 'blocked',
  CARRIER_BLOCKED: 'carrier-blocked',
  SPAM: 'spam',
  OPTED_OUT: 'opted-out',
  INVALID_MESSAGE: 'invalid-message',
  TTL_EXPIRED: 'ttl-expired',
  NO_ANSWER: 'no-answer',
  BUSY: 'busy',
  FAILED: 'call-failed',
};

/** The event types that fail a text or a call. */
export const smsVoiceFailureTypes: ReadonlySet<string> = new Set(Object.keys(smsVoiceFailures));

/**
 * The code of a failed SMS or voice event: by its event type, or by its `messageStatus` when
 * the type alone says less (a VOICE_FAILED whose status names the cause).
 */
export const smsVoiceFailureCode = (eventType: string, messageStatus?: string): FailureReason => {
  const byType = smsVoiceFailures[eventType];
  const byStatus = messageStatus === undefined ? undefined : messageStatusFailures[messageStatus];
  if (byType && byType !== 'call-failed' && byType !== 'unknown') return byType;
  return byStatus && byStatus !== 'call-failed' ? byStatus : (byType ?? byStatus ?? 'unknown');
};

/** The code of an SES bounce by its type. */
export const sesBounceCode = (bounceType: string | undefined): FailureReason => (bounceType === 'Permanent' ? 'bounced' : 'soft-bounced');
