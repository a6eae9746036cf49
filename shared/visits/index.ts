/** Visits: the clients and visits a clinic imports, and the summary of each client's visits. */
export { importFile, ImportSetupError, StrictImportError, type ImportOptions, type ImportReport } from './use-cases/import-file.ts';
export { clientCard, type AnswerOnCard, type ClientCard } from './use-cases/client-card.ts';
export type { ClientStore, StoredClient } from './ports/client-store.ts';
export type { Delimiter, TableFile, TableRecord } from './ports/table-file.ts';
export type { Channel, ClientProfile, Consent } from './client.ts';
export type { ImportKind } from './columns.ts';
export type { Visit } from './visit.ts';
export { CurrencyMismatchError, type VisitSummary } from './summary.ts';
