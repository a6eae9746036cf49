import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { maxRowCharacters } from '../visits/columns.ts';
import type { Delimiter, TableFile, TableRecord } from '../visits/ports/table-file.ts';
import { AppError } from '../common/app-error.ts';

export type { Delimiter, TableFile } from '../visits/ports/table-file.ts';

/** The whole file cannot be read as a table: nothing from it was used. */
export class TableFileError extends AppError {
  override readonly name = 'TableFileError';
  readonly kind = 'invalid';
}

export interface TableFileOptions {
  /** Detected from the header line when not given. */
  readonly delimiter?: Delimiter;
  /** Called as bytes are read, for a progress bar. */
  readonly onBytes?: (bytesRead: number) => void;
}

const sniffBytes = 64 * 1024;
const candidates = [',', ';', '\t', '|'] as const;

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
  // The header must be UTF-8; a later line that is not is a bad row of its own.
  let firstLine: string | undefined;
  for (let from = 0; from < judged.length && firstLine === undefined; ) {
    const newline = judged.indexOf(0x0a, from);
    const to = newline < 0 ? judged.length : newline;
    const lineText = decodeStrict(judged.subarray(from, to), `the first line of ${path}`)
      .replace(/^\uFEFF/, '')
      .replace(/\r$/, '');
    if (lineText.trim() !== '') firstLine = lineText;
    from = to + 1;
  }
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
    : line.split(delimiter).map((name) =>
        name
          .trim()
          .replace(/^"(.*)"$/, '$1')
          .trim(),
      );

/** One line of the file as read: its number and text, or why it could not be read. */
export type FileLine =
  | { readonly line: number; readonly text: string; readonly problem?: undefined }
  | { readonly line: number; readonly text?: undefined; readonly problem: string };

const formatCount = (n: number): string => n.toLocaleString('en');
export const tooLong = `is longer than ${formatCount(maxRowCharacters)} characters: a row that long cannot be a client or a visit`;
export const notUtf8 = 'is not UTF-8 text: save the file as UTF-8 (CSV UTF-8 in spreadsheet programs)';

/** One line's bytes as text (its \r dropped), or why they are not a row: not UTF-8, or too long. */
export const decodeLine = (bytes: Uint8Array, line: number): FileLine => {
  try {
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
    const trimmed = text.endsWith('\r') ? text.slice(0, -1) : text;
    return trimmed.length > maxRowCharacters ? { line, problem: tooLong } : { line, text: trimmed };
  } catch {
    return { line, problem: notUtf8 };
  }
};

/**
 * The file's lines, numbered from 1, in constant memory: a line that is not UTF-8 or is
 * longer than a row can be is reported on its own, and the lines after it are read on.
 */
async function* fileLines(path: string, options: TableFileOptions): AsyncGenerator<FileLine> {
  // A line is kept in bytes until its end is found; past this it cannot be a row.
  const maxLineBytes = maxRowCharacters * 4;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let overLong = false;
  let line = 1;
  let bytesRead = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 256 * 1024 }) as AsyncIterable<Buffer>) {
    bytesRead += chunk.length;
    let start = 0;
    const lastNewline = chunk.lastIndexOf(0x0a);
    while (lastNewline >= start) {
      const end = chunk.indexOf(0x0a, start);
      if (overLong || pending.length > 0) {
        // Finish the line begun in an earlier chunk.
        if (overLong) yield { line, problem: tooLong };
        else {
          const bytes = Buffer.concat([...pending, chunk.subarray(start, end)]);
          yield bytes.length > maxLineBytes ? { line, problem: tooLong } : decodeLine(bytes, line);
        }
        pending = [];
        pendingBytes = 0;
        overLong = false;
        line++;
        start = end + 1;
        continue;
      }
      // Every whole line of the chunk at once, one by one only when some line is not UTF-8.
      const block = chunk.subarray(start, lastNewline + 1);
      let decoded: string | undefined;
      try {
        decoded = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(block);
      } catch {
        decoded = undefined;
      }
      if (decoded === undefined) {
        for (let from = start, to = chunk.indexOf(0x0a, from); to >= 0 && to <= lastNewline; from = to + 1, to = chunk.indexOf(0x0a, from)) {
          yield decodeLine(chunk.subarray(from, to), line++);
        }
      } else {
        const parts = decoded.split('\n');
        parts.pop();
        for (let part of parts) {
          if (part.endsWith('\r')) part = part.slice(0, -1);
          yield part.length > maxRowCharacters ? { line, problem: tooLong } : { line, text: part };
          line++;
        }
      }
      start = lastNewline + 1;
    }
    const rest = chunk.subarray(start);
    if (rest.length > 0 && !overLong) {
      pendingBytes += rest.length;
      if (pendingBytes > maxLineBytes) {
        overLong = true;
        pending = [];
        pendingBytes = 0;
      } else pending.push(rest);
    }
    options.onBytes?.(bytesRead);
  }
  if (overLong) yield { line, problem: tooLong };
  else if (pending.length > 0) yield decodeLine(Buffer.concat(pending), line);
}

/** The lines after the header (the first line with text), the BOM of the first removed. */
async function* dataLines(path: string, options: TableFileOptions, hasHeader: boolean): AsyncGenerator<FileLine> {
  let headerSeen = !hasHeader;
  let first = true;
  for await (let fileLine of fileLines(path, options)) {
    if (first) {
      first = false;
      if (fileLine.text?.startsWith('\uFEFF')) fileLine = { line: fileLine.line, text: fileLine.text.slice(1) };
    }
    if (fileLine.text !== undefined && fileLine.text.trim() === '') continue;
    if (!headerSeen) {
      headerSeen = true;
      continue;
    }
    yield fileLine;
  }
}

