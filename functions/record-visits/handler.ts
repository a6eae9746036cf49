import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { httpRouter, json } from '../http.ts';
import { recordVisitsRoutes } from './routes.ts';
import { tableFromRows } from '../../shared/files/table-file.ts';
import { appContext, clientStore, clinicDefaults, lapseStore, type AppContext } from '../../shared/app.ts';
import { importFile, type ImportReport } from '../../shared/visits/use-cases/import-file.ts';

const logger = new Logger({ serviceName: 'record-visits' });

const outcome = (report: ImportReport) => ({
  received: report.rowsRead,
  recorded: report.imported,
  alreadyRecorded: report.unchanged,
  /** Visits identical to an earlier one of the same request: counted once. */
  repeated: report.repeated,
  clientsCreated: report.clientsCreated,
  wonBack: report.wonBack,
  skipped: report.skipped,
  // `line` is the visit's position in the request (1 = the first visit), as is `duplicateOf`.
  problems: report.problems.map(({ duplicateOf, ...p }) => ({
    ...p,
    line: positionOf(p.line),
    ...(duplicateOf !== undefined && { duplicateOf: positionOf(duplicateOf) }),
  })),
});

/** The import numbers rows as lines of a file with a header: the first visit is line 2. */
const positionOf = (line: number): number => line - 1;

/**
 * POST /visits from the clinic's own system: the same validation and idempotency as a file
 * import. 200 when every visit landed or was already there, 207 when some were skipped, 422
 * when none could be used. Any other path or method is refused, never imported.
 */
const route = httpRouter<typeof recordVisitsRoutes, AppContext>(recordVisitsRoutes, {
  recordVisits: async ({ body, deps: app }) => {
    const rows = body.visits.map((visit) => Object.fromEntries(Object.entries(visit).filter(([, v]) => v !== undefined)) as Record<string, string>);
    const report = await importFile(tableFromRows(rows), clientStore(app), {
      kind: 'visits',
      clientDefaults: clinicDefaults(app),
      createClients: body.createClients === true,
      nameLine: (line) => `visit ${positionOf(line)}`,
      lapses: lapseStore(app),
    });
    logger.info('visits recorded', { received: report.rowsRead, recorded: report.imported, skipped: report.skipped });
    const status = report.skipped === 0 ? 200 : report.skipped + report.repeated === report.rowsRead ? 422 : 207;
    return json(status, outcome(report));
  },
});

const app = appContext();

export const recordVisits = (event: APIGatewayProxyEventV2) => route(event, app);

export const handler = middy(recordVisits).use(injectLambdaContext(logger));
