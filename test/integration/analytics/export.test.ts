import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { parquetReadObjects } from 'hyparquet';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ObjectStore } from '../../../shared/analytics/ports/object-store.ts';
import { DuckDbQueryEngine } from '../../../shared/files/duckdb-query-engine.ts';
import { DynamoAnswerStore } from '../../../shared/aws/dynamo-answer-store.ts';
import { DynamoCatalogueStore } from '../../../shared/aws/dynamo-catalogue-store.ts';
import { DynamoClientStore } from '../../../shared/aws/dynamo-client-store.ts';
import { DynamoLapseStore } from '../../../shared/aws/dynamo-lapse-store.ts';
import { DynamoOutreachLog } from '../../../shared/aws/dynamo-outreach-log.ts';
import { FolderObjectStore } from '../../../shared/files/folder-object-store.ts';
import { parquetPartitions } from '../../../shared/files/parquet-file.ts';
import type { ClientProfile } from '../../../shared/visits/client.ts';
import { outreachJobId, type LapseEpisode, type OutreachJob } from '../../../shared/lapse/episode.ts';
import { addVisits } from '../../../shared/visits/summary.ts';
import type { Visit } from '../../../shared/visits/visit.ts';
import type { SqlValue } from '../../../shared/analytics/ports/query-engine.ts';
import { exportAnalytics, type ExportDependencies, type ExportProgress } from '../../../shared/analytics/use-cases/export.ts';
import { freshTables, type TestTables } from '../../support/tables.ts';

/** Personal data seeded into the stores: none of it may appear in any exported file. */
const personal = {
  names: ['Μαρία Παππά', 'Jonathan Smithers'],
  phones: ['+306912345678', '+447700900123', '+306900000000'],
  emails: ['maria.pappa@example.com', 'j.smithers@example.org'],
  texts: ['Ο γιατρός ήταν αγενής και περίμενα δύο ώρες', 'Parking near the clinic is impossible', 'who is this? wrong number'],
  staff: ['reception.desk@clinic.example'],
};

const profile = (clientId: string, name: string, phone: string, email: string, locale: string): ClientProfile => ({
  clientId,
  name,
  phone,
  email,
  locale,
  timeZone: 'Europe/Athens',
  branchId: 'b-1',
  consent: { email: true, sms: true, voice: false },
});

const visit = (visitId: string, clientId: string, day: string, minor: number): Visit => ({
  visitId,
  clientId,
  visitedAt: `${day}T09:30:00.000Z`,
  day,
  doctorId: 'dr-1',
  branchId: 'b-1',
  serviceCategory: 'check-up',
  amount: { minor, currency: 'EUR' },
});

const visitsOf: Record<string, Visit[]> = {
  'c-1': [visit('v-1', 'c-1', '2026-01-10', 4000), visit('v-2', 'c-1', '2026-02-10', 4500), visit('v-3', 'c-1', '2026-03-10', 5000)],
  'c-2': [visit('v-4', 'c-2', '2026-01-10', 3000), visit('v-5', 'c-2', '2026-02-20', 3000)],
};

const episode = (clientId: string, openedOn: string): LapseEpisode => ({
  clientId,
  episodeId: openedOn,
  status: 'open',
  openedOn,
  openedAt: `${openedOn}T05:00:00.000Z`,
  explanation: {
    rule: 'rhythm',
    lastVisit: '2026-03-10',
    daysSinceLastVisit: 80,
    visitDays: 3,
    usualGapDays: 30.5,
    pAlive: 0.2,
    valueAtRisk: { minor: 12000, currency: 'EUR' },
  },
  controlGroup: false,
  requests: {},
});

const job = (clientId: string, episodeId: string): OutreachJob => ({
  jobId: outreachJobId(clientId, episodeId, 1),
  clientId,
  episodeId,
  request: 1,
  requestedOn: episodeId,
  channels: ['email', 'sms'],
});

