export const channels = ['email', 'sms', 'voice'] as const;
export type Channel = (typeof channels)[number];

/**
 * The messengers a client may agree to be asked on. Their consent is recorded from the import;
 * they join `channels` (and the channel policy) once their sending path is in place.
 */
export const messengers = ['whatsapp', 'viber'] as const;
export type Messenger = (typeof messengers)[number];

/** What the client agreed to: each channel, and each messenger (absent: not agreed). */
export type Consent = Readonly<Record<Channel, boolean>> & Partial<Readonly<Record<Messenger, boolean>>>;

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
}

/** Channels the client agreed to and that we have a working contact for. */
export const reachableChannels = (client: ClientProfile): Channel[] =>
  channels.filter((channel) => {
    if (!client.consent[channel]) return false;
    return channel === 'email' ? client.email !== undefined : client.phone !== undefined;
  });
