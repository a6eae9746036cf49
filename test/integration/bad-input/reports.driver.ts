/**
 * The managers' reports, through the local API Gateway and its JWT authorizer, on DuckDB over
 * Parquet files the export's own encoder wrote: every bad report parameter (unknown values,
 * injection attempts, bad or future days, from after to), bad escapes and over-long names,
 * wrong methods, staff and refused tokens. Each gets its 4xx naming what was wrong; reports
 * read, so nothing is ever written.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reportsApi } from '../../../functions/reports/handler.ts';
import { startHttpApi } from '../../../infra/local/http-api.ts';
import { verifyLocalToken } from '../../../infra/local/sign-in.ts';
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
import { partitionFile } from '../../../shared/analytics/use-cases/export.ts';
import { expectClearError, localSignIn, send, type Caller, type HttpCase } from './http-cases.ts';
import type { BadInputDriver } from './world.ts';

let api: Awaited<ReturnType<typeof startHttpApi>> | undefined;
let engine: DuckDbQueryEngine | undefined;
let signIn: Awaited<ReturnType<typeof localSignIn>> | undefined;

/** A partition as the export writes it, through the same folder store. */
const write = (root: string, table: ExportTable, dt: string, rows: ExportRow[]): Promise<void> =>
  new FolderObjectStore(root).put(partitionFile(table.name, dt), encodeParquet(table, rows));

export const driver: BadInputDriver<HttpCase> = {
  surface: 'reports',

  async prepare() {
    signIn = await localSignIn();
    // A little of what the export writes, so a well-formed report has something to read.
    const root = await mkdtemp(join(tmpdir(), 'comeback-bad-input-exports-'));
    const replies: ExportRow[] = [
      {
        answer_id: 'a-1',
        client_id: 'c-1',
        outreach_id: null,
        episode_id: null,
        channel: 'sms',
        received_at: '2026-04-10T10:00:00.000Z',
        reason_id: 'price',
        method: 'digit',
        confidence: 1,
        call_me: false,
        book: false,
        opted_out: false,
        catalogue_version: 1,
      },
    ];
    await write(root, repliesExport, '2026-04-10', replies);
    for (const { dt, row } of currentAnswerRows(replies.map((row) => ({ dt: '2026-04-10', row })))) await write(root, currentAnswersExport, dt, [row]);
    await write(root, reasonCatalogueExport, '2026-04-10', [
      { version: 1, reason_id: 'price', counts_as: 'price', label: 'Price', churn_type: 'voluntary', status: 'active' },
    ]);
    await write(root, clientsExport, '2026-04-10', [
      {
        client_id: 'c-1',
        branch_id: 'b-1',
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
      },
    ]);
    engine = new DuckDbQueryEngine(root);
    const deps = { engine, dialect: 'duckdb' as const };
    api = await startHttpApi([{ prefix: '/reports', handler: (event) => reportsApi(event, deps), verify: async (token) => verifyLocalToken(token) }], 0);
  },

  async run(_world, testCase) {
    expectClearError(await send(api!.port, { as: 'manager', ...testCase }, signIn!.tokens as Record<Caller, string | undefined>), testCase);
  },

  async finish() {
    await api?.stop();
    await engine?.close();
    signIn?.restore();
  },
};
