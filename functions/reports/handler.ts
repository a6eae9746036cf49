import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { appContext, reportDependencies } from '../../shared/app.ts';
import type { AppError } from '../../shared/common/app-error.ts';
import { reports } from '../../shared/analytics/reports.ts';
import { QueryFailedError, type QueryState } from '../../shared/analytics/ports/query-engine.ts';
import { reportCsv, reportResult, runReport, type ReportDependencies } from '../../shared/analytics/use-cases/reports.ts';
import { httpRouter, InvalidRequestError, json, problemResponse } from '../http.ts';
import { reportRoutes } from './routes.ts';

const logger = new Logger({ serviceName: 'reports' });

/** Under API Gateway's 30 s limit, with room to answer: longer queries get 202 and an id. */
export const reportWaitMs = 20_000;

const wantsCsv = (event: APIGatewayProxyEventV2): boolean =>
  event.queryStringParameters?.format === 'csv' || (event.queryStringParameters?.format === undefined && /\btext\/csv\b/.test(event.headers?.accept ?? ''));

const answer = (event: APIGatewayProxyEventV2, name: string, state: QueryState): APIGatewayProxyStructuredResultV2 => {
  if (state.state === 'running') {
    const location = `/reports/queries/${encodeURIComponent(state.queryId)}${wantsCsv(event) ? '?format=csv' : ''}`;
    return json(202, { queryId: state.queryId, state: 'running', location }, { location, 'retry-after': '2' });
  }
  if (wantsCsv(event)) {
    return {
      statusCode: 200,
      headers: { 'content-type': 'text/csv; charset=utf-8', 'cache-control': 'no-store', 'content-disposition': `attachment; filename="${name}.csv"` },
      body: reportCsv(state.result),
    };
  }
  return json(200, { report: name, queryId: state.queryId, columns: state.result.columns, rows: state.result.rows });
};

const problem = (error: AppError): APIGatewayProxyStructuredResultV2 => {
  // The engine's message can quote values: it is logged, never returned (see QueryFailedError.shown).
  if (error instanceof QueryFailedError) logger.error('report query failed', { queryId: error.queryId, category: error.category });
  return problemResponse(error);
};

/**
 * `GET /reports` lists the reports; `GET /reports/{name}?...` runs one (JSON, or CSV with
 * `Accept: text/csv` or `?format=csv`); a query still running after 20 s answers 202 with
 * its id, and `GET /reports/queries/{id}` answers when it is done. Managers only.
 */
export const reportsApi = httpRouter<typeof reportRoutes, ReportDependencies>(
  reportRoutes,
  {
    list: async () => json(200, { reports: reports.map((report) => ({ name: report.name, description: report.description })) }),
    run: async ({ event, params, query, caller, deps }) => {
      const { format, ...parameters } = query;
      if (format !== undefined && format !== 'csv' && format !== 'json')
        throw new InvalidRequestError('invalid request', [{ parameter: 'format', reason: 'csv or json' }]);
      const state = await runReport(params.name!, parameters, deps, reportWaitMs);
      logger.info('report', { report: params.name, state: state.state, caller: caller.name });
      return answer(event, params.name!, state);
    },
    query: async ({ event, params, deps }) => answer(event, 'report', await reportResult(params.queryId!, deps)),
  },
  { problem },
);

const app = appContext();

export const handler = middy((event: APIGatewayProxyEventV2) => reportsApi(event, reportDependencies(app))).use(injectLambdaContext(logger));
