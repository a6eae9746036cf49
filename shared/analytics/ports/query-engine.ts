import { AppError, type ErrorKind, type Problem } from '../../common/app-error.ts';
/**
 * SQL over the exported tables: Athena in the cloud, DuckDB over the same Parquet files on one
 * machine. Values always travel as positional parameters (`?`), never inside the SQL text.
 */
export type SqlParameter = string | number | boolean | null;

export interface Query {
  /** One report's SQL text with `?` placeholders, already in the engine's dialect. */
  readonly sql: string;
  readonly parameters: readonly SqlParameter[];
  /**
   * The same token for the same request (e.g. a hash of report, parameters and data version):
   * Athena starts the query once however often it is asked (`ClientRequestToken`).
   */
  readonly requestToken?: string;
}

export type ColumnType = 'string' | 'number' | 'boolean' | 'date' | 'timestamp';

export interface Column {
  readonly name: string;
  readonly type: ColumnType;
}

/** A value of a result row: dates as `YYYY-MM-DD`, timestamps as ISO 8601 UTC, numbers as numbers. */
export type SqlValue = string | number | boolean | null;

export interface QueryResult {
  readonly columns: readonly Column[];
  readonly rows: readonly Readonly<Record<string, SqlValue>>[];
}

export type QueryState =
  | { readonly state: 'running'; readonly queryId: string }
  | { readonly state: 'succeeded'; readonly queryId: string; readonly result: QueryResult };

export interface QueryEngine {
  /** Starts a query and returns at once with its id. */
  start(query: Query): Promise<string>;
  /** Where a started query stands; the rows once it succeeded. QueryFailedError / QueryCancelledError otherwise. */
  poll(queryId: string): Promise<QueryState>;
  /** Starts and waits (polling with backoff) up to `waitMs`; still running then: the `running` state. */
  run(query: Query, waitMs?: number): Promise<QueryState>;
}

/** The engine refused or failed the query (syntax, permissions, bytes-scanned cutoff...). */
export class QueryFailedError extends AppError {
  override readonly name = 'QueryFailedError';
  constructor(
    message: string,
    readonly queryId?: string,
    /** The engine's own error category, when it gives one (Athena: SYSTEM, USER, OTHER). */
    readonly category?: string,
  ) {
    super(message);
  }

  get kind(): ErrorKind {
    return this.category === 'USER' ? 'unprocessable' : 'unavailable';
  }

  /** The engine's message can quote values: it is logged, never returned. */
  override shown(): Problem {
    return { message: 'the report could not be computed', ...(this.queryId && { queryId: this.queryId }) };
  }
}

/** Someone cancelled the query before it finished. */
export class QueryCancelledError extends AppError {
  override readonly name = 'QueryCancelledError';
  readonly kind = 'conflict';

  override shown(): Problem {
    return { message: 'the query was cancelled' };
  }
  constructor(
    message: string,
    readonly queryId?: string,
  ) {
    super(message);
  }
}

/** No query with this id (expired, or never started here). */
export class UnknownQueryError extends AppError {
  override readonly name = 'UnknownQueryError';
  readonly kind = 'not-found';
}
