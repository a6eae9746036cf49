import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { z } from 'zod';
import { bodyText, json } from '../http.ts';
import { visitColumns } from '../../shared/visits/columns.ts';
import { tableFromRows } from '../../shared/files/table-file.ts';
import { buildApp } from '../../shared/app.ts';
import { importFile, type ImportReport } from '../../shared/visits/use-cases/import-file.ts';

const logger = new Logger({ serviceName: 'record-visits' });
const app = buildApp();

export const maxVisitsPerRequest = 1000;

const cell = z.union([z.string(), z.number(), z.null()]).transform((value) => (value === null ? '' : String(value)));
export const visitsRequest = z.object({
  visits: z
    .array(z.object(Object.fromEntries(visitColumns.map((column) => [column, cell.optional()]))).strict())
    .min(1)
    .max(maxVisitsPerRequest),
  /** Create bare clients for visits of clients the clinic has not sent yet. */
  createClients: z.boolean().optional(),
});

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
  problems: report.problems.map(({ duplicateOf, ...p }) => ({ ...p, line: positionOf(p.line), ...(duplicateOf !== undefined && { duplicateOf: positionOf(duplicateOf) }) })),
});

/** The import numbers rows as lines of a file with a header: the first visit is line 2. */
const positionOf = (line: number): number => line - 1;

/**
 * POST /visits from the clinic's own system: the same validation and idempotency as a file
 * import. 200 when every visit landed or was already there, 207 when some were skipped, 422
 * when none could be used.
 */
export const recordVisits = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  // Its one route: anything else the API is ever made to send here is refused, not imported.
  if (event.rawPath.replace(/\/+$/, '') !== '/visits') return json(404, { message: `no route ${event.rawPath}` });
  const method = event.requestContext?.http?.method;
  if (method !== 'POST') return json(405, { message: `${method ?? 'this method'} is not allowed on /visits: send visits with POST` }, { allow: 'POST' });
  let parsed: unknown;
  try {
    parsed = JSON.parse(bodyText(event));
  } catch {
    return json(400, { message: 'the body must be JSON: {"visits": [{ "visit_id": …, "client_id": …, … }]}' });
  }
  const request = visitsRequest.safeParse(parsed);
  if (!request.success) {
    return json(400, {
      message: 'invalid request',
      issues: request.error.issues.map((issue) => ({ path: issue.path.join('.'), reason: issue.message })),
    });
  }
  const rows = request.data.visits.map((visit) => Object.fromEntries(Object.entries(visit).filter(([, v]) => v !== undefined)) as Record<string, string>);
  const report = await importFile(tableFromRows(rows), app.clientStore(), {
    kind: 'visits',
    clientDefaults: app.clinicDefaults(),
    createClients: request.data.createClients === true,
    nameLine: (line) => `visit ${positionOf(line)}`,
    lapses: app.lapseStore(),
  });
  logger.info('visits recorded', { received: report.rowsRead, recorded: report.imported, skipped: report.skipped });
  const status = report.skipped === 0 ? 200 : report.skipped + report.repeated === report.rowsRead ? 422 : 207;
  return json(status, outcome(report));
};

export const handler = middy(recordVisits).use(injectLambdaContext(logger));
