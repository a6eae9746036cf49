import { reachableChannels, type Channel, type ClientProfile } from '../visits/client.ts';
import { suppressedChannels } from './eligibility.ts';

export interface ChannelPolicy {
  /** Tried in this order after the client's preferred channel. */
  readonly fallbackOrder: readonly Channel[];
  /** The channels this clinic has set up (a WhatsApp number, a Viber bot); email, texts and calls when absent. */
  readonly offered?: ReadonlySet<Channel>;
  /** Locales (language tags, or their primary language) we have a voice for; voice is never used for others. */
  readonly voiceLocales: ReadonlySet<string>;
}

/** Where clients read first: a messenger they agreed to, then a text, an email, a call. */
export const defaultFallbackOrder: readonly Channel[] = ['whatsapp', 'viber', 'sms', 'email', 'voice'];

/** What every clinic can send on without setting up a messenger. */
export const classicChannels: ReadonlySet<Channel> = new Set(['email', 'sms', 'voice']);

export type ChannelChoice =
  | { readonly channel: Channel }
  | { readonly channel?: undefined; readonly reason: 'no-consent' | 'suppressed' | 'no-voice-for-locale' };

/** Whether a voice speaks this locale: the tag itself (en-GB) or its language (en). */
export const hasVoiceFor = (locale: string, voiceLocales: ReadonlySet<string>): boolean => voiceLocales.has(locale) || voiceLocales.has(locale.split('-')[0]!);

/**
 * The one channel for a request, decided at send time with what is true then: the preferred
 * channel when the client consented to it and we have a working contact, else the first of
 * the fallback order that is; never a suppressed one, never a messenger the clinic has not set
 * up, and voice only in a language we have a voice for. `allowed` narrows it to what the sweep
 * found open, less any messenger the client turned out not to be on.
 */
export const chooseChannel = (
  profile: ClientProfile,
  suppressed: ReadonlySet<string>,
  policy: ChannelPolicy,
  allowed: readonly Channel[] = defaultFallbackOrder,
): ChannelChoice => {
  const offered = policy.offered ?? classicChannels;
  const reachable = reachableChannels(profile).filter((channel) => allowed.includes(channel) && offered.has(channel));
  if (reachable.length === 0) return { reason: 'no-consent' };
  const closed = suppressedChannels(profile, suppressed);
  const open = reachable.filter((channel) => !closed.has(channel));
  if (open.length === 0) return { reason: 'suppressed' };
  const speakable = open.filter((channel) => channel !== 'voice' || hasVoiceFor(profile.locale, policy.voiceLocales));
  if (speakable.length === 0) return { reason: 'no-voice-for-locale' };
  const order = [...(profile.preferredChannel ? [profile.preferredChannel] : []), ...policy.fallbackOrder];
  const channel = order.find((candidate) => speakable.includes(candidate)) ?? speakable[0]!;
  return { channel };
};
