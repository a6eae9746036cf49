import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { BatchWriteCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { clientsTable, visitsTable } from '../../infra/resources.ts';
import { openTableFile, tableFromRows } from '../../shared/files/table-file.ts';
import { DynamoClientStore } from '../../shared/aws/dynamo-client-store.ts';
import { eachLimited } from '../../shared/common/concurrency.ts';
import { clientColumns, visitColumns } from '../../shared/visits/columns.ts';
import { parseVisitRow } from '../../shared/visits/rows.ts';
import { generateClinic } from '../../infra/local/demo-clinic.ts';
import { importFile } from '../../shared/visits/use-cases/import-file.ts';
import { maxItemsPerWrite } from '../../shared/visits/ports/client-store.ts';
import { collectGarbage, rate, timed, type Bench } from './harness.ts';

const asOf = '2026-11-01';
const clientDefaults = { locale: 'en', timeZone: 'Europe/Athens' };

/**
 * Visits import against DynamoDB Local: the product's import (validation, summaries,
 * transactional idempotent writes) against the plainest way to put the same visits into a
 * table (BatchWriteItem, 25 a call, 8 calls in flight); and against the fastest any import
 * that keeps one transaction per pack could be: the same visits alone, as conditional puts, in
 * full transactions (100 items), as many in flight as the import.
 */
export const importBench: Bench = {
  name: 'import',
  async run(context) {
    context.progress('import: generating a 2,000-client clinic');
    const clinic = generateClinic({ clients: 2_000, asOf, seed: 7 });
    const visitRows = clinic.visits as Record<string, string>[];
    const dynamo = await context.dynamoDb();
    const tables = { clients: await dynamo.table(clientsTable), visits: await dynamo.table(visitsTable) };
    const store = new DynamoClientStore(tables, dynamo.db);
    const options = { clientDefaults, today: asOf };
    await importFile(tableFromRows(clinic.clients as Record<string, string>[], clientColumns), store, { ...options, kind: 'clients' });

    context.progress(`import: ${visitRows.length.toLocaleString('en')} visits through the import`);
    const first = await timed(() => importFile(tableFromRows(visitRows, visitColumns), store, { ...options, kind: 'visits' }));
    if (first.value.imported !== visitRows.length) throw new Error(`import wrote ${first.value.imported} of ${visitRows.length} visits`);
    context.progress('import: the same file again');
    const again = await timed(() => importFile(tableFromRows(visitRows, visitColumns), store, { ...options, kind: 'visits' }));
    if (again.value.unchanged !== visitRows.length) throw new Error(`re-import left ${again.value.unchanged} of ${visitRows.length} unchanged`);

    context.progress('import: baseline BatchWriteItem of the same visits');
    const plainTable = await dynamo.table(visitsTable);
    const item = (row: Record<string, string>) => ({ ...row, visitId: row.visit_id, clientId: row.client_id, visitedAt: row.visited_at });
    const batches: Record<string, string>[][] = [];
    for (let i = 0; i < visitRows.length; i += 25) batches.push(visitRows.slice(i, i + 25));
    const baseline = await timed(() =>
      eachLimited(batches, 8, async (batch) => {
        let pending = batch.map((row) => ({ PutRequest: { Item: item(row) } }));
        while (pending.length > 0) {
          const result = await dynamo.db.send(new BatchWriteCommand({ RequestItems: { [plainTable]: pending } }));
          pending = (result.UnprocessedItems?.[plainTable] ?? []) as typeof pending;
        }
      }),
    );

    context.progress('import: the same visits alone in full transactions of conditional puts');
    const transactTable = await dynamo.table(visitsTable);
    const packs: Record<string, string>[][] = [];
    for (let i = 0; i < visitRows.length; i += maxItemsPerWrite) packs.push(visitRows.slice(i, i + maxItemsPerWrite));
    const transactions = await timed(() =>
      eachLimited(packs, 8, async (pack) => {
        const TransactItems = pack.map((row) => ({ Put: { TableName: transactTable, Item: item(row), ConditionExpression: 'attribute_not_exists(visitId)' } }));
        await dynamo.db.send(new TransactWriteCommand({ TransactItems }));
      }),
    );

    return [
      {
        measure: 'visits imported, first time',
        subject: rate(visitRows.length, first.seconds),
        baseline: rate(visitRows.length, baseline.seconds),
        ratio: baseline.seconds / first.seconds,
        target: 0.5,
        note:
          'each visit also updates its client summary, in one transaction per pack of clients; ' +
          `bare transactions of the same visits alone reach ${(baseline.seconds / transactions.seconds).toFixed(2)} of the baseline here, the most a transactional import can`,
      },
      {
        measure: 'visits imported, first time, against bare transactions',
        subject: rate(visitRows.length, first.seconds),
        baseline: rate(visitRows.length, transactions.seconds),
        ratio: transactions.seconds / first.seconds,
        note: `${packs.length} transactions of up to ${maxItemsPerWrite} conditional puts, 8 in flight, and no client summary`,
      },
      {
        measure: 'visits re-imported (all already there)',
        subject: rate(visitRows.length, again.seconds),
        baseline: rate(visitRows.length, baseline.seconds),
        ratio: baseline.seconds / again.seconds,
      },
    ];
  },
};

/** Heap still in use once garbage is collected: what the reader actually holds on to. */
const heapAfterGc = (): number => {
  collectGarbage();
  return process.memoryUsage().heapUsed;
};

/** A visits file of `rows` rows, 10,000 lines a chunk. */
async function* visitLines(rows: number): AsyncGenerator<string> {
  yield `${visitColumns.join(',')}\n`;
  for (let from = 0; from < rows; from += 10_000) {
    let chunk = '';
    for (let i = from; i < Math.min(rows, from + 10_000); i++) {
      const day = `2025-${String((i % 12) + 1).padStart(2, '0')}-${String((i % 28) + 1).padStart(2, '0')}`;
      chunk += `v${i},c${i % 50_000},${day}T10:30:00+02:00,d${i % 10},b${i % 3},physiotherapy,${(i % 200) + 20}.50,EUR\n`;
    }
    yield chunk;
  }
}

/**
 * Reading and validating a large visits file keeps memory flat: peak heap growth while
 * streaming a ~100 MB file (sampled after garbage collection), as a share of the file's size (1.0 would mean the file was held).
 */
export const streamingBench: Bench = {
  name: 'streaming',
  async run(context) {
    const rows = 1_500_000;
    const folder = await mkdtemp(join(tmpdir(), 'comeback-bench-'));
    try {
      const path = join(folder, 'visits.csv');
      context.progress(`streaming: writing ${rows.toLocaleString('en')} visits to a file`);
      // pipeline: the write stream's errors (a full disk) reject here rather than go uncaught.
      await pipeline(visitLines(rows), createWriteStream(path));

      const before = heapAfterGc();
      let peak = before;
      let valid = 0;
      const file = await openTableFile(path);
      const read = await timed(async () => {
        for await (const record of file.records()) {
          if (!record.values) continue;
          const row = parseVisitRow(record.values, record.line, { latestDay: asOf });
          if (row.ok) valid++;
          if (record.line % 100_000 === 0) peak = Math.max(peak, heapAfterGc());
        }
      });
      if (valid !== rows) throw new Error(`${valid} of ${rows} rows valid`);
      const growth = Math.max(0, peak - before);
      return [
        {
          measure: `validate a ${Math.round(file.sizeBytes / 1e6)} MB visits file: heap held vs file size`,
          subject: `${Math.round(growth / 1e6)} MB at ${rate(rows, read.seconds)}`,
          baseline: `${Math.round(file.sizeBytes / 1e6)} MB`,
          ratio: file.sizeBytes / Math.max(growth, 1),
          target: 10,
          note: 'higher is better: the file is streamed, not held',
        },
      ];
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  },
};
