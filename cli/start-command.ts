import type { ClientStore, StoredClient } from '../shared/visits/ports/client-store.ts';
import { seedClinic, storyCounts } from './seed-command.ts';
import { formatCount, table } from './output.ts';
import { explain, lapsedList, printLapsed, printSweepReport, sweepNow } from './sweep-command.ts';
import { outbox, outboxCounts, outboxPages, printSendReport, sendQueued } from './outreach-command.ts';
import { listCandidates, listFollowUps, listReasons } from './answers-command.ts';
import { simulateReplyWave } from './reply-wave.ts';
import { exportLocally } from './export-command.ts';
import { localReportEngine } from './local-reports.ts';
import { printReport } from './report-command.ts';
import { builtConsole } from '../console/build.ts';

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

/** `npm start`: seed the demo clinic on the local stack, run the weekly sweep, show who lapsed and why. */
export const start = async (flags: { clients: string; seed: string; asOf?: string }): Promise<void> => {
  const started = Date.now();
  console.log(`Seeding a demo clinic with ${formatCount(Number(flags.clients))} clients…`);
  const { clinic, asOf, clients, visits, messengers } = await seedClinic(flags);
  console.log(
    `  ${clinic.branches.length} branches, ${clinic.doctors.length} doctors, ${clinic.categories.length} service categories` +
      `; clients ${formatCount(clients.imported)} new, ${formatCount(clients.unchanged)} already there` +
      `; visits ${formatCount(visits.imported)} new, ${formatCount(visits.unchanged)} already there`,
  );
  if (messengers) {
    console.log(
      `  ${formatCount(messengers.viberUsers)} clients subscribed to the clinic’s Viber bot through their deep link (${formatCount(messengers.subscribed)} in this run)` +
        `; ${formatCount(messengers.notOnWhatsApp)} numbers given for WhatsApp are not on it, ${formatCount(messengers.stoppedOnWhatsApp)} client had stopped the clinic there`,
    );
  }

  console.log(`\nRunning the weekly sweep as of ${asOf}…`);
  const report = await sweepNow({ asOf, json: false, quiet: true });
  printSweepReport(report);

  const lapsed = await lapsedList();
  console.log('');
  printLapsed(lapsed, 10);
  if (lapsed.length > 0) console.log('\nWhy, for the first three:');
  for (const row of lapsed.slice(0, 3)) console.log(`  ${row.clientId}${row.name ? ` ${row.name}` : ''}: ${explain(row.explanation)}`);

  console.log('\nSending the feedback requests (quiet hours in each client’s own time zone)…');
  printSendReport(await sendQueued());
  console.log(`  outbox: ${outboxCounts(await outbox())}`);
  console.log(`  in a browser while the stack runs: ${outboxPages()}`);

  console.log('\nClients answer on the channel they were asked on: texts, WhatsApp and Viber in their own language, the reply page from the emails…');
  const wave = await simulateReplyWave();
  console.log(
    `  ${formatCount(wave.sms.answer)} SMS answers, ${formatCount(wave.sms['opted-out'])} opted out (STOP), ${formatCount(wave.sms.help)} asked for HELP, ${formatCount(wave.pages)} reply-page answers`,
  );
  console.log(
    `  ${formatCount(wave.whatsApp.answers)} WhatsApp answers (${formatCount(wave.whatsApp.fromList)} from the reasons list), ${formatCount(wave.whatsApp.optedOut)} opted out; ` +
      `${formatCount(wave.viber.answers)} Viber answers (${formatCount(wave.viber.buttons)} by a reason button)`,
  );
  console.log('');
  await listReasons({});
  console.log('');
  await listCandidates({});
  console.log('\nFollow-ups for staff:');
  await listFollowUps({ status: 'open' });

  console.log('\nExporting the tables for the reports (Parquet: Athena reads them in the cloud, DuckDB here)…');
  await exportLocally({});
  const engine = await localReportEngine();
  try {
    for (const [name, flags] of [
      ['lost', {}],
      ['retention-by-doctor', {}],
      ['average-check', { by: 'branch' }],
      ['churn', {}],
    ] as const) {
      console.log(`\nnpx comeback report ${name}${'by' in flags ? ` --by ${flags.by}` : ''}`);
      await printReport(name, { format: 'table', ...flags }, engine);
    }
  } finally {
    await engine.close();
  }

  // The demo knows which story made each client: how well did the sweep find the ones who drifted away?
  const flagged = new Set(lapsed.map((row) => row.clientId));
  const byStory = storyCounts(clinic).map(([story, count]) => {
    const found = Object.entries(clinic.profiles).filter(([id, s]) => s === story && flagged.has(id)).length;
    return [story, formatCount(count), `${formatCount(found)} lost`];
  });
  console.log('\nThe demo clients by the story they were generated from, and how many the sweep calls lost (lapsed regulars and early drop-outs):');
  console.log(table(byStory, { indent: 2, alignRight: [1, 2] }));

  const example = lapsed[0]?.clientId ?? clinic.clients[0]?.client_id;
  console.log(`\nDone in ${((Date.now() - started) / 1000).toFixed(1)} s. Next:`);
  const next = [
    ...(example ? [[`npx comeback client show ${example}`, 'the client card']] : []),
    ['npx comeback lapsed', 'the whole lost list (--json for everything); --soon 30: who will be lost within 30 days'],
    ['npx comeback sweep --dry-run --json', 'what a sweep would do, client by client'],
    ['npx comeback model fit', "the lapse model's parameters"],
    ['npx comeback model check', 'how good the lapse decision is on this clinic (--tune to tune it)'],
    ['npx comeback outbox', 'the emails, texts, calls, WhatsApp and Viber messages that went out (--channel whatsapp…)'],
    ['npx comeback reply NUMBER "words"', 'answer as a client (--channel whatsapp|viber, --choice REASON); `simulate` plays a lost number'],
    ['npx comeback reasons', 'answers by reason; `reasons groups` and `map-group` place pending answers, `explain` says why'],
    ['npx comeback followups', 'call-backs and complaints for staff'],
    ['npx comeback report NAME', 'lost, lapsed, at-risk, retention-by-doctor, average-check, churn, campaigns, cohorts, activity (--help)'],
    ['npx comeback serve', 'the clinic console, the reply page, the staff and managers’ API and the reports on :8080; the queues drained'],
    ['npx comeback send', 'send what was waiting for a client’s morning'],
    ['npx comeback import visits FILE', 'import your own visits (see --help)'],
    ['npx comeback --help', 'everything else'],
  ];
  console.log(table(next, { indent: 2 }));
  console.log('\nThe API, while `npx comeback serve` runs (the whole of it: http://127.0.0.1:8080/openapi.json):');
  console.log('  TOKEN=$(npx comeback token --group managers)');
  console.log(`  curl -H "authorization: Bearer $TOKEN" 'http://127.0.0.1:8080/reports/lost?by=month'`);
  console.log(`  curl -H "authorization: Bearer $TOKEN" -H 'accept: text/csv' http://127.0.0.1:8080/reports/retention-by-doctor`);
  if (example) console.log(`  curl -H "authorization: Bearer $TOKEN" http://127.0.0.1:8080/clients/${example}`);
  // Built now, so `comeback serve` opens it at once.
  await builtConsole();
  console.log('\nThe clinic console (managers and front desk): run `npx comeback serve`, then open http://127.0.0.1:8080/');
};
