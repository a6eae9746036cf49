import type { LapseEpisode, LapseMark, OutreachJob, WonBack } from '../episode.ts';

/**
 * Lapse episodes and the mark each keeps on its client. Every write is conditional, so a
 * sweep run twice, or a segment retried, never opens a second episode or records a second
 * request.
 */
export interface LapseStore {
  /** Opens the episode unless the client already has an open one. */
  openEpisode(episode: LapseEpisode, mark: LapseMark): Promise<'opened' | 'already-open'>;
  /**
   * Records the next request of the client's open episode, as pending, before it is queued.
   * `conflict` when the mark is no longer the one read (another run got there first).
   */
  recordRequest(job: OutreachJob, previous: LapseMark): Promise<'recorded' | 'conflict'>;
  /** The job is on the queue: clears it from the mark and notes when on the episode. */
  confirmQueued(job: OutreachJob): Promise<void>;
  /** Open episodes, newest first, a page at a time. */
  openEpisodes(): AsyncGenerator<LapseEpisode[]>;
  /** The client came back: closes the episode as won back (and its mark), if it is still open. */
  closeWonBack(clientId: string, wonBack: WonBack): Promise<'closed' | 'not-open'>;
  /** One client's episodes, oldest first. */
  episodesOf(clientId: string): Promise<LapseEpisode[]>;
  /** Every episode, open or closed, a page at a time (the analytics export). */
  allEpisodes(): AsyncGenerator<LapseEpisode[]>;
}
