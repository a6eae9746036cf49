import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbQueryEngine } from '../../../shared/files/duckdb-query-engine.ts';
import { FolderObjectStore } from '../../../shared/files/folder-object-store.ts';
import { encodeParquet } from '../../../shared/files/parquet-file.ts';
import { visitRow } from '../../../shared/analytics/export-rows.ts';
import { exportTables, lapseEpisodesExport, repliesExport, visitsExport } from '../../../shared/analytics/export-tables.ts';
import { QueryFailedError, UnknownQueryError, type Query, type QueryResult } from '../../../shared/analytics/ports/query-engine.ts';
import { partitionFile } from '../../../shared/analytics/use-cases/export.ts';

/** Visit days: two in January, three in February (one on its last day), two in March (one on its first). */
const days = ['2026-01-05', '2026-01-20', '2026-02-01', '2026-02-14', '2026-02-28', '2026-03-01', '2026-03-15'];

const visitsOn = (day: string, index: number) =>
  [0, 1].map(
    (n) =>
      visitRow({
        visitId: `v-${index}-${n}`,
        clientId: `c-${n}`,
        visitedAt: `${day}T${n === 0 ? '08' : '23'}:15:00.250Z`,
        day,
        doctorId: `dr-${n}`,
        amount: { minor: 1000 * (n + 1), currency: 'EUR' },
      }).row,
  );

const result = async (engine: DuckDbQueryEngine, sql: string, parameters: Query['parameters'] = []): Promise<QueryResult> => {
  const state = await engine.run({ sql, parameters });
  if (state.state !== 'succeeded') throw new Error('still running');
  return state.result;
};

interface PlanNode {
  readonly operator_type?: string;
  readonly extra_info?: Record<string, unknown>;
  readonly children?: readonly PlanNode[];
}

