import { answersTable, catalogueTable, clientsTable, followUpsTable, outreachTable, suppressionTable, visitsTable } from '../resources.ts';
import type { ComebackFunction } from './comeback-function.ts';
import type { DataTables } from './data-tables.ts';

/**
 * The tables every answer path uses (shared/app.ts `answerDependencies`): answers,
 * the catalogue (candidates are noted), follow-ups, clients (an involuntary reason ends outreach;
 * the phone index finds who texted) and suppression (opt-outs) to write; outreach requests to
 * read (by id and by provider message id), or to write where a path records a request's fate.
 * The client store also wants the visits table's name.
 */
export const useAnswerTables = (fn: ComebackFunction, tables: DataTables, visits: 'name only' | 'read', outreach: 'read' | 'readWrite' = 'read'): void => {
  for (const table of [answersTable, catalogueTable, followUpsTable, clientsTable, suppressionTable]) fn.useTable(table, tables.table(table), 'readWrite');
  fn.useTable(outreachTable, tables.table(outreachTable), outreach);
  if (visits === 'read') fn.useTable(visitsTable, tables.table(visitsTable), 'read');
  else fn.addEnvironment(visitsTable.envVar, tables.table(visitsTable).tableName);
};
