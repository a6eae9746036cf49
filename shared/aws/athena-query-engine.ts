import { createHash } from 'node:crypto';
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  InvalidRequestException,
  StartQueryExecutionCommand,
  type ColumnInfo,
  type GetQueryResultsCommandOutput,
  type QueryExecution,
  type Row,
} from '@aws-sdk/client-athena';
import {
  QueryCancelledError,
  QueryFailedError,
  UnknownQueryError,
  type Column,
  type ColumnType,
  type Query,
  type QueryEngine,
  type QueryResult,
  type QueryState,
  type SqlParameter,
  type SqlValue,
} from '../analytics/ports/query-engine.ts';

let sharedAthena: AthenaClient | undefined;

/** One Athena client per process (endpoint from `AWS_ENDPOINT_URL_ATHENA` where one is set). */
export const athenaClient = (): AthenaClient => {
  sharedAthena ??= new AthenaClient({});
  return sharedAthena;
};

export interface Backoff {
  /** First pause between polls. Default 200 ms. */
  readonly initialMs?: number;
  /** Longest pause between polls. Default 2 s. */
  readonly maxMs?: number;
  /** Growth of the pause after each poll. Default 2. */
  readonly factor?: number;
}

export interface AthenaQueryEngineOptions {
  /** The workgroup carries the results location, the bytes-scanned cutoff and the engine version. */
  readonly workGroup: string;
  readonly database: string;
  /** Default `AwsDataCatalog` (the Glue catalog). */
  readonly catalog?: string;
  readonly client?: AthenaClient;
  /** How `run` waits between polls; tests pass one that records and returns at once. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly backoff?: Backoff;
  /** The clock `run` measures `waitMs` against; tests pass one that their `sleep` advances. */
  readonly now?: () => number;
  /** How old a previous identical query's result may be and still answer this one. Default 60, at most 10080 (7 days). */
  readonly resultReuseMaxAgeMinutes?: number;
  /** `run`'s wait when the caller gives none: under API Gateway's 30 s with room to fetch the rows. Default 20 s. */
  readonly defaultWaitMs?: number;
}

/** Athena's limits, from the StartQueryExecution and GetQueryResults references. */
const REQUEST_TOKEN_MIN = 32;
const REQUEST_TOKEN_MAX = 128;
const PARAMETER_MAX = 1024;
const QUERY_ID_MAX = 128;
const RESULTS_PAGE = 1000;
const REUSE_MAX_AGE_LIMIT = 10_080;

/** `AthenaError.ErrorCategory`, as Athena documents it. */
const ERROR_CATEGORIES: Readonly<Record<number, string>> = { 1: 'SYSTEM', 2: 'USER', 3: 'OTHER' };

/**
 * What Athena engine v3 says when the workgroup's `BytesScannedCutoffPerQuery` stops a query.
 * Athena reports it as CANCELLED; for a caller it is a refusal, not somebody cancelling.
 */
const BYTES_SCANNED_CUTOFF = /bytes scanned limit/i;

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The QueryEngine port on Amazon Athena. Values travel only as `ExecutionParameters`, each
 * rendered as the Trino literal Athena substitutes for its `?`; the SQL text is sent as given.
 * Nothing here logs, so parameter values never reach a log line.
 */
export class AthenaQueryEngine implements QueryEngine {
  private readonly workGroup: string;
  private readonly database: string;
  private readonly catalog: string;
  private readonly athena: AthenaClient;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly factor: number;
  private readonly reuseMaxAgeMinutes: number;
  private readonly defaultWaitMs: number;

