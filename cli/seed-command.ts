import { clientColumns, visitColumns } from '../shared/visits/columns.ts';
import { addDays } from '../shared/common/dates.ts';
import { generateClinic, type ClientStory, type SeededClinic } from '../infra/local/demo-clinic.ts';
import { tableFromRows } from '../shared/files/table-file.ts';
import { buildApp } from '../shared/app.ts';
import { importFile, type ImportReport } from '../shared/visits/use-cases/import-file.ts';
import { parseAsOf, UsageError } from './output.ts';

export interface SeedFlags {
  clients: string;
  asOf?: string;
  seed: string;
}

export interface SeedResult {
  readonly clinic: SeededClinic;
  readonly asOf: string;
  readonly clients: ImportReport;
  readonly visits: ImportReport;
}

const positiveInteger = (text: string, flag: string, max: number): number => {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > max) throw new UsageError(`${flag} ${text}: a whole number from 1 to ${max}`);
  return value;
};

/** Generates the demo clinic and writes it through the ordinary import path (validation included). */
export const seedClinic = async (flags: SeedFlags): Promise<SeedResult> => {
  const clients = positiveInteger(flags.clients, '--clients', 1_000_000);
  const seed = Number(flags.seed);
  if (!Number.isInteger(seed)) throw new UsageError(`--seed ${flags.seed}: a whole number`);
  const asOf = parseAsOf(flags.asOf);

  const clinic = generateClinic({ clients, asOf, seed });
  const app = buildApp();
  const store = app.clientStore();
  const options = { clientDefaults: app.clinicDefaults(), today: addDays(asOf, 1) };
  const clientReport = await importFile(tableFromRows(clinic.clients as Record<string, string>[], clientColumns), store, {
    ...options,
    kind: 'clients',
  });
  const visitReport = await importFile(tableFromRows(clinic.visits as Record<string, string>[], visitColumns), store, {
    ...options,
    kind: 'visits',
  });
  return { clinic, asOf, clients: clientReport, visits: visitReport };
};

export const storyCounts = (clinic: SeededClinic): [ClientStory, number][] => {
  const counts = new Map<ClientStory, number>();
  for (const story of Object.values(clinic.profiles)) counts.set(story, (counts.get(story) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1]);
};
