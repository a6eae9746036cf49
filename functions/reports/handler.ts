import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { buildApp } from '../../shared/app.ts';
import { ReportParameterError, reports, UnknownReportError } from '../../shared/analytics/reports.ts';
import { QueryCancelledError, QueryFailedError, UnknownQueryError, type QueryState } from '../../shared/analytics/ports/query-engine.ts';
import { reportCsv, reportResult, runReport, type ReportDependencies } from '../../shared/analytics/use-cases/reports.ts';
import { answeringHead, badPathParameter, callerOf, json, pathParameter, PathParameterError } from '../http.ts';

const logger = new Logger({ serviceName: 'reports' });

/** Under API Gateway's 30 s limit, with room to answer: longer queries get 202 and an id. */
export const reportWaitMs = 20_000;

export const reportRoutes = [
  { method: 'GET', path: '/reports', groups: ['managers'] },
  { method: 'GET', path: '/reports/{name}', groups: ['managers'] },
  { method: 'GET', path: '/reports/queries/{queryId}', groups: ['managers'] },
] as const;

const wantsCsv = (event: APIGatewayProxyEventV2): boolean =>
  event.queryStringParameters?.format === 'csv' || (event.queryStringParameters?.format === undefined && /\btext\/csv\b/.test(event.headers?.accept ?? ''));

const answer = (event: APIGatewayProxyEventV2, name: string, state: QueryState): APIGatewayProxyStructuredResultV2 => {
  if (state.state === 'running') {
    const location = `/reports/queries/${encodeURIComponent(state.queryId)}${wantsCsv(event) ? '?format=csv' : ''}`;
    return json(202, { queryId: state.queryId, state: 'running', location }, { location, 'retry-after': '2' });
  }
  if (wantsCsv(event)) {
    return { statusCode: 200, headers: { 'content-type': 'text/csv; charset=utf-8', 'cache-control': 'no-store', 'content-disposition': `attachment; filename="${name}.csv"` }, body: reportCsv(state.result) };
  }
  return json(200, { report: name, queryId: state.queryId, columns: state.result.columns, rows: state.result.rows });
};

/**
 * `GET /reports` lists the reports; `GET /reports/{name}?...` runs one (JSON, or CSV with
 * `Accept: text/csv` or `?format=csv`); a query still running after 20 s answers 202 with
 * its id, and `GET /reports/queries/{id}` answers when it is done. Managers only.
 */
export const reportsApi = answeringHead(async (event: APIGatewayProxyEventV2, deps: ReportDependencies): Promise<APIGatewayProxyStructuredResultV2> => {
  if (event.requestContext.http.method !== 'GET') return json(405, { message: 'reports are read with GET' }, { allow: 'GET, HEAD' });
  const caller = callerOf(event);
  if (!caller) return json(401, { message: 'sign in first: no verified token' });
  if (!caller.groups.includes('managers')) return json(403, { message: 'reports are for managers' });
  const path = event.rawPath.replace(/\/+$/, '');
  try {
    if (path === '/reports') {
      return json(200, { reports: reports.map((report) => ({ name: report.name, description: report.description })) });
    }
    const queryId = /^\/reports\/queries\/([^/]+)$/.exec(path)?.[1];
    if (queryId) return answer(event, 'report', await reportResult(pathParameter('queryId', queryId), deps));
    const rawName = /^\/reports\/([^/]+)$/.exec(path)?.[1];
    if (!rawName) return json(404, { message: `no route ${event.rawPath}` });
    const name = pathParameter('name', rawName);
    const { format, ...query } = event.queryStringParameters ?? {};
    if (format !== undefined && format !== 'csv' && format !== 'json') return json(400, { message: 'invalid request', issues: [{ parameter: 'format', reason: 'csv or json' }] });
    const state = await runReport(name, query, deps, reportWaitMs);
    logger.info('report', { report: name, state: state.state, caller: caller.name });
    return answer(event, name, state);
  } catch (error) {
    if (error instanceof PathParameterError) return badPathParameter(error);
    if (error instanceof UnknownReportError || error instanceof UnknownQueryError) return json(404, { message: error.message });
    if (error instanceof ReportParameterError) return json(400, { message: 'invalid request', issues: error.issues });
    if (error instanceof QueryCancelledError) return json(409, { message: 'the query was cancelled' });
    if (error instanceof QueryFailedError) {
      // The engine's message can quote values: it is logged, never returned.
      logger.error('report query failed', { queryId: error.queryId, category: error.category });
      return json(error.category === 'USER' ? 422 : 502, { message: 'the report could not be computed', queryId: error.queryId });
    }
    throw error;
  }
});

const app = buildApp();

export const handler = middy((event: APIGatewayProxyEventV2) => reportsApi(event, app.reportDependencies())).use(injectLambdaContext(logger));
