import { createHash } from 'node:crypto';
import type { ClientProfile } from '../domain/client.ts';
import { clientColumns, requiredColumns, visitColumns, type ImportKind } from '../domain/columns.ts';
import { addDays, todayUtc } from '../domain/dates.ts';
import { parseClientRow, parseVisitRow, type ClientDefaults, type RowProblem } from '../domain/rows.ts';
import { addVisits, CurrencyMismatchError } from '../domain/summary.ts';
import { wonBackBy } from '../domain/episode.ts';
import type { Visit } from '../domain/visit.ts';
import type { VisitTime } from '../domain/visit-time.ts';
import { describeDelimiter, TableFileError, type TableFile, type TableRecord } from '../adapters/table-file.ts';
import { eachLimited } from '../concurrency.ts';
import { maxItemsPerWrite, type ClientStore, type StoredClient } from '../ports/client-store.ts';
import type { LapseStore } from '../ports/lapse-store.ts';

export interface ImportOptions {
  readonly kind: ImportKind;
  /** Our field name -> the file's column name, for another system's export. */
  readonly columnMap?: Readonly<Record<string, string>>;
  /** Reject the whole file if any row is bad, and write nothing. */
  readonly strict?: boolean;
  /** Visits for a client the clinic never sent create a bare client (no contact, no consent). */
  readonly createClients?: boolean;
  readonly clientDefaults: ClientDefaults;
  readonly defaultCurrency?: string;
  readonly parseTime?: (text: string) => VisitTime;
  /** Today in the clinic; visits after it are refused. Defaults to the real today. */
  readonly today?: string;
  /** Rows validated and written together; bounds memory for files of any size. */
  readonly chunkRows?: number;
  /** Clients written at the same time. */
  readonly concurrency?: number;
  readonly onRows?: (rowsRead: number) => void;
  /** Where lapse episodes live: a visit from a lapsed client closes theirs as won back. */
  readonly lapses?: LapseStore;
}

export interface ImportReport {
  readonly kind: ImportKind;
  rowsRead: number;
  /** Clients created or updated, or visits recorded. */
  imported: number;
  /** Rows that were already there exactly as they are (a second import of the same file). */
  unchanged: number;
  created: number;
  updated: number;
  /** Clients created on the fly for visits (`--create-clients`). */
  clientsCreated: number;
  /** Lapsed clients whose new visits closed their episode as won back. */
  wonBack: number;
  skipped: number;
  skippedByReason: Record<string, number>;
  /** Rows skipped, with line, field and reason. All of them: the caller decides how many to show. */
  problems: RowProblem[];
  /** Rows kept with something turned off (an invalid phone disables SMS and voice). */
  warnings: RowProblem[];
  seconds: number;
}

/** `--strict` and at least one bad row: nothing was written. */
export class StrictImportError extends Error {
  override readonly name = 'StrictImportError';
  constructor(readonly report: ImportReport) {
    super(`${report.skipped} bad row(s): nothing imported (--strict)`);
  }
}

/** The file does not fit the import: wrong columns or options. Nothing was written. */
export class ImportSetupError extends Error {
  override readonly name = 'ImportSetupError';
}

const fieldsOf = (kind: ImportKind): readonly string[] => (kind === 'clients' ? clientColumns : visitColumns);

const reasonKey = (problem: RowProblem): string =>
  `${problem.field}: ${problem.reason.replace(/"[^"]*"/g, '…').replace(/\b\d{4}-\d{2}-\d{2}\b/g, 'a date')}`;

