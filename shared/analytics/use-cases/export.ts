import { createHash } from 'node:crypto';
import { eachLimited } from '../../common/concurrency.ts';
import {
  answerRow,
  atRiskRow,
  catalogueRows,
  clientRow,
  currentAnswerRows,
  episodeRow,
  exportTableNamed,
  exportedTableNames,
  isExportedAnswer,
  outreachRow,
  snapshotTables,
  sortRows,
  visitRow,
  type ClientSnapshotSource,
  type ExportedTableName,
  type PartitionedRow,
} from '../export-rows.ts';
import { addDays } from '../../common/dates.ts';
import { partitionPrefix, type ExportRow, type ExportTable } from '../export-tables.ts';
import { manifestFolder } from '../export-location.ts';
import type { AnswerStore } from '../../answers/ports/answer-store.ts';
import type { CatalogueStore } from '../../answers/ports/catalogue-store.ts';
import type { ClientStore } from '../../visits/ports/client-store.ts';
import type { LapseStore } from '../../lapse/ports/lapse-store.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import type { PartitionFormat } from '../ports/partition-format.ts';
import type { OutreachLog } from '../../outreach/ports/outreach-log.ts';
import type { ModelStore } from '../../lapse/ports/model-store.ts';
import { lapseDay, type AtRisk } from '../../lapse/at-risk.ts';
import type { LapseRule } from '../../lapse/lapse-rule.ts';
import { ruleWithTuning, type RuleSetting } from '../../lapse/tuned-rule.ts';

/**
 * The daily analytics export: every table of export-tables.ts as Parquet, one file per `dt`
 * partition (`<table>/dt=<dt>/part-00000.parquet`), for Athena in the cloud and DuckDB on one
 * machine.
 *
 * Idempotent: a partition is always one whole file, written over the old one, so running a day
 * again never duplicates a row. Incremental: a manifest per table (`_manifest/<table>.json`)
 * keeps a hash of each partition's rows, and only partitions whose rows changed are written;
 * partitions whose rows all went away are deleted. Snapshot tables (clients, reason_catalogue)
 * write only the export day's partition and keep earlier days as history. Each table's
 * manifest is written after its partitions, so a run that stops midway is simply redone.
 */

export interface ExportSources {
  readonly clients: Pick<ClientStore, 'scanClients' | 'scanVisits'>;
  /** Who will count as lost soon, by the lapse model and rule as the sweep uses them; without it no at-risk rows. */
  readonly lapseRisk?: {
    readonly models: Pick<ModelStore, 'latest' | 'latestTuning'>;
    readonly lapseRule: LapseRule;
    readonly fixedRuleSettings: readonly RuleSetting[];
  };
  readonly lapses: Pick<LapseStore, 'allEpisodes'>;
  readonly outreach: Pick<OutreachLog, 'all'>;
  readonly answers: Pick<AnswerStore, 'all'>;
  readonly catalogue: Pick<CatalogueStore, 'load'>;
}

export type ExportProgress =
  /** Rows read from the stores so far. */
  | { readonly stage: 'reading'; readonly rows: number }
  /** Partitions written or deleted so far, of those that need it. */
  | { readonly stage: 'writing'; readonly done: number; readonly total: number };

export interface ExportDependencies extends ExportSources {
  /** Where the files go: the analytics bucket (under `exports/`), or a local folder. */
  readonly objects: ObjectStore;
  /** How a partition's rows are written: Parquet. */
  readonly partitionFormat: PartitionFormat;
  /** Parallel Scan segments for clients and visits (default 4). */
  readonly totalSegments?: number;
  /** Partition files written at once (default 8). */
  readonly writeConcurrency?: number;
  readonly onProgress?: (progress: ExportProgress) => void;
}

export interface ExportSettings {
  /** The day of the export (YYYY-MM-DD): the `dt` of the snapshot tables. */
  readonly exportDay: string;
  /** Write every partition again, whatever the manifests say (after a change to the writer). */
  readonly rewriteAll?: boolean;
}

