/**
 * How a client comes to be reachable on Viber: the clinic's bot reaches only its subscribers,
 * by a user id Viber gives per bot. The clinic hands the client a deep link to the bot (on the
 * reply page, at the front desk) whose `context` is a signed token naming the client; Viber
 * passes it back when the client opens the chat, and the callback binds the user to the client.
 */
import { signReplyToken, verifyReplyToken } from '../answers/reply-token.ts';

/** A deep link stays good as long as an unsubscribe link does. */
const viberContextDays = 730;

/** The signed context of a client's deep link. */
export const viberContextFor = (clientId: string, secret: string, now: Date): string =>
  signReplyToken({ outreachId: clientId, purpose: 'viber', expiresAt: Math.floor(now.getTime() / 1000) + viberContextDays * 86_400 }, secret);

/** Viber's deep link to the bot's chat, carrying the context. */
export const viberDeepLink = (botUri: string, context: string): string =>
  `viber://pa?chatURI=${encodeURIComponent(botUri)}&context=${encodeURIComponent(context)}`;

/** The client a deep link's context names, when it is one we signed and still good; else undefined. */
export const clientOfViberContext = (context: string | undefined, secrets: readonly string[], now: Date): string | undefined => {
  if (!context) return undefined;
  try {
    return verifyReplyToken(context, secrets, 'viber', Math.floor(now.getTime() / 1000)).outreachId;
  } catch {
    return undefined;
  }
};
