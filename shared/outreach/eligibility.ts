import { createHash } from 'node:crypto';
import { channels, reachableChannels, type Channel, type ClientProfile, type Messenger } from '../visits/client.ts';
import { daysBetween } from '../visits/summary.ts';
import { AppError } from '../common/app-error.ts';

/** Who may be asked, how often, and how many lapsed clients are held back to measure the effect. */
export interface OutreachPolicy {
  /** Days between two feedback requests to the same client, whatever the episode. */
  readonly cooldownDays: number;
  readonly maxRequestsPerEpisode: number;
  /** Share of lapsed clients never asked (0..0.5), so returns caused by outreach can be measured. */
  readonly controlGroupShare: number;
  /** Changing it reshuffles who is in the control group. */
  readonly controlGroupSalt: string;
}

export const defaultOutreachPolicy: OutreachPolicy = {
  cooldownDays: 30,
  maxRequestsPerEpisode: 2,
  controlGroupShare: 0.1,
  controlGroupSalt: 'comeback-control-1',
};

export class OutreachPolicyError extends AppError {
  override readonly name = 'OutreachPolicyError';
  readonly kind = 'invalid';
}

export const checkOutreachPolicy = (policy: OutreachPolicy): OutreachPolicy => {
  // A week is the sweep's period: a shorter cooldown would let one week's sweep ask twice.
  if (!Number.isInteger(policy.cooldownDays) || policy.cooldownDays < 7) throw new OutreachPolicyError('cooldown must be a whole number of days, at least 7');
  if (!Number.isInteger(policy.maxRequestsPerEpisode) || policy.maxRequestsPerEpisode < 1) {
    throw new OutreachPolicyError('max requests per episode must be a whole number, at least 1');
  }
  if (!(policy.controlGroupShare >= 0 && policy.controlGroupShare <= 0.5)) throw new OutreachPolicyError('control group share must be from 0 to 0.5');
  return policy;
};

/** Deterministic per client: the same client is always in or out of the control group for a given salt. */
export const inControlGroup = (clientId: string, policy: Pick<OutreachPolicy, 'controlGroupShare' | 'controlGroupSalt'>): boolean => {
  if (policy.controlGroupShare <= 0) return false;
  const digest = createHash('sha256').update(`${policy.controlGroupSalt}\u0000${clientId}`).digest();
  return digest.readUInt32BE(0) / 2 ** 32 < policy.controlGroupShare;
};

/** The keys an opt-out, a bounce or a complaint puts on the list: the whole client, their email, their phone. */
export const addressKeys = (profile: ClientProfile): string[] => [
  `client:${profile.clientId}`,
  ...(profile.email ? [`email:${profile.email.toLowerCase()}`] : []),
  ...(profile.phone ? [`phone:${profile.phone}`] : []),
];

/**
 * Keys of the suppression list that concern a client: their addresses, and where a messenger
 * cannot reach them (a number not on WhatsApp still takes texts; a Viber user who left the bot).
 */
export const suppressionKeys = (profile: ClientProfile): string[] => [
  ...addressKeys(profile),
  ...(profile.phone ? [notOnMessengerKey('whatsapp', profile.phone)] : []),
  ...(profile.viberUserId ? [notOnMessengerKey('viber', profile.viberUserId)] : []),
];

/** The suppression key that closes one messenger for an address: a number not on WhatsApp, a Viber user not (or no longer) subscribed. */
export const notOnMessengerKey = (messenger: Messenger, address: string): string => `${messenger}:${address}`;

/** The client's channels closed by the suppression list (an opted-out client: all of them). */
export const suppressedChannels = (profile: ClientProfile, suppressed: ReadonlySet<string>): Set<Channel> => {
  if (suppressed.has(`client:${profile.clientId}`)) return new Set(channels);
  const closed = new Set<Channel>();
  if (profile.email && suppressed.has(`email:${profile.email.toLowerCase()}`)) closed.add('email');
  // A number that is gone or opted out is gone for texts, calls and WhatsApp alike.
  if (profile.phone && suppressed.has(`phone:${profile.phone}`)) for (const channel of ['sms', 'voice', 'whatsapp'] as const) closed.add(channel);
  if (profile.phone && suppressed.has(notOnMessengerKey('whatsapp', profile.phone))) closed.add('whatsapp');
  if (profile.viberUserId && suppressed.has(notOnMessengerKey('viber', profile.viberUserId))) closed.add('viber');
  return closed;
};

export type SkipReason = 'outreach-ended' | 'visited-since' | 'control-group' | 'no-consent' | 'suppressed' | 'max-requests' | 'cooldown';

export const skipReasonText: Readonly<Record<SkipReason, string>> = {
  'outreach-ended': 'outreach ended (involuntary reason)',
  'visited-since': 'visited since the episode opened',
  'control-group': 'control group (never asked)',
  'no-consent': 'no consented channel with a contact',
  suppressed: 'every consented channel suppressed',
  'max-requests': 'max requests for this episode reached',
  cooldown: 'asked within the cooldown',
};

export interface OutreachCandidate {
  readonly profile: ClientProfile;
  readonly lastVisit: string;
  readonly episode: { readonly openedOn: string; readonly requests: number; readonly controlGroup: boolean };
  readonly lastRequestOn?: string;
  /** Set once an involuntary reason (moved away, died, insurance) ended outreach for the client. */
  readonly outreachEnded?: string;
  /** Suppression-list keys found for the client (see suppressionKeys). */
  readonly suppressed: ReadonlySet<string>;
}

export type OutreachDecision = { readonly eligible: true; readonly channels: readonly Channel[] } | { readonly eligible: false; readonly reason: SkipReason };

/** May we ask this lapsed client why they left, today? The first rule that says no is the reason. */
export const outreachDecision = (candidate: OutreachCandidate, asOf: string, policy: OutreachPolicy): OutreachDecision => {
  const no = (reason: SkipReason): OutreachDecision => ({ eligible: false, reason });
  if (candidate.outreachEnded) return no('outreach-ended');
  if (candidate.lastVisit > candidate.episode.openedOn) return no('visited-since');
  if (candidate.episode.controlGroup) return no('control-group');
  const consented = reachableChannels(candidate.profile);
  if (consented.length === 0) return no('no-consent');
  const closed = suppressedChannels(candidate.profile, candidate.suppressed);
  const channels = consented.filter((channel) => !closed.has(channel));
  if (channels.length === 0) return no('suppressed');
  if (candidate.episode.requests >= policy.maxRequestsPerEpisode) return no('max-requests');
  if (candidate.lastRequestOn && daysBetween(candidate.lastRequestOn, asOf) < policy.cooldownDays) return no('cooldown');
  return { eligible: true, channels };
};