export interface TableExportReport {
  readonly table: ExportedTableName;
  /** Rows in the table's current data (for a snapshot table: in the export day's snapshot). */
  readonly rows: number;
  /** Partitions (`dt` values) written this time. */
  readonly written: readonly string[];
  /** Partitions whose rows had not changed since the last export, left as they were. */
  readonly unchanged: number;
  /** Partitions removed because none of their rows exist any more. */
  readonly deleted: readonly string[];
}

export interface ExportReport {
  readonly exportDay: string;
  readonly tables: readonly TableExportReport[];
  readonly partitionsWritten: number;
  readonly partitionsUnchanged: number;
  readonly partitionsDeleted: number;
}

/** A manifest this export cannot read (hand-edited, another version): treated as absent, so everything is rewritten. */
interface TableManifest {
  readonly format: number;
  readonly table: string;
  /** Per `dt`: the hash of the partition's rows, and how many. */
  readonly partitions: Readonly<Record<string, { readonly hash: string; readonly rows: number }>>;
}

/** Bumped whenever the bytes written for the same rows change: every partition is then rewritten once. */
const manifestFormat = 1;

/**
 * Daily snapshots kept: a week to look back on, and few enough that finding "the latest" (which
 * reads the partition column of each) stays cheap on Athena as the years go by.
 */
export const snapshotDaysKept = 7;

export const manifestKey = (table: string): string => `${manifestFolder}${table}.json`;
export const partitionFile = (table: string, dt: string): string => `${partitionPrefix(table, dt)}part-00000.parquet`;

const readManifest = async (objects: ObjectStore, table: string): Promise<{ manifest: TableManifest; text?: string }> => {
  const empty: TableManifest = { format: manifestFormat, table, partitions: {} };
  // Listed before it is read: S3 answers a missing key with 403, not 404, to a role whose
  // ListBucket is limited to the export prefix, and the first export has no manifest yet.
  if (!(await objects.list(manifestKey(table))).includes(manifestKey(table))) return { manifest: empty };
  const body = await objects.get(manifestKey(table));
  if (!body) return { manifest: empty };
  const text = new TextDecoder().decode(body);
  try {
    const parsed = JSON.parse(text) as TableManifest;
    if (parsed.format !== manifestFormat || parsed.table !== table || typeof parsed.partitions !== 'object' || parsed.partitions === null)
      return { manifest: empty, text };
    return { manifest: parsed, text };
  } catch {
    return { manifest: empty, text };
  }
};

/** A hash of what a partition holds: its columns and its rows in file order. */
const partitionHash = (table: ExportTable, rows: readonly ExportRow[]): string => {
  const hash = createHash('sha256');
  hash.update(JSON.stringify([manifestFormat, table.columns.map((column) => [column.name, column.type])]));
  for (const row of rows) hash.update(`\n${JSON.stringify(table.columns.map((column) => row[column.name] ?? null))}`);
  return hash.digest('base64url');
};

type Partitions = Map<string, ExportRow[]>;

const add = (partitions: Partitions, { dt, row }: PartitionedRow): void => {
  const rows = partitions.get(dt);
  if (rows) rows.push(row);
  else partitions.set(dt, [row]);
};

/** How far ahead the at-risk snapshot looks. */
export const atRiskDays = 90;

/** Each client's day to count as lost within `atRiskDays`, by the newest model and the rule as the sweep uses it. */
const atRiskOn = async (exportDay: string, deps: ExportDependencies): Promise<((client: ClientSnapshotSource) => AtRisk | undefined) | undefined> => {
  const risk = deps.lapseRisk;
  if (!risk) return undefined;
  const [model, tuning] = await Promise.all([risk.models.latest(exportDay), risk.models.latestTuning()]);
  const rule = tuning ? ruleWithTuning(risk.lapseRule, tuning.rule, risk.fixedRuleSettings) : risk.lapseRule;
  return (client) =>
    client.summary && client.lapse?.status !== 'open' && client.summary.lastVisit <= exportDay
      ? lapseDay(client.summary, exportDay, model, rule, atRiskDays)
      : undefined;
};

