import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import { followUpsByStatusIndex } from '../../infra/resources.ts';
import type { FollowUp, FollowUpStatus } from '../answers/follow-up.ts';
import type { FollowUpStore } from '../answers/ports/follow-up-store.ts';
import { documentClient } from './dynamo-client-store.ts';

export class DynamoFollowUpStore implements FollowUpStore {
  constructor(
    private readonly table: string,
    private readonly db: DynamoDBDocumentClient = documentClient(),
  ) {}

  async open(followUp: FollowUp): Promise<'opened' | 'exists'> {
    try {
      await this.db.send(new PutCommand({ TableName: this.table, Item: followUp, ConditionExpression: 'attribute_not_exists(followUpId)' }));
      return 'opened';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'exists';
      throw error;
    }
  }

  async get(followUpId: string): Promise<FollowUp | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.table, Key: { followUpId }, ConsistentRead: true }));
    return Item as FollowUp | undefined;
  }

  async list(status: FollowUpStatus): Promise<FollowUp[]> {
    const found: FollowUp[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page: QueryCommandOutput = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: followUpsByStatusIndex,
          KeyConditionExpression: '#status = :status',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':status': status },
          ExclusiveStartKey: startKey,
        }),
      );
      found.push(...((page.Items ?? []) as FollowUp[]));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return found;
  }

  async update(followUp: FollowUp, from: FollowUpStatus): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: followUp,
          ConditionExpression: '#status = :from',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':from': from },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