/** A row's fields named by the header, or why they cannot be: another count than the header's. */
export const zip = (header: readonly string[], fields: readonly string[], line: number): TableRecord =>
  fields.length === header.length
    ? { line, values: Object.fromEntries(header.map((name, i) => [name, fields[i]!])) }
    : { line, problem: `has ${fields.length} fields but the header has ${header.length}` };

async function* readWhitespace(path: string, header: readonly string[], options: TableFileOptions): AsyncGenerator<TableRecord> {
  for await (const { line, text, problem } of dataLines(path, options, true)) {
    if (problem !== undefined) yield { line, problem };
    else yield zip(header, text.trim().split(/\s+/), line);
  }
}

type CsvParse = { readonly fields: string[] } | { readonly open: true } | { readonly error: string };

const isBlank = (char: string | undefined, delimiter: string): boolean => (char === ' ' || char === '\t') && char !== delimiter;

const shown = (text: string): string => (text.length > 30 ? `${text.slice(0, 30)}…` : text);

/**
 * One CSV record (RFC 4180, as spreadsheets write it): values trimmed, a value that starts
 * with a quote runs to its closing quote ("" is a quote inside it), a quote inside an
 * unquoted value is kept as it is. `open` when a quoted value goes on past the text.
 */
export const parseCsvRecord = (text: string, delimiter: string): CsvParse => {
  const fields: string[] = [];
  const n = text.length;
  let i = 0;
  for (;;) {
    let j = i;
    while (j < n && isBlank(text[j], delimiter)) j++;
    if (text[j] !== '"') {
      const next = text.indexOf(delimiter, i);
      if (next < 0) {
        fields.push(text.slice(i).trim());
        return { fields };
      }
      fields.push(text.slice(i, next).trim());
      i = next + delimiter.length;
      continue;
    }
    let value = '';
    let k = j + 1;
    for (;;) {
      const quote = text.indexOf('"', k);
      if (quote < 0) return { open: true };
      if (text[quote + 1] === '"') {
        value += text.slice(k, quote + 1);
        k = quote + 2;
        continue;
      }
      value += text.slice(k, quote);
      k = quote + 1;
      break;
    }
    while (k < n && isBlank(text[k], delimiter)) k++;
    fields.push(value);
    if (k >= n) return { fields };
    if (text.startsWith(delimiter, k)) {
      i = k + delimiter.length;
      continue;
    }
    const after = text.slice(k).split(delimiter)[0]!;
    return {
      error: `value ${fields.length} goes on after its closing quote (${shown(`"${value}"${after}`)}): quote a value whole and double the quotes in it, e.g. "a ""b"" c"`,
    };
  }
};

async function* readCsv(
  path: string,
  delimiter: Exclude<Delimiter, 'whitespace'>,
  header: readonly string[],
  options: TableFileOptions,
): AsyncGenerator<TableRecord> {
  const source = dataLines(path, options, true);
  // Lines to read again: those after the first line of a record that could not be closed.
  const again: FileLine[] = [];
  let record: FileLine[] = [];
  let recordText = '';
  let done = false;
  const nextLine = async (): Promise<FileLine | undefined> => {
    if (again.length > 0) return again.shift();
    if (done) return undefined;
    const next = await source.next();
    if (next.done) {
      done = true;
      return undefined;
    }
    return next.value;
  };
  /** The open record cannot be a row: report it at its first line and read its other lines again. */
  const abandon = (reason: string): TableRecord => {
    const [firstLine, ...rest] = record;
    again.unshift(...rest);
    record = [];
    recordText = '';
    return { line: firstLine!.line, problem: reason };
  };
  const neverClosed = 'has a quote (") that is never closed: a value with a quote in it must be quoted whole, its quotes doubled, e.g. "a ""b"" c"';

  for (;;) {
    const fileLine = await nextLine();
    if (fileLine === undefined) {
      if (record.length === 0) return;
      yield abandon(neverClosed);
      continue;
    }
    if (fileLine.problem !== undefined) {
      if (record.length > 0) {
        again.unshift(fileLine);
        yield abandon(neverClosed);
      } else yield { line: fileLine.line, problem: fileLine.problem };
      continue;
    }
    if (record.length === 0 && fileLine.text.indexOf('"') < 0) {
      yield zip(
        header,
        fileLine.text.split(delimiter).map((value) => value.trim()),
        fileLine.line,
      );
      continue;
    }
    recordText = record.length === 0 ? fileLine.text : `${recordText}\n${fileLine.text}`;
    record.push(fileLine);
    if (recordText.length > maxRowCharacters) {
      yield abandon(record.length > 1 ? neverClosed : tooLong);
      continue;
    }
    const parsed = parseCsvRecord(recordText, delimiter);
    if ('open' in parsed) continue;
    if ('error' in parsed) {
      yield abandon(record.length > 1 ? neverClosed : parsed.error);
      continue;
    }
    const line = record[0]!.line;
    record = [];
    recordText = '';
    yield zip(header, parsed.fields, line);
  }
}

const asText = (value: unknown): string | undefined => {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
};

async function* readJsonLines(path: string, options: TableFileOptions): AsyncGenerator<TableRecord> {
  for await (const { line, text, problem } of dataLines(path, options, false)) {
    if (problem !== undefined) {
      yield { line, problem };
      continue;
    }
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
