/**
 * A lifetimes-style summary file read for the model: millions of rows of a few numbers each. A
 * delimited CSV is parsed from its bytes straight into numbers, no string or object per row;
 * any row that is not plain numbers (a quote, a character outside ASCII, a number the fast
 * parser does not take, a row the model cannot use) is read again through the general path's
 * own functions, so it gets the same values or the same problem, naming its line and column.
 * JSON Lines, space-separated files, and a quoted value running over lines go through the
 * general reader (openTableFile) whole.
 */
import { open } from 'node:fs/promises';
import { readSummaryRow, summaryLayoutOf, type SummaryLayout, type SummaryRowSink } from '../lapse/model-summary.ts';
import { maxRowCharacters } from '../visits/columns.ts';
import type { RowProblem } from '../visits/rows.ts';
import { decodeLine, openTableFile, parseCsvRecord, tooLong, zip, type FileLine, type TableFile } from './table-file.ts';

export interface SummaryFileRead<S extends SummaryRowSink> {
  /** Undefined when no row could be read (a JSON Lines file of bad rows only). */
  readonly layout: SummaryLayout | undefined;
  readonly sink: S | undefined;
  /** The first problems found, in file order. */
  readonly problems: readonly RowProblem[];
  /** All problems: a row can have several. */
  readonly problemCount: number;
  /** Which reader read it: `fast` (bytes to numbers) or `general` (openTableFile). */
  readonly path: 'fast' | 'general';
}

export interface SummaryFileOptions {
  /** How many problems to keep for the message; all are counted. */
  readonly keepProblems?: number;
}

class Problems {
  readonly kept: RowProblem[] = [];
  count = 0;
  constructor(private readonly keep: number) {}
  add(problem: RowProblem): void {
    if (this.kept.length < this.keep) this.kept.push(problem);
    this.count++;
  }
}

const encoder = new TextEncoder();
const noId = new Uint8Array(0);

const addClient = (sink: SummaryRowSink, row: { id: string; x: number; tx: number; T: number; meanSpend?: number }): void => {
  const id = sink.keepsIds ? encoder.encode(row.id) : noId;
  sink.add(row.x, row.tx, row.T, row.meanSpend ?? NaN, id, 0, id.length);
};

/**
 * Every row of a summary file into a sink made for its layout (`sinkFor`), with its problems;
 * the sink of a file with problems is incomplete and should not be used. Throws TableFileError
 * or SummaryLayoutError when the file as a whole cannot be read.
 */
export const readSummaryFile = async <S extends SummaryRowSink>(
  path: string,
  sinkFor: (layout: SummaryLayout) => S,
  options: SummaryFileOptions = {},
): Promise<SummaryFileRead<S>> => {
  const keep = options.keepProblems ?? 5;
  const file = await openTableFile(path);
  if (file.format === 'csv' && file.delimiter !== undefined && file.delimiter !== 'whitespace') {
    const layout = summaryLayoutOf(file.header);
    const fast = await readFast(path, file.delimiter, file.header, layout, sinkFor(layout), keep);
    if (fast) return fast;
  }
  return readGeneral(file, sinkFor, keep);
};

/** The general path, as `model fit --summary` always read: one record object at a time. */
const readGeneral = async <S extends SummaryRowSink>(file: TableFile, sinkFor: (layout: SummaryLayout) => S, keep: number): Promise<SummaryFileRead<S>> => {
  let layout = file.format === 'csv' ? summaryLayoutOf(file.header) : undefined;
  let sink = layout && sinkFor(layout);
  const problems = new Problems(keep);
  for await (const record of file.records()) {
    if (record.problem !== undefined) {
      problems.add({ line: record.line, field: '', reason: record.problem });
      continue;
    }
    if (!layout) {
      layout = summaryLayoutOf(Object.keys(record.values));
      sink = sinkFor(layout);
    }
    const row = readSummaryRow(record.values, record.line, layout);
    if (row.ok) addClient(sink!, row.value);
    else for (const error of row.errors) problems.add(error);
  }
  return { layout, sink, problems: problems.kept, problemCount: problems.count, path: 'general' };
};