/** The Parquet files DuckDB opened for a query, from its own profile of the run (EXPLAIN ANALYZE). */
const filesRead = async (engine: DuckDbQueryEngine, sql: string, parameters: Query['parameters']): Promise<{ count: number; files: string }> => {
  const { rows } = await result(engine, `EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, parameters);
  const scans: Record<string, unknown>[] = [];
  const walk = (node: PlanNode): void => {
    if (node.operator_type === 'TABLE_SCAN' && node.extra_info) scans.push(node.extra_info);
    node.children?.forEach(walk);
  };
  walk(JSON.parse(String(rows[0]!.explain_value)) as PlanNode);
  expect(scans).toHaveLength(1);
  const scan = scans[0]!;
  return {
    count: Number(scan['Total Files Read']),
    files: String(scan['Filename(s)'] ?? ''),
  };
};

describe('DuckDB over the export folder', () => {
  let root: string;
  let engine: DuckDbQueryEngine;
  let objects: FolderObjectStore;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'duckdb-engine-'));
    objects = new FolderObjectStore(root);
    for (const [index, day] of days.entries()) await objects.put(partitionFile('visits', day), encodeParquet(visitsExport, visitsOn(day, index)));
    engine = new DuckDbQueryEngine(root);
  });
  afterAll(async () => {
    await engine.close();
    await rm(root, { recursive: true, force: true });
  });

  it('reads a table through its view, typed as the port says, with dt from the folder names', async () => {
    const { columns, rows } = await result(
      engine,
      'SELECT visit_id, visited_at, visit_day, amount_minor, dt, sum(amount_minor) OVER () AS total, avg(CAST(amount_minor AS DECIMAL(12, 2))) OVER () AS mean, doctor_id IS NOT NULL AS has_doctor FROM visits ORDER BY visited_at LIMIT 1',
    );

    expect(columns).toEqual([
      { name: 'visit_id', type: 'string' },
      { name: 'visited_at', type: 'timestamp' },
      { name: 'visit_day', type: 'date' },
      { name: 'amount_minor', type: 'number' },
      { name: 'dt', type: 'string' },
      { name: 'total', type: 'number' },
      { name: 'mean', type: 'number' },
      { name: 'has_doctor', type: 'boolean' },
    ]);
    expect(rows).toEqual([
      {
        visit_id: 'v-0-0',
        visited_at: '2026-01-05T08:15:00.250Z',
        visit_day: '2026-01-05',
        amount_minor: 1000,
        dt: '2026-01-05',
        total: 21_000,
        mean: 1500,
        has_doctor: true,
      },
    ]);
  });

  it('reads timestamps as UTC, so a date taken from one is the UTC day, as on Athena', async () => {
    const { rows } = await result(engine, "SELECT CAST(visited_at AS DATE) AS day, typeof(visited_at) AS type FROM visits WHERE visit_id = 'v-0-1'");
    expect(rows).toEqual([{ day: '2026-01-05', type: 'TIMESTAMP' }]);
  });

  it('opens only the files of the partitions a filter on dt keeps', async () => {
    const february = await filesRead(engine, 'SELECT count(*) FROM visits WHERE dt >= ? AND dt < ?', ['2026-02-01', '2026-03-01']);
    const everything = await filesRead(engine, 'SELECT count(*) FROM visits', []);

    expect(february.count).toBe(3);
    expect([...february.files.matchAll(/dt=([\d-]+)\//g)].map((match) => match[1])).toEqual(['2026-02-01', '2026-02-14', '2026-02-28']);
    expect(everything.count).toBe(days.length);
    expect((await result(engine, 'SELECT count(*) AS n FROM visits WHERE dt >= ? AND dt < ?', ['2026-02-01', '2026-03-01'])).rows).toEqual([{ n: 6 }]);
  });

  it('gives every table a view from the first query, empty with the right columns until it has files', async () => {
    const { columns, rows } = await result(engine, 'SELECT * FROM replies');
    expect(rows).toEqual([]);
    expect(columns.map((column) => column.name)).toEqual([...repliesExport.columns.map((column) => column.name), 'dt']);
    expect(columns.find((column) => column.name === 'received_at')?.type).toBe('timestamp');
    for (const table of exportTables) expect((await result(engine, `SELECT count(*) AS n FROM ${table.name}`)).rows).toHaveLength(1);
  });

  it('sees a table’s first file without being opened again', async () => {
    expect((await result(engine, 'SELECT count(*) AS n FROM lapse_episodes')).rows).toEqual([{ n: 0 }]);
    await objects.put(
      partitionFile('lapse_episodes', '2026-02-01'),
      encodeParquet(lapseEpisodesExport, [
        {
          client_id: 'c-1',
          episode_id: '2026-02-01',
          opened_on: '2026-02-01',
          status: 'open',
          control_group: false,
          requests: 0,
          rule: 'rhythm',
          last_visit: '2025-11-01',
          days_since_last_visit: 92,
        },
      ]),
    );
    expect((await result(engine, 'SELECT client_id, opened_on, p_alive, dt FROM lapse_episodes')).rows).toEqual([
      { client_id: 'c-1', opened_on: '2026-02-01', p_alive: null, dt: '2026-02-01' },
    ]);
  });

  it.each(["v-0-0' OR '1'='1", "'; DROP VIEW visits; --", 'v-0-0" OR 1=1 --'])('treats the parameter %j as a value, never as SQL', async (attempt) => {
    const { rows } = await result(engine, 'SELECT count(*) AS n FROM visits WHERE visit_id = ?', [attempt]);
    expect(rows).toEqual([{ n: 0 }]);
    expect((await result(engine, 'SELECT count(*) AS n FROM visits')).rows).toEqual([{ n: 14 }]);
  });

  it('binds numbers, booleans and nulls as themselves', async () => {
    const { rows } = await result(engine, 'SELECT count(*) AS n FROM visits WHERE amount_minor >= ? AND (doctor_id IS NOT NULL) = ? AND ? IS NULL', [
      1500,
      true,
      null,
    ]);
    expect(rows).toEqual([{ n: 7 }]);
  });

  it('keeps a query’s result under its id, and the same request token gives the same query', async () => {
    const query: Query = { sql: 'SELECT count(*) AS n FROM visits WHERE dt LIKE ?', parameters: ['2026-01-%'], requestToken: 'report-jan' };
    const id = await engine.start(query);

    expect(await engine.poll(id)).toEqual({ state: 'succeeded', queryId: id, result: { columns: [{ name: 'n', type: 'number' }], rows: [{ n: 4 }] } });
    expect(await engine.start(query)).toBe(id);
    await expect(engine.poll('no-such-query')).rejects.toBeInstanceOf(UnknownQueryError);
  });

  it('reports a wrong query as failed on poll, with the engine’s reason', async () => {
    const id = await engine.start({ sql: 'SELEC nothing', parameters: [] });
    await expect(engine.poll(id)).rejects.toMatchObject({
      name: 'QueryFailedError',
      queryId: id,
      category: 'USER',
      message: expect.stringMatching(/Parser Error/),
    });
    await expect(engine.run({ sql: 'SELECT missing_column FROM visits', parameters: [] })).rejects.toBeInstanceOf(QueryFailedError);
    await expect(engine.run({ sql: 'SELECT ? AS a, ? AS b', parameters: [1] })).rejects.toThrow(/2 parameter/);
  });

  it.each([
    ['a second statement', 'SELECT 1; SELECT 2'],
    ['writing a file', `COPY (SELECT 1) TO '${join(tmpdir(), 'duckdb-escape.csv')}'`],
    ['changing a setting', 'SET enable_external_access = true'],
    ['attaching a database', `ATTACH '${join(tmpdir(), 'duckdb-escape.db')}'`],
    ['reading a file outside the export folder', "SELECT * FROM read_csv('/etc/passwd')"],
  ])('refuses %s', async (_what, sql) => {
    await expect(engine.run({ sql, parameters: [] })).rejects.toBeInstanceOf(QueryFailedError);
  });
});
