import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import * as z from 'zod';
import { appContext, clinicDefaults, exportDependencies } from '../../shared/app.ts';
import { dayInZone, isIsoDay } from '../../shared/common/dates.ts';
import { exportAnalytics, type ExportReport } from '../../shared/analytics/use-cases/export.ts';

const logger = new Logger({ serviceName: 'export' });
const app = appContext();

/**
 * What the daily schedule sends: nothing needed. `day` exports as of another day (the
 * snapshots' `dt`); `rewriteAll` writes every partition again, whatever the manifests say.
 */
const event = z
  .object({
    day: z.string().refine(isIsoDay, 'a real date as YYYY-MM-DD').optional(),
    rewriteAll: z.boolean().optional(),
  })
  .passthrough();

/** The daily analytics export: DynamoDB to Parquet in the analytics bucket, changed partitions only. */
export const exportNow = async (input: unknown): Promise<ExportReport> => {
  const request = event.parse(input ?? {});
  const exportDay = request.day ?? dayInZone(Date.now(), clinicDefaults(app).timeZone);
  const report = await exportAnalytics({ exportDay, rewriteAll: request.rewriteAll ?? false }, exportDependencies(app));
  logger.info('export finished', {
    exportDay,
    partitionsWritten: report.partitionsWritten,
    partitionsUnchanged: report.partitionsUnchanged,
    partitionsDeleted: report.partitionsDeleted,
    tables: Object.fromEntries(report.tables.map((table) => [table.table, { rows: table.rows, written: table.written.length, deleted: table.deleted.length }])),
  });
  return report;
};

export const handler = middy(exportNow).use(injectLambdaContext(logger));
