import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  InvalidRequestException,
  StartQueryExecutionCommand,
  type ColumnInfo,
  type GetQueryExecutionCommandOutput,
  type GetQueryResultsCommandOutput,
  type QueryExecutionState,
  type Row,
} from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { AthenaQueryEngine, renderParameter, toIsoUtc } from '../../../shared/aws/athena-query-engine.ts';
import { QueryCancelledError, QueryFailedError, UnknownQueryError, type Query } from '../../../shared/analytics/ports/query-engine.ts';

const athena = mockClient(AthenaClient);

/** A clock that only the recorded sleeps move, so `waitMs` is measured in slept time. */
const fakeTime = () => {
  const sleeps: number[] = [];
  let clock = 1_000_000;
  return {
    sleeps,
    now: () => clock,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      clock += ms;
    },
  };
};

const engineWith = (time = fakeTime()) =>
  new AthenaQueryEngine({
    workGroup: 'comeback-reports',
    database: 'comeback_analytics',
    client: new AthenaClient({ region: 'eu-west-1' }),
    sleep: time.sleep,
    now: time.now,
  });

const execution = (state: QueryExecutionState, extra: { reason?: string; category?: number; reused?: boolean } = {}): GetQueryExecutionCommandOutput => ({
  $metadata: {},
  QueryExecution: {
    QueryExecutionId: 'q-1',
    StatementType: 'DML',
    SubstatementType: 'SELECT',
    Status: {
      State: state,
      ...(extra.reason === undefined ? {} : { StateChangeReason: extra.reason }),
      ...(extra.category === undefined ? {} : { AthenaError: { ErrorCategory: extra.category, ErrorType: 1006, Retryable: false } }),
    },
    ...(extra.reused === undefined ? {} : { Statistics: { ResultReuseInformation: { ReusedPreviousResult: extra.reused } } }),
  },
});

const COLUMNS: ColumnInfo[] = [
  { Name: 'client_id', Label: 'client_id', Type: 'varchar' },
  { Name: 'visits', Label: 'visits', Type: 'integer' },
  { Name: 'spend', Label: 'spend', Type: 'decimal', Precision: 10, Scale: 2 },
  { Name: 'share', Label: 'share', Type: 'double' },
  { Name: 'lapsed', Label: 'lapsed', Type: 'boolean' },
  { Name: 'last_visit', Label: 'last_visit', Type: 'date' },
  { Name: 'scored_at', Label: 'scored_at', Type: 'timestamp' },
  { Name: 'note', Label: 'note', Type: 'char' },
];

const text = (...values: (string | undefined)[]): Row => ({ Data: values.map((value) => (value === undefined ? {} : { VarCharValue: value })) });
const header = text(...COLUMNS.map((column) => column.Name));
const dataRow = (n: number): Row =>
  text(`c-${n}`, String(n % 40), `${n}.50`, '0.25', n % 2 === 0 ? 'true' : 'false', '2026-11-02', '2026-11-23 09:12:16.123', n % 3 === 0 ? undefined : '');

const page = (rows: Row[], nextToken?: string): GetQueryResultsCommandOutput => ({
  $metadata: {},
  ResultSet: { Rows: rows, ResultSetMetadata: { ColumnInfo: COLUMNS } },
  ...(nextToken === undefined ? {} : { NextToken: nextToken }),
});

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, index) => from + index);

const query: Query = {
  sql: 'SELECT client_id, visits FROM visits WHERE clinic_id = ? AND visits >= ? AND share > ? AND lapsed = ? AND churned = ? AND note IS ?',
  parameters: ["x'; DROP TABLE visits; --", 3, -1.5, true, false, null],
  requestToken: 'report:lapsed-regulars:clinic-7:2026-11-23:data-v42',
};

