import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeParquet, ExportValueError } from '../../../shared/files/parquet-file.ts';
import { visitRow } from '../../../shared/analytics/export-rows.ts';
import { visitsExport, type ExportRow, type ExportTable } from '../../../shared/analytics/export-tables.ts';

const everyType: ExportTable = {
  name: 'every_type',
  description: 'one column of each type',
  partition: 'none',
  columns: [
    { name: 's', type: 'string', description: '' },
    { name: 'i', type: 'int', description: '' },
    { name: 'b', type: 'bigint', description: '' },
    { name: 'x', type: 'double', description: '' },
    { name: 'f', type: 'boolean', description: '' },
    { name: 'd', type: 'date', description: '' },
    { name: 't', type: 'timestamp', description: '' },
  ],
};

const rows: ExportRow[] = [
  { s: 'Αθήνα', i: -7, b: 9_007_199_254_740_991, x: 0.25, f: true, d: '2026-05-31', t: '2026-05-31T23:59:58.123Z' },
  { s: null, i: null, b: null, x: null, f: null, d: null, t: null },
  { s: '', i: 2_147_483_647, b: 0, x: -1e-9, f: false, d: '1970-01-01', t: '2026-01-01T00:00:00+02:00' },
];

const arrayBuffer = (bytes: Uint8Array): ArrayBuffer => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;

describe('Parquet files of exported tables', () => {
  let dir: string;
  let duck: DuckDBInstance;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'parquet-file-'));
    duck = await DuckDBInstance.create(':memory:');
  });
  afterAll(async () => {
    duck.closeSync();
    await rm(dir, { recursive: true, force: true });
  });

  const duckRead = async (bytes: Uint8Array, name: string, select = "* REPLACE (strftime(t, '%Y-%m-%dT%H:%M:%S.%gZ') AS t, CAST(d AS VARCHAR) AS d)") => {
    const path = join(dir, `${name}.parquet`);
    await writeFile(path, bytes);
    const connection = await duck.connect();
    try {
      await connection.run("SET TimeZone = 'UTC'");
      const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${path}')`);
      const types = Object.fromEntries(described.getRowObjectsJS().map((row) => [row.column_name as string, row.column_type as string]));
      const read = await connection.runAndReadAll(`SELECT ${select} FROM read_parquet('${path}')`);
      return { types, rows: read.getRowObjectsJS() };
    } finally {
      connection.closeSync();
    }
  };

  it('round-trips every column type through hyparquet, Snappy-compressed, with the logical types set', async () => {
    const bytes = encodeParquet(everyType, rows);

    const read = await parquetReadObjects({ file: arrayBuffer(bytes) });
    const metadata = parquetMetadata(arrayBuffer(bytes));

    expect(read).toEqual([
      { s: 'Αθήνα', i: -7, b: 9_007_199_254_740_991n, x: 0.25, f: true, d: new Date('2026-05-31T00:00:00Z'), t: new Date('2026-05-31T23:59:58.123Z') },
      { s: null, i: null, b: null, x: null, f: null, d: null, t: null },
      { s: '', i: 2_147_483_647, b: 0n, x: -1e-9, f: false, d: new Date('1970-01-01T00:00:00Z'), t: new Date('2025-12-31T22:00:00Z') },
    ]);
    expect(metadata.row_groups.flatMap((group) => group.columns.map((chunk) => chunk.meta_data?.codec))).toEqual(Array(7).fill('SNAPPY'));
    const leaf = (name: string) => metadata.schema.find((element) => element.name === name);
    expect(leaf('t')).toMatchObject({ type: 'INT64', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MILLIS' } });
    expect(leaf('d')).toMatchObject({ type: 'INT32', converted_type: 'DATE' });
    expect(leaf('b')).toMatchObject({ type: 'INT64' });
    expect(leaf('s')).toMatchObject({ type: 'BYTE_ARRAY', converted_type: 'UTF8' });
    expect(metadata.schema.slice(1).every((element) => element.repetition_type === 'OPTIONAL')).toBe(true);
  });

  it('is read by DuckDB with SQL types: DATE, TIMESTAMP in UTC, BIGINT, INTEGER', async () => {
    const { types, rows: read } = await duckRead(encodeParquet(everyType, rows), 'every-type');

    expect(types).toEqual({ s: 'VARCHAR', i: 'INTEGER', b: 'BIGINT', x: 'DOUBLE', f: 'BOOLEAN', d: 'DATE', t: 'TIMESTAMP WITH TIME ZONE' });
    expect(read[0]).toEqual({ s: 'Αθήνα', i: -7, b: 9_007_199_254_740_991n, x: 0.25, f: true, d: '2026-05-31', t: '2026-05-31T23:59:58.123Z' });
    expect(read[2]).toMatchObject({ t: '2025-12-31T22:00:00.000Z', d: '1970-01-01' });
  });

  it('writes a real table as its definition says, and the same rows as the same bytes', async () => {
    const visit = visitRow({
      visitId: 'v-1',
      clientId: 'c-1',
      visitedAt: '2026-03-02T08:30:00Z',
      day: '2026-03-02',
      amount: { minor: 4500, currency: 'EUR' },
    }).row;

    const bytes = encodeParquet(visitsExport, [visit]);
    const { types, rows: read } = await duckRead(
      bytes,
      'visits',
      'visit_id, CAST(visited_at AS VARCHAR) AS visited_at, CAST(visit_day AS VARCHAR) AS visit_day, amount_minor',
    );

    expect(Object.keys(types)).toEqual(visitsExport.columns.map((column) => column.name));
    expect(types).toMatchObject({ visited_at: 'TIMESTAMP WITH TIME ZONE', visit_day: 'DATE', amount_minor: 'BIGINT' });
    expect(await parquetReadObjects({ file: arrayBuffer(bytes) })).toHaveLength(1);
    expect(read).toEqual([{ visit_id: 'v-1', visited_at: '2026-03-02 08:30:00+00', visit_day: '2026-03-02', amount_minor: 4500n }]);
    expect(encodeParquet(visitsExport, [visit])).toEqual(bytes);
  });

  it('writes a file with no rows that still has every column', async () => {
    const { types, rows: read } = await duckRead(encodeParquet(everyType, []), 'empty', '*');
    expect(Object.keys(types)).toEqual(['s', 'i', 'b', 'x', 'f', 'd', 't']);
    expect(read).toEqual([]);
  });

  it.each([
    [{ i: 1.5 }, 'i'],
    [{ i: 2 ** 31 }, 'i'],
    [{ b: 2 ** 60 }, 'b'],
    [{ s: 3 }, 's'],
    [{ d: '2026-02-30' }, 'd'],
    [{ t: 'yesterday' }, 't'],
    [{ x: Number.NaN }, 'x'],
    [{ phone: '+306912345678' }, 'phone'],
  ])('refuses a row with %j', (row, column) => {
    expect(() => encodeParquet(everyType, [row])).toThrow(expect.objectContaining({ name: 'ExportValueError', column }));
    expect(() => encodeParquet(everyType, [row])).toThrow(ExportValueError);
  });
});
