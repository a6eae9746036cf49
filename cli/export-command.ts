import cliProgress from 'cli-progress';
import { dataDir } from '../infra/local/stack.ts';
import { localExportRoot } from '../shared/analytics/export-location.ts';
import { buildApp } from '../shared/app.ts';
import { dayInZone, isIsoDay } from '../shared/common/dates.ts';
import { exportAnalytics, type ExportProgress, type ExportReport } from '../shared/analytics/use-cases/export.ts';
import { UsageError, formatCount, table } from './output.ts';
import { withStack } from './stack-session.ts';

export interface ExportFlags {
  /** The export day (the snapshots' `dt`); the clinic's today by default. */
  day?: string;
  json?: boolean;
}

const progressBar = (quiet: boolean): { onProgress?: (progress: ExportProgress) => void; stop: () => void } => {
  if (quiet || !process.stderr.isTTY) return { stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    { format: 'Exporting |{bar}| {value}/{total} partitions | {rows} rows read', stream: process.stderr, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    onProgress: (progress) => {
      if (!started) bar.start(1, 0, { rows: '0' });
      started = true;
      if (progress.stage === 'reading') bar.update(0, { rows: formatCount(progress.rows) });
      else {
        bar.setTotal(Math.max(progress.total, 1));
        bar.update(progress.done);
      }
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
};

export const printExportReport = (report: ExportReport, folder: string): void => {
  console.log(`Export as of ${report.exportDay} to ${folder}`);
  console.log(
    table(
      report.tables.map((t) => [t.table, formatCount(t.rows), formatCount(t.written.length), formatCount(t.unchanged), formatCount(t.deleted.length)]),
      { indent: 2, alignRight: [1, 2, 3, 4], header: ['table', 'rows', 'written', 'unchanged', 'deleted'] },
    ),
  );
  console.log(
    `  ${formatCount(report.partitionsWritten)} partition(s) written, ${formatCount(report.partitionsUnchanged)} unchanged, ${formatCount(report.partitionsDeleted)} deleted`,
  );
};

/**
 * `comeback export`: every analytics table as Parquet under `<data dir>/exports`, where DuckDB
 * reads it; only the partitions whose rows changed are written again.
 */
export const runExport = async (flags: ExportFlags): Promise<ExportReport> => {
  const exportDay = flags.day ?? dayInZone(Date.now(), buildApp().clinicDefaults().timeZone);
  if (!isIsoDay(exportDay)) throw new UsageError(`--day ${flags.day}: a date as YYYY-MM-DD`);
  return withStack(() => exportLocally({ ...flags, day: exportDay }));
};

/** The export on the stack already running (what `npm start` does inside its own). */
export const exportLocally = async (flags: ExportFlags): Promise<ExportReport> => {
  const exportDay = flags.day ?? dayInZone(Date.now(), buildApp().clinicDefaults().timeZone);
  const folder = localExportRoot(dataDir());
  const bar = progressBar(flags.json ?? false);
  let report: ExportReport;
  try {
    report = await exportAnalytics({ exportDay }, { ...buildApp().exportToFolder(folder), ...(bar.onProgress && { onProgress: bar.onProgress }) });
  } finally {
    bar.stop();
  }
  if (flags.json) console.log(JSON.stringify(report, null, 2));
  else printExportReport(report, folder);
  return report;
};
