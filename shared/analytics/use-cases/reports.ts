import { createHash } from 'node:crypto';
import { csvLine, safeCsvCell } from '../../common/csv.ts';
import { prepareReport, type Dialect } from '../reports.ts';
import type { QueryEngine, QueryResult, QueryState } from '../ports/query-engine.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import { manifestFolder } from '../export-location.ts';

export interface ReportDependencies {
  readonly engine: QueryEngine;
  readonly dialect: Dialect;
  readonly now?: () => Date;
  /** What identifies the export the reports read now; a new export starts new queries the same day. */
  readonly exportVersion?: () => Promise<string>;
}

/**
 * Runs a report and waits up to `waitMs`: the rows, or the query's id when it is still running
 * (the API then answers 202 and the caller asks again). The same report with the same
 * parameters on the same day, over the same export, starts one query however often it is asked.
 */
export const runReport = async (
  name: string,
  query: Readonly<Record<string, string | undefined>>,
  deps: ReportDependencies,
  waitMs?: number,
): Promise<QueryState> => {
  const { sql, parameters } = prepareReport(name, query, deps.dialect);
  const day = (deps.now ?? (() => new Date()))().toISOString().slice(0, 10);
  const exported = (await deps.exportVersion?.()) ?? '';
  const requestToken = createHash('sha256')
    .update(JSON.stringify([name, sql, parameters, day, exported]))
    .digest('hex');
  return deps.engine.run({ sql, parameters, requestToken }, waitMs);
};

/**
 * What identifies the export as it stands: a digest of its manifests (keys relative to the
 * export's root), which an export rewrites exactly when it changed something. Looked up again
 * at most every `keepMs`, so a burst of report requests reads the manifests once.
 */
export const exportVersionOf = (objects: ObjectStore, keepMs = 30_000, now = () => Date.now()): (() => Promise<string>) => {
  let known: { version: Promise<string>; at: number } | undefined;
  const read = async (): Promise<string> => {
    const keys = (await objects.list(manifestFolder)).sort();
    const hash = createHash('sha256');
    for (const key of keys)
      hash
        .update(key)
        .update('\0')
        .update((await objects.get(key)) ?? new Uint8Array())
        .update('\0');
    return hash.digest('hex').slice(0, 16);
  };
  return () => {
    if (!known || now() - known.at >= keepMs) {
      const version = read();
      known = { version, at: now() };
      // A failed look is not kept: the next request looks again.
      version.catch(() => (known = undefined));
    }
    return known.version;
  };
};

/** A started report's rows, when they are ready. */
export const reportResult = (queryId: string, deps: Pick<ReportDependencies, 'engine'>): Promise<QueryState> => deps.engine.poll(queryId);

/** The rows as CSV with a header, safe to open in a spreadsheet. */
export const reportCsv = (result: QueryResult): string =>
  `${[
    csvLine(result.columns.map((column) => column.name)),
    ...result.rows.map((row) =>
      csvLine(
        result.columns.map((column) => row[column.name] ?? null),
        safeCsvCell,
      ),
    ),
  ].join('\r\n')}\r\n`;
