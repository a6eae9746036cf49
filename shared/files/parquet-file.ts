import { parquetWriteBuffer, type SchemaElement } from 'hyparquet-writer';
import { isIsoDay } from '../common/dates.ts';
import type { ExportColumn, ExportColumnType, ExportRow, ExportTable } from '../analytics/export-tables.ts';
import type { PartitionFormat } from '../analytics/ports/partition-format.ts';
import { AppError } from '../common/app-error.ts';

/**
 * One exported table's rows as a Parquet file, typed as the table says: dates as DATE, instants
 * as TIMESTAMP (UTC, milliseconds), bigint as INT64, int as INT32, every column nullable,
 * Snappy-compressed. The same rows always give the same bytes (nothing time-dependent is written).
 */

export const parquetContentType = 'application/vnd.apache.parquet';

/** A row that does not fit its table: a column it lacks, a column it should not have, a wrong value. */
export class ExportValueError extends AppError {
  override readonly name = 'ExportValueError';
  readonly kind = 'unprocessable';
  constructor(
    message: string,
    readonly table: string,
    readonly column: string,
  ) {
    super(message);
  }
}

const physical: Readonly<Record<ExportColumnType, Omit<SchemaElement, 'name'>>> = {
  string: { type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' } },
  int: { type: 'INT32' },
  bigint: { type: 'INT64' },
  double: { type: 'DOUBLE' },
  boolean: { type: 'BOOLEAN' },
  date: { type: 'INT32', converted_type: 'DATE', logical_type: { type: 'DATE' } },
  timestamp: { type: 'INT64', converted_type: 'TIMESTAMP_MILLIS', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MILLIS' } },
};

/** The Parquet schema of an exported table (the root, then one optional leaf per column). */
export const parquetSchema = (table: ExportTable): SchemaElement[] => [
  { name: 'root', num_children: table.columns.length },
  ...table.columns.map((column): SchemaElement => ({ name: column.name, ...physical[column.type], repetition_type: 'OPTIONAL' })),
];

const dayMillis = 86_400_000;
const int32 = { min: -2_147_483_648, max: 2_147_483_647 };

type Encoded = number | bigint | boolean | string | null;

const encodeValue = (table: ExportTable, column: ExportColumn, value: ExportRow[string] | undefined): Encoded => {
  if (value === null || value === undefined) return null;
  const refuse = (expected: string): never => {
    throw new ExportValueError(`${table.name}.${column.name}: expected ${expected}, got ${JSON.stringify(value)}`, table.name, column.name);
  };
  switch (column.type) {
    case 'string':
      return typeof value === 'string' ? value : refuse('a string');
    case 'int':
      return typeof value === 'number' && Number.isInteger(value) && value >= int32.min && value <= int32.max ? value : refuse('a 32-bit whole number');
    case 'bigint':
      return typeof value === 'number' && Number.isSafeInteger(value) ? BigInt(value) : refuse('a whole number');
    case 'double':
      return typeof value === 'number' && Number.isFinite(value) ? value : refuse('a finite number');
    case 'boolean':
      return typeof value === 'boolean' ? value : refuse('true or false');
    case 'date':
      return typeof value === 'string' && isIsoDay(value) ? Date.parse(`${value}T00:00:00Z`) / dayMillis : refuse('a date as YYYY-MM-DD');
    case 'timestamp': {
      const millis = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value) ? Date.parse(value) : Number.NaN;
      return Number.isNaN(millis) ? refuse('an ISO 8601 instant') : BigInt(millis);
    }
  }
};

/** Encodes the rows (in the order given) as one Parquet file. Zero rows make a valid empty file. */
export const encodeParquet = (table: ExportTable, rows: readonly ExportRow[]): Uint8Array => {
  const known = new Set(table.columns.map((column) => column.name));
  for (const row of rows) {
    for (const key of Object.keys(row)) {
      if (!known.has(key)) throw new ExportValueError(`${table.name} has no column ${key}`, table.name, key);
    }
  }
  const columnData = table.columns.map((column) => ({ name: column.name, data: rows.map((row) => encodeValue(table, column, row[column.name])) }));
  const buffer = parquetWriteBuffer({
    schema: parquetSchema(table),
    columnData,
    codec: 'SNAPPY',
    rowGroupSize: 100_000,
    createdBy: 'comeback',
    kvMetadata: [{ key: 'comeback.table', value: table.name }],
  });
  return new Uint8Array(buffer);
};

/** The export's partitions as Parquet files. */
export const parquetPartitions: PartitionFormat = { contentType: parquetContentType, encode: encodeParquet };
