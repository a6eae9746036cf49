import type { Channel } from '../../visits/client.ts';
import type { OutreachJob } from '../../lapse/episode.ts';
import type { OutreachRecord, OutreachStatus } from '../outreach-record.ts';
import type { ProviderFailure } from '../provider-failure.ts';

/** The record of every feedback request: the guard that makes sending idempotent. */
export interface OutreachLog {
  /**
   * Claims the job for sending on a channel: `claimed` the first time (or after a passing
   * refusal), else the record that is already there.
   */
  claim(job: OutreachJob, channel: Channel, locale: string, at: Date): Promise<{ claimed: true } | { claimed: false; record: OutreachRecord }>;
  /** The provider took it: its message id ties later delivery events to the request (an earlier refusal's reason goes). */
  sent(outreachId: string, providerMessageId: string, at: Date): Promise<void>;
  /**
   * The provider refused it; `retry` lets a redelivery claim it again, `failed` is final. The
   * failure's code becomes the record's `reason`, its (redacted) words `reasonDetail`.
   */
  refused(outreachId: string, outcome: 'retry' | 'failed', failure: ProviderFailure, at: Date): Promise<void>;
  /** Not sent at all, and why (suppressed, came back, no channel). Never overwrites a send. */
  skipped(job: OutreachJob, reason: string, at: Date): Promise<void>;
  /**
   * What the provider said afterwards: moves the status to `outcome` only from one of
   * `replaces` (news never overwrites worse news), with the provider's reason when it failed.
   * False when it did not apply.
   */
  delivery(outreachId: string, outcome: OutreachStatus, replaces: readonly OutreachStatus[], at: string, failure?: ProviderFailure): Promise<boolean>;
  get(outreachId: string): Promise<OutreachRecord | undefined>;
  byProviderMessage(providerMessageId: string): Promise<OutreachRecord | undefined>;
  /** Every record, a page at a time (the analytics export). */
  all(): AsyncGenerator<OutreachRecord[]>;
}
