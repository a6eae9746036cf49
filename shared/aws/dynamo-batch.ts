import { BatchGetCommand, type BatchGetCommandOutput, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { eachLimited } from '../common/concurrency.ts';

const batchGetLimit = 100;

/** Jittered exponential wait before retrying what DynamoDB left unprocessed or refused. */
export const backoff = (attempt: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.min(1000, 25 * 2 ** attempt) * (0.5 + Math.random() / 2)));

/** BatchGetItem calls in flight at once: reading a 20,000-row chunk's keys one call after another took most of a re-import. */
const batchGetsInFlight = 8;

/** BatchGetItem over any number of single-attribute keys, several calls at once, retrying what DynamoDB leaves unprocessed. */
export const batchGetItems = async (
  db: DynamoDBDocumentClient,
  table: string,
  key: string,
  ids: readonly string[],
  projection?: string,
): Promise<Record<string, unknown>[]> => {
  const found: Record<string, unknown>[] = [];
  const unique = [...new Set(ids)];
  const slices: string[][] = [];
  for (let start = 0; start < unique.length; start += batchGetLimit) slices.push(unique.slice(start, start + batchGetLimit));
  await eachLimited(slices, batchGetsInFlight, async (slice) => {
    let keys: Record<string, unknown>[] | undefined = slice.map((id) => ({ [key]: id }));
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
  });
  return found;
};