/** Our field -> file column, checked against the header so a typo fails before any write. */
export const resolveColumns = (file: TableFile, kind: ImportKind, columnMap: Readonly<Record<string, string>> = {}): Map<string, string> => {
  const fields = fieldsOf(kind);
  for (const field of Object.keys(columnMap)) {
    if (!fields.includes(field)) {
      throw new ImportSetupError(`--map ${field}=…: ${field} is not a ${kind} field (fields: ${fields.join(', ')})`);
    }
  }
  const resolved = new Map(fields.map((field) => [field, columnMap[field] ?? field]));
  if (file.format === 'jsonl') return resolved;

  const header = new Set(file.header);
  const missing = requiredColumns[kind].filter((field) => !header.has(resolved.get(field)!));
  if (missing.length > 0) {
    const described = missing.map((f) => (columnMap[f] ? `${f} (mapped to ${columnMap[f]})` : f)).join(', ');
    let hint = '';
    if (file.header.length === 1 && /[,;\t|]/.test(file.header[0]!)) {
      hint = `; the header looks split by another character than ${describeDelimiter(file.delimiter!)}: try --delimiter`;
    } else if (kind === 'visits' && missing.every((f) => !columnMap[f])) {
      hint = '; use --map field=column to read another system\'s export';
    }
    throw new ImportSetupError(`missing column(s) ${described}; the file has: ${file.header.join(', ')}${hint}`);
  }
  for (const [field, column] of resolved) if (!header.has(column)) resolved.delete(field);
  return resolved;
};

const emptyReport = (kind: ImportKind): ImportReport => ({
  kind,
  rowsRead: 0,
  imported: 0,
  unchanged: 0,
  created: 0,
  updated: 0,
  clientsCreated: 0,
  wonBack: 0,
  skipped: 0,
  skippedByReason: {},
  problems: [],
  warnings: [],
  seconds: 0,
});

const skip = (report: ImportReport, problems: readonly RowProblem[]): void => {
  report.skipped++;
  report.problems.push(...problems);
  const key = reasonKey(problems[0]!);
  report.skippedByReason[key] = (report.skippedByReason[key] ?? 0) + 1;
};

type Parsed<T> = { line: number; value: T };

/**
 * Imports a clients or visits file into the store. Good rows always land; a bad row is
 * reported (line, field, reason) and skipped, unless `strict`. Running it twice on the same
 * file changes nothing: clients by client_id, visits by visit_id.
 */
export const importFile = async (file: TableFile, store: ClientStore, options: ImportOptions): Promise<ImportReport> => {
  const started = performance.now();
  const columns = resolveColumns(file, options.kind, options.columnMap);
  const chunkRows = options.chunkRows ?? 20_000;

  if (options.strict) {
    const check = await run(file, store, options, columns, chunkRows, false);
    if (check.skipped > 0) {
      check.seconds = (performance.now() - started) / 1000;
      throw new StrictImportError(check);
    }
  }
  const report = await run(file, store, options, columns, chunkRows, true);
  report.seconds = (performance.now() - started) / 1000;
  return report;
};

const run = async (
  file: TableFile,
  store: ClientStore,
  options: ImportOptions,
  columns: Map<string, string>,
  chunkRows: number,
  write: boolean,
): Promise<ImportReport> => {
  const report = emptyReport(options.kind);
  const today = options.today ?? todayUtc();
  const latestDay = addDays(today, 1);
  // Occurrences of each row's content, so identical rows without a visit_id stay distinct visits.
  const occurrences = new Map<string, number>();
  let chunk: TableRecord[] = [];

  const flush = async (): Promise<void> => {
    if (options.kind === 'clients') await importClients(chunk, columns, store, options, report, write);
    else await importVisits(chunk, columns, store, options, report, write, latestDay, occurrences);
    chunk = [];
  };

  try {
    for await (const record of file.records()) {
      report.rowsRead++;
      chunk.push(record);
      if (chunk.length >= chunkRows) {
        await flush();
        options.onRows?.(report.rowsRead);
      }
    }
  } catch (error) {
    if (!(error instanceof TableFileError) || chunk.length === 0) throw error;
    await flush();
    throw error;
  }
  await flush();
  options.onRows?.(report.rowsRead);
  if (report.rowsRead === 0) throw new ImportSetupError('the file has a header but no rows');
  return report;
};

const rowOf = (record: TableRecord & { values: Record<string, string> }, columns: Map<string, string>): Record<string, string> => {
  const row: Record<string, string> = {};
  for (const [field, column] of columns) {
    const value = record.values[column];
    if (value !== undefined) row[field] = value;
  }
  return row;
};