describe('AthenaQueryEngine.start: the StartQueryExecution it sends', () => {
  beforeEach(() => athena.reset());

  it('sends the SQL unchanged, every value as one literal in order, the workgroup, the catalog, the token and result reuse', async () => {
    // Prepare
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    // Act
    const id = await engineWith().start(query);
    // Assess
    expect(id).toBe('q-1');
    expect(athena.commandCalls(StartQueryExecutionCommand)[0]!.args[0].input).toEqual({
      QueryString: query.sql,
      ExecutionParameters: ["'x''; DROP TABLE visits; --'", '3', '-1.5', 'TRUE', 'FALSE', 'NULL'],
      QueryExecutionContext: { Database: 'comeback_analytics', Catalog: 'AwsDataCatalog' },
      WorkGroup: 'comeback-reports',
      ClientRequestToken: 'report:lapsed-regulars:clinic-7:2026-11-23:data-v42',
      ResultReuseConfiguration: { ResultReuseByAgeConfiguration: { Enabled: true, MaxAgeInMinutes: 60 } },
    });
  });

  it('keeps an injection attempt inside one quoted literal and out of the SQL text', async () => {
    // Prepare
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    const attempt = "x'; DROP TABLE visits; --";
    // Act
    await engineWith().start({ sql: 'SELECT 1 FROM visits WHERE clinic_id = ?', parameters: [attempt] });
    // Assess
    const input = athena.commandCalls(StartQueryExecutionCommand)[0]!.args[0].input;
    expect(input.QueryString).toBe('SELECT 1 FROM visits WHERE clinic_id = ?');
    expect(input.ExecutionParameters).toEqual(["'x''; DROP TABLE visits; --'"]);
    const literal = input.ExecutionParameters![0]!;
    // One literal: opens and closes with a quote, and every quote inside comes in a pair.
    expect(literal.startsWith("'") && literal.endsWith("'")).toBe(true);
    expect(literal.slice(1, -1).replaceAll("''", '')).not.toContain("'");
  });

  it('derives a valid, stable ClientRequestToken from a token Athena would refuse', async () => {
    // Prepare
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    const engine = engineWith();
    // Act
    for (const requestToken of ['r-1', 'r-1', 'r-2', 'x'.repeat(200), 'y'.repeat(32), 'z'.repeat(128)]) {
      await engine.start({ sql: 'SELECT 1', parameters: [], requestToken });
    }
    // Assess
    const tokens = athena.commandCalls(StartQueryExecutionCommand).map((call) => call.args[0].input.ClientRequestToken!);
    for (const token of tokens) {
      expect(token.length).toBeGreaterThanOrEqual(32);
      expect(token.length).toBeLessThanOrEqual(128);
    }
    expect(tokens[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(tokens[1]).toBe(tokens[0]);
    expect(tokens[2]).not.toBe(tokens[0]);
    expect(tokens[3]).toMatch(/^[0-9a-f]{64}$/);
    expect(tokens[4]).toBe('y'.repeat(32));
    expect(tokens[5]).toBe('z'.repeat(128));
  });

  it('leaves ExecutionParameters and the token out when there are none, and takes its own catalog and reuse age', async () => {
    // Prepare
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    const engine = new AthenaQueryEngine({
      workGroup: 'wg',
      database: 'db',
      catalog: 'analytics',
      resultReuseMaxAgeMinutes: 1440,
      client: new AthenaClient({ region: 'eu-west-1' }),
    });
    // Act
    await engine.start({ sql: 'SELECT 1', parameters: [] });
    // Assess
    expect(athena.commandCalls(StartQueryExecutionCommand)[0]!.args[0].input).toEqual({
      QueryString: 'SELECT 1',
      QueryExecutionContext: { Database: 'db', Catalog: 'analytics' },
      WorkGroup: 'wg',
      ResultReuseConfiguration: { ResultReuseByAgeConfiguration: { Enabled: true, MaxAgeInMinutes: 1440 } },
    });
  });

  it('refuses a value Athena cannot take before sending anything, without repeating the value', async () => {
    // Prepare
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    const secret = 'maria@example.com'.padEnd(1100, '!');
    // Act
    const tooLong = engineWith().start({ sql: 'SELECT ?', parameters: [secret] });
    const notFinite = engineWith().start({ sql: 'SELECT ? , ?', parameters: [1, Number.NaN] });
    // Assess
    await expect(tooLong).rejects.toThrow(QueryFailedError);
    await expect(tooLong).rejects.not.toThrow(/maria/);
    await expect(tooLong).rejects.toThrow(/parameter 1 /);
    await expect(notFinite).rejects.toThrow(/parameter 2 is not a finite number/);
    expect(athena.commandCalls(StartQueryExecutionCommand)).toHaveLength(0);
  });

  it('turns Athena refusing the request into a QueryFailedError', async () => {
    // Prepare
    athena
      .on(StartQueryExecutionCommand)
      .rejects(new InvalidRequestException({ message: 'Idempotent parameters do not match', AthenaErrorCode: 'INVALID_INPUT', $metadata: {} }));
    // Act
    const started = engineWith().start(query);
    // Assess
    await expect(started).rejects.toThrow(QueryFailedError);
    await expect(started).rejects.toMatchObject({ category: 'USER', message: expect.stringContaining('Idempotent parameters do not match') });
  });
});

describe('renderParameter: Trino literals for ExecutionParameters', () => {
  it.each([
    ['Maria', "'Maria'"],
    ["O'Brien", "'O''Brien'"],
    ['', "''"],
    ['back\\slash', "'back\\slash'"],
    ['Γιώργος', "'Γιώργος'"],
    [0, '0'],
    [-0, '0'],
    [42, '42'],
    [0.1, '0.1'],
    [1e21, '1E+21'],
    [1.5e-7, '1.5E-7'],
    [true, 'TRUE'],
    [false, 'FALSE'],
    [null, 'NULL'],
  ] as const)('%j -> %s', (value, literal) => {
    expect(renderParameter(value, 0)).toBe(literal);
  });
});

describe('AthenaQueryEngine.poll and run: waiting, results and failures', () => {
  beforeEach(() => athena.reset());

  it('reports a queued or running query as running', async () => {
    // Prepare
    athena.on(GetQueryExecutionCommand).resolvesOnce(execution('QUEUED')).resolvesOnce(execution('RUNNING'));
    const engine = engineWith();
    // Act / Assess
    expect(await engine.poll('q-1')).toEqual({ state: 'running', queryId: 'q-1' });
    expect(await engine.poll('q-1')).toEqual({ state: 'running', queryId: 'q-1' });
    expect(athena.commandCalls(GetQueryResultsCommand)).toHaveLength(0);
  });

  it('polls with exponential backoff until the query succeeds', async () => {
    // Prepare
    const time = fakeTime();
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    athena
      .on(GetQueryExecutionCommand)
      .resolvesOnce(execution('QUEUED'))
      .resolvesOnce(execution('RUNNING'))
      .resolvesOnce(execution('RUNNING'))
      .resolvesOnce(execution('RUNNING'))
      .resolvesOnce(execution('RUNNING'))
      .resolvesOnce(execution('RUNNING'))
      .resolves(execution('SUCCEEDED'));
    athena.on(GetQueryResultsCommand).resolves(page([header, dataRow(1)]));
    // Act
    const state = await engineWith(time).run(query, 60_000);
    // Assess
    expect(time.sleeps).toEqual([200, 400, 800, 1600, 2000, 2000]);
    expect(athena.commandCalls(GetQueryExecutionCommand)).toHaveLength(7);
    expect(athena.commandCalls(GetQueryExecutionCommand).every((call) => call.args[0].input.QueryExecutionId === 'q-1')).toBe(true);
    expect(state).toMatchObject({ state: 'succeeded', queryId: 'q-1', result: { rows: [{ client_id: 'c-1', visits: 1 }] } });
  });

  it('reads every page of results, skips the header row once and types every value', async () => {
    // Prepare: 999 rows after the header, then 1,000, then 501: 2,500 in all.
    athena.on(GetQueryExecutionCommand).resolves(execution('SUCCEEDED'));
    athena
      .on(GetQueryResultsCommand)
      .resolvesOnce(page([header, ...range(0, 999).map(dataRow)], 'token-2'))
      .resolvesOnce(page(range(999, 1999).map(dataRow), 'token-3'))
      .resolvesOnce(page(range(1999, 2500).map(dataRow)));
    // Act
    const state = await engineWith().poll('q-1');
    // Assess
    const calls = athena.commandCalls(GetQueryResultsCommand).map((call) => call.args[0].input);
    expect(calls).toEqual([
      { QueryExecutionId: 'q-1', MaxResults: 1000, NextToken: undefined },
      { QueryExecutionId: 'q-1', MaxResults: 1000, NextToken: 'token-2' },
      { QueryExecutionId: 'q-1', MaxResults: 1000, NextToken: 'token-3' },
    ]);
    if (state.state !== 'succeeded') throw new Error('expected the rows');
    const { columns, rows } = state.result;
    expect(columns).toEqual([
      { name: 'client_id', type: 'string' },
      { name: 'visits', type: 'number' },
      { name: 'spend', type: 'number' },
      { name: 'share', type: 'number' },
      { name: 'lapsed', type: 'boolean' },
      { name: 'last_visit', type: 'date' },
      { name: 'scored_at', type: 'timestamp' },
      { name: 'note', type: 'string' },
    ]);
    expect(rows).toHaveLength(2500);
    expect(rows.map((row) => row.client_id)).toEqual(range(0, 2500).map((n) => `c-${n}`));
    expect(rows[0]).toEqual({
      client_id: 'c-0',
      visits: 0,
      spend: 0.5,
      share: 0.25,
      lapsed: true,
      last_visit: '2026-11-02',
      scored_at: '2026-11-23T09:12:16.123Z',
      note: null,
    });
    expect(rows[2499]).toEqual({
      client_id: 'c-2499',
      visits: 19,
      spend: 2499.5,
      share: 0.25,
      lapsed: false,
      last_visit: '2026-11-02',
      scored_at: '2026-11-23T09:12:16.123Z',
      note: null,
    });
    // NULL arrives without VarCharValue; an empty string arrives as "".
    expect(rows[1]!.note).toBe('');
    expect(rows.some((row) => row.client_id === 'client_id')).toBe(false);
  });

  it('keeps the first row of a statement that has no header row', async () => {
    // Prepare
    const utility = execution('SUCCEEDED');
    athena.on(GetQueryExecutionCommand).resolves({ ...utility, QueryExecution: { ...utility.QueryExecution, StatementType: 'UTILITY' } });
    athena.on(GetQueryResultsCommand).resolves({
      $metadata: {},
      ResultSet: { Rows: [text('visits'), text('clients')], ResultSetMetadata: { ColumnInfo: [{ Name: 'tab_name', Type: 'string' }] } },
    });
    // Act
    const state = await engineWith().poll('q-1');
    // Assess
    expect(state).toMatchObject({ result: { rows: [{ tab_name: 'visits' }, { tab_name: 'clients' }] } });
  });

  it.each([
    [1, 'SYSTEM'],
    [2, 'USER'],
    [3, 'OTHER'],
  ])('turns FAILED with ErrorCategory %i into a QueryFailedError of category %s', async (code, category) => {
    // Prepare
    athena.on(GetQueryExecutionCommand).resolves(execution('FAILED', { reason: "COLUMN_NOT_FOUND: line 1:8: Column 'x' cannot be resolved", category: code }));
    // Act
    const polled = engineWith().poll('q-1');
    // Assess
    await expect(polled).rejects.toThrow(QueryFailedError);
    await expect(polled).rejects.toMatchObject({ queryId: 'q-1', category, message: "COLUMN_NOT_FOUND: line 1:8: Column 'x' cannot be resolved" });
  });

  it('turns CANCELLED into a QueryCancelledError', async () => {
    // Prepare
    athena.on(GetQueryExecutionCommand).resolves(execution('CANCELLED', { reason: 'Query was cancelled by user' }));
    // Act
    const polled = engineWith().poll('q-1');
    // Assess
    await expect(polled).rejects.toThrow(QueryCancelledError);
    await expect(polled).rejects.toMatchObject({ queryId: 'q-1' });
  });

  it('treats the workgroup cutting a query off for bytes scanned as a failure, not a cancellation', async () => {
    // Prepare: Athena engine v3 reports the per-query cutoff as CANCELLED.
    athena.on(GetQueryExecutionCommand).resolves(execution('CANCELLED', { reason: 'Bytes scanned limit was exceeded' }));
    // Act
    const polled = engineWith().poll('q-1');
    // Assess
    await expect(polled).rejects.toThrow(QueryFailedError);
    await expect(polled).rejects.toMatchObject({ queryId: 'q-1', category: 'USER', message: 'Bytes scanned limit was exceeded' });
  });

  it('turns an id Athena does not know into an UnknownQueryError', async () => {
    // Prepare
    athena
      .on(GetQueryExecutionCommand)
      .rejects(new InvalidRequestException({ message: 'QueryExecution q-404 was not found', AthenaErrorCode: 'INVALID_INPUT', $metadata: {} }));
    const engine = engineWith();
    // Act / Assess
    await expect(engine.poll('q-404')).rejects.toThrow(UnknownQueryError);
    await expect(engine.poll('not an id')).rejects.toThrow(UnknownQueryError);
    await expect(engine.poll('')).rejects.toThrow(UnknownQueryError);
    expect(athena.commandCalls(GetQueryExecutionCommand)).toHaveLength(1);
  });

  it('returns the running state with the id once waitMs has passed, polling one last time at the deadline', async () => {
    // Prepare
    const time = fakeTime();
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-slow' });
    athena.on(GetQueryExecutionCommand).resolves(execution('RUNNING'));
    // Act
    const state = await engineWith(time).run(query, 3_000);
    // Assess
    expect(state).toEqual({ state: 'running', queryId: 'q-slow' });
    expect(time.sleeps).toEqual([200, 400, 800, 1600]);
    expect(time.sleeps.reduce((sum, ms) => sum + ms, 0)).toBe(3_000);
    expect(athena.commandCalls(GetQueryExecutionCommand)).toHaveLength(5);
    expect(athena.commandCalls(GetQueryResultsCommand)).toHaveLength(0);
  });

  it('with waitMs 0 starts the query, looks once and hands back its id', async () => {
    // Prepare
    const time = fakeTime();
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-later' });
    athena.on(GetQueryExecutionCommand).resolves(execution('QUEUED'));
    // Act
    const state = await engineWith(time).run(query, 0);
    // Assess
    expect(state).toEqual({ state: 'running', queryId: 'q-later' });
    expect(time.sleeps).toEqual([]);
  });

  it('asks for result reuse and reads a reused result like a fresh one, without waiting', async () => {
    // Prepare
    const time = fakeTime();
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-reused' });
    athena.on(GetQueryExecutionCommand).resolves(execution('SUCCEEDED', { reused: true }));
    athena.on(GetQueryResultsCommand).resolves(page([header, dataRow(4)]));
    // Act
    const state = await engineWith(time).run(query);
    // Assess
    expect(athena.commandCalls(StartQueryExecutionCommand)[0]!.args[0].input.ResultReuseConfiguration).toEqual({
      ResultReuseByAgeConfiguration: { Enabled: true, MaxAgeInMinutes: 60 },
    });
    expect(time.sleeps).toEqual([]);
    expect(state).toMatchObject({ state: 'succeeded', queryId: 'q-reused', result: { rows: [{ client_id: 'c-4', visits: 4, lapsed: true }] } });
  });
});

describe('toIsoUtc: Athena timestamps as ISO 8601 UTC', () => {
  it.each([
    ['2026-11-23 09:12:16.123', '2026-11-23T09:12:16.123Z'],
    ['2026-11-23 09:12:16', '2026-11-23T09:12:16.000Z'],
    ['2026-11-23 09:12:16.123456', '2026-11-23T09:12:16.123Z'],
    ['2026-11-23 09:12:16.123 UTC', '2026-11-23T09:12:16.123Z'],
    ['2026-11-23 09:12:16.000 +02:00', '2026-11-23T07:12:16.000Z'],
    ['2026-07-01 12:00:00.000 Europe/Athens', '2026-07-01T09:00:00.000Z'],
    ['2026-01-15 12:00:00.000 America/New_York', '2026-01-15T17:00:00.000Z'],
    ['not a timestamp', 'not a timestamp'],
  ])('%s -> %s', (athenaText, iso) => {
    expect(toIsoUtc(athenaText)).toBe(iso);
  });
});
