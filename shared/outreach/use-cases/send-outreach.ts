import { chooseChannel, type ChannelPolicy } from '../channel-policy.ts';
import type { Channel, ClientProfile } from '../../visits/client.ts';
import type { OutreachJob } from '../../lapse/episode.ts';
import type { OutreachStatus } from '../outreach-record.ts';
import { providerFailure, type FailureReason } from '../provider-failure.ts';
import { notOnMessengerKey, suppressionKeys } from '../eligibility.ts';
import { firstNameOf, renderEmail, renderSms, renderVoice, wordingFor, type OutreachValues, type OutreachWording } from '../wording.ts';
import { nextSendTime, type SendWindow } from '../quiet-hours.ts';
import { signReplyToken } from '../../answers/reply-token.ts';
import type { ClientStore, StoredClient } from '../../visits/ports/client-store.ts';
import { ProviderRejectedError, ProviderThrottledError, type Messenger } from '../ports/messenger.ts';
import type { OutreachLog } from '../ports/outreach-log.ts';
import type { SuppressionList } from '../ports/suppression-list.ts';
import { isNotOnMessenger } from '../not-on-messenger.ts';
import { viberReasonKeyboard, whatsAppFirstMessage, type WhatsAppTemplateSettings } from '../whatsapp-messages.ts';
import type { CatalogueStore } from '../../answers/ports/catalogue-store.ts';

/** A Viber message is one text of up to 7,000 characters: the SMS wording always fits. */
const viberTextSegments = 10;

/** How long an email's unsubscribe link works, whatever the reply link's life. */
export const unsubscribeLinkDays = 730;

export interface SendSettings {
  readonly clinicName: string;
  readonly defaultLocale: string;
  readonly window: SendWindow;
  readonly channelPolicy: ChannelPolicy;
  readonly maxSmsSegments: number;
  /** Where the reply page lives: links are `<base>/r/<token>` and `<base>/u/<token>`. */
  readonly replyBaseUrl: string;
  /** The newest signs; all verify. */
  readonly tokenSecrets: readonly string[];
  readonly tokenDays: number;
  readonly wordings: Readonly<Record<string, OutreachWording>>;
  /** The approved template WhatsApp's first message uses (only templates may open a conversation). */
  readonly whatsAppTemplate: WhatsAppTemplateSettings;
}

export interface SendDependencies {
  readonly clients: ClientStore;
  readonly suppression: SuppressionList;
  readonly log: OutreachLog;
  readonly messenger: Messenger;
  /** The reason catalogue, for the buttons under a Viber message; without it the message carries the reply-page button only. */
  readonly catalogue?: Pick<CatalogueStore, 'load'>;
  readonly now?: () => Date;
}

export type SendSkipReason = 'unknown-client' | 'episode-closed' | 'outreach-ended' | 'visited-since' | 'no-consent' | 'suppressed' | 'no-voice-for-locale';

export type SendOutcome =
  | { readonly kind: 'sent'; readonly channel: Channel; readonly providerMessageId: string }
  /** Outside the client's hours: send again at `until`. */
  | { readonly kind: 'delayed'; readonly until: Date }
  /** Another delivery of the job already claimed or sent it. */
  | { readonly kind: 'duplicate'; readonly status: OutreachStatus }
  | { readonly kind: 'skipped'; readonly reason: SendSkipReason }
  /** The provider refused it for good: why, as a code (its words, redacted, are on the record). */
  | { readonly kind: 'failed'; readonly reason: FailureReason };

/**
 * Sends one feedback request, at most once: everything that could have changed since the
 * sweep (they came back, opted out, bounced) is checked again, the channel chosen, the hour
 * checked in the client's zone, and the job claimed in the outreach log before the provider
 * is called. A throttled send is released and thrown, so the queue delivers it again later.
 */
export const sendOutreach = async (job: OutreachJob, settings: SendSettings, deps: SendDependencies): Promise<SendOutcome> => {
  const now = (deps.now ?? (() => new Date()))();
  const earlier = await deps.log.get(job.jobId);
  if (earlier && earlier.status !== 'retry' && earlier.status !== 'skipped') return { kind: 'duplicate', status: earlier.status };

  const skip = async (reason: SendSkipReason): Promise<SendOutcome> => {
    await deps.log.skipped(job, reason, now);
    return { kind: 'skipped', reason };
  };
  const client = await deps.clients.getClient(job.clientId);
  if (!client) return skip('unknown-client');
  const noLongerLapsed = whyNotAskAnyMore(job, client);
  if (noLongerLapsed) return skip(noLongerLapsed);

  const { profile } = client;
  const suppressed = await deps.suppression.suppressed(suppressionKeys(profile));
  const choice = chooseChannel(profile, suppressed, settings.channelPolicy, job.channels);
  if (!choice.channel) return skip(choice.reason);

  const sendAt = nextSendTime(now.getTime(), profile.timeZone, settings.window);
  if (sendAt > now.getTime()) return { kind: 'delayed', until: new Date(sendAt) };

  const { locale, wording } = wordingFor(profile.locale, settings.wordings, settings.defaultLocale);
  // Read before the claim: a failed read must leave the request free to retry, not claimed and unsent.
  const keyboard = choice.channel === 'viber' ? await viberKeyboard(locale, deps) : undefined;
  const claim = await deps.log.claim(job, choice.channel, locale, now);
  if (!claim.claimed) return { kind: 'duplicate', status: claim.record.status };

  const message: ClaimedMessage = {
    job,
    profile,
    channel: choice.channel,
    locale,
    wording,
    values: messageValues(job, profile, settings, now),
    ...(keyboard && { keyboard }),
  };
  return sendClaimed(message, settings, deps, now);
};

