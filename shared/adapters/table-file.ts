import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { parse as parseCsv } from 'csv-parse';

/** The whole file cannot be read as a table: nothing from it was used. */
export class TableFileError extends Error {
  override readonly name = 'TableFileError';
}

export type Delimiter = ',' | ';' | '\t' | '|' | 'whitespace';

export interface TableFileOptions {
  /** Detected from the header line when not given. */
  readonly delimiter?: Delimiter;
  /** Called as bytes are read, for a progress bar. */
  readonly onBytes?: (bytesRead: number) => void;
}

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

const sniffBytes = 64 * 1024;
const candidates = [',', ';', '\t', '|'] as const;

export const describeDelimiter = (delimiter: Delimiter): string =>
  ({ ',': 'commas', ';': 'semicolons', '\t': 'tabs', '|': 'pipes', whitespace: 'spaces' })[delimiter];

const countOutsideQuotes = (line: string, char: string): number => {
  let count = 0;
  let quoted = false;
  for (const c of line) {
    if (c === '"') quoted = !quoted;
    else if (c === char && !quoted) count++;
  }
  return count;
};

/** The delimiter the header line is most plausibly split by. */
export const detectDelimiter = (headerLine: string): Delimiter => {
  let best: Delimiter = ',';
  let bestCount = 0;
  for (const candidate of candidates) {
    const count = countOutsideQuotes(headerLine, candidate);
    if (count > bestCount) [best, bestCount] = [candidate, count];
  }
  if (bestCount === 0 && /\S\s+\S/.test(headerLine.trim())) return 'whitespace';
  return best;
};

const decodeStrict = (bytes: Buffer, what: string): string => {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new TableFileError(`${what} is not UTF-8 text: save it as UTF-8 (CSV UTF-8 in spreadsheet programs)`);
  }
};

/**
 * Opens a CSV (any common delimiter, or columns separated by spaces) or JSON Lines file and
 * reads it as a stream of rows: a file of any size is read in constant memory.
 */
export const openTableFile = async (path: string, options: TableFileOptions = {}): Promise<TableFile> => {
  let sizeBytes: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new TableFileError(`${path} is not a file`);
    sizeBytes = info.size;
  } catch (error) {
    if (error instanceof TableFileError) throw error;
    throw new TableFileError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
  if (sizeBytes === 0) throw new TableFileError(`${path} is empty`);

  const handle = await open(path, 'r');
  const head = Buffer.alloc(Math.min(sniffBytes, sizeBytes));
  try {
    await handle.read(head, 0, head.length, 0);
  } finally {
    await handle.close();
  }
  // The sniffed block may end inside a multi-byte character: only its complete lines are judged.
  const lastNewline = head.lastIndexOf(0x0a);
  const judged = head.length < sizeBytes && lastNewline > 0 ? head.subarray(0, lastNewline) : head;
  const text = decodeStrict(judged, path).replace(/^\uFEFF/, '');
  const firstLine = text.split(/\r?\n/).find((line) => line.trim() !== '');
  if (firstLine === undefined) throw new TableFileError(`${path} has no rows`);

  if (firstLine.trimStart().startsWith('{')) {
    return { format: 'jsonl', header: [], sizeBytes, records: () => readJsonLines(path, options) };
  }
  const delimiter = options.delimiter ?? detectDelimiter(firstLine);
  const header = splitHeader(firstLine, delimiter);
  const seen = new Set<string>();
  for (const name of header) {
    if (name === '') throw new TableFileError(`${path}: the header has an empty column name`);
    if (seen.has(name)) throw new TableFileError(`${path}: the header names column "${name}" twice`);
    seen.add(name);
  }
  return {
    format: 'csv',
    delimiter,
    header,
    sizeBytes,
    records: () => (delimiter === 'whitespace' ? readWhitespace(path, header, options) : readCsv(path, delimiter, header, options)),
  };
};

const splitHeader = (line: string, delimiter: Delimiter): string[] =>
  delimiter === 'whitespace'
    ? line.trim().split(/\s+/)
    : line.split(delimiter).map((name) => name.trim().replace(/^"(.*)"$/, '$1').trim());

