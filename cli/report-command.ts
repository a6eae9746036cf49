import { formatMoney } from '../shared/common/money.ts';
import { reportNamed, reports } from '../shared/analytics/reports.ts';
import type { QueryEngine, QueryResult, SqlValue } from '../shared/analytics/ports/query-engine.ts';
import { reportCsv, runReport } from '../shared/analytics/use-cases/reports.ts';
import { formatCount, table, UsageError, writeOut } from './output.ts';

export interface ReportFlags {
  readonly format: string;
  readonly from?: string;
  readonly to?: string;
  readonly by?: string;
  readonly branch?: string;
  readonly doctor?: string;
  readonly channel?: string;
  readonly churnType?: string;
  readonly days?: string;
  readonly limit?: string;
  readonly weeks?: string;
  readonly kind?: string;
}

/** The CLI's flags as the API's query-string parameters (the same names and validation). */
const queryOf = (flags: ReportFlags): Record<string, string> => {
  const { format: _format, ...rest } = flags;
  return Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== undefined)) as Record<string, string>;
};

const shares = new Intl.NumberFormat('en', { style: 'percent', maximumFractionDigits: 1 });
const decimals = new Intl.NumberFormat('en', { maximumFractionDigits: 2 });

/** A value for a terminal: money in major units with its currency, shares as percentages. */
const cellOf = (name: string, value: SqlValue, row: Readonly<Record<string, SqlValue>>): string => {
  if (value === null) return '—';
  if (typeof value === 'number' && name.endsWith('_minor') && typeof row.currency === 'string')
    return formatMoney({ minor: Math.round(value), currency: row.currency });
  if (typeof value === 'number' && (name === 'share' || name.endsWith('_rate') || name.startsWith('retention_') || name === 'change' || name === 'p_alive'))
    return shares.format(value);
  if (typeof value === 'number') return Number.isInteger(value) ? formatCount(value) : decimals.format(value);
  return String(value);
};

export const renderReportTable = (result: QueryResult): string => {
  const columns = result.columns.filter((column) => column.name !== 'currency' || !result.columns.some((c) => c.name.endsWith('_minor')));
  const header = columns.map((column) => column.name.replace(/_minor$/, '').replaceAll('_', ' '));
  const rows = result.rows.map((row) => columns.map((column) => cellOf(column.name, row[column.name] ?? null, row)));
  const numeric = columns.flatMap((column, i) => (column.type === 'number' ? [i] : []));
  return rows.length === 0 ? '  (no rows)' : table(rows, { indent: 2, header, alignRight: numeric });
};

/** `comeback report NAME`: the same report, parameters and SQL as `GET /reports/{name}`, on the local export. */
export const printReport = async (name: string, flags: ReportFlags, engine: QueryEngine): Promise<void> => {
  if (!['table', 'json', 'csv'].includes(flags.format)) throw new UsageError(`--format ${flags.format}: table, json or csv`);
  const report = reportNamed(name);
  const state = await runReport(name, queryOf(flags), { engine, dialect: 'duckdb' });
  if (state.state !== 'succeeded') throw new UsageError(`the report is still running (query ${state.queryId})`);
  if (flags.format === 'json') return console.log(JSON.stringify({ report: name, columns: state.result.columns, rows: state.result.rows }, null, 2));
  if (flags.format === 'csv') return void writeOut(reportCsv(state.result));
  console.log(`${report.description}\n`);
  console.log(renderReportTable(state.result));
};

export const reportNames = (): string => reports.map((report) => report.name).join(', ');
