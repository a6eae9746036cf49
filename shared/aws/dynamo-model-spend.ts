import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ModelSpend } from '../answers/ports/model-spend.ts';
import { documentClient } from './dynamo-client-store.ts';

/** The kind of the catalogue table's items that hold the answer model's spend, one per month (`key` is `YYYY-MM`). */
export const modelSpendKind = 'model-spend';

/**
 * The answer model's monthly spend, kept in the catalogue table beside the reasons it places
 * answers under: one small item per month, added to atomically, so concurrent functions never
 * lose a call's cost.
 */
export class DynamoModelSpend implements ModelSpend {
  constructor(
    private readonly table: string,
    private readonly db: DynamoDBDocumentClient = documentClient(),
  ) {}

  async spentIn(month: string): Promise<number> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.table, Key: { kind: modelSpendKind, key: month }, ConsistentRead: true }));
    return Number(Item?.usd ?? 0);
  }

  async add(month: string, usd: number): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { kind: modelSpendKind, key: month },
        UpdateExpression: 'ADD usd :usd, calls :one',
        ExpressionAttributeValues: { ':usd': usd, ':one': 1 },
      }),
    );
  }
}
