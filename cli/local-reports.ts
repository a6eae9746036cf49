import { access } from 'node:fs/promises';
import { dataDir } from '../infra/local/stack.ts';
import { DuckDbQueryEngine } from '../shared/files/duckdb-query-engine.ts';
import { localExportRoot } from '../shared/analytics-composition.ts';
import { UsageError } from './output.ts';

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
