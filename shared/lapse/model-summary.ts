/**
 * Per-client summaries in the layouts of the `lifetimes` library, so a model can be fitted
 * (and checked against published values) from another system's export.
 */
import { checkFrequency, type Frequency, type WeightedFrequencies } from '../stats/bg-nbd.ts';
import type { WeightedSpending } from '../stats/gamma-gamma.ts';
import { RowTally } from '../stats/row-tally.ts';
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

/**
 * Where a summary file's good rows go, one at a time, as numbers: the reader makes no object
 * per row. `meanSpend` is NaN when the layout has no spend column; the id comes as the UTF-8
 * bytes `id[idStart..idEnd)`, trimmed, and only matters when `keepsIds`.
 */
export interface SummaryRowSink {
  readonly keepsIds: boolean;
  add(x: number, tx: number, T: number, meanSpend: number, id: Uint8Array, idStart: number, idEnd: number): void;
}

const blockRows = 1 << 16;

interface SummaryBlock {
  readonly x: Float64Array;
  readonly tx: Float64Array;
  readonly T: Float64Array;
  readonly idEnds: Uint32Array;
  ids: Uint8Array;
}

/** Rows in file order, in blocks of columns: x, t_x, T and the id's bytes. For predictions per client. */
class SummaryRows {
  private readonly blocks: SummaryBlock[] = [];
  private block: SummaryBlock | undefined;
  private rows = 0;
  private idBytes = 0;

  add(x: number, tx: number, T: number, id: Uint8Array, idStart: number, idEnd: number): void {
    const at = this.rows % blockRows;
    if (at === 0 || !this.block) {
      this.block = {
        x: new Float64Array(blockRows),
        tx: new Float64Array(blockRows),
        T: new Float64Array(blockRows),
        idEnds: new Uint32Array(blockRows),
        ids: new Uint8Array(8 * blockRows),
      };
      this.blocks.push(this.block);
      this.idBytes = 0;
    }
    const block = this.block;
    const length = idEnd - idStart;
    if (this.idBytes + length > block.ids.length) {
      const wider = new Uint8Array(Math.max(2 * block.ids.length, this.idBytes + length));
      wider.set(block.ids.subarray(0, this.idBytes));
      block.ids = wider;
    }
    // Ids are short: a plain copy costs less than a view to copy from.
    const ids = block.ids;
    let to = this.idBytes;
    for (let from = idStart; from < idEnd; from++) ids[to++] = id[from]!;
    this.idBytes = to;
    block.x[at] = x;
    block.tx[at] = tx;
    block.T[at] = T;
    block.idEnds[at] = to;
    this.rows++;
  }

  *clients(): Generator<SummaryClient> {
    const decoder = new TextDecoder();
    let left = this.rows;
    for (const block of this.blocks) {
      let from = 0;
      for (let i = 0; i < Math.min(left, blockRows); i++) {
        const to = block.idEnds[i]!;
        yield { id: decoder.decode(block.ids.subarray(from, to)), x: block.x[i]!, tx: block.tx[i]!, T: block.T[i]! };
        from = to;
      }
      left -= blockRows;
    }
  }
}

/**
 * What the model takes from a summary file: the distinct (x, t_x, T) histories with how many
 * clients have each, the distinct (x, mean spend) of the returning clients who paid, and, for
 * predictions, every row in order. Identical histories are counted once, so a file of ten
 * million clients costs as much memory as its distinct histories (and its rows, if kept).
 */
export class SummaryInputs implements SummaryRowSink {
  readonly keepsIds: boolean;
  private readonly histories = new RowTally();
  private readonly spends: RowTally | undefined;
  private readonly rows: SummaryRows | undefined;

  constructor(
    readonly layout: SummaryLayout,
    options: { readonly keepRows: boolean },
  ) {
    this.keepsIds = options.keepRows;
    this.spends = layout.spend ? new RowTally() : undefined;
    this.rows = options.keepRows ? new SummaryRows() : undefined;
  }

  add(x: number, tx: number, T: number, meanSpend: number, id: Uint8Array, idStart: number, idEnd: number): void {
    this.histories.add(x, tx, T);
    // In lifetimes' layouts the spend column is the mean of the repeat visits, so x visits.
    if (this.spends && x > 0 && meanSpend > 0) this.spends.add(x, meanSpend);
    this.rows?.add(x, tx, T, id, idStart, idEnd);
  }

  /** How many clients (good rows) were added. */
  get clients(): number {
    return this.histories.total;
  }

  frequencies(): WeightedFrequencies {
    const { first, second, third, count } = this.histories.columns();
    return { x: first, tx: second, T: third, weight: count };
  }

  /** Undefined when the layout has no spend column. */
  spending(): WeightedSpending | undefined {
    if (!this.spends) return undefined;
    const { first, second, count } = this.spends.columns();
    return { visits: first, meanSpend: second, weight: count };
  }

  /** Every row in file order; only when made with keepRows. */
  eachClient(): Iterable<SummaryClient> {
    if (!this.rows) throw new Error('the summary rows were not kept: make SummaryInputs with keepRows');
    return this.rows.clients();
  }
}