  constructor(options: AthenaQueryEngineOptions) {
    this.workGroup = options.workGroup;
    this.database = options.database;
    this.catalog = options.catalog ?? 'AwsDataCatalog';
    this.athena = options.client ?? athenaClient();
    this.sleep = options.sleep ?? defaultSleep;
    this.now = options.now ?? Date.now;
    this.initialMs = options.backoff?.initialMs ?? 200;
    this.maxMs = options.backoff?.maxMs ?? 2_000;
    this.factor = options.backoff?.factor ?? 2;
    this.reuseMaxAgeMinutes = options.resultReuseMaxAgeMinutes ?? 60;
    this.defaultWaitMs = options.defaultWaitMs ?? 20_000;
    if (!(this.initialMs > 0 && this.maxMs >= this.initialMs && this.factor >= 1)) {
      throw new RangeError('backoff needs initialMs > 0, maxMs >= initialMs and factor >= 1');
    }
    if (!Number.isInteger(this.reuseMaxAgeMinutes) || this.reuseMaxAgeMinutes < 1 || this.reuseMaxAgeMinutes > REUSE_MAX_AGE_LIMIT) {
      throw new RangeError(`resultReuseMaxAgeMinutes must be a whole number from 1 to ${REUSE_MAX_AGE_LIMIT}`);
    }
  }

  async start(query: Query): Promise<string> {
    const parameters = query.parameters.map(renderParameter);
    try {
      const { QueryExecutionId } = await this.athena.send(
        new StartQueryExecutionCommand({
          QueryString: query.sql,
          // Athena refuses an empty list: a query without values sends none.
          ...(parameters.length > 0 ? { ExecutionParameters: parameters } : {}),
          QueryExecutionContext: { Database: this.database, Catalog: this.catalog },
          WorkGroup: this.workGroup,
          ...(query.requestToken === undefined ? {} : { ClientRequestToken: clientRequestToken(query.requestToken) }),
          ResultReuseConfiguration: {
            ResultReuseByAgeConfiguration: { Enabled: true, MaxAgeInMinutes: this.reuseMaxAgeMinutes },
          },
        }),
      );
      if (!QueryExecutionId) throw new QueryFailedError('Athena started the query without giving its id');
      return QueryExecutionId;
    } catch (error) {
      // Refused before it ran: a disabled workgroup, a reused token with a different query, SQL
      // Athena rejects up front. Throttling and server faults stay the SDK's (retried there).
      if (error instanceof InvalidRequestException) {
        throw new QueryFailedError(`Athena refused the query: ${error.message}`, undefined, 'USER');
      }
      throw error;
    }
  }

  async poll(queryId: string): Promise<QueryState> {
    if (queryId.length === 0 || queryId.length > QUERY_ID_MAX || /\s/.test(queryId)) {
      throw new UnknownQueryError(`no Athena query with id ${JSON.stringify(queryId.slice(0, QUERY_ID_MAX))}`);
    }
    const execution = await this.execution(queryId);
    const status = execution.Status;
    switch (status?.State) {
      case 'SUCCEEDED':
        // A result reused from an earlier identical query (ResultReuseInformation.ReusedPreviousResult)
        // reads back through GetQueryResults exactly like a fresh one.
        return { state: 'succeeded', queryId, result: await this.results(queryId, hasHeaderRow(execution)) };
      case 'FAILED': {
        const category = status.AthenaError?.ErrorCategory;
        throw new QueryFailedError(
          status.StateChangeReason ?? status.AthenaError?.ErrorMessage ?? 'Athena query failed',
          queryId,
          category === undefined ? undefined : (ERROR_CATEGORIES[category] ?? String(category)),
        );
      }
      case 'CANCELLED': {
        const reason = status.StateChangeReason;
        if (reason !== undefined && BYTES_SCANNED_CUTOFF.test(reason)) {
          const category = status.AthenaError?.ErrorCategory;
          throw new QueryFailedError(reason, queryId, category === undefined ? 'USER' : (ERROR_CATEGORIES[category] ?? String(category)));
        }
        throw new QueryCancelledError(reason ?? 'Athena query was cancelled', queryId);
      }
      default:
        // QUEUED, RUNNING, and a query Athena moved back to QUEUED after a transient error.
        return { state: 'running', queryId };
    }
  }

