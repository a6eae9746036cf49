import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type QueryCommandOutput,
  type ScanCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import { answersByCandidateIndex } from '../../infra/resources.ts';
import type { Answer } from '../answers/answer.ts';
import type { AnswerStore } from '../answers/ports/answer-store.ts';
import { documentClient } from './dynamo-client-store.ts';
import { isDigestKey, textKey } from './dynamo-keys.ts';

/**
 * `candidate` is the key of the `byCandidate` index, so it holds `textKey` of the candidate
 * text; when that is a digest, the text itself is in `candidateText`.
 */
const toItem = (answer: Answer): Record<string, unknown> => {
  if (answer.candidate === undefined) return { ...answer };
  const key = textKey(answer.candidate);
  return { ...answer, candidate: key, ...(isDigestKey(key) && { candidateText: answer.candidate }) };
};

const toAnswer = (item: Record<string, unknown>): Answer => {
  const { candidateText, ...answer } = item;
  return (candidateText === undefined ? answer : { ...answer, candidate: candidateText }) as unknown as Answer;
};

export class DynamoAnswerStore implements AnswerStore {
  constructor(
    private readonly table: string,
    private readonly db: DynamoDBDocumentClient = documentClient(),
  ) {}

  async save(answer: Answer, mode: 'once' | 'upsert'): Promise<'created' | 'updated' | 'duplicate'> {
    try {
      const { Attributes } = await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: toItem(answer),
          ...(mode === 'once' && { ConditionExpression: 'attribute_not_exists(answerId)' }),
          ReturnValues: 'ALL_OLD',
        }),
      );
      return Attributes ? 'updated' : 'created';
    } catch (error) {
      if (mode === 'once' && error instanceof ConditionalCheckFailedException) return 'duplicate';
      throw error;
    }
  }

  async get(clientId: string, answerId: string): Promise<Answer | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.table, Key: { clientId, answerId }, ConsistentRead: true }));
    return Item ? toAnswer(Item) : undefined;
  }

  async answersOf(clientId: string): Promise<Answer[]> {
    const answers: Answer[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page: QueryCommandOutput = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'clientId = :clientId',
          ExpressionAttributeValues: { ':clientId': clientId },
          ExclusiveStartKey: startKey,
        }),
      );
      answers.push(...(page.Items ?? []).map(toAnswer));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return answers.sort((a, b) => a.receivedAt.localeCompare(b.receivedAt));
  }

  async waitingOn(candidate: string): Promise<Answer[]> {
    const answers: Answer[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page: QueryCommandOutput = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: answersByCandidateIndex,
          KeyConditionExpression: 'candidate = :candidate',
          ExpressionAttributeValues: { ':candidate': textKey(candidate) },
          ExclusiveStartKey: startKey,
        }),
      );
      answers.push(...(page.Items ?? []).map(toAnswer));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return answers;
  }

  async place(answer: Answer, reasonId: string, catalogueVersion: number): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { clientId: answer.clientId, answerId: answer.answerId },
        UpdateExpression: 'SET reasonId = :reasonId, confidence = :one, #method = :alias, catalogueVersion = :version REMOVE candidate, candidateText',
        ConditionExpression: 'attribute_exists(answerId)',
        ExpressionAttributeNames: { '#method': 'method' },
        ExpressionAttributeValues: { ':reasonId': reasonId, ':one': 1, ':alias': 'alias', ':version': catalogueVersion },
      }),
    );
  }

  async *all(): AsyncGenerator<Answer[]> {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page: ScanCommandOutput = await this.db.send(new ScanCommand({ TableName: this.table, ExclusiveStartKey: startKey }));
      yield (page.Items ?? []).map(toAnswer);
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }
}
