import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import { provisionTable } from '../../infra/local/provision.ts';
import { clientsTable, visitsTable } from '../../infra/resources.ts';
import { DynamoClientStore, type DynamoClientStoreTables } from '../../shared/adapters/dynamo-client-store.ts';

export const dynamoClient = (): DynamoDBClient =>
  new DynamoDBClient({
    endpoint: inject('dynamoEndpoint'),
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });

export interface TestStore {
  readonly store: DynamoClientStore;
  readonly tables: DynamoClientStoreTables;
  readonly db: DynamoDBDocumentClient;
}

/** Fresh Clients and Visits tables, built from the same definitions as the cloud ones. */
export const freshStore = async (): Promise<TestStore> => {
  const raw = dynamoClient();
  const suffix = randomUUID().slice(0, 8);
  const tables = { clients: `clients-${suffix}`, visits: `visits-${suffix}` };
  await provisionTable(raw, clientsTable, tables.clients);
  await provisionTable(raw, visitsTable, tables.visits);
  const db = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
  return { store: new DynamoClientStore(tables, db), tables, db };
};
