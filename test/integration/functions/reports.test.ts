/**
 * GET /reports as the local stack serves it: real HTTP through the local API Gateway and its
 * JWT authorizer, the reports function, DuckDB over Parquet files written by the export's own
 * encoder. The 202 path uses a query engine that is still running (Athena's slow case).
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportsApi } from '../../../functions/reports/handler.ts';
import { startHttpApi } from '../../../infra/local/http-api.ts';
import { issueLocalToken, verifyLocalToken } from '../../../infra/local/sign-in.ts';
import { DuckDbQueryEngine } from '../../../shared/files/duckdb-query-engine.ts';
import { FolderObjectStore } from '../../../shared/files/folder-object-store.ts';
import { encodeParquet } from '../../../shared/files/parquet-file.ts';
import {
  clientsExport,
  currentAnswersExport,
  reasonCatalogueExport,
  repliesExport,
  type ExportRow,
  type ExportTable,
} from '../../../shared/analytics/export-tables.ts';
import { currentAnswerRows } from '../../../shared/analytics/export-rows.ts';
import type { Query, QueryEngine, QueryState } from '../../../shared/analytics/ports/query-engine.ts';
import { partitionFile } from '../../../shared/analytics/use-cases/export.ts';

let api: Awaited<ReturnType<typeof startHttpApi>>;
let engine: DuckDbQueryEngine;
let manager: string;
let staff: string;
const started: Query[] = [];
const previousDataDir = process.env.COMEBACK_DATA_DIR;

/** Athena with a long query: running on the first look, done on the second. */
const slowEngine: QueryEngine = {
  start: async (query) => {
    started.push(query);
    return 'q-1';
  },
  poll: async (queryId): Promise<QueryState> => ({
    state: 'succeeded',
    queryId,
    result: {
      columns: [
        { name: 'reason_id', type: 'string' },
        { name: 'clients', type: 'number' },
      ],
      rows: [{ reason_id: '=HYPERLINK("x")', clients: 3 }],
    },
  }),
  run: async (query) => ({ state: 'running', queryId: await slowEngine.start(query) }),
};

/** A partition as the export writes it, through the same folder store. */
const write = (root: string, table: ExportTable, dt: string, rows: ExportRow[]): Promise<void> =>
  new FolderObjectStore(root).put(partitionFile(table.name, dt), encodeParquet(table, rows));

const reply = (clientId: string, day: string, reasonId: string, channel = 'sms', alsoReasonId: string | null = null): ExportRow => ({
  answer_id: `${clientId}-${day}`,
  client_id: clientId,
  outreach_id: null,
  episode_id: null,
  channel,
  received_at: `${day}T10:00:00.000Z`,
  reason_id: reasonId,
  also_reason_id: alsoReasonId,
  method: 'digit',
  confidence: 1,
  call_me: false,
  book: false,
  opted_out: false,
  catalogue_version: 1,
});

const get = async (path: string, token: string | undefined, headers: Record<string, string> = {}) => {
  const response = await fetch(`http://127.0.0.1:${api.port}${path}`, { headers: { ...(token && { authorization: `Bearer ${token}` }), ...headers } });
  const text = await response.text();
  return {
    status: response.status,
    type: response.headers.get('content-type') ?? '',
    location: response.headers.get('location'),
    text,
    body: response.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) : undefined,
  };
};

