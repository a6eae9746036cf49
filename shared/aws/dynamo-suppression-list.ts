import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SuppressionEntry, SuppressionList } from '../outreach/ports/suppression-list.ts';
import { batchGetItems } from './dynamo-batch.ts';
import { documentClient } from './dynamo-client-store.ts';

export class DynamoSuppressionList implements SuppressionList {
  constructor(
    private readonly table: string,
    private readonly db: DynamoDBDocumentClient = documentClient(),
  ) {}

  async suppressed(keys: readonly string[]): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    const items = await batchGetItems(this.db, this.table, 'address', keys, 'address');
    return new Set(items.map((item) => item.address as string));
  }

  async add(entry: SuppressionEntry): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.table, Item: { address: entry.key, reason: entry.reason, at: entry.at } }));
  }
}