const importClients = async (
  records: readonly TableRecord[],
  columns: Map<string, string>,
  store: ClientStore,
  options: ImportOptions,
  report: ImportReport,
  write: boolean,
): Promise<void> => {
  const profiles: Parsed<ClientProfile>[] = [];
  for (const record of records) {
    if (record.problem !== undefined) {
      skip(report, [{ line: record.line, field: 'row', reason: record.problem }]);
      continue;
    }
    const result = parseClientRow(rowOf(record, columns), record.line, options.clientDefaults);
    if (!result.ok) skip(report, result.errors);
    else {
      report.warnings.push(...result.warnings);
      profiles.push({ line: record.line, value: result.value });
    }
  }
  if (!write) return;
  await eachLimited(profiles, options.concurrency ?? 16, async ({ value }) => {
    const outcome = await store.saveProfile(value);
    if (outcome === 'unchanged') report.unchanged++;
    else {
      report.imported++;
      report[outcome]++;
    }
  });
};

/** Stable id for a visit row that has none: its content, and which repeat of that content it is. */
const deriveVisitId = (row: Record<string, string>, occurrences: Map<string, number>): string => {
  const content = createHash('sha256')
    .update(JSON.stringify(visitColumns.map((field) => row[field]?.trim() ?? '')))
    .digest('base64url')
    .slice(0, 20);
  const seen = (occurrences.get(content) ?? 0) + 1;
  occurrences.set(content, seen);
  return seen === 1 ? `v-${content}` : `v-${content}-${seen}`;
};

const bareProfile = (clientId: string, defaults: ClientDefaults): ClientProfile => ({
  clientId,
  locale: defaults.locale,
  timeZone: defaults.timeZone,
  consent: { email: false, sms: false, voice: false },
});

const importVisits = async (
  records: readonly TableRecord[],
  columns: Map<string, string>,
  store: ClientStore,
  options: ImportOptions,
  report: ImportReport,
  write: boolean,
  latestDay: string,
  occurrences: Map<string, number>,
): Promise<void> => {
  const byClient = new Map<string, Parsed<Visit>[]>();
  const linesById = new Map<string, number>();
  for (const record of records) {
    if (record.problem !== undefined) {
      skip(report, [{ line: record.line, field: 'row', reason: record.problem }]);
      continue;
    }
    const row = rowOf(record, columns);
    const result = parseVisitRow(row, record.line, {
      latestDay,
      ...(options.parseTime && { parseTime: options.parseTime }),
      ...(options.defaultCurrency && { defaultCurrency: options.defaultCurrency }),
      ...(!row.visit_id?.trim() && { derivedVisitId: deriveVisitId(row, occurrences) }),
    });
    if (!result.ok) {
      skip(report, result.errors);
      continue;
    }
    const visit = result.value;
    const earlier = linesById.get(visit.visitId);
    if (earlier !== undefined) {
      skip(report, [{ line: record.line, field: 'visit_id', reason: `repeats the visit on line ${earlier}` }]);
      continue;
    }
    linesById.set(visit.visitId, record.line);
    const list = byClient.get(visit.clientId) ?? [];
    list.push({ line: record.line, value: visit });
    byClient.set(visit.clientId, list);
  }

  const [known, recorded] = await Promise.all([
    store.getClients([...byClient.keys()]),
    store.findRecordedVisits([...linesById.keys()]),
  ]);
  const clients: [string, Parsed<Visit>[]][] = [];
  for (const [clientId, all] of byClient) {
    // Already recorded visits are known before writing; the write's condition still guards a race.
    const visits = all.filter((visit) => !recorded.has(visit.value.visitId));
    report.unchanged += all.length - visits.length;
    if (visits.length === 0) continue;
    if (known.has(clientId) || options.createClients) clients.push([clientId, visits]);
    else {
      for (const { line } of visits) {
        skip(report, [{ line, field: 'client_id', reason: 'unknown client (import the clients file first, or pass --create-clients)' }]);
      }
    }
  }
  if (!write) {
    for (const [, visits] of clients) checkCurrencies(known.get(visits[0]!.value.clientId), visits, report);
    return;
  }
  const jobs = clients.map(([clientId, visits]): WriteJob => ({
    clientId,
    client: known.get(clientId),
    pending: checkCurrencies(known.get(clientId), visits, report).map((visit) => visit.value),
    attempts: 0,
  }));
  await writeVisits(jobs.filter((job) => job.pending.length > 0), store, options, report);
};

