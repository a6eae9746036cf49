import { formatMoney } from '../shared/domain/money.ts';
import { rhythmState } from '../shared/domain/rhythm.ts';
import type { ClientStore, StoredClient } from '../shared/ports/client-store.ts';
import { clientStoreFromEnv } from '../shared/composition.ts';
import { seedClinic, storyCounts } from './seed-command.ts';
import { formatCount, table } from './output.ts';

/** Reads every client through the parallel segmented Scan the weekly sweep uses. */
export const allClients = async (store: ClientStore, segments = 4): Promise<StoredClient[]> => {
  const parts = await Promise.all(
    Array.from({ length: segments }, async (_, segment) => {
      const found: StoredClient[] = [];
      for await (const page of store.scanClients(segment, segments)) found.push(...page);
      return found;
    }),
  );
  return parts.flat();
};

/** `npm start`: seed the demo clinic on the local stack and show what it holds. */
export const start = async (flags: { clients: string; seed: string; asOf?: string }): Promise<void> => {
  const started = Date.now();
  console.log(`Seeding a demo clinic with ${formatCount(Number(flags.clients))} clients…`);
  const { clinic, asOf, clients, visits } = await seedClinic(flags);
  console.log(
    `  ${clinic.branches.length} branches, ${clinic.doctors.length} doctors, ${clinic.categories.length} service categories` +
      `; clients ${formatCount(clients.imported)} new, ${formatCount(clients.unchanged)} already there` +
      `; visits ${formatCount(visits.imported)} new, ${formatCount(visits.unchanged)} already there`,
  );

  const everyone = await allClients(clientStoreFromEnv());
  const withVisits = everyone.filter((c) => c.summary);
  const states = new Map<string, number>();
  const overdue: StoredClient[] = [];
  let spend = 0;
  for (const client of withVisits) {
    const state = rhythmState(client.summary!, asOf);
    states.set(state.kind, (states.get(state.kind) ?? 0) + 1);
    spend += client.summary!.totalSpend;
    if (state.kind === 'overdue') overdue.push(client);
  }
  const currency = withVisits[0]?.summary?.currency ?? 'EUR';
  const visitCount = withVisits.reduce((sum, c) => sum + c.summary!.visits, 0);

  console.log(`\nThe clinic as of ${asOf}`);
  console.log(
    table(
      [
        ['clients', formatCount(everyone.length)],
        ['with visits', formatCount(withVisits.length)],
        ['visits', formatCount(visitCount)],
        ['revenue', formatMoney({ minor: spend, currency })],
        ['on their rhythm', formatCount(states.get('on-rhythm') ?? 0)],
        ['overdue against their own rhythm', formatCount(states.get('overdue') ?? 0)],
        ['too few visits to judge', formatCount(states.get('too-few-visits') ?? 0)],
        ['came once', formatCount(states.get('one-visit') ?? 0)],
      ],
      { indent: 2, alignRight: [1] },
    ),
  );
  console.log('\nHow the demo clients were generated (ground truth):');
  console.log(table(storyCounts(clinic).map(([story, count]) => [story, formatCount(count)]), { indent: 2, alignRight: [1] }));

  const longestAway = overdue
    .map((client) => ({ client, state: rhythmState(client.summary!, asOf) }))
    .sort((a, b) => b.state.daysSinceLastVisit - a.state.daysSinceLastVisit)
    .slice(0, 5);
  if (longestAway.length > 0) {
    console.log('\nOverdue the longest:');
    console.log(
      table(
        longestAway.map(({ client, state }) => [
          client.profile.clientId,
          client.profile.name ?? '',
          `${state.daysSinceLastVisit} days away`,
          `usually back within ${state.kind === 'overdue' ? state.longGapDays : '?'} days`,
        ]),
        { indent: 2 },
      ),
    );
  }
  const example = longestAway[0]?.client.profile.clientId ?? everyone[0]?.profile.clientId;
  console.log(`\nDone in ${((Date.now() - started) / 1000).toFixed(1)} s. Next:`);
  if (example) console.log(`  npx comeback client show ${example}     the client card`);
  console.log('  npx comeback import visits FILE          import your own visits (see --help)');
  console.log('  npx comeback stack up                    keep the local stack running');
  console.log('  npx comeback --help                      everything else');
};