// Byte classes for the fast path: what ends or spoils a field.
const plain = 0;
const blank = 1;
const separator = 2;
const newline = 3;
const refused = 4;

// What each column is to the model.
const ignored = 0;
const idColumn = 1;
const xColumn = 2;
const txColumn = 3;
const tColumn = 4;
const spendColumn = 5;

/** 10^0 … 10^22, each exact: a mantissa below 2^53 times or over one of them is rounded once, as Number() rounds. */
const powersOfTen = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));

const readBytes = 1 << 20;

/**
 * The fast path: undefined when the file needs the general path (a quoted value that runs
 * over lines), which then reads it from the start.
 */
const readFast = async <S extends SummaryRowSink>(
  path: string,
  delimiter: string,
  header: readonly string[],
  layout: SummaryLayout,
  sink: S,
  keep: number,
): Promise<SummaryFileRead<S> | undefined> => {
  const problems = new Problems(keep);
  const classes = new Uint8Array(256);
  for (const byte of [9, 11, 12, 13, 32]) classes[byte] = blank;
  classes[0x22] = refused;
  classes.fill(refused, 0x80);
  classes[10] = newline;
  classes[delimiter.charCodeAt(0)] = separator;
  const roles = header.map((name) => {
    if (name === layout.id) return idColumn;
    if (name === layout.x) return xColumn;
    if (name === layout.tx) return txColumn;
    if (name === layout.T) return tColumn;
    if (name === layout.spend) return spendColumn;
    return ignored;
  });
  const lastField = header.length - 1;
  const withSpend = layout.spend !== undefined;

  /**
   * One row from its first byte: the index of the newline ending it when it was plain numbers
   * the model can use (and was added), or -1 when the general path's functions must judge it.
   */
  const fastRow = (bytes: Uint8Array, p: number): number => {
    const start = p;
    let x = Number.NaN;
    let tx = Number.NaN;
    let T = Number.NaN;
    let spend = Number.NaN;
    let idStart = -1;
    let idEnd = -1;
    for (let field = 0; ; field++) {
      const role = roles[field];
      if (role === undefined) return -1;
      let c = bytes[p]!;
      let kind = classes[c]!;
      if (role === ignored || role === idColumn) {
        while (kind <= blank) {
          if (kind === plain && role === idColumn) {
            if (idStart < 0) idStart = p;
            idEnd = p + 1;
          }
          c = bytes[++p]!;
          kind = classes[c]!;
        }
        if (kind === refused || (role === idColumn && idStart < 0)) return -1;
      } else {
        while (kind === blank) {
          c = bytes[++p]!;
          kind = classes[c]!;
        }
        const negative = c === 45;
        if (negative || c === 43) c = bytes[++p]!;
        let mantissa = 0;
        let significant = 0;
        let digits = 0;
        let scale = 0;
        let fraction = false;
        for (;;) {
          const digit = c - 48;
          if (digit >= 0 && digit <= 9) {
            if (significant > 0 || digit > 0) significant++;
            mantissa = mantissa * 10 + digit;
            digits++;
            if (fraction) scale--;
          } else if (c === 46 && !fraction) fraction = true;
          else break;
          c = bytes[++p]!;
        }
        // Past 15 digits the mantissa may not be exact: Number() judges it, on the general path.
        if (digits === 0 || significant > 15) return -1;
        if (c === 101 || c === 69) {
          c = bytes[++p]!;
          const down = c === 45;
          if (down || c === 43) c = bytes[++p]!;
          let exponent = 0;
          let exponentDigits = 0;
          while (c >= 48 && c <= 57) {
            exponent = exponent * 10 + c - 48;
            exponentDigits++;
            c = bytes[++p]!;
          }
          if (exponentDigits === 0 || exponentDigits > 4) return -1;
          scale += down ? -exponent : exponent;
        }
        let value: number;
        if (mantissa === 0) value = 0;
        else if (scale >= 0 && scale <= 22) value = mantissa * powersOfTen[scale]!;
        else if (scale < 0 && scale >= -22) value = mantissa / powersOfTen[-scale]!;
        else return -1;
        if (negative) value = -value;
        kind = classes[c]!;
        while (kind === blank) {
          c = bytes[++p]!;
          kind = classes[c]!;
        }
        if (kind !== separator && kind !== newline) return -1;
        if (role === xColumn) x = value;
        else if (role === txColumn) tx = value;
        else if (role === tColumn) T = value;
        else spend = value;
      }
      if (kind === newline) {
        if (field !== lastField) return -1;
        break;
      }
      p++;
    }
    // checkFrequency's rules; a row breaking one is judged again to name it.
    if (!(Number.isInteger(x) && x >= 0 && tx >= 0 && T >= tx && (x === 0 ? tx === 0 : tx !== 0))) return -1;
    if (withSpend && !(spend >= 0)) return -1;
    if (p - start > maxRowCharacters) return -1;
    sink.add(x, tx, T, spend, bytes, idStart, idEnd);
    return p;
  };

  let headerSeen = false;
  /** One line as the general reader (table-file.ts) reads it. False when it opens a quoted value that may run over lines. */
  const generalLine = (bytes: Uint8Array, line: number): boolean => {
    const decoded: FileLine = bytes.length > maxRowCharacters * 4 ? { line, problem: tooLong } : decodeLine(bytes, line);
    const text = decoded.text !== undefined && line === 1 && decoded.text.startsWith('\uFEFF') ? decoded.text.slice(1) : decoded.text;
    if (text !== undefined && text.trim() === '') return true;
    if (!headerSeen) {
      headerSeen = true;
      return true;
    }
    if (text === undefined) {
      problems.add({ line, field: '', reason: decoded.problem ?? tooLong });
      return true;
    }
    let fields: string[];
    if (!text.includes('"')) fields = text.split(delimiter).map((value) => value.trim());
    else {
      const parsed = parseCsvRecord(text, delimiter);
      if ('open' in parsed) return false;
      if ('error' in parsed) {
        problems.add({ line, field: '', reason: parsed.error });
        return true;
      }
      fields = parsed.fields;
    }
    const record = zip(header, fields, line);
    if (record.problem !== undefined) {
      problems.add({ line, field: '', reason: record.problem });
      return true;
    }
    const row = readSummaryRow(record.values, line, layout);
    if (row.ok) addClient(sink, row.value);
    else for (const error of row.errors) problems.add(error);
    return true;
  };

  const handle = await open(path, 'r');
  try {
    // One spare byte: a last line without a newline gets one.
    const buffer = Buffer.allocUnsafe(readBytes + 1);
    let filled = 0;
    let line = 1;
    /** In a line longer than the buffer, already reported: its bytes are dropped up to its newline. */
    let skipping = false;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, filled, readBytes - filled, null);
      let end = filled + bytesRead;
      let start = 0;
      if (skipping) {
        const newlineAt = buffer.subarray(0, end).indexOf(10);
        if (newlineAt < 0) {
          filled = 0;
          if (bytesRead === 0) break;
          continue;
        }
        skipping = false;
        start = newlineAt + 1;
        line++;
      }
      if (bytesRead === 0) {
        if (end === start) break;
        buffer[end++] = 10;
      }
      const stop = buffer.lastIndexOf(10, end - 1) + 1;
      let p = start;
      while (p < stop) {
        const newlineAt = headerSeen ? fastRow(buffer, p) : -1;
        if (newlineAt >= 0) {
          p = newlineAt + 1;
          line++;
          continue;
        }
        const lineEnd = buffer.indexOf(10, p);
        if (!generalLine(buffer.subarray(p, lineEnd), line)) return undefined;
        p = lineEnd + 1;
        line++;
      }
      if (bytesRead === 0) break;
      buffer.copyWithin(0, Math.max(stop, start), end);
      filled = end - Math.max(stop, start);
      if (filled === readBytes) {
        // No newline in a full buffer: a line far longer than any row.
        if (headerSeen) problems.add({ line, field: '', reason: tooLong });
        headerSeen = true;
        skipping = true;
        filled = 0;
      }
    }
  } finally {
    await handle.close();
  }
  return { layout, sink, problems: problems.kept, problemCount: problems.count, path: 'fast' };
};
