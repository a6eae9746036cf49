/**
 * The reports API as a contract, for the handler, the CDK construct and the OpenAPI document.
 * Each report's own parameters are in its definition (`shared/analytics/reports.ts`).
 */
import type { RouteContract } from '../http.ts';

export const reportRoutes = {
  list: { method: 'GET', path: '/reports', groups: ['managers'], summary: 'The reports' },
  run: { method: 'GET', path: '/reports/{name}', groups: ['managers'], summary: 'One report' },
  query: { method: 'GET', path: '/reports/queries/{queryId}', groups: ['managers'], summary: 'A long report, once ready' },
} as const satisfies Readonly<Record<string, RouteContract>>;
