/**
 * Per-client summaries in the layouts of the `lifetimes` library, so a model can be fitted
 * (and checked against published values) from another system's export.
 */
import { checkFrequency, type Frequency } from '../stats/bg-nbd.ts';
import type { RowProblem, RowResult } from '../visits/rows.ts';
import { AppError } from '../common/app-error.ts';

export interface SummaryLayout {
  readonly name: string;
  readonly id: string;
  readonly x: string;
  readonly tx: string;
  readonly T: string;
  /** Mean spend of the repeat visits, when the file has it. */
  readonly spend?: string;
}

const layouts = [
  { name: 'lifetimes (ID,frequency,recency,T[,monetary_value])', id: 'ID', x: 'frequency', tx: 'recency', T: 'T', spend: 'monetary_value' },
  { name: 'the papers (ID,x,t_x,T,zbar)', id: 'ID', x: 'x', tx: 't_x', T: 'T', spend: 'zbar' },
] as const;

export class SummaryLayoutError extends AppError {
  override readonly name = 'SummaryLayoutError';
  readonly kind = 'invalid';
}

/** Which layout a header is in; the id column may be named ID, id or customer_id. */
export const summaryLayoutOf = (header: readonly string[]): SummaryLayout => {
  const has = new Set(header.map((column) => column.trim()));
  const id = ['ID', 'id', 'customer_id', 'client_id'].find((name) => has.has(name));
  for (const layout of layouts) {
    if (id && has.has(layout.x) && has.has(layout.tx) && has.has(layout.T)) {
      return { name: layout.name, id, x: layout.x, tx: layout.tx, T: layout.T, ...(has.has(layout.spend) && { spend: layout.spend }) };
    }
  }
  throw new SummaryLayoutError(`the columns are ${header.join(', ') || 'none'}; expected one of: ${layouts.map((layout) => layout.name).join('; ')}`);
};

export interface SummaryClient extends Frequency {
  readonly id: string;
  readonly meanSpend?: number;
}

const number = (values: Record<string, string>, column: string, line: number, problems: RowProblem[]): number => {
  const text = values[column]?.trim() ?? '';
  const value = Number(text);
  if (text === '' || !Number.isFinite(value)) problems.push({ line, field: column, reason: text === '' ? 'is required' : `"${text}" is not a number` });
  return value;
};

export const readSummaryRow = (values: Record<string, string>, line: number, layout: SummaryLayout): RowResult<SummaryClient> => {
  const problems: RowProblem[] = [];
  const id = values[layout.id]?.trim() ?? '';
  if (!id) problems.push({ line, field: layout.id, reason: 'is required' });
  const x = number(values, layout.x, line, problems);
  const tx = number(values, layout.tx, line, problems);
  const T = number(values, layout.T, line, problems);
  const meanSpend = layout.spend ? number(values, layout.spend, line, problems) : undefined;
  if (problems.length === 0) {
    const problem = checkFrequency({ x, tx, T });
    if (problem) problems.push({ line, field: layout[problem.field], reason: problem.reason });
    if (meanSpend !== undefined && meanSpend < 0) problems.push({ line, field: layout.spend!, reason: 'must be zero or more' });
  }
  if (problems.length > 0) return { ok: false, errors: problems };
  return { ok: true, value: { id, x, tx, T, ...(meanSpend !== undefined && { meanSpend }) }, warnings: [] };
};
