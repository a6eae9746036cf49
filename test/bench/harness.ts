import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { provisionTable } from '../../infra/local/provision.ts';
import type { TableDefinition } from '../../infra/resources.ts';

/** One line of the bench report: a measure of the product against a baseline run on the same machine, same run. */
export interface BenchResult {
  readonly measure: string;
  readonly subject: string;
  readonly baseline: string;
  /** subject / baseline, oriented so that higher is better. */
  readonly ratio: number;
  /** The ratio the issue asks for, if any. */
  readonly target?: number;
  readonly note?: string;
}

export interface BenchContext {
  readonly dynamoEndpoint: string;
  readonly raw: DynamoDBClient;
  readonly db: DynamoDBDocumentClient;
  /** A fresh, uniquely named table from one of the product's table definitions. */
  table(definition: TableDefinition): Promise<string>;
  progress(message: string): void;
}

export interface Bench {
  readonly name: string;
  run(context: BenchContext): Promise<BenchResult[]>;
}

export const benchContext = (dynamoEndpoint: string, progress: (message: string) => void): BenchContext => {
  const raw = new DynamoDBClient({
    endpoint: dynamoEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    maxAttempts: 10,
  });
  return {
    dynamoEndpoint,
    raw,
    db: DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } }),
    table: async (definition) => {
      const name = `${definition.localName}-${randomUUID().slice(0, 8)}`;
      await provisionTable(raw, definition, name);
      return name;
    },
    progress,
  };
};

/** Seconds taken by `work`, with its result. */
export const timed = async <T>(work: () => Promise<T>): Promise<{ seconds: number; value: T }> => {
  const started = performance.now();
  const value = await work();
  return { seconds: (performance.now() - started) / 1000, value };
};

export const rate = (count: number, seconds: number): string => `${Math.round(count / seconds).toLocaleString('en')}/s`;