/** Reads every source at once (clients and visits by parallel Scan segments) into rows by table and `dt`. */
const readSources = async (exportDay: string, deps: ExportDependencies): Promise<Map<ExportedTableName, Partitions>> => {
  const tables = new Map<ExportedTableName, Partitions>(exportedTableNames.map((name) => [name, new Map()]));
  const partitions = (name: ExportedTableName): Partitions => tables.get(name)!;
  let read = 0;
  const counted = (rows: number): void => {
    read += rows;
    deps.onProgress?.({ stage: 'reading', rows: read });
  };
  const segments = deps.totalSegments ?? 4;
  const drain = async <T>(pages: AsyncGenerator<T[]>, each: (item: T) => void): Promise<void> => {
    for await (const page of pages) {
      page.forEach(each);
      counted(page.length);
    }
  };
  const range = Array.from({ length: segments }, (_, segment) => segment);
  const replies: PartitionedRow[] = [];
  const atRisk = await atRiskOn(exportDay, deps);
  const addClient = (client: ClientSnapshotSource): void => {
    add(partitions('clients'), clientRow(client, exportDay));
    const soon = atRisk?.(client);
    if (soon) add(partitions('clients_at_risk'), atRiskRow(client.profile.clientId, soon, exportDay));
  };

  await Promise.all([
    ...range.map((segment) => drain(deps.clients.scanClients(segment, segments), addClient)),
    ...range.map((segment) => drain(deps.clients.scanVisits(segment, segments), (visit) => add(partitions('visits'), visitRow(visit)))),
    drain(deps.lapses.allEpisodes(), (episode) => add(partitions('lapse_episodes'), episodeRow(episode))),
    drain(deps.outreach.all(), (record) => add(partitions('outreach'), outreachRow(record))),
    drain(deps.answers.all(), (answer) => {
      if (!isExportedAnswer(answer)) return;
      const reply = answerRow(answer);
      add(partitions('replies'), reply);
      replies.push(reply);
    }),
    (async () => {
      const rows = catalogueRows(await deps.catalogue.load(), exportDay);
      for (const row of rows) add(partitions('reason_catalogue'), row);
      counted(rows.length);
    })(),
  ]);
  for (const row of currentAnswerRows(replies)) add(partitions('current_answers'), row);
  // A snapshot is written even when empty: the day then says "nothing", not "not exported".
  for (const name of snapshotTables) if (!partitions(name).has(exportDay)) partitions(name).set(exportDay, []);
  return tables;
};

/** `<table>/dt=<dt>/<file>` → dt; other keys under the table are not partitions and are left alone. */
const partitionOf = (table: string, key: string): string | undefined => {
  const match = /^dt=([^/]+)\/[^/]+$/.exec(key.slice(table.length + 1));
  return key.startsWith(`${table}/`) && match ? match[1] : undefined;
};

interface TablePlan {
  readonly name: ExportedTableName;
  readonly rows: number;
  readonly writes: { readonly dt: string; readonly rows: readonly ExportRow[]; readonly hash: string; readonly stale: readonly string[] }[];
  readonly deletes: { readonly dt: string; readonly keys: readonly string[] }[];
  readonly unchanged: number;
  readonly manifest: TableManifest;
  readonly manifestText?: string;
}