beforeAll(async () => {
  // Prepare: three clients' answers in two months, the catalogue with waiting time merged into schedule.
  process.env.COMEBACK_DATA_DIR = await mkdtemp(join(tmpdir(), 'comeback-reports-api-'));
  const root = join(process.env.COMEBACK_DATA_DIR, 'exports');
  // c-1 answered twice: May's answer stands for c-1, April's no longer counts.
  const april = [reply('c-1', '2026-04-10', 'price'), reply('c-2', '2026-04-10', 'waiting-time', 'page')];
  const may = [reply('c-3', '2026-05-03', 'schedule', 'sms', 'price'), reply('c-1', '2026-05-03', 'price')];
  await write(root, repliesExport, '2026-04-10', april);
  await write(root, repliesExport, '2026-05-03', may);
  const standing = currentAnswerRows([...april.map((row) => ({ dt: '2026-04-10', row })), ...may.map((row) => ({ dt: '2026-05-03', row }))]);
  for (const dt of new Set(standing.map((row) => row.dt))) {
    await write(
      root,
      currentAnswersExport,
      dt,
      standing.filter((row) => row.dt === dt).map((row) => row.row),
    );
  }
  const reason = (id: string, countsAs = id): ExportRow => ({
    version: 2,
    reason_id: id,
    counts_as: countsAs,
    label: id,
    churn_type: 'voluntary',
    status: id === countsAs ? 'active' : 'merged',
  });
  await write(root, reasonCatalogueExport, '2026-05-31', [reason('price'), reason('waiting-time', 'schedule'), reason('schedule')]);
  const client = (id: string, branch: string): ExportRow => ({
    client_id: id,
    branch_id: branch,
    locale: 'en',
    first_visit: null,
    last_visit: null,
    visit_days: 1,
    visits: 1,
    total_spend_minor: 0,
    currency: 'EUR',
    usual_gap_days: null,
    last_doctor_id: 'd-1',
    lapse_status: 'open',
    outreach_ended: null,
  });
  await write(root, clientsExport, '2026-05-31', [client('c-1', 'b-1'), client('c-2', 'b-2'), client('c-3', 'b-1')]);
  engine = new DuckDbQueryEngine(root);
  const verify = async (token: string) => verifyLocalToken(token);
  api = await startHttpApi(
    [
      {
        prefix: '/slow/',
        handler: (event) => reportsApi({ ...event, rawPath: event.rawPath.replace(/^\/slow/, '') }, { engine: slowEngine, dialect: 'trino' }),
        verify,
      },
      { prefix: '/reports', handler: (event) => reportsApi(event, { engine, dialect: 'duckdb' }), verify },
    ],
    0,
  );
  manager = await issueLocalToken({ user: 'eleni@clinic.example', groups: ['managers'] });
  staff = await issueLocalToken({ user: 'kostas@clinic.example', groups: ['staff'] });
});

afterAll(async () => {
  await api?.stop();
  await engine?.close();
  if (previousDataDir === undefined) delete process.env.COMEBACK_DATA_DIR;
  else process.env.COMEBACK_DATA_DIR = previousDataDir;
});

