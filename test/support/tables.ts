import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import { provisionTable } from '../../infra/local/provision.ts';
import {
  answersTable,
  callbacksTable,
  catalogueTable,
  clientsTable,
  episodesTable,
  followUpsTable,
  modelsTable,
  outreachTable,
  suppressionTable,
  visitsTable,
} from '../../infra/resources.ts';
import { DynamoClientStore } from '../../shared/aws/dynamo-client-store.ts';

export const dynamoClient = (): DynamoDBClient =>
  new DynamoDBClient({
    endpoint: inject('dynamoEndpoint'),
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });

export interface TestStore {
  readonly store: DynamoClientStore;
  readonly tables: TestTables;
  readonly db: DynamoDBDocumentClient;
}

export interface TestTables {
  readonly clients: string;
  readonly visits: string;
  readonly episodes: string;
  readonly models: string;
  readonly suppression: string;
  readonly outreach: string;
  readonly answers: string;
  readonly catalogue: string;
  readonly followUps: string;
  readonly callbacks: string;
}

/** Fresh copies of every table, built from the same definitions as the cloud ones. */
export const freshTables = async (): Promise<{ tables: TestTables; db: DynamoDBDocumentClient }> => {
  const raw = dynamoClient();
  const suffix = randomUUID().slice(0, 8);
  const tables: TestTables = {
    clients: `clients-${suffix}`,
    visits: `visits-${suffix}`,
    episodes: `episodes-${suffix}`,
    models: `models-${suffix}`,
    suppression: `suppression-${suffix}`,
    outreach: `outreach-${suffix}`,
    answers: `answers-${suffix}`,
    catalogue: `catalogue-${suffix}`,
    followUps: `follow-ups-${suffix}`,
    callbacks: `callbacks-${suffix}`,
  };
  await Promise.all([
    provisionTable(raw, clientsTable, tables.clients),
    provisionTable(raw, visitsTable, tables.visits),
    provisionTable(raw, episodesTable, tables.episodes),
    provisionTable(raw, modelsTable, tables.models),
    provisionTable(raw, suppressionTable, tables.suppression),
    provisionTable(raw, outreachTable, tables.outreach),
    provisionTable(raw, answersTable, tables.answers),
    provisionTable(raw, catalogueTable, tables.catalogue),
    provisionTable(raw, followUpsTable, tables.followUps),
    provisionTable(raw, callbacksTable, tables.callbacks),
  ]);
  return { tables, db: DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } }) };
};

/** Fresh tables with a client store on them. */
export const freshStore = async (): Promise<TestStore> => {
  const { tables, db } = await freshTables();
  return { store: new DynamoClientStore(tables, db), tables, db };
};
