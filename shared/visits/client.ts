export const channels = ['email', 'sms', 'voice'] as const;
export type Channel = (typeof channels)[number];

export type Consent = Readonly<Record<Channel, boolean>>;

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