describe('GET /reports/{name}', () => {
  it('answers managers with the rows as JSON: each client once, merged reasons under the reason they went into', async () => {
    const response = await get('/reports/lost?from=2026-04-01&to=2026-05-31', manager);

    expect(response.status).toBe(200);
    expect(response.body.columns.map((column: { name: string }) => column.name)).toEqual([
      'reason_id',
      'label',
      'churn_type',
      'clients',
      'share',
      'also_clients',
    ]);
    expect(response.body.rows.map((row: any) => [row.reason_id, row.clients, row.also_clients])).toEqual([
      ['schedule', 2, 0],
      ['price', 1, 1],
    ]);
  });

  it('answers CSV for Accept: text/csv or ?format=csv', async () => {
    const accepted = await get('/reports/lost?from=2026-04-01&to=2026-05-31&by=month', manager, { accept: 'text/csv' });
    const asked = await get('/reports/lost?from=2026-04-01&to=2026-05-31&by=month&format=csv', manager);

    expect(accepted.type).toMatch(/^text\/csv/);
    expect(accepted.text).toBe(asked.text);
    expect(accepted.text.split('\r\n')).toEqual([
      'period,reason_id,label,churn_type,clients',
      '2026-04-01,schedule,schedule,voluntary,1',
      '2026-05-01,price,price,voluntary,1',
      '2026-05-01,schedule,schedule,voluntary,1',
      '',
    ]);
  });

  it('filters by branch from the latest client snapshot, and by channel', async () => {
    const inB2 = await get('/reports/lost?from=2026-04-01&to=2026-05-31&branch=b-2', manager);
    const byPage = await get('/reports/lost?from=2026-04-01&to=2026-05-31&channel=page', manager);

    expect(inB2.body.rows.map((row: any) => [row.reason_id, row.clients])).toEqual([['schedule', 1]]);
    expect(byPage.body.rows.map((row: any) => row.reason_id)).toEqual(['schedule']);
  });

  it('names the bad parameter with 400, injection attempts included, and 404s an unknown report', async () => {
    const cases = {
      '/reports/lost?from=2026-13-01': 'from',
      '/reports/lost?by=decade': 'by',
      [`/reports/lost?branch=${encodeURIComponent("b-1' OR '1'='1")}`]: 'branch',
      [`/reports/lost?doctor=${encodeURIComponent('d-1; DROP TABLE replies')}`]: 'doctor',
      [`/reports/lost?channel=${encodeURIComponent('sms/**/OR/**/1=1')}`]: 'channel',
      '/reports/lapsed?limit=1e9': 'limit',
      '/reports/lost?format=xml': 'format',
      '/reports/lost?sort=reason': 'sort',
    };
    for (const [path, parameter] of Object.entries(cases)) {
      const response = await get(path, manager);
      expect([path, response.status]).toEqual([path, 400]);
      expect(response.body.issues.map((issue: { parameter: string }) => issue.parameter)).toEqual([parameter]);
    }
    expect((await get('/reports/nothing', manager)).status).toBe(404);
  });

  it('refuses a day still to come (after tomorrow) as from or to, naming it', async () => {
    const dayAfter = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const cases = {
      '/reports/lost?from=2099-01-01&to=2099-12-31': ['from', 'to'],
      '/reports/lost?to=2099-01-01': ['to'],
      '/reports/lapsed?from=2099-01-01': ['from'],
      [`/reports/churn?from=2026-01-01&to=${dayAfter}`]: ['to'],
    };
    for (const [path, parameters] of Object.entries(cases)) {
      const response = await get(path, manager);
      expect([path, response.status, response.body.issues.map((issue: { parameter: string }) => issue.parameter)]).toEqual([path, 400, parameters]);
      expect(response.body.issues[0].reason).toContain('still to come');
    }
    expect((await get(`/reports/lost?from=2026-04-01&to=${tomorrow}`, manager)).status).toBe(200);
  });

  it('answers a malformed escape or an over-long name or id with 400 naming the parameter, never a 500', async () => {
    const cases = {
      '/reports/%ZZ': 'name',
      '/reports/%E0': 'name',
      [`/reports/${'x'.repeat(3000)}`]: 'name',
      '/reports/queries/%E0%A4': 'queryId',
      [`/reports/queries/${'q'.repeat(3000)}`]: 'queryId',
    };
    for (const [path, parameter] of Object.entries(cases)) {
      const response = await get(path, manager);
      expect([path.slice(0, 40), response.status, response.body.issues]).toEqual([path.slice(0, 40), 400, [{ parameter, reason: expect.any(String) }]]);
    }
    expect((await get('/reports/l%6Fst?from=2026-04-01&to=2026-05-31', manager)).status).toBe(200);
    expect((await get('/reports/queries/nothing-like-it', manager)).status).toBe(404);
  });

  it('answers HEAD as GET without the body, and names GET and HEAD for another method', async () => {
    for (const path of [
      '/reports',
      '/reports/lost?from=2026-04-01&to=2026-05-31',
      '/reports/lost?format=csv&from=2026-04-01&to=2026-05-31',
      '/reports/lost?by=decade',
      '/reports/nothing',
    ]) {
      const head = await fetch(`http://127.0.0.1:${api.port}${path}`, { method: 'HEAD', headers: { authorization: `Bearer ${manager}` } });
      const got = await get(path, manager);
      expect([path, head.status, head.headers.get('content-type')]).toEqual([path, got.status, got.type]);
      expect(await head.text()).toBe('');
    }
    const posted = await fetch(`http://127.0.0.1:${api.port}/reports/lost`, { method: 'POST', headers: { authorization: `Bearer ${manager}` } });
    expect([posted.status, posted.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
  });

  it('is for managers: 401 without a token, 403 for staff', async () => {
    expect((await get('/reports/lost', undefined)).status).toBe(401);
    expect((await get('/reports/lost', staff)).status).toBe(403);
    expect((await get('/reports/lost', await issueLocalToken({ user: 'mallory@clinic.example', groups: ['staff,managers'] }))).status).toBe(403);
    expect((await get('/reports', manager)).body.reports.map((report: { name: string }) => report.name)).toContain('retention-by-doctor');
  });
});

describe('a long query', () => {
  it('answers 202 with where to ask, then the rows there, CSV cells made safe for spreadsheets', async () => {
    const first = await get('/slow/reports/lost?format=csv', manager);
    const ready = await get(`/slow${first.location}`, manager);

    expect(first.status).toBe(202);
    expect(first.body).toEqual({ queryId: 'q-1', state: 'running', location: '/reports/queries/q-1?format=csv' });
    expect(started[0]!.requestToken).toMatch(/^[0-9a-f]{64}$/);
    expect(ready.status).toBe(200);
    expect(ready.text).toBe(`reason_id,clients\r\n"'=HYPERLINK(""x"")",3\r\n`);
  });
});
