import { createHash } from 'node:crypto';
import type { ClientProfile } from '../client.ts';
import { clientColumns, requiredColumns, visitColumns, type ImportKind } from '../columns.ts';
import { parseClientRow, parseVisitRow, type ClientDefaults, type RowProblem } from '../rows.ts';
import { addVisits, CurrencyMismatchError } from '../summary.ts';
import { wonBackBy } from '../../lapse/episode.ts';
import type { Visit } from '../visit.ts';
import { clinicClock, clockAtEndOf, type VisitClock, type VisitTime } from '../visit-time.ts';
import { RowFingerprints } from '../row-fingerprints.ts';
import { describeDelimiter, type TableFile, type TableRecord } from '../ports/table-file.ts';
import { eachLimited } from '../../common/concurrency.ts';
import { maxItemsPerWrite, type ClientStore, type StoredClient } from '../ports/client-store.ts';
import type { LapseStore } from '../../lapse/ports/lapse-store.ts';
import { AppError } from '../../common/app-error.ts';

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
  /**
   * The clinic's clock: visits it calls future are refused (see futureVisitReason). Defaults
   * to now in the clinic's time zone (`clientDefaults.timeZone`).
   */
  readonly clock?: VisitClock;
  /** The clinic's today, when there is no clock: every time of it has happened, later ones have not. */
  readonly today?: string;
  /** How a problem names another row (a duplicate's first line): `line 12` for files. */
  readonly nameLine?: (line: number) => string;
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
  /** Rows identical to an earlier row of the same file (same id, same data): counted once. */
  repeated: number;
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
export class StrictImportError extends AppError {
  override readonly name = 'StrictImportError';
  readonly kind = 'invalid';
  constructor(readonly report: ImportReport) {
    super(`${report.skipped} bad row(s): nothing imported (--strict)`);
  }
}

/** The file does not fit the import: wrong columns or options. Nothing was written. */
export class ImportSetupError extends AppError {
  override readonly name = 'ImportSetupError';
  readonly kind = 'invalid';
}

const fieldsOf = (kind: ImportKind): readonly string[] => (kind === 'clients' ? clientColumns : visitColumns);

const reasonKey = (problem: RowProblem): string => `${problem.field}: ${problem.reason.replace(/"[^"]*"/g, '…').replace(/\b\d{4}-\d{2}-\d{2}\b/g, 'a date')}`;

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
      hint = "; use --map field=column to read another system's export";
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
  repeated: 0,
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
export const importFile = async (file: TableFile, store: ClientStore, given: ImportOptions): Promise<ImportReport> => {
  const started = performance.now();
  // One clock for the whole import, both passes of --strict included.
  const zone = given.clientDefaults.timeZone;
  const options = { ...given, clock: given.clock ?? (given.today ? clockAtEndOf(given.today, zone) : clinicClock(zone)) };
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
  const clock = options.clock!;
  // Occurrences of each row's content, so identical rows without a visit_id stay distinct visits.
  const occurrences = new Map<string, number>();
  // Every id of the file so far: a repeat with other data is refused wherever in the file it is.
  const seen = new RowFingerprints();
  const context: RunContext = {
    columns,
    store,
    options,
    report,
    write,
    clock,
    occurrences,
    seen,
    newToVisits: new Set(),
    nameLine: options.nameLine ?? ((line) => `line ${line}`),
  };
  let chunk: TableRecord[] = [];

  const flush = async (): Promise<void> => {
    if (options.kind === 'clients') await importClients(chunk, context);
    else await importVisits(chunk, context);
    chunk = [];
  };

  for await (const record of file.records()) {
    report.rowsRead++;
    chunk.push(record);
    if (chunk.length >= chunkRows) {
      await flush();
      options.onRows?.(report.rowsRead);
    }
  }
  await flush();
  options.onRows?.(report.rowsRead);
  if (report.rowsRead === 0) throw new ImportSetupError('the file has a header but no rows');
  return report;
};

interface RunContext {
  readonly columns: Map<string, string>;
  readonly store: ClientStore;
  readonly options: ImportOptions;
  readonly report: ImportReport;
  readonly write: boolean;
  readonly clock: VisitClock;
  readonly occurrences: Map<string, number>;
  readonly seen: RowFingerprints;
  /**
   * Clients who had no visit recorded when this import first met them: every visit of theirs
   * in the store came from this file, whose repeats are already caught, so their visits need
   * no lookup before writing (the write's condition still guards).
   */
  readonly newToVisits: Set<string>;
  readonly nameLine: (line: number) => string;
}

