import { PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { FittedLapseModel } from '../domain/lapse-model.ts';
import type { ModelStore } from '../ports/model-store.ts';
import { documentClient } from './dynamo-client-store.ts';

const lapseModel = 'lapse';

export class DynamoModelStore implements ModelStore {
  constructor(
    private readonly table: string,
    private readonly db: DynamoDBDocumentClient = documentClient(),
  ) {}

  async latest(): Promise<FittedLapseModel | undefined> {
    const { Items } = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'model = :model',
        ExpressionAttributeValues: { ':model': lapseModel },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    const item = Items?.[0];
    if (!item) return undefined;
    const { model: _, ...fitted } = item;
    return fitted as FittedLapseModel;
  }

  async save(model: FittedLapseModel): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.table, Item: { model: lapseModel, ...model } }));
  }
}
