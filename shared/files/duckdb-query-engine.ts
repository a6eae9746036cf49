import { randomUUID } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import {
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBInstance,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampSecondsValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBTypeId,
  StatementType,
  type DuckDBConnection,
  type DuckDBPreparedStatement,
  type DuckDBValue,
} from '@duckdb/node-api';
import { exportTables, type ExportColumnType, type ExportTable } from '../analytics/export-tables.ts';
import {
  QueryFailedError,
  UnknownQueryError,
  type Column,
  type ColumnType,
  type Query,
  type QueryEngine,
  type QueryResult,
  type QueryState,
  type SqlValue,
} from '../analytics/ports/query-engine.ts';

/**
 * The QueryEngine on one machine: DuckDB over the export folder, where Athena reads S3 in the
 * cloud. Each exported table is a view named as the table, over
 * `read_parquet('<root>/<table>/*\/*.parquet', hive_partitioning = true)` with `dt` a string, as
 * the Glue tables have it; a filter on `dt` opens only the matching partitions' files. Columns
 * are read by name, so files written before a column was added read it as null, as Athena does.
 * Timestamps are plain TIMESTAMP in UTC, as Athena reads them, so one SQL text serves both.
 *
 * Values travel only as `?` parameters of a prepared statement. Only SELECT (and EXPLAIN) runs,
 * and DuckDB may read files under the export folder and nowhere else.
 *
 * DuckDB answers synchronously: `start` runs the query to the end and keeps its result under a
 * new id for `poll`, as Athena keeps a query's result.
 */

export interface DuckDbQueryEngineOptions {
  /** Results kept for `poll`, the oldest dropped first (default 100). */
  readonly keepResults?: number;
}

const sqlTypes: Readonly<Record<ExportColumnType, string>> = {
  string: 'VARCHAR',
  int: 'INTEGER',
  bigint: 'BIGINT',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  date: 'DATE',
  timestamp: 'TIMESTAMP',
};

const quoteIdentifier = (name: string): string => `"${name.replaceAll('"', '""')}"`;
const quoteLiteral = (text: string): string => `'${text.replaceAll("'", "''")}'`;

/** The view over a table's files, or, before its first file, an empty view with the same columns. */
export const viewSql = (root: string, table: ExportTable, hasFiles: boolean): string => {
  const view = quoteIdentifier(table.name);
  if (!hasFiles) {
    const columns = table.columns.map((column) => `CAST(NULL AS ${sqlTypes[column.type]}) AS ${quoteIdentifier(column.name)}`);
    return `CREATE OR REPLACE VIEW ${view} AS SELECT ${[...columns, 'CAST(NULL AS VARCHAR) AS dt'].join(', ')} WHERE false`;
  }
  const columns = table.columns.map((column) =>
    column.type === 'timestamp' ? `CAST(${quoteIdentifier(column.name)} AS TIMESTAMP) AS ${quoteIdentifier(column.name)}` : quoteIdentifier(column.name),
  );
  const files = quoteLiteral(join(root, table.name, '*', '*.parquet'));
  return `CREATE OR REPLACE VIEW ${view} AS SELECT ${[...columns, 'dt'].join(', ')} FROM read_parquet(${files}, hive_partitioning = true, hive_types = {'dt': 'VARCHAR'}, union_by_name = true)`;
};

/** Does the table have at least one partition file (`<table>/dt=…/*.parquet`, not a temporary one)? */
const hasPartitionFiles = async (root: string, table: string): Promise<boolean> => {
  let partitions: Dirent[];
  try {
    partitions = await readdir(join(root, table), { withFileTypes: true });
  } catch {
    return false;
  }
  for (const partition of partitions) {
    if (!partition.isDirectory()) continue;
    const files = await readdir(join(root, table, partition.name)).catch(() => [] as string[]);
    if (files.some((file) => file.endsWith('.parquet') && !file.startsWith('.'))) return true;
  }
  return false;
};

