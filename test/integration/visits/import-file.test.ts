import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { openTableFile, TableFileError } from '../../../shared/files/table-file.ts';
import { addVisits } from '../../../shared/visits/summary.ts';
import { visitTimeParser } from '../../../shared/visits/visit-time.ts';
import { importFile, ImportSetupError, StrictImportError, type ImportOptions } from '../../../shared/visits/use-cases/import-file.ts';
import { freshStore, type TestStore } from '../../support/tables.ts';

const defaults = { clientDefaults: { locale: 'en', timeZone: 'Europe/Athens' }, today: '2026-11-22' };
const clientOptions: ImportOptions = { ...defaults, kind: 'clients' };
const visitOptions: ImportOptions = { ...defaults, kind: 'visits' };

let directory: string;
const file = async (name: string, content: string | Buffer): Promise<string> => {
  const path = join(directory, name);
  await writeFile(path, content);
  return path;
};
const importPath = async (path: string, store: TestStore['store'], options: ImportOptions) => importFile(await openTableFile(path), store, options);

const clientsCsv = [
  'client_id,name,phone,email,locale,timezone,preferred_channel,branch_id,consent_sms,consent_email,consent_voice',
  'c-1,Maria Papadopoulou,+306912345678,maria@example.com,el,Europe/Athens,sms,b-athens,yes,yes,no',
  'c-2,John Smith,+447911123456,john@example.org,en-GB,Europe/London,email,b-london,no,true,false',
  'c-3,Bad Phone,12345,bad@example.com,en,Europe/London,,b-london,yes,yes,yes',
  ',No Id,,,en,UTC,,,no,no,no',
  'c-5,Bad Zone,,,en,Mars/Olympus,,,no,no,no',
  'c-6,Bad Consent,,,en,UTC,,,maybe,no,no',
].join('\n');

const visitsCsv = [
  'visit_id,client_id,visited_at,doctor_id,branch_id,service_category,amount,currency',
  'v-1,c-1,2026-01-10T10:00:00+02:00,d-1,b-athens,physiotherapy,45.00,EUR',
  'v-2,c-1,2026-02-10T10:00:00+02:00,d-1,b-athens,physiotherapy,45.00,EUR',
  'v-3,c-1,2026-03-10,d-2,b-athens,check-up,120,EUR',
  'v-4,c-2,2026-03-11T09:30:00Z,d-3,b-london,dental cleaning,70.5,eur',
  'v-5,c-404,2026-03-11,d-3,b-london,check-up,10,EUR',
  'v-6,c-1,2026-13-01,d-1,b-athens,physiotherapy,45,EUR',
  'v-7,c-1,2026-04-01,d-1,b-athens,physiotherapy,-5,EUR',
  'v-8,c-1,2026-04-02T10:00:00,d-1,b-athens,physiotherapy,45,EUR',
  'v-9,c-1,2027-04-02,d-1,b-athens,physiotherapy,45,EUR',
  'v-10,c-1,2026-04-03,d-1,b-athens,physiotherapy,45,XYZ',
].join('\n');

