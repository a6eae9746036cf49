import { BatchGetCommand, type BatchGetCommandOutput, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

const batchGetLimit = 100;

/** Jittered exponential wait before retrying what DynamoDB left unprocessed or refused. */
export const backoff = (attempt: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.min(1000, 25 * 2 ** attempt) * (0.5 + Math.random() / 2)));

/** BatchGetItem over any number of single-attribute keys, retrying what DynamoDB leaves unprocessed. */
export const batchGetItems = async (
  db: DynamoDBDocumentClient,
  table: string,
  key: string,
  ids: readonly string[],
  projection?: string,
): Promise<Record<string, unknown>[]> => {
  const found: Record<string, unknown>[] = [];
  const unique = [...new Set(ids)];
  for (let start = 0; start < unique.length; start += batchGetLimit) {
    let keys: Record<string, unknown>[] | undefined = unique.slice(start, start + batchGetLimit).map((id) => ({ [key]: id }));
    for (let attempt = 0; keys && keys.length > 0; attempt++) {
      if (attempt > 0) await backoff(attempt);
      const result: BatchGetCommandOutput = await db.send(
        new BatchGetCommand({
          RequestItems: { [table]: { Keys: keys, ConsistentRead: true, ...(projection && { ProjectionExpression: projection }) } },
        }),
      );
      found.push(...(result.Responses?.[table] ?? []));
      keys = result.UnprocessedKeys?.[table]?.Keys;
    }
  }
  return found;
};