/** Visits in another currency than the client's others would corrupt their spend: skipped. */
const checkCurrencies = (client: StoredClient | undefined, visits: Parsed<Visit>[], report: ImportReport): Parsed<Visit>[] => {
  const currency = client?.summary?.currency ?? visits[0]!.value.amount.currency;
  const accepted: Parsed<Visit>[] = [];
  for (const visit of visits) {
    if (visit.value.amount.currency === currency) accepted.push(visit);
    else skip(report, [{ line: visit.line, field: 'currency', reason: new CurrencyMismatchError(currency, visit.value.amount.currency).message }]);
  }
  return accepted;
};

const maxAttempts = 8;

/** One client's visits still to be written, and what we last knew of the client. */
interface WriteJob {
  readonly clientId: string;
  client: StoredClient | undefined;
  pending: Visit[];
  attempts: number;
}

/** The next jobs that fit in one transaction, each with as many of its visits as fit. */
const takePack = (queue: WriteJob[]): { job: WriteJob; visits: Visit[] }[] => {
  const pack: { job: WriteJob; visits: Visit[] }[] = [];
  let room = maxItemsPerWrite;
  while (queue.length > 0 && room >= 2) {
    const job = queue[0]!;
    const fits = Math.min(job.pending.length, room - 1);
    if (fits < job.pending.length && pack.length > 0) break;
    queue.shift();
    pack.push({ job, visits: job.pending.slice(0, fits) });
    room -= 1 + fits;
  }
  return pack;
};

/**
 * Writes the jobs' visits, packing several clients into each transaction (far fewer round
 * trips than one per client), with `concurrency` transactions in flight.
 */
const writeVisits = async (jobs: WriteJob[], store: ClientStore, options: ImportOptions, report: ImportReport): Promise<void> => {
  const queue = [...jobs];
  const worker = async (): Promise<void> => {
    while (queue.length > 0) {
      const pack = takePack(queue);
      const writes = pack.map(({ job, visits }) => {
        const createProfile = job.client ? undefined : bareProfile(job.clientId, options.clientDefaults);
        return {
          clientId: job.clientId,
          visits,
          summary: addVisits(job.client?.summary, visits),
          ...(job.client ? { expectedVersion: job.client.version } : {}),
          ...(createProfile && { createProfile }),
        };
      });
      const results = await store.recordVisits(writes);
      await Promise.all(
        results.map(async (result, index) => {
          const { job, visits } = pack[index]!;
          const write = writes[index]!;
          if (result.outcome === 'recorded') {
            if (write.createProfile) report.clientsCreated++;
            report.imported += visits.length;
            const back = options.lapses && wonBackBy(job.client?.lapse, visits.map((visit) => visit.day));
            if (back && (await options.lapses!.closeWonBack(job.clientId, back)) === 'closed') report.wonBack++;
            const lapse = back ? undefined : job.client?.lapse;
            job.client = { profile: job.client?.profile ?? write.createProfile!, summary: write.summary, version: (job.client?.version ?? 0) + 1, ...(lapse && { lapse }) };
            job.pending = job.pending.slice(visits.length);
            job.attempts = 0;
          } else if (result.outcome === 'already-recorded') {
            const already = new Set(result.visitIds);
            report.unchanged += already.size;
            job.pending = job.pending.filter((visit) => !already.has(visit.visitId));
          } else if (result.outcome === 'client-changed') {
            if (++job.attempts >= maxAttempts) throw new Error(`client ${job.clientId} kept changing while its visits were written`);
            job.client = await store.getClient(job.clientId);
          }
          if (job.pending.length > 0) queue.push(job);
        }),
      );
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 8 }, worker));
};
