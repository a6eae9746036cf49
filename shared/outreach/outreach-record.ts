import type { Channel } from '../visits/client.ts';

/**
 * Where one feedback request stands. `sending` is claimed: the provider may or may not have
 * taken it, so it is never sent again automatically; `retry` was refused by the provider for
 * a passing reason (throttling, a messenger the client is not on) and may be claimed again;
 * `seen` is a messenger's read receipt (WhatsApp's read, Viber's seen).
 */
export type OutreachStatus = 'sending' | 'retry' | 'sent' | 'delivered' | 'seen' | 'clicked' | 'bounced' | 'complained' | 'failed' | 'skipped';

export interface OutreachRecord {
  readonly outreachId: string;
  readonly clientId: string;
  readonly episodeId: string;
  readonly request: number;
  readonly status: OutreachStatus;
  readonly channel?: Channel;
  readonly locale?: string;
  readonly attempts: number;
  readonly claimedAt?: string;
  readonly sentAt?: string;
  readonly providerMessageId?: string;
  /**
   * Why it was not sent (a skip reason: `suppressed`, `visited-since`…), or why the provider
   * refused or failed it (a FailureReason code: `invalid-number`, `unreachable`, `opted-out`…).
   */
  readonly reason?: string;
  /** The provider's own words about a refusal or failure, phone numbers and addresses removed. */
  readonly reasonDetail?: string;
  readonly updatedAt: string;
}
