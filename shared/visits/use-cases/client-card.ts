import { unmatchedClientId, type Answer, type FollowUpKind } from '../../answers/answer.ts';
import { followUpId, type FollowUp } from '../../answers/follow-up.ts';
import { outreachJobId, type LapseEpisode } from '../../lapse/episode.ts';
import { resolveReason, type Catalogue, type ChurnType } from '../../answers/reasons.ts';
import type { Channel } from '../client.ts';
import type { Visit } from '../visit.ts';
import type { StoredClient } from '../ports/client-store.ts';
import type { LapseStore } from '../../lapse/ports/lapse-store.ts';
import type { AnswerDependencies } from '../../answers/use-cases/answers.ts';
import type { OutreachStatus } from '../../outreach/outreach-record.ts';
import type { OutreachLog } from '../../outreach/ports/outreach-log.ts';
import type { FollowUpStore } from '../../answers/ports/follow-up-store.ts';

export interface AnswerOnCard extends Answer {
  /** The reason it counts under now (after merges), its label and churn type. */
  readonly reason?: { readonly id: string; readonly label: string; readonly churnType: ChurnType };
}

/** One feedback request the sweep asked for, and how far it got: the channel, when it was sent, what the provider said. */
export interface RequestOnCard {
  readonly outreachId: string;
  readonly episodeId: string;
  /** 1 for the first request of the episode, 2 for the reminder... */
  readonly request: number;
  readonly requestedOn: string;
  /** Where it stands; `queued` while the sender has not picked it up. */
  readonly status: OutreachStatus | 'queued';
  readonly channel?: Channel;
  readonly sentAt?: string;
  /** When its status last changed (a delivery receipt, a bounce). */
  readonly updatedAt?: string;
  /** Why it was not sent or not delivered: a code such as `suppressed`, `invalid-number`. */
  readonly reason?: string;
}

export interface ClientCard {
  readonly client: StoredClient;
  readonly visits: Visit[];
  readonly episodes: LapseEpisode[];
  /** Every request asked of the client, oldest first, with its delivery. */
  readonly requests: RequestOnCard[];
  readonly answers: AnswerOnCard[];
  /** What staff should do about the client's answers (call back, a complaint), oldest first, in any status. */
  readonly followUps: FollowUp[];
  /** Opted out of every channel (STOP, the unsubscribe button). */
  readonly optedOut: boolean;
}

export const answerOnCard = (answer: Answer, catalogue: Catalogue, locale: string): AnswerOnCard => {
  if (!answer.reasonId) return answer;
  const reason = resolveReason(catalogue, answer.reasonId);
  return { ...answer, reason: { id: reason.id, label: reason.labels[locale] ?? reason.labels.en ?? reason.id, churnType: reason.churnType } };
};

/** The requests of the client's episodes, each read from the outreach log by its id (the job's id). */
const requestsOf = async (clientId: string, episodes: readonly LapseEpisode[], log: OutreachLog): Promise<RequestOnCard[]> => {
  const asked = episodes.flatMap((episode) => Object.values(episode.requests).map((request) => ({ episodeId: episode.episodeId, ...request })));
  const requests = await Promise.all(
    asked.map(async ({ episodeId, request, requestedOn }): Promise<RequestOnCard> => {
      const outreachId = outreachJobId(clientId, episodeId, request);
      const record = await log.get(outreachId);
      return {
        outreachId,
        episodeId,
        request,
        requestedOn,
        status: record?.status ?? 'queued',
        ...(record?.channel && { channel: record.channel }),
        ...(record?.sentAt && { sentAt: record.sentAt }),
        ...(record && { updatedAt: record.updatedAt }),
        ...(record?.reason && { reason: record.reason }),
      };
    }),
  );
  return requests.sort((a, b) => a.episodeId.localeCompare(b.episodeId) || a.request - b.request);
};

const everyKind: readonly FollowUpKind[] = ['call-back', 'complaint', 'wants-to-book'];

/**
 * The follow-ups the client's answers opened. A follow-up's id is derived from its client, answer
 * and kind, so each is read by id; every kind is tried, since a merge may have changed what an
 * answer's reason opens since.
 */
const followUpsOf = async (clientId: string, answers: readonly Answer[], store: FollowUpStore): Promise<FollowUp[]> => {
  const ids = answers
    .filter((answer) => answer.clientId !== unmatchedClientId)
    .flatMap((answer) => everyKind.map((kind) => followUpId(clientId, answer.answerId, kind)));
  const found = await Promise.all([...new Set(ids)].map((id) => store.get(id)));
  return found
    .filter((followUp): followUp is FollowUp => followUp !== undefined)
    .sort((a, b) => a.openedAt.localeCompare(b.openedAt) || a.followUpId.localeCompare(b.followUpId));
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
  const [requests, followUps] = await Promise.all([requestsOf(clientId, episodes, deps.log), followUpsOf(clientId, answers, deps.followUps)]);
  return {
    client,
    visits,
    episodes,
    requests,
    answers: answers.map((answer) => answerOnCard(answer, catalogue, staffLocale)),
    followUps,
    optedOut: suppressed.size > 0,
  };
};