  async run(query: Query, waitMs: number = this.defaultWaitMs): Promise<QueryState> {
    const deadline = this.now() + Math.max(0, waitMs);
    const queryId = await this.start(query);
    let pause = this.initialMs;
    for (;;) {
      // The first look comes at once: a reused result is ready as soon as the query starts.
      const state = await this.poll(queryId);
      if (state.state !== 'running') return state;
      const remaining = deadline - this.now();
      if (remaining <= 0) return state;
      await this.sleep(Math.min(pause, remaining));
      pause = Math.min(pause * this.factor, this.maxMs);
    }
  }

  private async execution(queryId: string): Promise<QueryExecution> {
    try {
      const { QueryExecution: execution } = await this.athena.send(new GetQueryExecutionCommand({ QueryExecutionId: queryId }));
      if (!execution) throw new UnknownQueryError(`no Athena query with id ${queryId}`);
      return execution;
    } catch (error) {
      if (error instanceof InvalidRequestException) throw new UnknownQueryError(`no Athena query with id ${queryId}`);
      throw error;
    }
  }

  private async results(queryId: string, skipHeader: boolean): Promise<QueryResult> {
    let columns: readonly Column[] | undefined;
    let parsers: readonly ((value: string) => SqlValue)[] = [];
    const rows: Record<string, SqlValue>[] = [];
    let nextToken: string | undefined;
    let first = true;
    do {
      let page: GetQueryResultsCommandOutput;
      try {
        page = await this.athena.send(new GetQueryResultsCommand({ QueryExecutionId: queryId, MaxResults: RESULTS_PAGE, NextToken: nextToken }));
      } catch (error) {
        if (error instanceof InvalidRequestException) {
          throw new QueryFailedError(`Athena could not read the query's results: ${error.message}`, queryId);
        }
        throw error;
      }
      if (columns === undefined) {
        const info = page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [];
        columns = info.map((column) => ({ name: column.Name ?? column.Label ?? '', type: columnType(column) }));
        parsers = info.map(valueParser);
      }
      const pageRows = page.ResultSet?.Rows ?? [];
      // SELECT results open with one row of column names, on the first page only.
      for (const row of first && skipHeader ? pageRows.slice(1) : pageRows) rows.push(toRecord(row, columns, parsers));
      first = false;
      nextToken = page.NextToken;
    } while (nextToken);
    return { columns: columns ?? [], rows };
  }
}

/**
 * A value as the Trino literal Athena puts in place of its `?`. A string is one quoted literal
 * with its quotes doubled, so nothing in it can end the literal and become SQL. Errors name the
 * parameter's position, never its value.
 */
export const renderParameter = (value: SqlParameter, index: number): string => {
  let literal: string;
  if (value === null) literal = 'NULL';
  else if (typeof value === 'boolean') literal = value ? 'TRUE' : 'FALSE';
  else if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new QueryFailedError(`parameter ${index + 1} is not a finite number`, undefined, 'USER');
    // 1e+21 and 1.5e-7 become Trino's DOUBLE literals 1E+21 and 1.5E-7; -0 is 0.
    literal = String(value).toUpperCase();
  } else literal = `'${value.replaceAll("'", "''")}'`;
  if (literal.length > PARAMETER_MAX) {
    throw new QueryFailedError(`parameter ${index + 1} is longer than Athena accepts (${PARAMETER_MAX} characters)`, undefined, 'USER');
  }
  return literal;
};

/**
 * Athena takes 32 to 128 characters. A token in that range goes as it is; any other becomes its
 * SHA-256 (64 hex digits), so the same token always starts the same query.
 */
export const clientRequestToken = (token: string): string =>
  token.length >= REQUEST_TOKEN_MIN && token.length <= REQUEST_TOKEN_MAX ? token : createHash('sha256').update(token, 'utf8').digest('hex');

/** DDL and utility statements (SHOW, DESCRIBE, EXPLAIN) have no header row; queries do. */
const hasHeaderRow = (execution: QueryExecution): boolean => execution.StatementType !== 'DDL' && execution.StatementType !== 'UTILITY';