describe('importing clients and visits into DynamoDB', () => {
  let t: TestStore;
  beforeEach(async () => {
    t = await freshStore();
    directory = await mkdtemp(join(tmpdir(), 'comeback-import-'));
  });

  it('lands every good row, reports every bad one with line, field and reason, and keeps clients with a bad contact', async () => {
    // Prepare
    const path = await file('clients.csv', clientsCsv);

    // Act
    const report = await importPath(path, t.store, clientOptions);

    // Assess
    expect(report).toMatchObject({ rowsRead: 6, imported: 3, created: 3, skipped: 3 });
    expect(report.problems).toEqual(
      expect.arrayContaining([
        { line: 5, field: 'client_id', reason: 'is required' },
        expect.objectContaining({ line: 6, field: 'timezone' }),
        expect.objectContaining({ line: 7, field: 'consent_sms' }),
      ]),
    );
    expect(report.warnings).toEqual([expect.objectContaining({ line: 4, field: 'phone' })]);
    const badPhone = await t.store.getClient('c-3');
    expect(badPhone?.profile.phone).toBeUndefined();
    expect(badPhone?.profile.email).toBe('bad@example.com');
    const maria = await t.store.getClient('c-1');
    expect(maria?.profile).toMatchObject({ phone: '+306912345678', locale: 'el', preferredChannel: 'sms', consent: { sms: true, email: true, voice: false } });
    expect(await t.store.getClient('c-5')).toBeUndefined();
  });

  it('changes nothing when the same files are imported twice', async () => {
    // Prepare
    const clients = await file('clients.csv', clientsCsv);
    const visits = await file('visits.csv', visitsCsv);
    await importPath(clients, t.store, clientOptions);
    const first = await importPath(visits, t.store, visitOptions);
    const before = await t.store.getClient('c-1');

    // Act
    const againClients = await importPath(clients, t.store, clientOptions);
    const again = await importPath(visits, t.store, visitOptions);

    // Assess
    expect(first.imported).toBe(4);
    expect(againClients).toMatchObject({ imported: 0, unchanged: 3 });
    expect(again).toMatchObject({ imported: 0, unchanged: 4, skipped: first.skipped });
    const after = await t.store.getClient('c-1');
    expect(after).toEqual(before);
    expect(after?.summary).toMatchObject({ visits: 3, visitDays: ['2026-01-10', '2026-02-10', '2026-03-10'], totalSpend: 21_000 });
    expect(await t.store.listVisits('c-1')).toHaveLength(3);
  });

  it('says why each bad visit was skipped', async () => {
    // Prepare
    await importPath(await file('clients.csv', clientsCsv), t.store, clientOptions);

    // Act
    const report = await importPath(await file('visits.csv', visitsCsv), t.store, visitOptions);

    // Assess
    const byLine = new Map(report.problems.map((p) => [p.line, p]));
    expect(byLine.get(6)).toMatchObject({ field: 'client_id', reason: expect.stringContaining('unknown client') });
    expect(byLine.get(7)).toMatchObject({ field: 'visited_at', reason: expect.stringContaining('not a real calendar date') });
    expect(byLine.get(8)).toMatchObject({ field: 'amount', reason: 'must be zero or more' });
    expect(byLine.get(9)).toMatchObject({ field: 'visited_at', reason: expect.stringContaining('no offset') });
    expect(byLine.get(10)).toMatchObject({ field: 'visited_at', reason: expect.stringContaining('future') });
    expect(byLine.get(11)).toMatchObject({ field: 'currency' });
    expect(report.skipped).toBe(6);
    expect(Object.values(report.skippedByReason).reduce((a, b) => a + b, 0)).toBe(6);
    expect((await t.store.getClient('c-2'))?.summary?.totalSpend).toBe(7050);
  });

  it('writes nothing in strict mode when any row is bad', async () => {
    // Prepare
    const path = await file('clients.csv', clientsCsv);

    // Act
    const attempt = importPath(path, t.store, { ...clientOptions, strict: true });

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(StrictImportError);
    await expect(attempt).rejects.toMatchObject({ report: { skipped: 3 } });
    expect(await t.store.getClient('c-1')).toBeUndefined();
  });

  it('imports a clean file in strict mode', async () => {
    const path = await file('clients.csv', clientsCsv.split('\n').slice(0, 3).join('\n'));
    const report = await importPath(path, t.store, { ...clientOptions, strict: true });
    expect(report).toMatchObject({ imported: 2, skipped: 0 });
  });

  it('creates bare clients for unknown ones only when asked', async () => {
    // Prepare
    const path = await file('visits.csv', visitsCsv.split('\n').slice(0, 2).join('\n'));

    // Act
    const refused = await importPath(path, t.store, visitOptions);
    const created = await importPath(path, t.store, { ...visitOptions, createClients: true });

    // Assess
    expect(refused).toMatchObject({ imported: 0, skipped: 1 });
    expect(created).toMatchObject({ imported: 1, clientsCreated: 1 });
    const client = await t.store.getClient('c-1');
    expect(client?.profile).toMatchObject({ locale: 'en', timeZone: 'Europe/Athens', consent: { email: false, sms: false, voice: false } });
    expect(client?.summary?.visits).toBe(1);
  });

  it('keeps the summary exact when one client spans many chunks and more than 99 visits', async () => {
    // Prepare
    const rows = ['visit_id,client_id,visited_at,amount,currency,service_category'];
    for (let i = 0; i < 250; i++) {
      const day = new Date(Date.UTC(2024, 0, 1) + i * 3 * 86_400_000).toISOString().slice(0, 10);
      rows.push(`w-${i},c-big,${day},${(10 + (i % 7)).toFixed(2)},EUR,${i % 2 ? 'physiotherapy' : 'check-up'}`);
    }
    const path = await file('many.csv', rows.join('\n'));

    // Act
    const report = await importPath(path, t.store, { ...visitOptions, createClients: true, chunkRows: 70 });

    // Assess
    expect(report.imported).toBe(250);
    const stored = await t.store.getClient('c-big');
    const visits = await t.store.listVisits('c-big');
    expect(visits).toHaveLength(250);
    const expected = addVisits(undefined, visits);
    expect(stored?.summary).toEqual(expected);
    expect(stored?.summary?.usualGapDays).toBe(3);
  });

  it('counts a visit once when two imports of it race', async () => {
    // Prepare
    await importPath(await file('clients.csv', clientsCsv), t.store, clientOptions);
    const path = await file('visits.csv', visitsCsv);

    // Act
    const [a, b] = await Promise.all([importPath(path, t.store, visitOptions), importPath(path, t.store, visitOptions)]);

    // Assess
    expect(a.imported + b.imported).toBe(4);
    expect(a.unchanged + b.unchanged).toBe(4);
    expect((await t.store.getClient('c-1'))?.summary?.visits).toBe(3);
  });

  it('does not look up the visits of clients who had none, yet still counts a visit another client already has once, and writes the rest', async () => {
    // Prepare: v-1 is c-1's; a later file gives v-1 to c-2, who has no visit yet, beside two of c-2's own.
    await importPath(await file('clients.csv', clientsCsv), t.store, clientOptions);
    await importPath(await file('first.csv', visitsCsv), t.store, visitOptions);
    const looked: string[][] = [];
    const findRecordedVisits = t.store.findRecordedVisits.bind(t.store);
    t.store.findRecordedVisits = async (ids) => {
      looked.push([...ids]);
      return findRecordedVisits(ids);
    };
    const later = [
      'visit_id,client_id,visited_at,amount,currency',
      'v-1,c-3,2026-01-10T10:00:00+02:00,45.00,EUR',
      'n-1,c-3,2026-05-01,30,EUR',
      'n-2,c-3,2026-06-01,30,EUR',
      'v-2,c-1,2026-02-10T10:00:00+02:00,45.00,EUR',
    ].join('\n');

    // Act
    const report = await importPath(await file('later.csv', later), t.store, visitOptions);

    // Assess: only c-1, who had visits, was looked up; the store's condition caught v-1 for c-3.
    expect(looked).toEqual([['v-2']]);
    expect(report).toMatchObject({ imported: 2, unchanged: 2, skipped: 0 });
    expect((await t.store.getClient('c-3'))?.summary).toMatchObject({ visits: 2, visitDays: ['2026-05-01', '2026-06-01'] });
    expect((await t.store.listVisits('c-3')).map((visit) => visit.visitId).sort()).toEqual(['n-1', 'n-2']);
    expect((await t.store.getClient('c-1'))?.summary?.visits).toBe(3);
  });

  it("reads another system's export with --map and --date-format, deriving stable visit ids", async () => {
    // Prepare
    const path = await file(
      'cdnow.txt',
      ' customer_id  date number_of_cds  dollar_value\r\n 00001 19970101  1   11.77\r\n 00001 19970101  1   11.77\r\n 00002 19970112  2   20.00\r\n',
    );
    const options: ImportOptions = {
      ...visitOptions,
      columnMap: { client_id: 'customer_id', visited_at: 'date', amount: 'dollar_value' },
      parseTime: visitTimeParser('yyyyMMdd', 'UTC'),
      defaultCurrency: 'USD',
      createClients: true,
    };

    // Act
    const first = await importPath(path, t.store, options);
    const second = await importPath(path, t.store, options);

    // Assess
    expect(first).toMatchObject({ rowsRead: 3, imported: 3, clientsCreated: 2 });
    expect(second).toMatchObject({ imported: 0, unchanged: 3 });
    const visits = await t.store.listVisits('00001');
    expect(visits).toHaveLength(2);
    expect(new Set(visits.map((v) => v.visitId)).size).toBe(2);
    expect((await t.store.getClient('00001'))?.summary).toMatchObject({ visits: 2, visitDays: ['1997-01-01'], totalSpend: 2354, currency: 'USD' });
  });

  it('imports JSON Lines', async () => {
    const path = await file('visits.jsonl', '{"visit_id":"j-1","client_id":"c-9","visited_at":"2026-05-01","amount":12.5,"currency":"EUR"}\n{"broken\n');
    const report = await importPath(path, t.store, { ...visitOptions, createClients: true });
    expect(report).toMatchObject({ imported: 1, skipped: 1 });
    expect(report.problems[0]).toMatchObject({ line: 2, reason: 'is not valid JSON' });
  });

  it('refuses a file without the needed columns before writing anything, and hints at the delimiter', async () => {
    const semicolons = await file('semi.csv', 'client_id;visited_at;amount\nc-1;2026-01-01;5\n');
    const wrong = openTableFile(semicolons, { delimiter: ',' }).then((f) => importFile(f, t.store, visitOptions));
    await expect(wrong).rejects.toThrow(/missing column\(s\) client_id, visited_at, amount.*try --delimiter/);

    const noAmount = await file('no-amount.csv', 'visit_id,client_id,visited_at\nv,c,2026-01-01\n');
    await expect(importPath(noAmount, t.store, visitOptions)).rejects.toThrow(ImportSetupError);

    const badMap = await file('ok.csv', 'client_id\nc-1\n');
    await expect(importPath(badMap, t.store, { ...clientOptions, columnMap: { customer: 'id' } })).rejects.toThrow(/customer is not a clients field/);
  });

  it('refuses empty, header-only and non-UTF-8 files clearly', async () => {
    await expect(openTableFile(await file('empty.csv', ''))).rejects.toThrow(/is empty/);
    await expect(importPath(await file('header.csv', 'client_id,name\n'), t.store, clientOptions)).rejects.toThrow(/no rows/);
    const latin1Header = Buffer.from('client_id,n\xe4me\nc-1,Renee\n', 'latin1');
    await expect(importPath(await file('latin1-header.csv', latin1Header), t.store, clientOptions)).rejects.toThrow(TableFileError);
    expect(await t.store.getClient('c-1')).toBeUndefined();
    // A row that is not UTF-8 is one bad row; the others land.
    const latin1 = Buffer.from('client_id,name\nc-1,Ren\xe9e\nc-2,Anna\n', 'latin1');
    const report = await importPath(await file('latin1.csv', latin1), t.store, clientOptions);
    expect(report.problems).toEqual([{ line: 2, field: 'row', reason: expect.stringMatching(/^is not UTF-8 text/) }]);
    expect(await t.store.getClient('c-2')).toBeDefined();
  });
});