/** Why the sweep's request must not go out any more: the episode closed, outreach ended, or they came back. */
const whyNotAskAnyMore = (job: OutreachJob, client: StoredClient): SendSkipReason | undefined => {
  if (client.lapse?.episodeId !== job.episodeId || client.lapse.status !== 'open') return 'episode-closed';
  if (client.outreachEnded) return 'outreach-ended';
  if (client.summary && client.summary.lastVisit >= job.episodeId) return 'visited-since';
  return undefined;
};

/** The words the message fills in: the clinic, the client's first name, and their signed reply and unsubscribe links. */
const messageValues = (job: OutreachJob, profile: ClientProfile, settings: SendSettings, now: Date): OutreachValues => {
  const expiresAt = Math.floor(now.getTime() / 1000) + settings.tokenDays * 86_400;
  const secret = settings.tokenSecrets[0]!;
  const replyLink = `${settings.replyBaseUrl}/r/${signReplyToken({ outreachId: job.jobId, purpose: 'reply', expiresAt }, secret)}`;
  // Unsubscribing must work from an old email long after its reply link has expired.
  const unsubscribeExpiresAt = Math.floor(now.getTime() / 1000) + unsubscribeLinkDays * 86_400;
  const unsubscribeLink = `${settings.replyBaseUrl}/u/${signReplyToken({ outreachId: job.jobId, purpose: 'unsubscribe', expiresAt: unsubscribeExpiresAt }, secret)}`;
  const firstName = firstNameOf(profile.name);
  return { clinic: settings.clinicName, replyLink, unsubscribeLink, ...(firstName && { firstName }) };
};

/** A request claimed in the outreach log, worded for its channel and language: ready for the provider. */
interface ClaimedMessage {
  readonly job: OutreachJob;
  readonly profile: ClientProfile;
  readonly channel: Channel;
  readonly locale: string;
  readonly wording: OutreachWording;
  readonly values: OutreachValues;
  /** Viber's reason buttons, when the catalogue is at hand. */
  readonly keyboard?: readonly { readonly reasonId: string; readonly label: string }[];
}

/** Hands the claimed message to the provider and records what it said. */
const sendClaimed = async (message: ClaimedMessage, settings: SendSettings, deps: SendDependencies, now: Date): Promise<SendOutcome> => {
  const { job, channel } = message;
  try {
    const providerMessageId = await deliver(message, settings, deps);
    await deps.log.sent(job.jobId, providerMessageId, now);
    return { kind: 'sent', channel, providerMessageId };
  } catch (error) {
    // The provider's words pass the one redaction before they are kept: a refusal quotes the number.
    if (error instanceof ProviderThrottledError) {
      await deps.log.refused(job.jobId, 'retry', providerFailure(error.code, error.message), now);
      throw error;
    }
    if (isNotOnMessenger(error)) {
      // Nothing against the client: the messenger is closed for them, the request released and tried at once on the next channel.
      const address = error.messenger === 'viber' ? message.profile.viberUserId : message.profile.phone;
      if (address) await deps.suppression.add({ key: notOnMessengerKey(error.messenger, address), reason: 'bounce', at: now.toISOString() });
      await deps.log.refused(job.jobId, 'retry', providerFailure('not-on-messenger', error.message), now);
      return sendOutreach(withoutChannel(job, channel), settings, deps);
    }
    if (error instanceof ProviderRejectedError) {
      await deps.log.refused(job.jobId, 'failed', providerFailure(error.code, error.message), now);
      return { kind: 'failed', reason: error.code };
    }
    // Unknown whether the provider took it: the claim stays, so it is never sent twice.
    throw error;
  }
};

/** The same request with a channel taken out: a messenger the client turned out not to be on. */
const withoutChannel = (job: OutreachJob, channel: Channel): OutreachJob => ({ ...job, channels: job.channels.filter((open) => open !== channel) });

/** The reasons as buttons under a Viber message, when the catalogue is at hand. */
const viberKeyboard = async (locale: string, deps: SendDependencies) => (deps.catalogue ? viberReasonKeyboard(await deps.catalogue.load(), locale) : undefined);

/** The email, text, call or messenger message itself: the provider's message id. */
const deliver = async (message: ClaimedMessage, settings: SendSettings, deps: SendDependencies): Promise<string> => {
  const { job, profile, channel, locale, wording, values, keyboard } = message;
  const { messenger } = deps;
  if (channel === 'whatsapp') {
    return messenger.sendWhatsApp(whatsAppFirstMessage({ outreachId: job.jobId, to: profile.phone!, locale, values, template: settings.whatsAppTemplate }));
  }
  if (channel === 'viber') {
    // The text's own words (digits, a few words, STOP) with the reply page as a button: Viber shows links.
    return messenger.sendViber({
      receiver: profile.viberUserId!,
      text: renderSms(wording, values, viberTextSegments).text,
      replyLink: { url: values.replyLink, label: wording.cta },
      trackingData: job.jobId,
      ...(keyboard && { keyboard }),
    });
  }
  if (channel === 'email') {
    const email = renderEmail(locale, wording, values);
    return messenger.sendEmail({ outreachId: job.jobId, to: profile.email!, ...email, unsubscribeUrl: values.unsubscribeLink });
  }
  if (channel === 'sms') {
    const sms = renderSms(wording, values, settings.maxSmsSegments);
    return messenger.sendText({ outreachId: job.jobId, to: profile.phone!, body: sms.text });
  }
  return messenger.placeCall({ outreachId: job.jobId, to: profile.phone!, ssml: renderVoice(locale, wording, values), locale: profile.locale });
};
