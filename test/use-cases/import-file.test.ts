import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { openTableFile, TableFileError } from '../../shared/adapters/table-file.ts';
import { addVisits } from '../../shared/domain/summary.ts';
import { visitTimeParser } from '../../shared/domain/visit-time.ts';
import { importFile, ImportSetupError, StrictImportError, type ImportOptions } from '../../shared/use-cases/import-file.ts';
import { freshStore, type TestStore } from '../support/tables.ts';

const defaults = { clientDefaults: { locale: 'en', timeZone: 'Europe/Athens' }, today: '2026-11-22' };
const clientOptions: ImportOptions = { ...defaults, kind: 'clients' };
const visitOptions: ImportOptions = { ...defaults, kind: 'visits' };

let directory: string;
const file = async (name: string, content: string | Buffer): Promise<string> => {
  const path = join(directory, name);
  await writeFile(path, content);
  return path;
};
const importPath = async (path: string, store: TestStore['store'], options: ImportOptions) =>
  importFile(await openTableFile(path), store, options);

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

  it('reads another system\'s export with --map and --date-format, deriving stable visit ids', async () => {
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
    const latin1 = Buffer.from('client_id,name\nc-1,Ren\xe9e\n', 'latin1');
    await expect(importPath(await file('latin1.csv', latin1), t.store, clientOptions)).rejects.toThrow(TableFileError);
    expect(await t.store.getClient('c-1')).toBeUndefined();
  });
});
