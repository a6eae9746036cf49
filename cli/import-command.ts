import { csvCell } from '../shared/common/csv.ts';
import { writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import cliProgress from 'cli-progress';
import type { ImportKind } from '../shared/visits/columns.ts';
import { isCurrency } from '../shared/common/money.ts';
import { canonicalLocale } from '../shared/visits/rows.ts';
import { canonicalTimeZone } from '../shared/common/dates.ts';
import { visitTimeParser } from '../shared/visits/visit-time.ts';
import { openTableFile, type Delimiter, type TableFile } from '../shared/files/table-file.ts';
import { buildApp } from '../shared/app.ts';
import { importFile, type ImportReport } from '../shared/visits/use-cases/import-file.ts';
import { withStack } from './stack-session.ts';
import { UsageError, formatCount, table } from './output.ts';

export interface ImportFlags {
  map: string[];
  dateFormat?: string;
  delimiter?: string;
  currency?: string;
  locale?: string;
  timezone?: string;
  strict?: boolean;
  createClients?: boolean;
  json?: boolean;
  errors?: string;
}

const delimiters: Record<string, Delimiter> = {
  ',': ',',
  comma: ',',
  ';': ';',
  semicolon: ';',
  '\\t': '\t',
  '\t': '\t',
  tab: '\t',
  '|': '|',
  pipe: '|',
  whitespace: 'whitespace',
  space: 'whitespace',
};

export const parseColumnMap = (pairs: readonly string[]): Record<string, string> => {
  const map: Record<string, string> = {};
  for (const pair of pairs) {
    const [field, column, ...rest] = pair.split('=');
    if (!field || !column || rest.length > 0) throw new UsageError(`--map ${pair}: write it as field=column, e.g. --map client_id=customer_id`);
    map[field.trim()] = column.trim();
  }
  return map;
};

const validatedDefaults = (flags: ImportFlags): { locale: string; timeZone: string } => {
  const defaults = buildApp().clinicDefaults();
  const locale = canonicalLocale(flags.locale ?? defaults.locale);
  if (!locale) throw new UsageError(`--locale ${flags.locale}: not a language tag (e.g. en, el)`);
  const zoneText = flags.timezone ?? defaults.timeZone;
  const timeZone = canonicalTimeZone(zoneText);
  if (!timeZone) throw new UsageError(`--timezone ${zoneText}: not an IANA time zone (e.g. Europe/Athens)`);
  return { locale, timeZone };
};

/** A progress bar on a terminal; nothing in a pipe or CI log, where it would only be noise. */
const progressFor = (file: TableFile, label: string, json: boolean) => {
  if (json || !process.stderr.isTTY || file.sizeBytes === 0) return { onBytes: undefined, onRows: undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    { format: `${label} |{bar}| {percentage}% | {rows} rows | ETA {eta_formatted}`, stream: process.stderr, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(file.sizeBytes, 0, { rows: '0' });
  let rows = 0;
  return {
    onBytes: (bytes: number) => bar.update(bytes, { rows: formatCount(rows) }),
    onRows: (count: number) => {
      rows = count;
      bar.update({ rows: formatCount(rows) });
    },
    stop: () => bar.stop(),
  };
};

export const printImportReport = (report: ImportReport, source: string, shown = 20): void => {
  const what = report.kind === 'clients' ? 'clients' : 'visits';
  console.log(`\nImported ${what} from ${source} in ${report.seconds.toFixed(1)} s`);
  const rows: [string, string][] = [['rows read', formatCount(report.rowsRead)]];
  if (report.kind === 'clients') {
    rows.push(['created', formatCount(report.created)], ['updated', formatCount(report.updated)]);
  } else {
    rows.push(['recorded', formatCount(report.imported)]);
    if (report.clientsCreated > 0) rows.push(['clients created', formatCount(report.clientsCreated)]);
    if (report.wonBack > 0) rows.push(['lapsed clients back (won back)', formatCount(report.wonBack)]);
  }
  rows.push(['already there', formatCount(report.unchanged)]);
  if (report.repeated > 0) rows.push(['repeated in the file (counted once)', formatCount(report.repeated)]);
  rows.push(['skipped', formatCount(report.skipped)]);
  if (report.warnings.length > 0) rows.push(['warnings', formatCount(report.warnings.length)]);
  console.log(table(rows, { indent: 2, alignRight: [1] }));
  const reasons = Object.entries(report.skippedByReason).sort((a, b) => b[1] - a[1]);
  if (reasons.length > 0) {
    console.log('\nSkipped, by reason:');
    console.log(
      table(
        reasons.map(([reason, count]) => [formatCount(count), reason]),
        { indent: 2, alignRight: [0] },
      ),
    );
  }
  const list = (title: string, problems: ImportReport['problems']) => {
    if (problems.length === 0) return;
    console.log(`\n${title}${problems.length > shown ? ` (first ${shown} of ${formatCount(problems.length)})` : ''}:`);
    for (const p of problems.slice(0, shown)) console.log(`  line ${p.line}, ${p.field}: ${p.reason}`);
  };
  list('Rows skipped', report.problems);
  list('Warnings (row kept)', report.warnings);
};

const writeProblems = async (path: string, report: ImportReport): Promise<void> => {
  const lines = ['line,field,reason,kept'];
  for (const p of report.problems) lines.push([p.line, p.field, p.reason, 'no'].map(csvCell).join(','));
  for (const p of report.warnings) lines.push([p.line, p.field, p.reason, 'yes'].map(csvCell).join(','));
  await writeFile(path, `${lines.join('\n')}\n`);
};

export const runImport = async (kind: ImportKind, path: string, flags: ImportFlags): Promise<ImportReport> => {
  const delimiter = flags.delimiter === undefined ? undefined : delimiters[flags.delimiter];
  if (flags.delimiter !== undefined && !delimiter) {
    throw new UsageError(`--delimiter ${flags.delimiter}: use one of , ; tab | whitespace`);
  }
  const currency = flags.currency?.toUpperCase();
  if (currency && !isCurrency(currency)) throw new UsageError(`--currency ${flags.currency}: not an ISO 4217 code (e.g. EUR, USD)`);
  const clientDefaults = validatedDefaults(flags);
  const parseTime = flags.dateFormat ? visitTimeParser(flags.dateFormat, clientDefaults.timeZone) : undefined;
  const columnMap = parseColumnMap(flags.map);

  let onBytes: ((bytes: number) => void) | undefined;
  const file = await openTableFile(path, { ...(delimiter && { delimiter }), onBytes: (bytes) => onBytes?.(bytes) });
  const progress = progressFor(file, `Importing ${kind}`, flags.json === true);
  onBytes = progress.onBytes;
  const report = await withStack(async () => {
    const app = buildApp();
    try {
      return await importFile(file, app.clientStore(), {
        kind,
        columnMap,
        clientDefaults,
        strict: flags.strict === true,
        createClients: flags.createClients === true,
        ...(currency && { defaultCurrency: currency }),
        ...(parseTime && { parseTime }),
        ...(progress.onRows && { onRows: progress.onRows }),
        lapses: app.lapseStore(),
      });
    } finally {
      progress.stop();
    }
  });
  if (flags.errors) await writeProblems(flags.errors, report);
  if (flags.json) console.log(JSON.stringify(report, null, 2));
  else printImportReport(report, basename(path));
  return report;
};