const seed = async (tables: TestTables, db: DynamoDBDocumentClient): Promise<void> => {
  const clients = new DynamoClientStore(tables, db);
  const lapses = new DynamoLapseStore(tables, db);
  const log = new DynamoOutreachLog(tables.outreach, db);
  const answers = new DynamoAnswerStore(tables.answers, db);
  await clients.saveProfile(profile('c-1', personal.names[0]!, personal.phones[0]!, personal.emails[0]!, 'el'));
  await clients.saveProfile(profile('c-2', personal.names[1]!, personal.phones[1]!, personal.emails[1]!, 'en'));
  await clients.saveProfile({ clientId: 'c-3', locale: 'en', timeZone: 'Europe/London', consent: { email: false, sms: false, voice: false } });
  for (const [clientId, visits] of Object.entries(visitsOf)) {
    await clients.recordVisits([{ clientId, expectedVersion: 0, visits, summary: addVisits(undefined, visits) }]);
  }
  await lapses.openEpisode(episode('c-1', '2026-05-30'), { episodeId: '2026-05-30', status: 'open', openedOn: '2026-05-30', requests: 0, controlGroup: false });
  await lapses.openEpisode(episode('c-2', '2026-05-30'), { episodeId: '2026-05-30', status: 'open', openedOn: '2026-05-30', requests: 0, controlGroup: false });
  await lapses.closeWonBack('c-2', { episodeId: '2026-05-30', closedOn: '2026-06-04' });

  const asked = job('c-1', '2026-05-30');
  await log.claim(asked, 'email', 'el', new Date('2026-05-31T08:00:00Z'));
  await log.sent(asked.jobId, 'provider-1', new Date('2026-05-31T08:00:01Z'));
  await log.skipped(job('c-2', '2026-05-30'), 'visited-since', new Date('2026-06-05T08:00:00Z'));

  await answers.save(
    {
      clientId: 'c-1',
      answerId: `page#${asked.jobId}`,
      channel: 'page',
      receivedAt: '2026-06-01T18:00:00.000Z',
      outreachId: asked.jobId,
      episodeId: '2026-05-30',
      reasonId: 'staff-attitude',
      confidence: 0.9,
      method: 'keyword',
      text: personal.texts[0]!,
      callMe: true,
      book: false,
      catalogueVersion: 1,
    },
    'upsert',
  );
  await answers.save(
    {
      clientId: 'c-2',
      answerId: 'staff#2026-06-02T10:00:00.000Z',
      channel: 'staff',
      receivedAt: '2026-06-02T10:00:00.000Z',
      confidence: 0,
      method: 'none',
      candidate: 'parking near the clinic is impossible',
      text: personal.texts[1]!,
      by: personal.staff[0]!,
      callMe: false,
      book: true,
      catalogueVersion: 1,
    },
    'once',
  );
  await answers.save(
    {
      clientId: 'unmatched',
      answerId: 'sms#in-9',
      channel: 'sms',
      receivedAt: '2026-06-03T10:00:00.000Z',
      confidence: 0,
      method: 'none',
      text: personal.texts[2]!,
      from: personal.phones[2]!,
      callMe: false,
      book: false,
      catalogueVersion: 1,
    },
    'once',
  );
};

