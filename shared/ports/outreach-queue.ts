import type { OutreachJob } from '../domain/episode.ts';

/** Where the sweep puts feedback requests for the send function. */
export interface OutreachQueue {
  /** Every job is on the queue when this resolves; it throws if any could not be queued. */
  enqueue(jobs: readonly OutreachJob[]): Promise<void>;
}