/** `decimal(10,2)` and `varchar(40)` by their base name, lower case. */
const baseType = (column: ColumnInfo): string => (column.Type ?? '').toLowerCase().replace(/\(.*$/, '').trim();

const NUMBER_TYPES = new Set(['tinyint', 'smallint', 'integer', 'int', 'bigint', 'real', 'float', 'double', 'decimal']);

const columnType = (column: ColumnInfo): ColumnType => {
  const type = baseType(column);
  if (NUMBER_TYPES.has(type)) return 'number';
  if (type === 'boolean') return 'boolean';
  if (type === 'date') return 'date';
  if (type.startsWith('timestamp')) return 'timestamp';
  // varchar, char, and what the port has no type for (time, arrays, maps, rows, json...) as Athena's text.
  return 'string';
};

const valueParser = (column: ColumnInfo): ((value: string) => SqlValue) => {
  switch (columnType(column)) {
    case 'number':
      return Number;
    case 'boolean':
      return (value) => value === 'true';
    case 'timestamp':
      return toIsoUtc;
    default:
      return (value) => value;
  }
};

const toRecord = (row: Row, columns: readonly Column[], parsers: readonly ((value: string) => SqlValue)[]): Record<string, SqlValue> => {
  const record: Record<string, SqlValue> = {};
  const data = row.Data ?? [];
  columns.forEach((column, index) => {
    const value = data[index]?.VarCharValue;
    // Athena leaves VarCharValue out for NULL; an empty string arrives as "".
    record[column.name] = value === undefined ? null : parsers[index]!(value);
  });
  return record;
};

/** `2026-11-23 09:12:16.123`, optionally followed by `UTC`, an offset or a zone name. */
const ATHENA_TIMESTAMP = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2})?)(?:\.(\d+))?(?: ?(.+))?$/;
const OFFSET = /^([+-])(\d{2}):?(\d{2})$/;

/**
 * An Athena timestamp as ISO 8601 UTC with milliseconds. A `timestamp` without zone is UTC (the
 * export writes UTC); a `timestamp with time zone` is moved to UTC. Text it cannot read stays as it is.
 */
export const toIsoUtc = (value: string): string => {
  const match = ATHENA_TIMESTAMP.exec(value.trim());
  if (!match) return value;
  const [, date, time, fraction = '', zone] = match;
  const wallClock = Date.parse(`${date}T${time!.length === 5 ? `${time}:00` : time}.${fraction.padEnd(3, '0').slice(0, 3)}Z`);
  if (Number.isNaN(wallClock)) return value;
  const offset = zoneOffsetMs(zone, wallClock);
  return offset === undefined ? value : new Date(wallClock - offset).toISOString();
};

const zoneFormats = new Map<string, Intl.DateTimeFormat>();

/** How far `zone` is ahead of UTC at the wall-clock time given (as if it were UTC). */
const zoneOffsetMs = (zone: string | undefined, wallClock: number): number | undefined => {
  if (zone === undefined || zone === 'UTC' || zone === 'Z' || zone === 'GMT') return 0;
  const offset = OFFSET.exec(zone);
  if (offset) return (offset[1] === '-' ? -1 : 1) * (Number(offset[2]) * 60 + Number(offset[3])) * 60_000;
  let format = zoneFormats.get(zone);
  if (!format) {
    try {
      format = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' });
    } catch {
      return undefined;
    }
    zoneFormats.set(zone, format);
  }
  const offsetAt = (instant: number): number => {
    const name = format.formatToParts(instant).find((part) => part.type === 'timeZoneName')?.value ?? 'GMT';
    const parts = /^GMT([+-])(\d{2}):(\d{2})$/.exec(name);
    return parts ? (parts[1] === '-' ? -1 : 1) * (Number(parts[2]) * 60 + Number(parts[3])) * 60_000 : 0;
  };
  // The offset at the instant the wall-clock time names; the second look settles DST changes.
  return offsetAt(wallClock - offsetAt(wallClock));
};