describe('the analytics export, from DynamoDB to DuckDB', () => {
  let root: string;
  let tables: TestTables;
  let db: DynamoDBDocumentClient;
  let deps: ExportDependencies;
  let engine: DuckDbQueryEngine;

  beforeEach(async () => {
    ({ tables, db } = await freshTables());
    await seed(tables, db);
    root = await mkdtemp(join(tmpdir(), 'export-'));
    deps = {
      clients: new DynamoClientStore(tables, db),
      lapses: new DynamoLapseStore(tables, db),
      outreach: new DynamoOutreachLog(tables.outreach, db),
      answers: new DynamoAnswerStore(tables.answers, db),
      catalogue: new DynamoCatalogueStore(tables.catalogue, db),
      objects: new FolderObjectStore(root),
      partitionFormat: parquetPartitions,
      totalSegments: 3,
    };
    engine = new DuckDbQueryEngine(root);
  });
  afterEach(async () => {
    await engine.close();
    await rm(root, { recursive: true, force: true });
  });

  const query = async (sql: string, parameters: SqlValue[] = []): Promise<Record<string, SqlValue>[]> => {
    const state = await engine.run({ sql, parameters });
    if (state.state !== 'succeeded') throw new Error('still running');
    return [...state.result.rows];
  };
  const count = async (table: string): Promise<number> => Number((await query(`SELECT count(*) AS n FROM ${table}`))[0]!.n);

  /** Every file under the export root, with its bytes and its inode (a rewrite, even of the same bytes, makes a new one). */
  const files = async (): Promise<Map<string, { bytes: Buffer; inode: number }>> => {
    const keys = await deps.objects.list('');
    const found = new Map<string, { bytes: Buffer; inode: number }>();
    for (const key of keys) found.set(key, { bytes: await readFile(join(root, key)), inode: (await stat(join(root, key))).ino });
    return found;
  };

  it('exports every table, and DuckDB counts what the stores hold', async () => {
    const report = await exportAnalytics({ exportDay: '2026-06-10' }, deps);

    const catalogue = await deps.catalogue.load();
    expect(await count('clients')).toBe(3);
    expect(await count('visits')).toBe(5);
    expect(await count('lapse_episodes')).toBe(2);
    expect(await count('outreach')).toBe(2);
    expect(await count('replies')).toBe(2);
    expect(await count('reason_catalogue')).toBe(catalogue.reasons.length);
    expect(Object.fromEntries(report.tables.map((table) => [table.table, table.rows]))).toEqual({
      clients: 3,
      visits: 5,
      lapse_episodes: 2,
      outreach: 2,
      replies: 2,
      // Only c-1's answer gave a reason: it stands for c-1's episode.
      current_answers: 1,
      reason_catalogue: catalogue.reasons.length,
      // Nobody will count as lost within 90 days: the episodes are open, the rest came lately.
      clients_at_risk: 0,
    });
    expect(report.tables.find((table) => table.table === 'visits')?.written).toEqual(['2026-01-10', '2026-02-10', '2026-02-20', '2026-03-10']);
    expect(report).toMatchObject({ exportDay: '2026-06-10', partitionsWritten: 4 + 1 + 1 + 2 + 2 + 1 + 1 + 1, partitionsUnchanged: 0, partitionsDeleted: 0 });

    expect(await query('SELECT dt, count(*) AS n, sum(amount_minor) AS spend FROM visits GROUP BY dt ORDER BY dt')).toEqual([
      { dt: '2026-01-10', n: 2, spend: 7000 },
      { dt: '2026-02-10', n: 1, spend: 4500 },
      { dt: '2026-02-20', n: 1, spend: 3000 },
      { dt: '2026-03-10', n: 1, spend: 5000 },
    ]);
    expect(await query("SELECT client_id, visits, total_spend_minor, lapse_status, first_visit, dt FROM clients WHERE client_id = 'c-1'")).toEqual([
      { client_id: 'c-1', visits: 3, total_spend_minor: 13_500, lapse_status: 'open', first_visit: '2026-01-10', dt: '2026-06-10' },
    ]);
    expect(await query('SELECT client_id, status, closed_on FROM lapse_episodes ORDER BY client_id')).toEqual([
      { client_id: 'c-1', status: 'open', closed_on: null },
      { client_id: 'c-2', status: 'won-back', closed_on: '2026-06-04' },
    ]);
    expect(await query('SELECT status, channel, sent_at, reason, dt FROM outreach ORDER BY dt')).toEqual([
      { status: 'sent', channel: 'email', sent_at: '2026-05-31T08:00:01.000Z', reason: null, dt: '2026-05-31' },
      { status: 'skipped', channel: null, sent_at: null, reason: 'visited-since', dt: '2026-06-05' },
    ]);
    expect(
      await query(
        'SELECT r.client_id, r.reason_id, c.counts_as, r.received_at FROM replies r LEFT JOIN reason_catalogue c ON c.reason_id = r.reason_id ORDER BY r.received_at',
      ),
    ).toEqual([
      { client_id: 'c-1', reason_id: 'staff-attitude', counts_as: 'staff-attitude', received_at: '2026-06-01T18:00:00.000Z' },
      { client_id: 'c-2', reason_id: null, counts_as: null, received_at: '2026-06-02T10:00:00.000Z' },
    ]);
    expect(await query('SELECT client_id, reason_id, answered_on, dt FROM current_answers')).toEqual([
      { client_id: 'c-1', reason_id: 'staff-attitude', answered_on: '2026-06-01', dt: '2026-06-01' },
    ]);
  });

  it('exports why a send failed as a code, so invalid and unreachable numbers are counted apart, and never the provider’s words', async () => {
    const log = new DynamoOutreachLog(tables.outreach, db);
    const failedText = async (
      clientId: string,
      messageId: string,
      failure: { code: 'invalid-number' | 'unreachable' | 'opted-out'; detail: string },
      refusedAtSend = false,
    ) => {
      const text = { ...job(clientId, '2026-06-06'), channels: ['sms' as const] };
      await log.claim(text, 'sms', 'en', new Date('2026-06-07T08:00:00Z'));
      if (refusedAtSend) return log.refused(text.jobId, 'failed', failure, new Date('2026-06-07T08:00:01Z'));
      await log.sent(text.jobId, messageId, new Date('2026-06-07T08:00:01Z'));
      await log.delivery(text.jobId, 'failed', ['sent'], '2026-06-07T08:00:05.000Z', failure);
    };
    await failedText('c-invalid-1', 'm-1', { code: 'invalid-number', detail: `INVALID: ${personal.phones[0]} does not exist` });
    await failedText('c-invalid-2', 'm-2', { code: 'invalid-number', detail: 'INVALID' });
    await failedText('c-unreachable', 'm-3', { code: 'unreachable', detail: `CARRIER_UNREACHABLE: ${personal.phones[1]}` });
    await failedText('c-opted-out', 'm-4', { code: 'opted-out', detail: `ConflictException: ${personal.phones[0]} has opted out` }, true);

    await exportAnalytics({ exportDay: '2026-06-10' }, deps);

    expect(
      await query('SELECT failure_reason, count(*) AS n FROM outreach WHERE status = ? GROUP BY failure_reason ORDER BY failure_reason', ['failed']),
    ).toEqual([
      { failure_reason: 'invalid-number', n: 2 },
      { failure_reason: 'opted-out', n: 1 },
      { failure_reason: 'unreachable', n: 1 },
    ]);
    expect(await query('SELECT status, reason, failure_reason FROM outreach WHERE status <> ? ORDER BY status', ['failed'])).toEqual([
      { status: 'sent', reason: null, failure_reason: null },
      { status: 'skipped', reason: 'visited-since', failure_reason: null },
    ]);
    const written = [...(await files()).values()].map((file) => file.bytes.toString('latin1')).join('');
    for (const phone of personal.phones) expect(written).not.toContain(phone.slice(1));
    expect(written).not.toContain('does not exist');
  });

  it('never reads a key that is not there: S3 refuses those with 403 to a role listing only the export prefix', async () => {
    const store = deps.objects;
    const strict: ObjectStore = {
      ...store,
      list: (prefix) => store.list(prefix),
      put: (key, body, type) => store.put(key, body, type),
      delete: (keys) => store.delete(keys),
      get: async (key) => {
        if (!(await store.list(key)).includes(key)) throw new Error(`AccessDenied: ${key}`);
        return store.get(key);
      },
    };

    const first = await exportAnalytics({ exportDay: '2026-06-10' }, { ...deps, objects: strict });
    const second = await exportAnalytics({ exportDay: '2026-06-10' }, { ...deps, objects: strict });

    expect(first.partitionsWritten).toBeGreaterThan(0);
    expect(second.partitionsWritten).toBe(0);
  });

  it('writes nothing the second time: the same files, not rewritten', async () => {
    await exportAnalytics({ exportDay: '2026-06-10' }, deps);
    const before = await files();

    const again = await exportAnalytics({ exportDay: '2026-06-10' }, deps);

    expect(again).toMatchObject({ partitionsWritten: 0, partitionsDeleted: 0, partitionsUnchanged: before.size - 8 });
    expect(await files()).toEqual(before);
    expect(await count('visits')).toBe(5);
  });

  it('rewrites only the day of a visit that changed, and drops a day whose visits are gone', async () => {
    await exportAnalytics({ exportDay: '2026-06-10' }, deps);
    const before = await files();
    await db.send(
      new UpdateCommand({
        TableName: tables.visits,
        Key: { visitId: 'v-2' },
        UpdateExpression: 'SET amountMinor = :minor',
        ExpressionAttributeValues: { ':minor': 4900 },
      }),
    );

    const changed = await exportAnalytics({ exportDay: '2026-06-10' }, deps);

    expect(changed.partitionsWritten).toBe(1);
    expect(changed.tables.find((table) => table.table === 'visits')?.written).toEqual(['2026-02-10']);
    const after = await files();
    const rewritten = [...after].filter(([key, file]) => before.get(key)?.inode !== file.inode).map(([key]) => key);
    expect(rewritten.sort()).toEqual(['_manifest/visits.json', 'visits/dt=2026-02-10/part-00000.parquet']);
    expect(await query("SELECT amount_minor FROM visits WHERE visit_id = 'v-2'")).toEqual([{ amount_minor: 4900 }]);

    await db.send(new DeleteCommand({ TableName: tables.visits, Key: { visitId: 'v-5' } }));
    const dropped = await exportAnalytics({ exportDay: '2026-06-10' }, deps);

    expect(dropped.tables.find((table) => table.table === 'visits')).toMatchObject({ written: [], deleted: ['2026-02-20'] });
    expect(await deps.objects.list('visits/dt=2026-02-20/')).toEqual([]);
    expect(await count('visits')).toBe(4);
    const manifest = JSON.parse(new TextDecoder().decode(await deps.objects.get('_manifest/visits.json'))) as { partitions: Record<string, unknown> };
    expect(Object.keys(manifest.partitions)).toEqual(['2026-01-10', '2026-02-10', '2026-03-10']);
  });

  it('keeps each day’s snapshot of clients and the catalogue, writing only the export day', async () => {
    await exportAnalytics({ exportDay: '2026-06-10' }, deps);
    const next = await exportAnalytics({ exportDay: '2026-06-11' }, deps);

    expect(next.tables.filter((table) => table.written.length > 0).map((table) => [table.table, table.written])).toEqual([
      ['clients', ['2026-06-11']],
      ['reason_catalogue', ['2026-06-11']],
      ['clients_at_risk', ['2026-06-11']],
    ]);
    expect(await query('SELECT dt, count(*) AS n FROM clients GROUP BY dt ORDER BY dt')).toEqual([
      { dt: '2026-06-10', n: 3 },
      { dt: '2026-06-11', n: 3 },
    ]);
  });

  it('keeps a week of snapshots: the eighth day drops the oldest, from the files and the manifest', async () => {
    for (const day of ['2026-06-01', '2026-06-02', '2026-06-03', '2026-06-04', '2026-06-05', '2026-06-06', '2026-06-07'])
      await exportAnalytics({ exportDay: day }, deps);
    const eighth = await exportAnalytics({ exportDay: '2026-06-08' }, deps);

    expect(eighth.tables.find((table) => table.table === 'clients')).toMatchObject({ written: ['2026-06-08'], deleted: ['2026-06-01'] });
    expect(await query('SELECT min(dt) AS first, count(DISTINCT dt) AS days FROM clients WHERE client_id IS NOT NULL')).toEqual([
      { first: '2026-06-02', days: 7 },
    ]);
    const manifest = JSON.parse(new TextDecoder().decode(await deps.objects.get('_manifest/reason_catalogue.json'))) as { partitions: Record<string, unknown> };
    expect(Object.keys(manifest.partitions)).toEqual(['2026-06-02', '2026-06-03', '2026-06-04', '2026-06-05', '2026-06-06', '2026-06-07', '2026-06-08']);
  });

  it('reports its progress: rows as they are read, then partitions as they are written', async () => {
    const seen: ExportProgress[] = [];
    await exportAnalytics({ exportDay: '2026-06-10' }, { ...deps, onProgress: (progress) => seen.push(progress) });

    const reading = seen.filter((progress) => progress.stage === 'reading');
    const writing = seen.filter((progress) => progress.stage === 'writing');
    expect(reading.at(-1)).toEqual({ stage: 'reading', rows: 3 + 5 + 2 + 2 + 3 + (await deps.catalogue.load()).reasons.length });
    expect(seen.indexOf(writing[0]!)).toBeGreaterThan(seen.indexOf(reading.at(-1)!));
    expect(writing.at(-1)).toEqual({ stage: 'writing', done: 13, total: 13 });
  });

  it('never writes a name, phone number, email, reply text or staff member into any file', async () => {
    await exportAnalytics({ exportDay: '2026-06-10' }, deps);
    const everything = await files();
    const decoded: string[] = [];
    for (const [key, file] of everything) {
      if (!key.endsWith('.parquet')) continue;
      const rows = await parquetReadObjects({
        file: file.bytes.buffer.slice(file.bytes.byteOffset, file.bytes.byteOffset + file.bytes.byteLength) as ArrayBuffer,
      });
      decoded.push(JSON.stringify(rows, (_name, value: unknown) => (typeof value === 'bigint' ? Number(value) : value)));
    }
    expect(decoded.length).toBe(13);
    const seeded = Object.values(personal).flat();
    const fragments = [...seeded, 'Παππά', 'Smithers', '6912345678', '7700900123', 'pappa@', 'αγενής', 'Parking', 'wrong number', 'in-9'];

    // The search finds what is there: ids and reasons are in the files, raw and decoded.
    expect([...everything.values()].some((file) => file.bytes.includes(Buffer.from('staff-attitude')))).toBe(true);
    expect(decoded.join('\n')).toContain('"client_id":"c-1"');
    for (const [key, file] of everything) {
      for (const fragment of fragments) expect(file.bytes.includes(Buffer.from(fragment)), `${fragment} in ${key}`).toBe(false);
    }
    for (const fragment of fragments) expect(decoded.join('\n').toLowerCase()).not.toContain(fragment.toLowerCase());
  });
});
