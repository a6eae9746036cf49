import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, ScanCommand, UpdateCommand, type DynamoDBDocumentClient, type ScanCommandOutput } from '@aws-sdk/lib-dynamodb';
import { outreachByProviderMessageIndex } from '../../infra/resources.ts';
import type { Channel } from '../visits/client.ts';
import type { OutreachJob } from '../lapse/episode.ts';
import type { OutreachRecord, OutreachStatus } from '../outreach/outreach-record.ts';
import { redactContacts, type ProviderFailure } from '../outreach/provider-failure.ts';
import type { OutreachLog } from '../outreach/ports/outreach-log.ts';
import { documentClient } from './dynamo-client-store.ts';

const failedCondition = (error: unknown): boolean => error instanceof ConditionalCheckFailedException;

/** The parts of an update that keep a provider's reason: the code, and its words redacted here too, whoever built them. */
const reasonUpdate = (failure: ProviderFailure): { set: string; remove: string; values: Record<string, string> } => {
  const detail = failure.detail === undefined ? '' : redactContacts(failure.detail);
  return detail
    ? { set: 'reason = :reason, reasonDetail = :reasonDetail', remove: '', values: { ':reason': failure.code, ':reasonDetail': detail } }
    : { set: 'reason = :reason', remove: ' REMOVE reasonDetail', values: { ':reason': failure.code } };
};

export class DynamoOutreachLog implements OutreachLog {
  constructor(
    private readonly table: string,
    private readonly db: DynamoDBDocumentClient = documentClient(),
  ) {}

  async claim(job: OutreachJob, channel: Channel, locale: string, at: Date): Promise<{ claimed: true } | { claimed: false; record: OutreachRecord }> {
    const now = at.toISOString();
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { outreachId: job.jobId },
          UpdateExpression:
            'SET clientId = :clientId, episodeId = :episodeId, #request = :request, #status = :sending, channel = :channel, locale = :locale, claimedAt = :now, updatedAt = :now ADD attempts :one',
          ConditionExpression: 'attribute_not_exists(outreachId) OR #status = :retry',
          ExpressionAttributeNames: { '#status': 'status', '#request': 'request' },
          ExpressionAttributeValues: {
            ':clientId': job.clientId,
            ':episodeId': job.episodeId,
            ':request': job.request,
            ':sending': 'sending',
            ':retry': 'retry',
            ':channel': channel,
            ':locale': locale,
            ':now': now,
            ':one': 1,
          },
        }),
      );
      return { claimed: true };
    } catch (error) {
      if (!failedCondition(error)) throw error;
      const record = await this.get(job.jobId);
      if (!record) throw error;
      return { claimed: false, record };
    }
  }

  async sent(outreachId: string, providerMessageId: string, at: Date): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { outreachId },
        // A throttled try before this one is no reason any more.
        UpdateExpression: 'SET #status = :sent, providerMessageId = :messageId, sentAt = :now, updatedAt = :now REMOVE reason, reasonDetail',
        ConditionExpression: '#status = :sending',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':sent': 'sent', ':sending': 'sending', ':messageId': providerMessageId, ':now': at.toISOString() },
      }),
    );
  }

  async refused(outreachId: string, outcome: 'retry' | 'failed', failure: ProviderFailure, at: Date): Promise<void> {
    const reason = reasonUpdate(failure);
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { outreachId },
        UpdateExpression: `SET #status = :outcome, ${reason.set}, updatedAt = :now${reason.remove}`,
        ConditionExpression: '#status = :sending',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':outcome': outcome, ':sending': 'sending', ...reason.values, ':now': at.toISOString() },
      }),
    );
  }

  async skipped(job: OutreachJob, reason: string, at: Date): Promise<void> {
    const now = at.toISOString();
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            outreachId: job.jobId,
            clientId: job.clientId,
            episodeId: job.episodeId,
            request: job.request,
            status: 'skipped',
            reason,
            attempts: 0,
            updatedAt: now,
          },
          ConditionExpression: 'attribute_not_exists(outreachId) OR #status IN (:retry, :skipped)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':retry': 'retry', ':skipped': 'skipped' },
        }),
      );
    } catch (error) {
      if (!failedCondition(error)) throw error;
    }
  }

  async delivery(outreachId: string, outcome: OutreachStatus, replaces: readonly OutreachStatus[], at: string, failure?: ProviderFailure): Promise<boolean> {
    if (replaces.length === 0) return false;
    const names = replaces.map((_, i) => `:from${i}`);
    const reason = failure && reasonUpdate(failure);
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { outreachId },
          UpdateExpression: reason
            ? `SET #status = :outcome, deliveryAt = :at, updatedAt = :at, ${reason.set}${reason.remove}`
            : 'SET #status = :outcome, deliveryAt = :at, updatedAt = :at',
          ConditionExpression: `#status IN (${names.join(', ')})`,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':outcome': outcome,
            ':at': at,
            ...reason?.values,
            ...Object.fromEntries(replaces.map((status, i) => [names[i]!, status])),
          },
        }),
      );
      return true;
    } catch (error) {
      if (failedCondition(error)) return false;
      throw error;
    }
  }

  async get(outreachId: string): Promise<OutreachRecord | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.table, Key: { outreachId }, ConsistentRead: true }));
    return Item as OutreachRecord | undefined;
  }

  async byProviderMessage(providerMessageId: string): Promise<OutreachRecord | undefined> {
    const { Items } = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: outreachByProviderMessageIndex,
        KeyConditionExpression: 'providerMessageId = :id',
        ExpressionAttributeValues: { ':id': providerMessageId },
        Limit: 1,
      }),
    );
    return Items?.[0] as OutreachRecord | undefined;
  }

  async *all(): AsyncGenerator<OutreachRecord[]> {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page: ScanCommandOutput = await this.db.send(new ScanCommand({ TableName: this.table, ExclusiveStartKey: startKey }));
      yield (page.Items ?? []) as OutreachRecord[];
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }
}
