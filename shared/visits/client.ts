/** The messengers a client may be asked on; the clinic's own bot or number sends there. */
export const messengers = ['whatsapp', 'viber'] as const;
export type Messenger = (typeof messengers)[number];

export const channels = ['email', 'sms', 'voice', ...messengers] as const;
export type Channel = (typeof channels)[number];

/** The channels every clinic has: email, text and call. */
export type ClassicChannel = Exclude<Channel, Messenger>;

export const isMessenger = (channel: Channel): channel is Messenger => (messengers as readonly string[]).includes(channel);

/**
 * What the client agreed to: email, texts and calls always said, each messenger only when the
 * clinic's file has its column (absent: not agreed).
 */
export type Consent = Readonly<Record<ClassicChannel, boolean>> & Partial<Readonly<Record<Messenger, boolean>>>;

/** Who the client is and how we may reach them. Contact data is personal: never logged. */
export interface ClientProfile {
  readonly clientId: string;
  readonly name?: string;
  /** E.164, e.g. +302101234567. Absent when the clinic gave none or gave an invalid one. */
  readonly phone?: string;
  readonly email?: string;
  /** BCP 47 language tag, canonical form (el, en-GB, ru). */
  readonly locale: string;
  /** IANA time zone (Europe/Athens). */
  readonly timeZone: string;
  readonly preferredChannel?: Channel;
  readonly branchId?: string;
  readonly consent: Consent;
  /**
   * The client's Viber user id for the clinic's bot, learned when they subscribed through the
   * deep link (not from the clinic's file): Viber's bots reach subscribers by it, not by number.
   */
  readonly viberUserId?: string;
}

/** Channels the client agreed to and that we have a working contact for. */
export const reachableChannels = (client: ClientProfile): Channel[] =>
  channels.filter((channel) => {
    if (client.consent[channel] !== true) return false;
    if (channel === 'email') return client.email !== undefined;
    if (channel === 'viber') return client.viberUserId !== undefined;
    return client.phone !== undefined;
  });
