/**
 * What the messengers tell us after a send and what clients do there: WhatsApp's statuses and
 * messages (its event destination), Viber's callbacks. Statuses move a request forward as
 * other delivery events do, `seen` included; a client not on the messenger sends the request
 * on to the next channel; a client who blocks or unsubscribes is suppressed on every channel;
 * what they write is an answer.
 */
import { channels, type Channel, type Messenger } from '../../visits/client.ts';
import { recordDelivery, type DeliveryResult } from './record-delivery.ts';
import { providerFailure, type FailureReason } from '../provider-failure.ts';
import type { WhatsAppEvent, WhatsAppFailureMeaning, WhatsAppStatusEvent } from '../whatsapp-events.ts';
import type { ViberEvent } from '../viber-callbacks.ts';
import { clientOfViberContext } from '../viber-subscription.ts';
import { notOnMessengerKey } from '../eligibility.ts';
import type { OutreachQueue } from '../ports/outreach-queue.ts';
import type { DeliveryOutcome } from '../delivery-events.ts';
import { optOutEverywhere } from '../../answers/use-cases/answers.ts';
import { receiveMessengerMessage, type MessengerReplyDependencies, type MessengerReplyOutcome } from '../../answers/use-cases/messenger-replies.ts';

export interface MessengerEventDependencies extends MessengerReplyDependencies {
  /** Where a request goes again when the client is not on the messenger. */
  readonly queue: OutreachQueue;
}

export type MessengerEventOutcome =
  | { readonly kind: 'status'; readonly result: DeliveryResult }
  /** Not on the messenger: the request was released and queued for the next channel. */
  | { readonly kind: 'next-channel'; readonly requeued: boolean }
  | { readonly kind: 'opted-out'; readonly clients: number }
  | { readonly kind: 'subscribed'; readonly bound: boolean }
  | { readonly kind: 'reply'; readonly reply: MessengerReplyOutcome }
  | { readonly kind: 'ignored' };

const now = (deps: { now?: () => Date }): string => (deps.now ?? (() => new Date()))().toISOString();

/**
 * The request goes on to the next channel: the messenger is closed for this address from now
 * on, the request released (`retry`, with why) and queued again without that messenger. Only a
 * request still waiting on the messenger moves; a repeat of the event finds it moved.
 */
const nextChannel = async (
  outreachId: string | undefined,
  messenger: Messenger,
  address: string,
  detail: string,
  at: string,
  deps: MessengerEventDependencies,
) => {
  await deps.suppression.add({ key: notOnMessengerKey(messenger, address), reason: 'bounce', at });
  const record = outreachId ? await deps.log.get(outreachId) : undefined;
  if (!record || record.channel !== messenger) return { kind: 'next-channel', requeued: false } as const;
  const released = await deps.log.delivery(record.outreachId, 'retry', ['sending', 'sent', 'delivered'], at, providerFailure('not-on-messenger', detail));
  if (!released) return { kind: 'next-channel', requeued: false } as const;
  const open: Channel[] = channels.filter((channel) => channel !== messenger);
  await deps.queue.enqueue([
    { jobId: record.outreachId, clientId: record.clientId, episodeId: record.episodeId, request: record.request, requestedOn: at.slice(0, 10), channels: open },
  ]);
  return { kind: 'next-channel', requeued: true } as const;
};

/** The client asked the messenger to stop us: every channel closes for them, as after STOP. */
const optOut = async (
  clientIds: readonly string[],
  phones: readonly string[],
  at: string,
  deps: MessengerEventDependencies,
): Promise<MessengerEventOutcome> => {
  if (clientIds.length === 0) await optOutEverywhere(undefined, phones, at, deps);
  for (const clientId of clientIds) await optOutEverywhere(clientId, phones, at, deps);
  return { kind: 'opted-out', clients: clientIds.length };
};

const whatsAppFailureCodes: Readonly<Record<WhatsAppFailureMeaning, FailureReason>> = {
  'not-on-whatsapp': 'not-on-messenger',
  'stopped-marketing': 'opted-out',
  'window-closed': 'invalid-message',
  other: 'unknown',
};

const whatsAppOutcomes: Readonly<Record<Exclude<WhatsAppStatusEvent['status'], 'sent'>, DeliveryOutcome>> = {
  delivered: 'delivered',
  read: 'seen',
  failed: 'failed',
};

