/**
 * `comeback import clients FILE`: broken CSV, names and ids over their limits or carrying
 * control, bidi or zero-width characters, look-alike and repeated client ids, time zones in
 * any case. See ./import-file.ts for what a case holds.
 */
import { importDriver } from './import-file.ts';

export const driver = importDriver('import-clients', 'clients');