describe('bad input never stops a whole import', () => {
  let t: TestStore;
  beforeEach(async () => {
    t = await freshStore();
    directory = await mkdtemp(join(tmpdir(), 'comeback-import-'));
  });
  const header = 'visit_id,client_id,visited_at,doctor_id,branch_id,service_category,amount,currency';
  const createVisits: ImportOptions = { ...visitOptions, createClients: true };

  it('reports a broken quote by line and reason, and lands the rows before and after it', async () => {
    const path = await file(
      'quote.csv',
      [
        header,
        'q-1,c-1,2026-03-01,,,,10,EUR',
        'q-2,"bad"quote,2026-03-01,,,,10,EUR',
        'q-3,c-3,2026-03-01,,,,10,EUR',
        'q-4,"c-4,2026-03-01,,,,10,EUR',
        'q-5,c-5,2026-03-01,,,,10,EUR',
      ].join('\n'),
    );
    const report = await importPath(path, t.store, createVisits);
    expect(report.problems).toEqual([
      { line: 3, field: 'row', reason: expect.stringMatching(/^value 2 goes on after its closing quote \("bad"quote\)/) },
      { line: 5, field: 'row', reason: expect.stringMatching(/^has a quote \("\) that is never closed/) },
    ]);
    expect(report.imported).toBe(3);
    expect(await t.store.findRecordedVisits(['q-1', 'q-3', 'q-5'])).toEqual(new Set(['q-1', 'q-3', 'q-5']));
  });

  it('with --strict writes nothing when a bad row is anywhere in the file, even chunks after good ones', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => `s-${i},c-1,2026-03-01,,,,10,EUR`);
    rows.push('s-bad,"bad"quote,2026-03-01,,,,10,EUR');
    const path = await file('strict.csv', [header, ...rows].join('\n'));
    const attempt = importPath(path, t.store, { ...createVisits, strict: true, chunkRows: 5 });
    await expect(attempt).rejects.toThrow(StrictImportError);
    await expect(attempt).rejects.toMatchObject({ report: { problems: [{ line: 32, field: 'row' }] } });
    expect(await t.store.getClient('c-1')).toBeUndefined();
    expect((await t.store.findRecordedVisits(['s-0', 's-29'])).size).toBe(0);
  });

  it("refuses a visit later than the clinic's today, or than now, with line and field", async () => {
    const now = Date.parse('2026-11-22T10:00:00Z'); // 12:00 in Athens
    const path = await file(
      'future.csv',
      [
        header,
        'f-1,c-1,2026-11-22T11:59:00+02:00,,,,10,EUR',
        'f-2,c-1,2026-11-23T08:00:00+14:00,,,,10,EUR',
        'f-3,c-1,2026-11-22T13:00:00+02:00,,,,10,EUR',
        'f-4,c-1,2026-11-23,,,,10,EUR',
      ].join('\n'),
    );
    const report = await importPath(path, t.store, {
      kind: 'visits',
      clientDefaults: defaults.clientDefaults,
      createClients: true,
      clock: { today: '2026-11-22', now },
    });
    expect(report.problems.map((p) => [p.line, p.field])).toEqual([
      [3, 'visited_at'],
      [4, 'visited_at'],
      [5, 'visited_at'],
    ]);
    expect(report.problems[0]!.reason).toMatch(/2026-11-23 is in the future \(the clinic's today is 2026-11-22\)/);
    expect(report.imported).toBe(1);
  });

  it("refuses a 1 MB name or category as one row error, and keeps the client's valid visits", async () => {
    const huge = 'x'.repeat(1_000_000);
    const visits = await file(
      'huge.csv',
      [header, `h-1,c-1,2026-03-01,,,${huge},10,EUR`, 'h-2,c-1,2026-03-02,,,physio,10,EUR', `h-3,c-1,2026-03-03,,,${'y'.repeat(150)},10,EUR`].join('\n'),
    );
    const report = await importPath(visits, t.store, createVisits);
    expect(report.problems).toEqual([
      { line: 2, field: 'row', reason: 'is longer than 65,536 characters: a row that long cannot be a client or a visit' },
      { line: 4, field: 'service_category', reason: 'is 150 characters long; at most 100 are allowed' },
    ]);
    expect(await t.store.findRecordedVisits(['h-2'])).toEqual(new Set(['h-2']));
    const clients = await file(
      'huge-name.jsonl',
      [JSON.stringify({ client_id: 'c-9', name: 'n'.repeat(5000) }), JSON.stringify({ client_id: 'c-10', name: 'Anna' })].join('\n'),
    );
    const clientReport = await importPath(clients, t.store, clientOptions);
    expect(clientReport.problems).toEqual([{ line: 1, field: 'name', reason: 'is 5,000 characters long; at most 200 are allowed' }]);
    expect(clientReport.imported).toBe(1);
  });

  it('refuses a visit_id repeated with other data anywhere in the file, naming both lines; an identical repeat counts once', async () => {
    const rows = Array.from({ length: 40 }, (_, i) => `d-${i},c-1,2026-03-01,,,,10,EUR`);
    rows.push('d-3,c-1,2026-03-01,,,,99,EUR', 'd-5,c-1,2026-03-01,,,,10.00,EUR');
    const path = await file('dupes.csv', [header, ...rows].join('\n'));
    const report = await importPath(path, t.store, { ...createVisits, chunkRows: 10 });
    expect(report.problems).toEqual([
      { line: 42, field: 'visit_id', reason: 'repeats d-3 of line 5 with different data (a visit_id must name one row)', duplicateOf: 5 },
    ]);
    expect(report).toMatchObject({ imported: 40, repeated: 1, skipped: 1 });
    await expect(importPath(path, t.store, { ...createVisits, chunkRows: 10, strict: true })).rejects.toThrow(StrictImportError);
  });

  it('refuses a client_id repeated with other data, instead of keeping one of them silently', async () => {
    const path = await file(
      'clients.csv',
      ['client_id,name,timezone', 'c-1,Anna,europe/athens', 'c-2,Bob,UTC', 'c-1,Anna,Europe/Athens', 'c-1,Hanna,UTC'].join('\n'),
    );
    const report = await importPath(path, t.store, clientOptions);
    expect(report.problems).toEqual([
      { line: 5, field: 'client_id', reason: 'repeats c-1 of line 2 with different data (a client_id must name one row)', duplicateOf: 2 },
    ]);
    expect(report).toMatchObject({ created: 2, repeated: 1 });
    expect((await t.store.getClient('c-1'))?.profile).toMatchObject({ name: 'Anna', timeZone: 'Europe/Athens' });
  });

  it('refuses control and invisible characters, so no look-alike client is made', async () => {
    const path = await file(
      'controls.csv',
      ['client_id,name', 'c-1,Anna', 'c-1\u200b,Anna', 'c-3,Bell\u0007', 'c-4,Esc\u001b[2J', 'c-5,"Two\nlines"'].join('\n'),
    );
    const report = await importPath(path, t.store, clientOptions);
    expect(report.problems.map((p) => `${p.line} ${p.field}: ${p.reason}`)).toEqual([
      '3 client_id: contains an invisible formatting character (U+200B): ids may hold printable characters only',
      '4 name: contains a control character (U+0007)',
      '5 name: contains a control character (U+001B)',
    ]);
    expect((await t.store.getClient('c-5'))?.profile.name).toBe('Two lines');
  });
});