const planTable = async (name: ExportedTableName, current: Partitions, settings: ExportSettings, objects: ObjectStore): Promise<TablePlan> => {
  const table = exportTableNamed[name];
  const [{ manifest, text }, keys] = await Promise.all([readManifest(objects, name), objects.list(`${name}/`)]);
  const files = new Map<string, string[]>();
  for (const key of keys) {
    const dt = partitionOf(name, key);
    if (dt !== undefined) files.set(dt, [...(files.get(dt) ?? []), key]);
  }
  const snapshot = snapshotTables.has(name);
  const targets = snapshot ? new Map([[settings.exportDay, current.get(settings.exportDay) ?? []]]) : current;

  const partitions: Record<string, { hash: string; rows: number }> = snapshot ? { ...manifest.partitions } : {};
  const writes: TablePlan['writes'] = [];
  let unchanged = 0;
  let rows = 0;
  for (const [dt, unsorted] of [...targets].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const sorted = sortRows(name, unsorted);
    const hash = partitionHash(table, sorted);
    const file = partitionFile(name, dt);
    const existing = files.get(dt) ?? [];
    const intact = existing.length === 1 && existing[0] === file;
    rows += sorted.length;
    partitions[dt] = { hash, rows: sorted.length };
    if (!settings.rewriteAll && intact && manifest.partitions[dt]?.hash === hash) unchanged += 1;
    else writes.push({ dt, rows: sorted, hash, stale: existing.filter((key) => key !== file) });
  }
  // Partitions with no rows any more; for a snapshot table, the snapshots older than a week.
  const oldestSnapshot = addDays(settings.exportDay, -(snapshotDaysKept - 1));
  const deletes = [...new Set([...files.keys(), ...Object.keys(manifest.partitions)])]
    .filter((dt) => (snapshot ? dt < oldestSnapshot : !targets.has(dt)))
    .sort()
    .map((dt) => ({ dt, keys: files.get(dt) ?? [] }));
  for (const { dt } of deletes) delete partitions[dt];
  return {
    name,
    rows,
    writes,
    deletes,
    unchanged,
    manifest: { format: manifestFormat, table: name, partitions },
    ...(text !== undefined && { manifestText: text }),
  };
};

const manifestText = (manifest: TableManifest): string =>
  `${JSON.stringify({ ...manifest, partitions: Object.fromEntries(Object.entries(manifest.partitions).sort(([a], [b]) => (a < b ? -1 : 1))) }, null, 1)}\n`;

/** Exports every table; see the top of this file. */
export const exportAnalytics = async (settings: ExportSettings, deps: ExportDependencies): Promise<ExportReport> => {
  const current = await readSources(settings.exportDay, deps);
  const plans = await Promise.all(exportedTableNames.map((name) => planTable(name, current.get(name)!, settings, deps.objects)));
  current.clear();

  const total = plans.reduce((sum, plan) => sum + plan.writes.length + plan.deletes.length, 0);
  let done = 0;
  const step = (): void => {
    done += 1;
    deps.onProgress?.({ stage: 'writing', done, total });
  };
  if (total > 0) deps.onProgress?.({ stage: 'writing', done, total });

  for (const plan of plans) {
    const table = exportTableNamed[plan.name];
    await eachLimited(plan.writes, deps.writeConcurrency ?? 8, async (write) => {
      // The new file replaces the old in one put; strays in the partition go after it.
      await deps.objects.put(partitionFile(plan.name, write.dt), deps.partitionFormat.encode(table, write.rows), deps.partitionFormat.contentType);
      if (write.stale.length > 0) await deps.objects.delete(write.stale);
      step();
    });
    for (const gone of plan.deletes) {
      if (gone.keys.length > 0) await deps.objects.delete(gone.keys);
      step();
    }
    const text = manifestText(plan.manifest);
    if (text !== plan.manifestText) await deps.objects.put(manifestKey(plan.name), new TextEncoder().encode(text), 'application/json');
  }

  const tables = plans.map(
    (plan): TableExportReport => ({
      table: plan.name,
      rows: plan.rows,
      written: plan.writes.map((write) => write.dt),
      unchanged: plan.unchanged,
      deleted: plan.deletes.map((gone) => gone.dt),
    }),
  );
  return {
    exportDay: settings.exportDay,
    tables,
    partitionsWritten: tables.reduce((sum, table) => sum + table.written.length, 0),
    partitionsUnchanged: tables.reduce((sum, table) => sum + table.unchanged, 0),
    partitionsDeleted: tables.reduce((sum, table) => sum + table.deleted.length, 0),
  };
};
