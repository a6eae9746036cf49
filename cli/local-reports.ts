import { access, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { dataDir } from '../infra/local/stack.ts';
import { DuckDbQueryEngine } from '../shared/files/duckdb-query-engine.ts';
import { localExportRoot } from '../shared/analytics/export-location.ts';
import type { ReportDependencies } from '../shared/analytics/use-cases/reports.ts';
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

/** When the export last changed: the newest of its manifests, which each run writes after its partitions. */
const exportVersionOf = (root: string) => async (): Promise<string> => {
  const manifests = join(root, '_manifest');
  const names = await readdir(manifests).catch(() => [] as string[]);
  const changed = await Promise.all(names.map(async (name) => (await stat(join(manifests, name)).catch(() => undefined))?.mtimeMs ?? 0));
  return String(Math.max(0, ...changed));
};

/** The reports API's dependencies on one machine: DuckDB over the export of `dataDirectory`. */
export const localReportDependencies = (dataDirectory: string): ReportDependencies & { readonly engine: DuckDbQueryEngine } => ({
  engine: new DuckDbQueryEngine(localExportRoot(dataDirectory)),
  dialect: 'duckdb',
  exportVersion: exportVersionOf(localExportRoot(dataDirectory)),
});
