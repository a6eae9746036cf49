import type { OutreachJob } from '../../lapse/episode.ts';

/** Where the sweep puts feedback requests for the send function. */
export interface OutreachQueue {
  /**
   * Every job is on the queue when this resolves; it throws if any could not be queued.
   * `delaySeconds` (at most 900) holds them back, e.g. until a client's morning.
   */
  enqueue(jobs: readonly OutreachJob[], options?: { delaySeconds?: number }): Promise<void>;
}
