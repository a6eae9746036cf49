import type { ExportRow, ExportTable } from '../export-tables.ts';

/**
 * How one partition's rows become a file: Parquet (`part-00000.parquet`), which Athena and
 * DuckDB both read. Same rows, same bytes: the export's manifests rely on it.
 */
export interface PartitionFormat {
  readonly contentType: string;
  encode(table: ExportTable, rows: readonly ExportRow[]): Uint8Array;
}
