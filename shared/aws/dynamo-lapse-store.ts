import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
  type DynamoDBDocumentClient,
  type QueryCommandOutput,
  type ScanCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import { episodesByStatusIndex } from '../../infra/resources.ts';
import type { LapseEpisode, LapseMark, OutreachJob, WonBack } from '../lapse/episode.ts';
import type { LapseStore } from '../lapse/ports/lapse-store.ts';
import { documentClient } from './dynamo-client-store.ts';

export interface DynamoLapseStoreTables {
  readonly clients: string;
  readonly episodes: string;
}

const conditionFailed = (error: unknown): boolean =>
  error instanceof TransactionCanceledException &&
  (error.CancellationReasons ?? []).some((reason) => ['ConditionalCheckFailed', 'TransactionConflict'].includes(reason.Code ?? ''));

const toEpisode = (item: Record<string, unknown>): LapseEpisode => ({
  clientId: item.clientId as string,
  episodeId: item.episodeId as string,
  status: item.status as LapseEpisode['status'],
  openedOn: item.openedOn as string,
  openedAt: item.openedAt as string,
  explanation: item.explanation as LapseEpisode['explanation'],
  controlGroup: item.controlGroup === true,
  requests: (item.requests ?? {}) as LapseEpisode['requests'],
  ...(item.closedOn !== undefined && { closedOn: item.closedOn as string }),
  ...(item.creditedRequest !== undefined && { creditedRequest: item.creditedRequest as number }),
});

export class DynamoLapseStore implements LapseStore {
  constructor(
    private readonly tables: DynamoLapseStoreTables,
    private readonly db: DynamoDBDocumentClient = documentClient(),
    private readonly now: () => Date = () => new Date(),
  ) {}

