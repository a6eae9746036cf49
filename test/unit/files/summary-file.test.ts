import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSummaryFile } from '../../../shared/files/summary-file.ts';
import { openTableFile, tooLong } from '../../../shared/files/table-file.ts';
import { readSummaryRow, SummaryInputs, summaryLayoutOf, type SummaryLayout, type SummaryRowSink } from '../../../shared/lapse/model-summary.ts';
import type { RowProblem } from '../../../shared/visits/rows.ts';

const cdnow = new URL('../../../../shared/data/cdnow/', import.meta.url);

interface Row {
  id: string;
  x: number;
  tx: number;
  T: number;
  meanSpend?: number;
}

/** Keeps every row it is given, as objects: fine for a test's few thousand rows. */
class RecordingSink implements SummaryRowSink {
  readonly keepsIds = true;
  readonly rows: Row[] = [];
  constructor(readonly layout: SummaryLayout) {}
  add(x: number, tx: number, T: number, meanSpend: number, id: Uint8Array, idStart: number, idEnd: number): void {
    const spend = this.layout.spend ? { meanSpend } : {};
    this.rows.push({ id: new TextDecoder().decode(id.subarray(idStart, idEnd)), x, tx, T, ...spend });
  }
}

/** The fast reader, every problem kept. */
const fast = async (path: string) => {
  const read = await readSummaryFile(path, (layout) => new RecordingSink(layout), { keepProblems: Number.POSITIVE_INFINITY });
  return { rows: read.sink?.rows ?? [], problems: read.problems, problemCount: read.problemCount, path: read.path };
};

/** What `model fit --summary` read before the fast path: the general reader, a record object per row. */
const general = async (path: string) => {
  const file = await openTableFile(path);
  let layout = file.format === 'csv' ? summaryLayoutOf(file.header) : undefined;
  const rows: Row[] = [];
  const problems: RowProblem[] = [];
  for await (const record of file.records()) {
    if (record.problem !== undefined) {
      problems.push({ line: record.line, field: '', reason: record.problem });
      continue;
    }
    layout ??= summaryLayoutOf(Object.keys(record.values));
    const row = readSummaryRow(record.values, record.line, layout);
    if (row.ok) rows.push({ ...row.value, ...(layout.spend && { meanSpend: row.value.meanSpend }) });
    else problems.push(...row.errors);
  }
  return { rows, problems, problemCount: problems.length };
};

let directory: string;
let files = 0;
const fileWith = async (content: string | Uint8Array): Promise<string> => {
  const path = join(directory, `summary-${files++}.csv`);
  await writeFile(path, content);
  return path;
};

const expectSameAsGeneral = async (path: string): Promise<Awaited<ReturnType<typeof fast>>> => {
  const [got, want] = await Promise.all([fast(path), general(path)]);
  expect({ rows: got.rows, problems: got.problems, problemCount: got.problemCount }).toEqual(want);
  return got;
};

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'summary-file-'));
});
afterAll(() => rm(directory, { recursive: true, force: true }));

