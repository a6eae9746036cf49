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

/** The provider is over its rate: try again later. */
export class ProviderThrottledError extends Error {
  override readonly name = 'ProviderThrottledError';
}

/** The provider refused this message for good (bad address, no voice for the language...). */
export class ProviderRejectedError extends Error {
  override readonly name = 'ProviderRejectedError';
}
