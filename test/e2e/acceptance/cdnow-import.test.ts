import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openTableFile } from '../../../shared/files/table-file.ts';
import { visitTimeParser } from '../../../shared/visits/visit-time.ts';
import { importFile, type ImportOptions } from '../../../shared/visits/use-cases/import-file.ts';
import type { StoredClient } from '../../../shared/visits/ports/client-store.ts';
import { freshStore } from '../../support/tables.ts';

const cdnowLog = resolve(import.meta.dirname, '../../../../shared/data/cdnow/CDNOW_master.txt');

/** The options `comeback import visits CDNOW_master.txt --map … --date-format yyyyMMdd` builds. */
const cdnowOptions: ImportOptions = {
  kind: 'visits',
  columnMap: { client_id: 'customer_id', visited_at: 'date', amount: 'dollar_value' },
  parseTime: visitTimeParser('yyyyMMdd', 'UTC'),
  defaultCurrency: 'USD',
  createClients: true,
  clientDefaults: { locale: 'en', timeZone: 'UTC' },
};

describe('the CDNOW purchase log', () => {
  it('imports as visits: 69,659 rows, 23,570 customers, nothing lost, and a second import adds nothing', { timeout: 900_000 }, async () => {
    // Prepare
    const { store } = await freshStore();

    // Act
    const first = await importFile(await openTableFile(cdnowLog), store, cdnowOptions);
    const second = await importFile(await openTableFile(cdnowLog), store, cdnowOptions);

    // Assess
    expect(first).toMatchObject({ rowsRead: 69_659, imported: 69_659, clientsCreated: 23_570, skipped: 0 });
    expect(second).toMatchObject({ rowsRead: 69_659, imported: 0, unchanged: 69_659, clientsCreated: 0, skipped: 0 });
    const clients: StoredClient[] = [];
    await Promise.all(
      [0, 1, 2, 3].map(async (segment) => {
        for await (const page of store.scanClients(segment, 4)) clients.push(...page);
      }),
    );
    expect(clients).toHaveLength(23_570);
    expect(clients.reduce((sum, c) => sum + (c.summary?.visits ?? 0), 0)).toBe(69_659);
    const firstCustomer = clients.find((c) => c.profile.clientId === '00001');
    expect(firstCustomer?.summary).toMatchObject({ firstVisit: '1997-01-01', currency: 'USD' });
  });
});
