/**
 * What a client writes back on WhatsApp or Viber: matched like a text (digits, words, an
 * opt-out), or taken as it is when they tapped a reason (a WhatsApp list row, a Viber button).
 * Inside the conversation the client opened, the clinic answers at once: thanks for an answer
 * that found its reason, the reasons to tap for one that did not.
 */
import { messengerAnswerId, unmatchedClientId } from '../answer.ts';
import { smsIntent } from '../sms-keywords.ts';
import { keepWithoutReason, optOutEverywhere, recordAnswer, type AnswerDependencies, type AnswerInput, type AnswerOutcome } from './answers.ts';
import type { Messenger as MessengerPort } from '../../outreach/ports/messenger.ts';
import { thanksText, viberReasonKeyboard, whatsAppReasonList, whatsAppThanks, whatsAppWordingFor } from '../../outreach/whatsapp-messages.ts';
import type { Catalogue } from '../reasons.ts';
import type { Messenger } from '../../visits/client.ts';
import type { StoredClient } from '../../visits/ports/client-store.ts';
import { outreachJobId } from '../../lapse/episode.ts';
import { logger } from '../../common/logger.ts';

export interface MessengerMessage {
  readonly channel: Messenger;
  /** The messenger's id of the client's message (WhatsApp's wamid, Viber's message token). */
  readonly messageId: string;
  /** Who wrote: the phone number (WhatsApp) or the Viber user id. Personal: never logged. */
  readonly from: string;
  readonly text?: string;
  /** The reason the client tapped. */
  readonly chosenReasonId?: string;
  /** Our outreach id, when the messenger echoes it (Viber's tracking data). */
  readonly outreachId?: string;
  readonly receivedAt?: string;
}

export interface MessengerReplyDependencies extends AnswerDependencies {
  readonly messenger: Pick<MessengerPort, 'sendWhatsApp' | 'sendViber'>;
  readonly clinicName: string;
}

/** What the clinic said back inside the conversation. */
export type MessengerResponse = 'thanks' | 'reasons' | 'none';

export type MessengerReplyOutcome =
  | { readonly kind: 'answer'; readonly result: AnswerOutcome; readonly response: MessengerResponse }
  | { readonly kind: 'opted-out'; readonly clientId?: string; readonly duplicate: boolean }
  /** From someone who is no client's, or several clients': kept for review. */
  | { readonly kind: 'unmatched'; readonly duplicate: boolean };

/**
 * The client's latest request on this messenger: what a message there answers when the messenger
 * names none (WhatsApp's inbound messages carry no id of ours).
 */
const latestRequestOn = async (client: StoredClient | undefined, channel: Messenger, deps: AnswerDependencies) => {
  if (!client?.lapse || client.lapse.requests < 1) return undefined;
  const request = await deps.log.get(outreachJobId(client.profile.clientId, client.lapse.episodeId, client.lapse.requests));
  return request?.channel === channel ? request : undefined;
};

/** Who wrote: the request the messenger names, else the one client with that number or Viber user, and their latest request there. */
const writerOf = async (message: MessengerMessage, deps: AnswerDependencies) => {
  const named = message.outreachId ? await deps.log.get(message.outreachId) : undefined;
  let clientId = named?.clientId;
  if (!clientId) {
    const owners = message.channel === 'whatsapp' ? await deps.clients.clientsWithPhone(message.from) : await deps.clients.clientsWithViberUser(message.from);
    if (owners.length === 1) clientId = owners[0];
  }
  const client = clientId ? await deps.clients.getClient(clientId) : undefined;
  return { request: named ?? (await latestRequestOn(client, message.channel, deps)), client };
};

/** The clinic's word back, in the client's language: never at the cost of the answer, which is already kept. */
const respond = async (
  message: MessengerMessage,
  client: StoredClient,
  answer: AnswerOutcome,
  catalogue: Catalogue,
  deps: MessengerReplyDependencies,
): Promise<MessengerResponse> => {
  const { locale } = client.profile;
  const response: MessengerResponse = answer.answer.reasonId ? 'thanks' : 'reasons';
  const conversationId = `reply-${message.messageId}`.slice(0, 512);
  try {
    if (message.channel === 'whatsapp') {
      await deps.messenger.sendWhatsApp(
        response === 'thanks'
          ? whatsAppThanks(conversationId, message.from, locale, deps.clinicName)
          : whatsAppReasonList({ outreachId: conversationId, to: message.from, locale, catalogue }),
      );
    } else {
      await deps.messenger.sendViber({
        receiver: message.from,
        trackingData: message.outreachId ?? conversationId,
        ...(response === 'thanks'
          ? { text: thanksText(locale, deps.clinicName) }
          : { text: whatsAppWordingFor(locale).reasonsPrompt, keyboard: viberReasonKeyboard(catalogue, locale) }),
      });
    }
    return response;
  } catch (error) {
    logger.warn('the answer is kept; the clinic’s reply on the messenger was not sent', { channel: message.channel, error: (error as Error).name });
    return 'none';
  }
};

/**
 * One message from a client on a messenger, taken once however often it is delivered: an
 * opt-out (STOP, or words that ask us to stop, in any of the clients' languages) suppresses the
 * client on every channel; from someone we cannot tie to one client, it waits for a person.
 */
export const receiveMessengerMessage = async (message: MessengerMessage, deps: MessengerReplyDependencies): Promise<MessengerReplyOutcome> => {
  const now = (deps.now ?? (() => new Date()))().toISOString();
  const { request, client } = await writerOf(message, deps);
  const base: AnswerInput = {
    clientId: client ? client.profile.clientId : unmatchedClientId,
    answerId: messengerAnswerId(message.channel, message.messageId),
    channel: message.channel,
    mode: 'once',
    receivedAt: message.receivedAt ?? now,
    ...(message.text !== undefined && { text: message.text }),
    ...(request && { outreachId: request.outreachId, episodeId: request.episodeId }),
    ...(client && { locale: client.profile.locale }),
    ...(!client && { from: message.from }),
  };
  if (message.chosenReasonId === undefined && message.text !== undefined && smsIntent(message.text) === 'opt-out') {
    const duplicate = await keepWithoutReason(base, deps, true);
    await optOutEverywhere(client?.profile.clientId, message.channel === 'whatsapp' ? [message.from] : [], now, deps);
    return { kind: 'opted-out', ...(client && { clientId: client.profile.clientId }), duplicate };
  }
  if (!client) return { kind: 'unmatched', duplicate: await keepWithoutReason(base, deps) };
  // A button from an older message may name a reason the catalogue no longer has: its words are matched instead.
  const catalogue = await deps.catalogue.load();
  const chosen = message.chosenReasonId && catalogue.reasons.some((reason) => reason.id === message.chosenReasonId);
  const result = await recordAnswer({ ...base, ...(chosen && { chosenReasonId: message.chosenReasonId }) }, deps);
  const response = result.outcome === 'duplicate' || result.answer.optedOut ? 'none' : await respond(message, client, result, catalogue, deps);
  return { kind: 'answer', result, response };
};