const numeric = new Set<DuckDBTypeId>([
  DuckDBTypeId.TINYINT,
  DuckDBTypeId.SMALLINT,
  DuckDBTypeId.INTEGER,
  DuckDBTypeId.BIGINT,
  DuckDBTypeId.HUGEINT,
  DuckDBTypeId.UTINYINT,
  DuckDBTypeId.USMALLINT,
  DuckDBTypeId.UINTEGER,
  DuckDBTypeId.UBIGINT,
  DuckDBTypeId.UHUGEINT,
  DuckDBTypeId.BIGNUM,
  DuckDBTypeId.FLOAT,
  DuckDBTypeId.DOUBLE,
  DuckDBTypeId.DECIMAL,
]);

const timestamps = new Set<DuckDBTypeId>([
  DuckDBTypeId.TIMESTAMP,
  DuckDBTypeId.TIMESTAMP_TZ,
  DuckDBTypeId.TIMESTAMP_S,
  DuckDBTypeId.TIMESTAMP_MS,
  DuckDBTypeId.TIMESTAMP_NS,
]);

export const columnType = (typeId: DuckDBTypeId): ColumnType => {
  if (typeId === DuckDBTypeId.BOOLEAN) return 'boolean';
  if (numeric.has(typeId)) return 'number';
  if (typeId === DuckDBTypeId.DATE) return 'date';
  if (timestamps.has(typeId)) return 'timestamp';
  return 'string';
};

const dayMillis = 86_400_000;
const latestMillis = 8.64e15;

/** An instant as ISO 8601 UTC; infinities and instants past JavaScript's range as DuckDB writes them. */
const isoInstant = (millis: bigint, value: DuckDBValue): string => {
  const asNumber = Number(millis);
  return Math.abs(asNumber) <= latestMillis ? new Date(asNumber).toISOString() : String(value);
};

/** One DuckDB value as the port's: numbers as numbers, dates `YYYY-MM-DD`, timestamps ISO UTC, the rest as text. */
export const sqlValue = (value: DuckDBValue): SqlValue => {
  if (value === null || typeof value === 'boolean' || typeof value === 'number' || typeof value === 'string') return value;
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof DuckDBDecimalValue) return value.toDouble();
  if (value instanceof DuckDBDateValue) {
    const millis = value.days * dayMillis;
    return Math.abs(millis) <= latestMillis ? new Date(millis).toISOString().slice(0, 10) : String(value);
  }
  if (value instanceof DuckDBTimestampValue || value instanceof DuckDBTimestampTZValue) return isoInstant(value.micros / 1000n, value);
  if (value instanceof DuckDBTimestampMillisecondsValue) return isoInstant(value.millis, value);
  if (value instanceof DuckDBTimestampSecondsValue) return isoInstant(value.seconds * 1000n, value);
  if (value instanceof DuckDBTimestampNanosecondsValue) return isoInstant(value.nanos / 1_000_000n, value);
  return String(value);
};

/** DuckDB's own error classes that mean "the query is wrong", as Athena's USER category. */
const userErrors = /^(Parser|Binder|Catalog|Conversion|Invalid Input|Constraint|Out of Range|Not implemented|Permission) Error/;

const failure = (error: unknown, queryId: string): QueryFailedError => {
  const message = error instanceof Error ? error.message : String(error);
  return new QueryFailedError(message, queryId, userErrors.test(message) ? 'USER' : 'SYSTEM');
};

const allowedStatements = new Set<StatementType>([StatementType.SELECT, StatementType.EXPLAIN]);

type Outcome = { readonly ok: true; readonly result: QueryResult } | { readonly ok: false; readonly error: QueryFailedError };

