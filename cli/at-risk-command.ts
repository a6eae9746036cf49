import { buildApp } from '../shared/app.ts';
import { lapseDay, type AtRisk } from '../shared/lapse/at-risk.ts';
import { unusableHistory } from '../shared/lapse/lapse-model.ts';
import { formatCount, parseAsOf, table, UsageError } from './output.ts';
import { allClients } from './start-command.ts';
import { explain } from './sweep-command.ts';

export interface AtRiskRow extends AtRisk {
  readonly clientId: string;
  readonly name?: string;
  readonly phone?: string;
}

/** `--soon DAYS` as a whole number of days the list looks ahead. */
export const soonDays = (flag: string): number => {
  const days = Number(flag);
  if (!(Number.isInteger(days) && days >= 1 && days <= 365)) throw new UsageError(`--soon ${flag}: whole days from 1 to 365`);
  return days;
};

/**
 * The clients still coming who will count as lost within `days` if they do not come back, the
 * soonest first: who to call before they go, with the day and why, by the stored model and the
 * sweep's own rule.
 */
export const atRiskList = async (days: number, asOfFlag?: string): Promise<AtRiskRow[]> => {
  const asOf = parseAsOf(asOfFlag);
  const app = buildApp();
  const rule = app.sweepSettings(asOf).lapseRule;
  const model = await app.modelStore().latest(asOf);
  const rows: AtRiskRow[] = [];
  for (const client of await allClients(app.clientStore())) {
    const summary = client.summary;
    if (!summary || client.lapse?.status === 'open' || unusableHistory(summary, asOf)) continue;
    const found = lapseDay(summary, asOf, model, rule, days);
    if (!found) continue;
    const { clientId, name, phone } = client.profile;
    rows.push({ clientId, ...(name && { name }), ...(phone && { phone }), ...found });
  }
  return rows.sort((p, q) => p.daysLeft - q.daysLeft || p.clientId.localeCompare(q.clientId));
};

export const printAtRisk = (rows: readonly AtRiskRow[], days: number, limit: number): void => {
  if (rows.length === 0) {
    console.log(`Nobody still coming will count as lost in the next ${days} days.`);
    return;
  }
  console.log(`${formatCount(rows.length)} clients will count as lost in the next ${days} days unless they come back, soonest first:`);
  console.log(
    table(
      rows
        .slice(0, limit)
        .map((row) => [
          row.clientId,
          row.name ?? '',
          row.phone ?? '',
          row.explanation.kind === 'early-drop-out' ? 'early drop-out' : 'regular',
          row.lostOn,
          `${row.daysLeft} d`,
          explain(row.explanation),
        ]),
      { header: ['client', 'name', 'phone', 'kind', 'lost on', 'left', 'why, that day'], indent: 2, alignRight: [5] },
    ),
  );
  if (rows.length > limit) console.log(`  … and ${formatCount(rows.length - limit)} more (--json for all)`);
};
