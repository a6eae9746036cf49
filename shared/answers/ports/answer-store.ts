import type { Answer } from '../answer.ts';

export interface AnswerStore {
  /**
   * `once`: written only if no answer has this id (a redelivered SMS is `duplicate`);
   * `upsert`: a second submit of the page replaces the first (`updated`).
   */
  save(answer: Answer, mode: 'once' | 'upsert'): Promise<'created' | 'updated' | 'duplicate'>;
  get(clientId: string, answerId: string): Promise<Answer | undefined>;
  /** One client's answers, oldest first. */
  answersOf(clientId: string): Promise<Answer[]>;
  /** The answers still waiting on this candidate text. */
  waitingOn(candidate: string): Promise<Answer[]>;
  /** A manager placed the answer: its reason is set and it leaves the candidates. */
  place(answer: Answer, reasonId: string, catalogueVersion: number): Promise<void>;
  /** Every answer, a page at a time (the catalogue's counts). */
  all(): AsyncGenerator<Answer[]>;
}
