import { redactContacts, type FailureReason } from '../provider-failure.ts';
import { AppError } from '../../common/app-error.ts';

/** What leaves Comeback toward a client: an email, a text, a call. Each answers the provider's message id. */
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

export interface Messenger {
  sendEmail(email: OutgoingEmail): Promise<string>;
  sendText(text: OutgoingText): Promise<string>;
  placeCall(call: OutgoingCall): Promise<string>;
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
