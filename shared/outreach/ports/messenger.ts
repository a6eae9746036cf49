import { redactContacts, type FailureReason } from '../provider-failure.ts';
import { AppError } from '../../common/app-error.ts';
import type { WhatsAppMessage } from '../whatsapp-messages.ts';

/** What leaves Comeback toward a client: an email, a text, a call, a messenger's message. Each answers the provider's message id. */
export interface OutgoingEmail {
  readonly outreachId: string;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /** Signed one-click unsubscribe URL (RFC 8058). */
  readonly unsubscribeUrl: string;
}

export interface OutgoingText {
  readonly outreachId: string;
  readonly to: string;
  readonly body: string;
}

export interface OutgoingCall {
  readonly outreachId: string;
  readonly to: string;
  readonly ssml: string;
  readonly locale: string;
}

/** A button for one reason on the keyboard under a Viber message. */
export interface ReasonButton {
  readonly reasonId: string;
  readonly label: string;
}

/** A button that opens the reply page. */
export interface ReplyLinkButton {
  readonly url: string;
  readonly label: string;
}

export interface OutgoingViberMessage {
  /** The client's Viber user id for this bot (given when they subscribed), not a phone number. */
  readonly receiver: string;
  readonly text: string;
  readonly keyboard?: readonly ReasonButton[];
  readonly replyLink?: ReplyLinkButton;
  /** Our outreach id: Viber echoes it back with the client's reply. */
  readonly trackingData: string;
}

export interface Messenger {
  sendEmail(email: OutgoingEmail): Promise<string>;
  sendText(text: OutgoingText): Promise<string>;
  placeCall(call: OutgoingCall): Promise<string>;
  /** A Meta Cloud API message through the clinic's WhatsApp number; our outreach id rides in `biz_opaque_callback_data`. */
  sendWhatsApp(message: WhatsAppMessage): Promise<string>;
  /** A message from the clinic's Viber bot to a subscribed client. */
  sendViber(message: OutgoingViberMessage): Promise<string>;
}

/** The provider is over its rate: try again later. Its message is redacted (no number, no address). */
export class ProviderThrottledError extends AppError {
  override readonly name = 'ProviderThrottledError';
  readonly kind = 'unavailable';
  readonly code: FailureReason = 'throttled';
  constructor(message: string) {
    super(redactContacts(message));
  }
}

/**
 * The provider refused this message for good (bad number, opted out, no voice for the
 * language...): why, as a code, and the provider's words with contacts removed.
 */
export class ProviderRejectedError extends AppError {
  override readonly name = 'ProviderRejectedError';
  readonly kind = 'unprocessable';
  constructor(
    message: string,
    readonly code: FailureReason = 'unknown',
  ) {
    super(redactContacts(message));
  }
}
