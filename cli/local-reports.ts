import { access } from 'node:fs/promises';
import { dataDir } from '../infra/local/stack.ts';
import { DuckDbQueryEngine } from '../shared/files/duckdb-query-engine.ts';
import { localExportRoot } from '../shared/analytics/export-location.ts';
import { exportVersionOf, type ReportDependencies } from '../shared/analytics/use-cases/reports.ts';
import { FolderObjectStore } from '../shared/files/folder-object-store.ts';
import { UsageError } from './output.ts';

// DuckDB is built here, in the CLI, not in shared/app.ts: every Lambda bundle imports app.ts and none may hold DuckDB.

/** DuckDB over this machine's export: what Athena is to the cloud's. */
export const localReportEngine = async (): Promise<DuckDbQueryEngine> => {
  const root = localExportRoot(dataDir());
  try {
    await access(root);
  } catch {
    throw new UsageError(`nothing exported yet (${root}): run \`npx comeback export\` first`);
  }
  return new DuckDbQueryEngine(root);
};

/** The reports API's dependencies on one machine: DuckDB over the export of `dataDirectory`. */
export const localReportDependencies = (dataDirectory: string): ReportDependencies & { readonly engine: DuckDbQueryEngine } => ({
  engine: new DuckDbQueryEngine(localExportRoot(dataDirectory)),
  dialect: 'duckdb',
  // Reading a few small local files is cheap: every request sees an export the moment it is written.
  exportVersion: exportVersionOf(new FolderObjectStore(localExportRoot(dataDirectory)), 0),
});