/**
 * Whether a row is the first of its id in the file. A later row with the same data is
 * counted once (`repeated`); with other data it is a row error naming both lines.
 */
const firstOfItsId = (context: RunContext, field: string, id: string, content: unknown, line: number): boolean => {
  const earlier = context.seen.see(id, JSON.stringify(content), line);
  if (!earlier) return true;
  if (earlier.same) context.report.repeated++;
  else {
    skip(context.report, [
      {
        line,
        field,
        reason: `repeats ${id} of ${context.nameLine(earlier.line)} with different data (a ${field} must name one row)`,
        duplicateOf: earlier.line,
      },
    ]);
  }
  return false;
};

const rowOf = (record: TableRecord & { values: Record<string, string> }, columns: Map<string, string>): Record<string, string> => {
  const row: Record<string, string> = {};
  for (const [field, column] of columns) {
    const value = record.values[column];
    if (value !== undefined) row[field] = value;
  }
  return row;
};

const importClients = async (records: readonly TableRecord[], context: RunContext): Promise<void> => {
  const { columns, store, options, report, write } = context;
  const profiles: Parsed<ClientProfile>[] = [];
  for (const record of records) {
    if (record.problem !== undefined) {
      skip(report, [{ line: record.line, field: 'row', reason: record.problem }]);
      continue;
    }
    const result = parseClientRow(rowOf(record, columns), record.line, options.clientDefaults);
    if (!result.ok) skip(report, result.errors);
    else if (firstOfItsId(context, 'client_id', result.value.clientId, result.value, record.line)) {
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

/** The pack's good visits by client, each the first of its id; bad rows skipped with their problem. */
const visitsByClient = (records: readonly TableRecord[], context: RunContext): Map<string, Parsed<Visit>[]> => {
  const { columns, options, report, clock, occurrences } = context;
  const byClient = new Map<string, Parsed<Visit>[]>();
  for (const record of records) {
    if (record.problem !== undefined) {
      skip(report, [{ line: record.line, field: 'row', reason: record.problem }]);
      continue;
    }
    const row = rowOf(record, columns);
    const result = parseVisitRow(row, record.line, {
      clock,
      ...(options.parseTime && { parseTime: options.parseTime }),
      ...(options.defaultCurrency && { defaultCurrency: options.defaultCurrency }),
      ...(!row.visit_id?.trim() && { derivedVisitId: deriveVisitId(row, occurrences) }),
    });
    if (!result.ok) {
      skip(report, result.errors);
      continue;
    }
    const visit = result.value;
    if (!firstOfItsId(context, 'visit_id', visit.visitId, visit, record.line)) continue;
    const list = byClient.get(visit.clientId) ?? [];
    list.push({ line: record.line, value: visit });
    byClient.set(visit.clientId, list);
  }
  return byClient;
};

const importVisits = async (records: readonly TableRecord[], context: RunContext): Promise<void> => {
  const { options, report } = context;
  const byClient = visitsByClient(records, context);
  const { store, write, newToVisits } = context;

  const known = await store.getClients([...byClient.keys()]);
  for (const clientId of byClient.keys()) {
    if (!(known.get(clientId)?.summary?.visits ?? 0)) newToVisits.add(clientId);
  }
  const mayBeRecorded = [...byClient].filter(([clientId]) => !newToVisits.has(clientId)).flatMap(([, visits]) => visits.map((visit) => visit.value.visitId));
  const recorded = mayBeRecorded.length > 0 ? await store.findRecordedVisits(mayBeRecorded) : new Set<string>();
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
  const jobs = clients.map(
    ([clientId, visits]): WriteJob => ({
      clientId,
      client: known.get(clientId),
      pending: checkCurrencies(known.get(clientId), visits, report).map((visit) => visit.value),
      attempts: 0,
    }),
  );
  await writeVisits(
    jobs.filter((job) => job.pending.length > 0),
    store,
    options,
    report,
  );
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
            const back =
              options.lapses &&
              wonBackBy(
                job.client?.lapse,
                visits.map((visit) => visit.day),
              );
            if (back && (await options.lapses!.closeWonBack(job.clientId, back)) === 'closed') report.wonBack++;
            const lapse = back ? undefined : job.client?.lapse;
            job.client = {
              profile: job.client?.profile ?? write.createProfile!,
              summary: write.summary,
              version: (job.client?.version ?? 0) + 1,
              ...(lapse && { lapse }),
            };
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
