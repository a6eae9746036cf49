import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CallbackLedger } from '../outreach/ports/callback-ledger.ts';
import { documentClient } from './dynamo-client-store.ts';

/**
 * The callback ledger in DynamoDB: one item per key, written only if absent or expired (one
 * conditional Put, so two racing deliveries get one first sighting); the table's TTL removes
 * expired items in its own time, and the condition ignores them until it does.
 */
export class DynamoCallbackLedger implements CallbackLedger {
  constructor(
    private readonly table: string,
    private readonly db: DynamoDBDocumentClient = documentClient(),
    private readonly clock: () => number = Date.now,
  ) {}

  async firstSighting(key: string, keepFor: number): Promise<boolean> {
    const nowSeconds = Math.floor(this.clock() / 1000);
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { callbackKey: key, expiresAt: nowSeconds + keepFor },
          ConditionExpression: 'attribute_not_exists(callbackKey) OR expiresAt <= :now',
          ExpressionAttributeValues: { ':now': nowSeconds },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async forget(key: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.table, Key: { callbackKey: key } }));
  }
}