export class DuckDbQueryEngine implements QueryEngine {
  readonly root: string;
  private readonly keepResults: number;
  private opened?: Promise<{ instance: DuckDBInstance; connection: DuckDBConnection }>;
  private readonly views = new Map<string, boolean>();
  private readonly outcomes = new Map<string, Outcome>();
  private readonly tokens = new Map<string, string>();
  /** One query at a time on the one connection. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(exportRoot: string, options: DuckDbQueryEngineOptions = {}) {
    this.root = resolve(exportRoot);
    this.keepResults = options.keepResults ?? 100;
  }

  private open(): Promise<{ instance: DuckDBInstance; connection: DuckDBConnection }> {
    this.opened ??= (async () => {
      const instance = await DuckDBInstance.create(':memory:');
      const connection = await instance.connect();
      await connection.run("SET TimeZone = 'UTC'");
      await connection.run(`SET allowed_directories = [${quoteLiteral(this.root + sep)}]`);
      await connection.run('SET enable_external_access = false');
      return { instance, connection };
    })();
    return this.opened;
  }

  /** Views follow the folder: a table's first file turns its empty view into one over the files. */
  private async refreshViews(connection: DuckDBConnection): Promise<void> {
    for (const table of exportTables) {
      const hasFiles = await hasPartitionFiles(this.root, table.name);
      if (this.views.get(table.name) === hasFiles) continue;
      await connection.run(viewSql(this.root, table, hasFiles));
      this.views.set(table.name, hasFiles);
    }
  }

  private async execute(query: Query, queryId: string): Promise<QueryResult> {
    const { connection } = await this.open();
    await this.refreshViews(connection);
    let prepared: DuckDBPreparedStatement;
    try {
      prepared = await connection.prepare(query.sql);
    } catch (error) {
      throw failure(error, queryId);
    }
    try {
      if (!allowedStatements.has(prepared.statementType)) {
        throw new QueryFailedError(`only SELECT queries run here, not ${StatementType[prepared.statementType]}`, queryId, 'USER');
      }
      if (prepared.parameterCount !== query.parameters.length) {
        throw new QueryFailedError(`the query has ${prepared.parameterCount} parameter(s), ${query.parameters.length} given`, queryId, 'USER');
      }
      prepared.bind([...query.parameters]);
      const reader = await prepared.runAndReadAll();
      const columns: Column[] = reader.columnNames().map((name, index) => ({ name, type: columnType(reader.columnTypeId(index)) }));
      const rows = reader.getRows().map((values) => Object.fromEntries(columns.map((column, index) => [column.name, sqlValue(values[index] ?? null)])));
      return { columns, rows };
    } catch (error) {
      throw error instanceof QueryFailedError ? error : failure(error, queryId);
    } finally {
      prepared.destroySync();
    }
  }

  private remember(queryId: string, outcome: Outcome): void {
    this.outcomes.set(queryId, outcome);
    while (this.outcomes.size > this.keepResults) this.outcomes.delete(this.outcomes.keys().next().value!);
  }

  async start(query: Query): Promise<string> {
    const known = query.requestToken === undefined ? undefined : this.tokens.get(query.requestToken);
    if (known !== undefined && this.outcomes.has(known)) return known;
    const queryId = randomUUID();
    const run = this.queue.then(() => this.execute(query, queryId));
    this.queue = run.catch(() => undefined);
    try {
      this.remember(queryId, { ok: true, result: await run });
    } catch (error) {
      // A failed query is still a started one: `poll` reports the failure, as Athena's does.
      this.remember(queryId, { ok: false, error: error instanceof QueryFailedError ? error : failure(error, queryId) });
    }
    if (query.requestToken !== undefined) this.tokens.set(query.requestToken, queryId);
    return queryId;
  }

  async poll(queryId: string): Promise<QueryState> {
    const outcome = this.outcomes.get(queryId);
    if (!outcome) throw new UnknownQueryError(`no query ${queryId} here`);
    if (!outcome.ok) throw outcome.error;
    return { state: 'succeeded', queryId, result: outcome.result };
  }

  async run(query: Query, _waitMs?: number): Promise<QueryState> {
    return this.poll(await this.start(query));
  }

  /** Closes DuckDB; the engine opens it again if asked another query. */
  async close(): Promise<void> {
    const opened = this.opened;
    this.opened = undefined;
    this.views.clear();
    if (!opened) return;
    const { instance, connection } = await opened;
    connection.closeSync();
    instance.closeSync();
  }
}
