/**
 * `comeback import visits FILE`: broken CSV, lines too long or not UTF-8, fields over their
 * limits, control and invisible characters, visits in the clinic's future, ids repeated with
 * other data, and the rows around each that must still land. See ./import-file.ts for a case.
 */
import { tableFromRows } from '../../../shared/files/table-file.ts';
import { importFile } from '../../../shared/visits/use-cases/import-file.ts';
import { clinicZone, importDriver } from './import-file.ts';

export const driver = importDriver('import-visits', 'visits', async (store) => {
  // A client whose visits are in euros: a visit in another currency is refused.
  const clientDefaults = { locale: 'en', timeZone: clinicZone };
  await importFile(tableFromRows([{ client_id: 'eur-client' }]), store, { kind: 'clients', clientDefaults, today: '2026-05-12' });
  await importFile(tableFromRows([{ visit_id: 'eur-1', client_id: 'eur-client', visited_at: '2026-01-05', amount: '40', currency: 'EUR' }]), store, {
    kind: 'visits',
    clientDefaults,
    today: '2026-05-12',
  });
});
