/**
 * A client's answer to "why did you stop coming?", from the reply page, an SMS, or staff after
 * a call, with the reason it was matched to. The raw text is personal data: kept for staff,
 * never exported or logged.
 */
import type { MatchMethod } from './reason-matching.ts';
import type { ChurnType } from './reasons.ts';

export type AnswerChannel = 'page' | 'sms' | 'staff' | 'whatsapp' | 'viber';

export interface Answer {
  readonly clientId: string;
  /** `page#<outreachId>`, `sms#<inboundMessageId>` or `staff#<instant>`: the same answer twice has the same id. */
  readonly answerId: string;
  readonly channel: AnswerChannel;
  readonly receivedAt: string;
  /** When a second submit of the page changed it. */
  readonly updatedAt?: string;
  readonly outreachId?: string;
  readonly episodeId?: string;
  /** The reason as matched then; reports resolve merges through the catalogue. */
  readonly reasonId?: string;
  /** A second reason the answer gave ("too pricey and always waiting"); reports count `reasonId`, and can show this beside it. */
  readonly alsoReasonId?: string;
  readonly confidence: number;
  /** How the reason was found: chosen by the client or staff, matched from the text, or placed by the answer model (`model`). */
  readonly method: MatchMethod | 'chosen' | 'model';
  /** The normalised text no reason matched with confidence: a manager decides. */
  readonly candidate?: string;
  /** What the client wrote, at most `longestAnswerText` characters. */
  readonly text?: string;
  /** The text was longer than `longestAnswerText` and was cut: staff see that it was. */
  readonly truncated?: boolean;
  /** With `truncated`: how many characters the client wrote. */
  readonly textLength?: number;
  readonly callMe: boolean;
  readonly book: boolean;
  /** The client asked to hear nothing more (STOP, the unsubscribe button). */
  readonly optedOut?: boolean;
  /** Staff who recorded it. */
  readonly by?: string;
  /** The number an SMS came from, kept only when no client could be tied to it (for review). */
  readonly from?: string;
  readonly catalogueVersion: number;
}

/**
 * The most of an answer's text that is kept, in characters (code points, so an emoji or a
 * Bengali letter is never cut in half). Longer text is cut here, whatever the channel, and the
 * answer says it was (`truncated`, `textLength`).
 */
export const longestAnswerText = 2000;

/** An answer's text as it is kept: cut at `longestAnswerText` characters, saying so when it was. */
export const keptAnswerText = (text: string): Pick<Answer, 'text' | 'truncated' | 'textLength'> => {
  const characters = [...text];
  if (characters.length <= longestAnswerText) return { text };
  return { text: characters.slice(0, longestAnswerText).join(''), truncated: true, textLength: characters.length };
};

/** Where answers from numbers we cannot tie to one client wait for a person. */
export const unmatchedClientId = 'unmatched';

export const pageAnswerId = (outreachId: string): string => `page#${outreachId}`;
export const smsAnswerId = (inboundMessageId: string): string => `sms#${inboundMessageId}`;
/** A messenger's message id (WhatsApp's wamid, Viber's message token): a redelivery is the same answer. */
export const messengerAnswerId = (channel: 'whatsapp' | 'viber', messageId: string): string => `${channel}#${messageId}`;
export const staffAnswerId = (at: Date): string => `staff#${at.toISOString()}`;

/** Answers that name a complaint about people or care: staff should hear about it. */
export const complaintReasons: ReadonlySet<string> = new Set(['staff-attitude', 'quality-of-care']);

export type FollowUpKind = 'call-back' | 'complaint' | 'wants-to-book';

/** What staff should act on after this answer. */
export const followUpsFor = (answer: Pick<Answer, 'callMe' | 'book' | 'reasonId'>, resolvedReasonId?: string): FollowUpKind[] => [
  ...(answer.callMe ? (['call-back'] as const) : []),
  ...(resolvedReasonId !== undefined && complaintReasons.has(resolvedReasonId) ? (['complaint'] as const) : []),
  ...(answer.book ? (['wants-to-book'] as const) : []),
];

/** Involuntary reasons (moved away, died, insurance) end outreach: asking again would be wrong. */
export const endsOutreach = (churnType: ChurnType | undefined): boolean => churnType === 'involuntary';