const whatsAppStatus = async (event: WhatsAppStatusEvent, deps: MessengerEventDependencies): Promise<MessengerEventOutcome> => {
  // `sent` tells nothing the send did not: the request is already `sent`.
  if (event.status === 'sent') return { kind: 'ignored' };
  const meaning = event.failure?.meaning;
  const detail = event.failure ? `WhatsApp error ${event.failure.code}` : undefined;
  if (meaning === 'not-on-whatsapp') return nextChannel(event.outreachId, 'whatsapp', event.recipient, detail!, event.at, deps);
  const result = await recordDelivery(
    {
      providerMessageId: event.wamid,
      outcome: whatsAppOutcomes[event.status],
      at: event.at,
      ...(event.outreachId && { outreachId: event.outreachId }),
      ...(meaning && { failure: providerFailure(whatsAppFailureCodes[meaning], detail) }),
    },
    deps,
  );
  if (meaning === 'stopped-marketing') {
    const record = event.outreachId ? await deps.log.get(event.outreachId) : undefined;
    const owners = record ? [record.clientId] : await deps.clients.clientsWithPhone(event.recipient);
    return optOut(owners, [event.recipient], event.at, deps);
  }
  return { kind: 'status', result };
};

/** One WhatsApp status or message from the business account's event destination. */
export const recordWhatsAppEvent = async (event: WhatsAppEvent, deps: MessengerEventDependencies): Promise<MessengerEventOutcome> => {
  if (event.kind === 'status') return whatsAppStatus(event, deps);
  // Stopping the clinic's messages on WhatsApp is asking us to stop; resuming them is not consent to every channel again.
  if (event.kind === 'preference') {
    return event.marketing === 'stop' ? optOut(await deps.clients.clientsWithPhone(event.from), [event.from], event.at, deps) : { kind: 'ignored' };
  }
  const reply = await receiveMessengerMessage(
    {
      channel: 'whatsapp',
      messageId: event.wamid,
      from: event.from,
      receivedAt: event.at,
      ...(event.choice ? { chosenReasonId: event.choice.id, text: event.choice.title } : event.text !== undefined && { text: event.text }),
    },
    deps,
  );
  return { kind: 'reply', reply };
};

/** Viber's delivered, seen and failed name our message by its token: the request it belongs to moves on. */
const viberStatus = async (messageToken: string, outcome: DeliveryOutcome, at: string, deps: MessengerEventDependencies, detail?: string) => {
  const result = await recordDelivery(
    { providerMessageId: messageToken, outcome, at, ...(detail !== undefined && { failure: providerFailure('unknown', detail) }) },
    deps,
  );
  return { kind: 'status', result } as const;
};

/** One callback from the clinic's Viber bot, already verified (see acceptViberCallback). */
export const recordViberEvent = async (event: ViberEvent, secrets: readonly string[], deps: MessengerEventDependencies): Promise<MessengerEventOutcome> => {
  switch (event.type) {
    case 'delivered':
      return viberStatus(event.messageToken, 'delivered', event.at, deps);
    case 'seen':
      return viberStatus(event.messageToken, 'seen', event.at, deps);
    case 'failed':
      return viberStatus(event.messageToken, 'failed', event.at, deps, event.description);
    case 'conversation_started': {
      const clientId = clientOfViberContext(event.context, secrets, new Date(now(deps)));
      if (clientId && (await deps.clients.getClient(clientId))) {
        await deps.clients.bindViberUser(clientId, event.userId);
        return { kind: 'subscribed', bound: true };
      }
      return { kind: 'subscribed', bound: false };
    }
    case 'unsubscribed': {
      await deps.suppression.add({ key: notOnMessengerKey('viber', event.userId), reason: 'opt-out', at: event.at });
      return optOut(await deps.clients.clientsWithViberUser(event.userId), [], event.at, deps);
    }
    case 'message': {
      if (event.reply.kind === 'media') return { kind: 'ignored' };
      const reply = await receiveMessengerMessage(
        {
          channel: 'viber',
          messageId: event.messageToken,
          from: event.userId,
          receivedAt: event.at,
          ...(event.trackingData && { outreachId: event.trackingData }),
          ...(event.reply.kind === 'choice' ? { chosenReasonId: event.reply.reasonId } : { text: event.reply.text }),
        },
        deps,
      );
      return { kind: 'reply', reply };
    }
    default:
      return { kind: 'ignored' };
  }
};