  async openEpisode(episode: LapseEpisode, mark: LapseMark): Promise<'opened' | 'already-open'> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tables.episodes,
                Item: { ...episode },
                ConditionExpression: 'attribute_not_exists(episodeId)',
              },
            },
            {
              Update: {
                TableName: this.tables.clients,
                Key: { clientId: episode.clientId },
                UpdateExpression: 'SET #lapse = :mark',
                ConditionExpression: 'attribute_exists(clientId) AND (attribute_not_exists(#lapse) OR #lapse.#status <> :open)',
                ExpressionAttributeNames: { '#lapse': 'lapse', '#status': 'status' },
                ExpressionAttributeValues: { ':mark': mark, ':open': 'open' },
              },
            },
          ],
        }),
      );
      return 'opened';
    } catch (error) {
      if (conditionFailed(error)) return 'already-open';
      throw error;
    }
  }

  async recordRequest(job: OutreachJob, previous: LapseMark): Promise<'recorded' | 'conflict'> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tables.clients,
                Key: { clientId: job.clientId },
                UpdateExpression: 'SET #lapse.#requests = :request, #lapse.#lastRequestOn = :on, #lapse.#pendingJob = :job',
                ConditionExpression:
                  '#lapse.#episodeId = :episodeId AND #lapse.#status = :open AND #lapse.#requests = :previous AND attribute_not_exists(#lapse.#pendingJob)',
                ExpressionAttributeNames: {
                  '#lapse': 'lapse',
                  '#requests': 'requests',
                  '#lastRequestOn': 'lastRequestOn',
                  '#pendingJob': 'pendingJob',
                  '#episodeId': 'episodeId',
                  '#status': 'status',
                },
                ExpressionAttributeValues: {
                  ':request': job.request,
                  ':on': job.requestedOn,
                  ':job': job,
                  ':episodeId': job.episodeId,
                  ':open': 'open',
                  ':previous': previous.requests,
                },
              },
            },
            {
              Update: {
                TableName: this.tables.episodes,
                Key: { clientId: job.clientId, episodeId: job.episodeId },
                UpdateExpression: 'SET #requests.#jobId = :request',
                ConditionExpression: 'attribute_exists(episodeId)',
                ExpressionAttributeNames: { '#requests': 'requests', '#jobId': job.jobId },
                ExpressionAttributeValues: { ':request': { request: job.request, requestedOn: job.requestedOn } },
              },
            },
          ],
        }),
      );
      return 'recorded';
    } catch (error) {
      if (conditionFailed(error)) return 'conflict';
      throw error;
    }
  }

  async confirmQueued(job: OutreachJob): Promise<void> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tables.clients,
                Key: { clientId: job.clientId },
                UpdateExpression: 'REMOVE #lapse.#pendingJob',
                ConditionExpression: '#lapse.#pendingJob.#jobId = :jobId',
                ExpressionAttributeNames: { '#lapse': 'lapse', '#pendingJob': 'pendingJob', '#jobId': 'jobId' },
                ExpressionAttributeValues: { ':jobId': job.jobId },
              },
            },
            {
              Update: {
                TableName: this.tables.episodes,
                Key: { clientId: job.clientId, episodeId: job.episodeId },
                UpdateExpression: 'SET #requests.#jobId.#enqueuedAt = :now',
                ConditionExpression: 'attribute_exists(#requests.#jobId)',
                ExpressionAttributeNames: { '#requests': 'requests', '#jobId': job.jobId, '#enqueuedAt': 'enqueuedAt' },
                ExpressionAttributeValues: { ':now': this.now().toISOString() },
              },
            },
          ],
        }),
      );
    } catch (error) {
      // Confirmed already, by a retry of the same segment: nothing left to do.
      if (!conditionFailed(error)) throw error;
    }
  }

  async closeWonBack(clientId: string, wonBack: WonBack): Promise<'closed' | 'not-open'> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tables.episodes,
                Key: { clientId, episodeId: wonBack.episodeId },
                UpdateExpression: `SET #status = :wonBack, closedOn = :on${wonBack.creditedRequest !== undefined ? ', creditedRequest = :credited' : ''}`,
                ConditionExpression: '#status = :open',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: {
                  ':wonBack': 'won-back',
                  ':open': 'open',
                  ':on': wonBack.closedOn,
                  ...(wonBack.creditedRequest !== undefined && { ':credited': wonBack.creditedRequest }),
                },
              },
            },
            {
              Update: {
                TableName: this.tables.clients,
                Key: { clientId },
                UpdateExpression: 'SET #lapse.#status = :wonBack REMOVE #lapse.#pendingJob',
                ConditionExpression: '#lapse.#episodeId = :episodeId AND #lapse.#status = :open',
                ExpressionAttributeNames: { '#lapse': 'lapse', '#status': 'status', '#episodeId': 'episodeId', '#pendingJob': 'pendingJob' },
                ExpressionAttributeValues: { ':wonBack': 'won-back', ':open': 'open', ':episodeId': wonBack.episodeId },
              },
            },
          ],
        }),
      );
      return 'closed';
    } catch (error) {
      if (conditionFailed(error)) return 'not-open';
      throw error;
    }
  }

  async *openEpisodes(): AsyncGenerator<LapseEpisode[]> {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page: QueryCommandOutput = await this.db.send(
        new QueryCommand({
          TableName: this.tables.episodes,
          IndexName: episodesByStatusIndex,
          KeyConditionExpression: '#status = :open',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':open': 'open' },
          ScanIndexForward: false,
          ExclusiveStartKey: startKey,
        }),
      );
      yield (page.Items ?? []).map(toEpisode);
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }

  async episodesOf(clientId: string): Promise<LapseEpisode[]> {
    const episodes: LapseEpisode[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page: QueryCommandOutput = await this.db.send(
        new QueryCommand({
          TableName: this.tables.episodes,
          KeyConditionExpression: 'clientId = :clientId',
          ExpressionAttributeValues: { ':clientId': clientId },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      episodes.push(...(page.Items ?? []).map(toEpisode));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return episodes;
  }

  async *allEpisodes(): AsyncGenerator<LapseEpisode[]> {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page: ScanCommandOutput = await this.db.send(new ScanCommand({ TableName: this.tables.episodes, ExclusiveStartKey: startKey }));
      yield (page.Items ?? []).map(toEpisode);
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }
}
