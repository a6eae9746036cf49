import { createHash } from 'node:crypto';
import type { Channel } from '../visits/client.ts';
import type { LapseExplanation } from './lapse-rule.ts';

export type EpisodeStatus = 'open' | 'won-back' | 'closed';

/** One time a client was found lapsed: opened by the sweep, closed when they come back. */
export interface LapseEpisode {
  readonly clientId: string;
  /** The day it opened (YYYY-MM-DD): one client never has two episodes opened the same day. */
  readonly episodeId: string;
  readonly status: EpisodeStatus;
  readonly openedOn: string;
  /** When the sweep that opened it ran (ISO instant). */
  readonly openedAt: string;
  readonly explanation: LapseExplanation;
  /** Held out of outreach to measure what outreach changes. */
  readonly controlGroup: boolean;
  readonly requests: Readonly<Record<string, { readonly request: number; readonly requestedOn: string; readonly enqueuedAt?: string }>>;
  /** How it ended: the client came back (won back) on `closedOn`. */
  readonly closedOn?: string;
  /** The request the return is credited to: the last one asked before they came back. */
  readonly creditedRequest?: number;
}

/** One feedback request to send: what the outreach queue carries. Identifiers only, no contact data. */
export interface OutreachJob {
  readonly jobId: string;
  readonly clientId: string;
  readonly episodeId: string;
  /** 1 for the first request of the episode, 2 for the reminder... */
  readonly request: number;
  readonly requestedOn: string;
  /** Channels open for this client when the sweep decided; the sender still applies its own policy. */
  readonly channels: readonly Channel[];
}

/**
 * The client's current episode, kept on the client item so that the sweep's Scan of clients
 * alone tells it who is already lapsed, how often they were asked, and when.
 */
export interface LapseMark {
  readonly episodeId: string;
  readonly status: EpisodeStatus;
  readonly openedOn: string;
  readonly requests: number;
  readonly controlGroup: boolean;
  /** The last request to the client, in any episode (the cooldown reads it). */
  readonly lastRequestOn?: string;
  /** Recorded but not yet confirmed on the queue: the next sweep sends it again (the sender drops duplicates). */
  readonly pendingJob?: OutreachJob;
}

/** Same client, episode and request number, same id: a retried sweep can never make a second job. */
export const outreachJobId = (clientId: string, episodeId: string, request: number): string =>
  `job-${createHash('sha256').update(`${clientId}\u0000${episodeId}\u0000${request}`).digest('base64url').slice(0, 22)}`;

/** Closing an open episode because the client came back: which request, if any, gets the credit. */
export interface WonBack {
  readonly episodeId: string;
  readonly closedOn: string;
  readonly creditedRequest?: number;
}

/**
 * A visit on or after the day the episode opened wins the client back. The last request asked
 * before gets the credit; a control-group client was never asked, so theirs is a return
 * without outreach, counted separately by the reports.
 */
export const wonBackBy = (mark: LapseMark | undefined, visitDays: readonly string[]): WonBack | undefined => {
  if (mark?.status !== 'open') return undefined;
  const returned = visitDays.filter((day) => day >= mark.openedOn).sort()[0];
  if (!returned) return undefined;
  return { episodeId: mark.episodeId, closedOn: returned, ...(mark.requests > 0 && !mark.controlGroup && { creditedRequest: mark.requests }) };
};
