/**
 * Wiring for the analytics export. Kept apart from composition.ts and free of DuckDB and of the
 * local stack's emulators, so the export function's bundle holds neither: on one machine the
 * CLI builds the folder store (and the DuckDB engine) over `localExportRoot(dataDir())`.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { analyticsBucket, answersTable, catalogueTable, outreachTable } from '../infra/resources.ts';
import { DynamoAnswerStore } from './aws/dynamo-answer-store.ts';
import { DynamoCatalogueStore } from './aws/dynamo-catalogue-store.ts';
import { DynamoOutreachLog } from './aws/dynamo-outreach-log.ts';
import { S3ObjectStore } from './aws/s3-object-store.ts';
import { parquetPartitions } from './files/parquet-file.ts';
import { clientStoreFromEnv, lapseStoreFromEnv } from './composition.ts';
import { ConfigError, requiredEnv } from './common/config.ts';
import type { ObjectStore } from './analytics/ports/object-store.ts';
import type { ExportDependencies, ExportSources } from './analytics/use-cases/export.ts';

/** Where the exported tables live in the analytics bucket: `exports/<table>/dt=…/`. */
export const exportPrefix = 'exports/';

/** The export folder of one machine's data directory (`.comeback/exports`): what DuckDB reads. */
export const localExportRoot = (dataDirectory: string): string => join(dataDirectory, 'exports');

/** The same store seen from under a prefix: keys are given and listed without it. */
export const withKeyPrefix = (store: ObjectStore, prefix: string): ObjectStore => ({
  put: (key, body, contentType) => store.put(`${prefix}${key}`, body, contentType),
  get: (key) => store.get(`${prefix}${key}`),
  list: async (under) => (await store.list(`${prefix}${under}`)).map((key) => key.slice(prefix.length)),
  delete: (keys) => store.delete(keys.map((key) => `${prefix}${key}`)),
});

const segments = z.coerce.number().int().min(1).max(1000);

/** EXPORT_SEGMENTS: parallel Scan segments for clients and visits (default 4). */
export const exportSegmentsFromEnv = (): number => {
  const text = process.env.EXPORT_SEGMENTS;
  if (text === undefined || text === '') return 4;
  const parsed = segments.safeParse(text);
  if (!parsed.success) throw new ConfigError(`EXPORT_SEGMENTS=${text}: a whole number from 1 to 1000`);
  return parsed.data;
};

/** The stores the export reads, with table names from the environment. */
export const exportSourcesFromEnv = (): ExportSources => ({
  clients: clientStoreFromEnv(),
  lapses: lapseStoreFromEnv(),
  outreach: new DynamoOutreachLog(requiredEnv(outreachTable.envVar)),
  answers: new DynamoAnswerStore(requiredEnv(answersTable.envVar)),
  catalogue: new DynamoCatalogueStore(requiredEnv(catalogueTable.envVar)),
});

/** Everything the export needs; the files go to the analytics bucket under `exports/` unless `objects` says otherwise. */
export const exportDependenciesFromEnv = (objects?: ObjectStore): ExportDependencies => ({
  ...exportSourcesFromEnv(),
  objects: objects ?? withKeyPrefix(new S3ObjectStore(requiredEnv(analyticsBucket.envVar)), exportPrefix),
  partitionFormat: parquetPartitions,
  totalSegments: exportSegmentsFromEnv(),
});
