import type { Answer } from '../../answers/answer.ts';
import type { LapseEpisode } from '../../lapse/episode.ts';
import { resolveReason, type Catalogue, type ChurnType } from '../../answers/reasons.ts';
import type { Visit } from '../visit.ts';
import type { StoredClient } from '../ports/client-store.ts';
import type { LapseStore } from '../../lapse/ports/lapse-store.ts';
import type { AnswerDependencies } from '../../answers/use-cases/answers.ts';

export interface AnswerOnCard extends Answer {
  /** The reason it counts under now (after merges), its label and churn type. */
  readonly reason?: { readonly id: string; readonly label: string; readonly churnType: ChurnType };
}

export interface ClientCard {
  readonly client: StoredClient;
  readonly visits: Visit[];
  readonly episodes: LapseEpisode[];
  readonly answers: AnswerOnCard[];
  /** Opted out of every channel (STOP, the unsubscribe button). */
  readonly optedOut: boolean;
}

export const answerOnCard = (answer: Answer, catalogue: Catalogue, locale: string): AnswerOnCard => {
  if (!answer.reasonId) return answer;
  const reason = resolveReason(catalogue, answer.reasonId);
  return { ...answer, reason: { id: reason.id, label: reason.labels[locale] ?? reason.labels.en ?? reason.id, churnType: reason.churnType } };
};

/** Everything staff see about one client; undefined when there is no such client. */
export const clientCard = async (clientId: string, deps: AnswerDependencies & { lapses: LapseStore }, staffLocale = 'en'): Promise<ClientCard | undefined> => {
  const client = await deps.clients.getClient(clientId);
  if (!client) return undefined;
  const [visits, episodes, answers, catalogue, suppressed] = await Promise.all([
    deps.clients.listVisits(clientId),
    deps.lapses.episodesOf(clientId),
    deps.answers.answersOf(clientId),
    deps.catalogue.load(),
    deps.suppression.suppressed([`client:${clientId}`]),
  ]);
  return { client, visits, episodes, answers: answers.map((answer) => answerOnCard(answer, catalogue, staffLocale)), optedOut: suppressed.size > 0 };
};