describe('the fast summary reader', () => {
  it('reads the CDNOW summaries, both layouts, to the same numbers as the general path, on the fast path', async () => {
    for (const name of ['cdnow_customers_summary.csv', 'cdnow_customers_summary_with_transactions.csv']) {
      const got = await expectSameAsGeneral(new URL(name, cdnow).pathname);
      expect(got.rows).toHaveLength(2357);
      expect(got.path).toBe('fast');
    }
  });

  it('reads a file of many buffers (lines across their edges) to the same numbers', async () => {
    const cdnowRows = (await readFile(new URL('cdnow_customers_summary_with_transactions.csv', cdnow), 'utf8')).trim().split('\n').slice(1);
    const lines = ['customer_id;frequency;recency;T;monetary_value'];
    for (let i = 0; i < 60_000; i++) {
      const [, x, tx, T, spend] = cdnowRows[i % cdnowRows.length]!.split(',');
      lines.push(`c-${i};${x};${tx};${T};${spend}`);
    }
    const got = await expectSameAsGeneral(await fileWith(`${lines.join('\r\n')}\r\n`));
    expect(got.rows).toHaveLength(60_000);
    expect(got.path).toBe('fast');
  });

  it('names each bad row by line and column, as the general path does', async () => {
    const path = await fileWith('ID,frequency,recency,T\n1,2,30,20\n2,two,1,5\n3,0,0,10\n4,,1,\n5,1,0,3\n6,1.5,1,3\n7,1,2\n');
    const got = await expectSameAsGeneral(path);
    expect(got.problems).toEqual([
      { line: 2, field: 'T', reason: 'age must be at least the recency (30), got 20' },
      { line: 3, field: 'frequency', reason: '"two" is not a number' },
      { line: 5, field: 'frequency', reason: 'is required' },
      { line: 5, field: 'T', reason: 'is required' },
      { line: 6, field: 'recency', reason: 'recency must be > 0 when there are repeat visits' },
      { line: 7, field: 'frequency', reason: 'repeat visits must be a whole number >= 0, got 1.5' },
      { line: 8, field: '', reason: 'has 3 fields but the header has 4' },
    ]);
    expect(got.rows.map((row) => row.id)).toEqual(['3']);
  });

  it('refuses an empty file, reads a header-only file as no clients, and names the columns a file lacks', async () => {
    await expect(fast(await fileWith(''))).rejects.toThrow(/is empty/);
    await expect(fast(await fileWith('\n \n'))).rejects.toThrow(/has no rows/);
    expect(await fast(await fileWith('ID,frequency,recency,T\n'))).toEqual({ rows: [], problems: [], problemCount: 0, path: 'fast' });
    expect(await fast(await fileWith('ID,frequency,recency,T'))).toMatchObject({ rows: [], problemCount: 0 });
    await expect(fast(await fileWith('ID,frequency,T\n1,0,4\n'))).rejects.toThrow(
      'the columns are ID, frequency, T; expected one of: lifetimes (ID,frequency,recency,T[,monetary_value]); the papers (ID,x,t_x,T,zbar)',
    );
  });

  it('takes a BOM, CRLF, blank lines, padded and quoted values, extra columns and any column order', async () => {
    const path = await fileWith(
      '\uFEFFT,recency, note ,frequency,ID\r\n\r\n 38.86 , 30.43 ,hello, 2 , a b \r\n"38.86","1.71","x, y","1","Ελένη"\r\n   \r\n3.9e1,0,,0,"q""uote"\r\n',
    );
    const got = await expectSameAsGeneral(path);
    expect(got.rows).toEqual([
      { id: 'a b', x: 2, tx: 30.43, T: 38.86 },
      { id: 'Ελένη', x: 1, tx: 1.71, T: 38.86 },
      { id: 'q"uote', x: 0, tx: 0, T: 39 },
    ]);
    expect(got.path).toBe('fast');
  });

  it('reads a quoted value over lines with the general path, from the start', async () => {
    const got = await expectSameAsGeneral(await fileWith('ID,x,t_x,T\n1,2,30,40\n"two\nlines",1,2,3\n3,0,0,5\n'));
    expect(got.path).toBe('general');
    expect(got.rows.map((row) => row.id)).toEqual(['1', 'two\nlines', '3']);
    const broken = await expectSameAsGeneral(await fileWith('ID,x,t_x,T\n1,2,30,40\n"never closed,1,2,3\n3,0,0,5\n'));
    expect(broken.problems[0]).toMatchObject({ line: 3, field: '' });
  });

  it('reports a line that is not UTF-8 or is longer than any row, and reads on', async () => {
    const latin1 = new Uint8Array([...new TextEncoder().encode('ID,x,t_x,T\n1,0,0,5\n'), 0x4a, 0xe9, 0x2c, ...new TextEncoder().encode('0,0,5\n3,0,0,5\n')]);
    const got = await expectSameAsGeneral(await fileWith(latin1));
    expect(got.problems).toEqual([{ line: 3, field: '', reason: expect.stringContaining('is not UTF-8 text') }]);
    for (const length of [70_000, 3_000_000]) {
      const long = await fast(await fileWith(`ID,x,t_x,T\n1,0,0,5\n${'9'.repeat(length)},0,0,5\n3,0,0,5\n`));
      expect(long.problems).toEqual([{ line: 3, field: '', reason: tooLong }]);
      expect(long.rows.map((row) => row.id)).toEqual(['1', '3']);
    }
  });

  it('reads JSON Lines and space-separated summaries with the general path', async () => {
    const jsonl = await expectSameAsGeneral(await fileWith('{"ID":"a","x":2,"t_x":3,"T":9,"zbar":10.5}\n{"ID":"b","x":0,"t_x":0,"T":9,"zbar":0}\n'));
    expect(jsonl.path).toBe('general');
    expect(jsonl.rows).toHaveLength(2);
    const spaced = await expectSameAsGeneral(await fileWith('ID x t_x T\na 2 3 9\nb 0 0 9\n'));
    expect(spaced.path).toBe('general');
  });

  it('parses every number to exactly what Number() makes of its text', async () => {
    const formats = fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true, min: 0, max: 1e6 }).map(String),
      fc.double({ noNaN: true, noDefaultInfinity: true, min: 0, max: 1e6 }).chain((v) => fc.integer({ min: 0, max: 20 }).map((digits) => v.toFixed(digits))),
      fc
        .double({ noNaN: true, noDefaultInfinity: true, min: 0, max: 1e300 })
        .chain((v) => fc.integer({ min: 0, max: 20 }).map((digits) => v.toExponential(digits))),
      fc.tuple(fc.nat({ max: 99_999 }), fc.nat({ max: 999 }), fc.integer({ min: -30, max: 30 })).map(([m, f, e]) => `0${m}.${f}e${e}`),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(formats, formats), { minLength: 1, maxLength: 40 }), async (pairs) => {
        // x = 1 and T = t_x + something: every row is one the model can use when the numbers are read right.
        const lines = pairs.map(([tx, T], i) => `${i},1,${tx},${T}`);
        await expectSameAsGeneral(await fileWith(`ID,x,t_x,T\n${lines.join('\n')}\n`));
      }),
      { numRuns: 60 },
    );
  });

  it('agrees with the general path on files of odd rows', async () => {
    const value = fc.oneof(
      fc.constantFrom(
        '0',
        '1',
        '2',
        '3.5',
        '12',
        '-1',
        '',
        ' ',
        'two',
        '1 2',
        '0x10',
        'Infinity',
        '+4',
        '.5',
        '5.',
        '1e1',
        '00',
        '-0',
        '1e99999',
        '"7"',
        '" 8 "',
        '"9',
      ),
      fc.nat({ max: 500 }).map(String),
      fc.double({ noNaN: true, noDefaultInfinity: true, min: 0, max: 500 }).map(String),
    );
    const id = fc.oneof(fc.nat().map(String), fc.constantFrom('', ' ', 'Ελένη', 'a b', '"q""q"', '"x;y"', '\t', 'x\u00a0'));
    const row = fc.oneof(
      { weight: 8, arbitrary: fc.tuple(id, value, value, value, value).map((fields) => fields) },
      { weight: 1, arbitrary: fc.constantFrom<string[]>([], ['only'], ['a', '1', '2', '3', '4', '5']) },
    );
    const delimiter = fc.constantFrom(',', ';', '\t', '|');
    const ending = fc.constantFrom('\n', '\r\n');
    await fc.assert(
      fc.asyncProperty(delimiter, ending, fc.boolean(), fc.array(row, { maxLength: 30 }), async (sep, eol, lastNewline, rows) => {
        const header = ['ID', 'frequency', 'recency', 'T', 'monetary_value'].join(sep);
        const body = rows.map((fields) => fields.join(sep));
        await expectSameAsGeneral(await fileWith(`${[header, ...body].join(eol)}${lastNewline ? eol : ''}`));
      }),
      { numRuns: 150 },
    );
  });
});

describe('the model inputs from a summary file', () => {
  it('counts identical histories once, keeps the spend of returning clients who paid, and gives every row back in order', async () => {
    const path = await fileWith('ID,x,t_x,T,zbar\na,2,30,40,10\nb,2,30,40,10\nc,0,0,40,0\nΕλένη,2,30,40,12\nd,1,5,40,0\n');
    const read = await readSummaryFile(path, (layout) => new SummaryInputs(layout, { keepRows: true }));
    const inputs = read.sink!;
    expect(inputs.clients).toBe(5);
    const frequencies = inputs.frequencies();
    expect([...frequencies.x]).toEqual([2, 0, 1]);
    expect([...frequencies.weight]).toEqual([3, 1, 1]);
    const spending = inputs.spending()!;
    expect([...spending.visits]).toEqual([2, 2]);
    expect([...spending.meanSpend]).toEqual([10, 12]);
    expect([...spending.weight]).toEqual([2, 1]);
    expect([...inputs.eachClient()].map((client) => client.id)).toEqual(['a', 'b', 'c', 'Ελένη', 'd']);
  });
});
