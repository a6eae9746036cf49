import type { Answer } from '../../shared/answers/answer.ts';
import type { AnswerStore } from '../../shared/answers/ports/answer-store.ts';
import { ConditionalWriteError, copy } from './conditional-write.ts';

const keyOf = (clientId: string, answerId: string): string => JSON.stringify([clientId, answerId]);
const byReceivedAt = (a: Answer, b: Answer): number => a.receivedAt.localeCompare(b.receivedAt);

/** Answers in memory, keyed by client and answer id as in the table. */
export class InMemoryAnswerStore implements AnswerStore {
  readonly answers = new Map<string, Answer>();

  async save(answer: Answer, mode: 'once' | 'upsert'): Promise<'created' | 'updated' | 'duplicate'> {
    const key = keyOf(answer.clientId, answer.answerId);
    const existed = this.answers.has(key);
    if (existed && mode === 'once') return 'duplicate';
    this.answers.set(key, copy(answer));
    return existed ? 'updated' : 'created';
  }

  async get(clientId: string, answerId: string): Promise<Answer | undefined> {
    const answer = this.answers.get(keyOf(clientId, answerId));
    return answer && copy(answer);
  }

  async answersOf(clientId: string): Promise<Answer[]> {
    return [...this.answers.values()]
      .filter((answer) => answer.clientId === clientId)
      .sort(byReceivedAt)
      .map(copy);
  }

  async waitingOn(candidate: string): Promise<Answer[]> {
    return [...this.answers.values()]
      .filter((answer) => answer.candidate === candidate)
      .sort(byReceivedAt)
      .map(copy);
  }

  async place(answer: Answer, reasonId: string, catalogueVersion: number): Promise<void> {
    const key = keyOf(answer.clientId, answer.answerId);
    const stored = this.answers.get(key);
    if (!stored) throw new ConditionalWriteError(`no answer ${answer.answerId}`);
    const { candidate: _candidate, ...placed } = stored;
    this.answers.set(key, { ...placed, reasonId, confidence: 1, method: 'alias', catalogueVersion } as Answer);
  }

  async *all(): AsyncGenerator<Answer[]> {
    yield [...this.answers.values()].map(copy);
  }
}
