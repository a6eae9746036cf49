import { PutCommand, QueryCommand, type DynamoDBDocumentClient, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import type { FittedLapseModel } from '../lapse/lapse-model.ts';
import type { ModelStore } from '../lapse/ports/model-store.ts';
import type { TunedLapseRule } from '../lapse/tuned-rule.ts';
import { documentClient } from './dynamo-client-store.ts';

const lapseModel = 'lapse';
/** The rule's tunings share the table: their own partition, sorted by when they were tuned. */
const lapseRule = 'lapse-rule';

/** One partition of small items, one per fit (about one a week): read whole, chosen in code. */
export class DynamoModelStore implements ModelStore {
  constructor(
    private readonly table: string,
    private readonly db: DynamoDBDocumentClient = documentClient(),
  ) {}

  async latest(onOrBefore?: string): Promise<FittedLapseModel | undefined> {
    let best: FittedLapseModel | undefined;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page: QueryCommandOutput = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'model = :model',
          ExpressionAttributeValues: { ':model': lapseModel },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        const { model: _, ...fitted } = item;
        const fit = fitted as FittedLapseModel;
        if (onOrBefore !== undefined && fit.asOf > onOrBefore) continue;
        if (!best || fit.asOf > best.asOf || (fit.asOf === best.asOf && fit.fittedAt > best.fittedAt)) best = fit;
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return best;
  }

  async save(model: FittedLapseModel): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.table, Item: { model: lapseModel, ...model } }));
  }

  async latestTuning(): Promise<TunedLapseRule | undefined> {
    const page = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'model = :model',
        ExpressionAttributeValues: { ':model': lapseRule },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    const item = page.Items?.[0];
    if (!item) return undefined;
    const { model: _, fittedAt: __, ...tuning } = item;
    return tuning as TunedLapseRule;
  }

  async saveTuning(tuning: TunedLapseRule): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.table, Item: { model: lapseRule, fittedAt: tuning.tunedAt, ...tuning } }));
  }
}
