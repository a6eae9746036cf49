import { clientsTable, visitsTable } from '../infra/resources.ts';
import { DynamoClientStore } from './adapters/dynamo-client-store.ts';
import { requiredEnv } from './config.ts';
import type { ClientStore } from './ports/client-store.ts';

/** The store the functions and the CLI use, with table names from the environment. */
export const clientStoreFromEnv = (): ClientStore =>
  new DynamoClientStore({ clients: requiredEnv(clientsTable.envVar), visits: requiredEnv(visitsTable.envVar) });

/** The clinic's defaults for clients who do not say (COMEBACK_LOCALE, COMEBACK_TIMEZONE). */
export const clinicDefaults = (): { locale: string; timeZone: string } => ({
  locale: process.env.COMEBACK_LOCALE ?? 'en',
  timeZone: process.env.COMEBACK_TIMEZONE ?? 'UTC',
});
