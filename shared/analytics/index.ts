/** Analytics: the tables exported every day for the managers' reports, and the reports themselves. */
export {
  exportAnalytics,
  partitionFile,
  type ExportDependencies,
  type ExportProgress,
  type ExportReport,
  type ExportSettings,
  type ExportSources,
} from './use-cases/export.ts';
export { exportVersionOf, reportCsv, reportResult, runReport, type ReportDependencies } from './use-cases/reports.ts';
export type { ObjectStore } from './ports/object-store.ts';
export type { PartitionFormat } from './ports/partition-format.ts';
export {
  QueryCancelledError,
  QueryFailedError,
  UnknownQueryError,
  type QueryEngine,
  type QueryResult,
  type QueryState,
  type SqlValue,
} from './ports/query-engine.ts';
export { reports, ReportParameterError, UnknownReportError, type ReportDefinition, type ReportName } from './reports.ts';
export type { ExportRow, ExportTable } from './export-tables.ts';
