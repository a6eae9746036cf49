/** A table of rows to import (a CSV or JSON Lines file, or rows already in memory), read as a stream. */

export type Delimiter = ',' | ';' | '\t' | '|' | 'whitespace';

/** One data row: its line in the file, its values by header name, or why it could not be read. */
export type TableRecord =
  | { readonly line: number; readonly values: Record<string, string>; readonly problem?: undefined }
  | { readonly line: number; readonly values?: undefined; readonly problem: string };

export interface TableFile {
  readonly format: 'csv' | 'jsonl';
  readonly delimiter?: Delimiter;
  readonly header: readonly string[];
  readonly sizeBytes: number;
  records(): AsyncGenerator<TableRecord>;
}

export const describeDelimiter = (delimiter: Delimiter): string =>
  ({ ',': 'commas', ';': 'semicolons', '\t': 'tabs', '|': 'pipes', whitespace: 'spaces' })[delimiter];