/** UTF-8 text of the file, chunk by chunk; a byte sequence that is not UTF-8 stops the read. */
async function* textChunks(path: string, options: TableFileOptions): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let bytesRead = 0;
  let linesSeen = 1;
  let first = true;
  for await (const chunk of createReadStream(path, { highWaterMark: 256 * 1024 }) as AsyncIterable<Buffer>) {
    bytesRead += chunk.length;
    let text: string;
    try {
      text = decoder.decode(chunk, { stream: true });
    } catch {
      throw new TableFileError(
        `${path} is not UTF-8 text (a bad byte after line ${linesSeen}): save it as UTF-8; rows before it were imported, and importing again skips them`,
      );
    }
    if (first) {
      text = text.replace(/^\uFEFF/, '');
      first = false;
    }
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) linesSeen++;
    options.onBytes?.(bytesRead);
    yield text;
  }
  const rest = decoder.decode();
  if (rest) yield rest;
}

async function* lines(path: string, options: TableFileOptions): AsyncGenerator<{ line: number; text: string }> {
  let pending = '';
  let line = 0;
  for await (const chunk of textChunks(path, options)) {
    pending += chunk;
    let start = 0;
    for (let end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n', start)) {
      line++;
      yield { line, text: pending.slice(start, end).replace(/\r$/, '') };
      start = end + 1;
    }
    pending = pending.slice(start);
  }
  if (pending !== '') yield { line: line + 1, text: pending.replace(/\r$/, '') };
}

const zip = (header: readonly string[], fields: readonly string[], line: number): TableRecord =>
  fields.length === header.length
    ? { line, values: Object.fromEntries(header.map((name, i) => [name, fields[i]!])) }
    : { line, problem: `has ${fields.length} fields but the header has ${header.length}` };

async function* readWhitespace(path: string, header: readonly string[], options: TableFileOptions): AsyncGenerator<TableRecord> {
  let headerSkipped = false;
  for await (const { line, text } of lines(path, options)) {
    if (text.trim() === '') continue;
    if (!headerSkipped) {
      headerSkipped = true;
      continue;
    }
    yield zip(header, text.trim().split(/\s+/), line);
  }
}

async function* readCsv(
  path: string,
  delimiter: Exclude<Delimiter, 'whitespace'>,
  header: readonly string[],
  options: TableFileOptions,
): AsyncGenerator<TableRecord> {
  const parser = parseCsv({
    delimiter,
    bom: true,
    relax_column_count: true,
    skip_empty_lines: true,
    trim: true,
    info: true,
    from_line: 2,
  });
  const feeding = (async () => {
    try {
      for await (const chunk of textChunks(path, options)) {
        if (!parser.write(chunk)) await new Promise((resolve) => parser.once('drain', resolve));
      }
      parser.end();
    } catch (error) {
      parser.destroy(error as Error);
    }
  })();
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      yield zip(header, record, info.lines);
    }
  } catch (error) {
    if (error instanceof TableFileError) throw error;
    const message = (error as Error).message;
    throw new TableFileError(`${path} is not valid CSV: ${message}`);
  } finally {
    await feeding;
  }
}

const asText = (value: unknown): string | undefined => {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
};

async function* readJsonLines(path: string, options: TableFileOptions): AsyncGenerator<TableRecord> {
  for await (const { line, text } of lines(path, options)) {
    if (text.trim() === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      yield { line, problem: 'is not valid JSON' };
      continue;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      yield { line, problem: 'is not a JSON object' };
      continue;
    }
    const values: Record<string, string> = {};
    let nested: string | undefined;
    for (const [key, value] of Object.entries(parsed)) {
      const text = asText(value);
      if (text === undefined) nested ??= key;
      else values[key] = text;
    }
    if (nested !== undefined) yield { line, problem: `field "${nested}" must be a string, number or boolean` };
    else yield { line, values };
  }
}

/** Rows already in memory (an API body, the demo seed) read through the same import path. */
export const tableFromRows = (rows: readonly Record<string, string>[], header?: readonly string[]): TableFile => ({
  format: header ? 'csv' : 'jsonl',
  ...(header && { delimiter: ',' as const }),
  header: header ?? [],
  sizeBytes: 0,
  async *records() {
    let line = 1;
    for (const values of rows) yield { line: ++line, values };
  },
});
