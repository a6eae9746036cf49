import { Command } from 'commander';
import { AppError } from '../shared/common/app-error.ts';
import { StrictImportError } from '../shared/visits/use-cases/import-file.ts';
import { buildApp } from '../shared/app.ts';
import { modelFit, type ModelFitFlags } from './model-command.ts';
import { modelCheck, modelCheckWindow, type ModelCheckFlags } from './model-check-command.ts';
import { atRiskList, printAtRisk, soonDays } from './at-risk-command.ts';
import { outbox, printOutbox, sendNow } from './outreach-command.ts';
import { printViberLink, showClient } from './client-command.ts';
import { printToken, serve } from './serve-command.ts';
import { runExport } from './export-command.ts';
import { printReport, reportNames, type ReportFlags } from './report-command.ts';
import { localReportEngine } from './local-reports.ts';
import { openApiDocument } from '../infra/openapi.ts';
import {
  groupCommands,
  listCandidates,
  listFollowUps,
  listGroups,
  listReasons,
  moveFollowUpCommand,
  reasonCommands,
  checkFate,
  checkReply,
  replyChannels,
  simulatedFates,
  simulateFate,
  simulateReply,
  type ReplyChannel,
} from './answers-command.ts';
import { reasonsCheck, reasonsExplain, type ReasonsCheckFlags } from './reasons-check-command.ts';
import { defaultMatchThreshold } from '../shared/answers/reason-matching.ts';
import { printImportReport, runImport, type ImportFlags } from './import-command.ts';
import { formatCount, printSafely, unexpectedErrorLine } from './output.ts';
import { seedClinic, storyCounts } from './seed-command.ts';
import { stackDown, stackStatus, stackUp } from './stack-command.ts';
import { start } from './start-command.ts';
import { lapsedList, printLapsed, sweepNow, type SweepFlags } from './sweep-command.ts';
import { withRunningStack, withStack } from './stack-session.ts';

printSafely();

const collect = (value: string, previous: string[]): string[] => [...previous, value];

const program = new Command()
  .name('comeback')
  .description('Find the clients who stopped coming, ask them why, and show managers what the answers mean.')
  .showHelpAfterError('(run with --help for usage)')
  .addHelpText(
    'after',
    `
Commands work on the local stack: the one \`comeback stack up\` keeps running, or one started
for the command (data stays in .comeback/, or COMEBACK_DATA_DIR). COMEBACK_STACK=aws uses
your AWS account instead, with the table names in CLIENTS_TABLE and VISITS_TABLE.`,
  );

program
  .command('start')
  .description('the demo: bring up the local stack, seed a clinic, print what it holds (npm start)')
  .option('--clients <n>', 'how many clients', '2000')
  .option('--seed <s>', 'random seed: the same seed gives the same clinic', '42')
  .option('--as-of <date>', "the clinic's today (YYYY-MM-DD)")
  .action(async (flags: { clients: string; seed: string; asOf?: string }) => withStack(() => start(flags)));

const stack = program
  .command('stack')
  .description('the local stack: DynamoDB Local, fauxqs (SQS, SNS, S3), aws-ses-v2-local, the SMS and voice, WhatsApp and Viber emulators');
stack
  .command('up')
  .description('start it and keep it running until Ctrl-C (a second start reuses the data)')
  .option('--detach', 'run it in the background')
  .action(async (flags: { detach?: boolean }) => stackUp(flags));
stack.command('down').description('stop the stack started by `stack up`').action(stackDown);
stack
  .command('status')
  .description('is it running, and does every service answer')
  .action(async () => {
    if (!(await stackStatus())) process.exitCode = 1;
  });

const importCommand = program.command('import').description('import clients or visits from CSV or JSON Lines');

const addImport = (kind: 'clients' | 'visits', columns: string, example: string) =>
  importCommand
    .command(`${kind} <file>`)
    .description(`import ${kind} (CSV with a header, or JSON Lines)`)
    .option('--map <field=column>', "read another system's column as one of ours (repeatable)", collect, [])
    .option('--delimiter <d>', 'column separator: , ; tab | whitespace (default: detected from the header)')
    .option('--locale <tag>', "language for clients who have none (default: COMEBACK_LOCALE or 'en')")
    .option('--timezone <zone>', "time zone for clients who have none (default: COMEBACK_TIMEZONE or 'UTC')")
    .option('--strict', 'reject the whole file if any row is bad (nothing is written)')
    .option('--errors <file>', 'write every skipped row and warning to a CSV file')
    .option('--json', 'print the report as JSON')
    .addHelpText('after', `\nColumns: ${columns}\n\nExample:\n  ${example}`);

addImport(
  'clients',
  'client_id,name,phone,email,locale,timezone,preferred_channel,branch_id,consent_sms,consent_email,consent_voice,consent_whatsapp,consent_viber',
  'comeback import clients clients.csv',
).action(async (file: string, flags: ImportFlags) => void (await runImport('clients', file, flags)));

addImport(
  'visits',
  'visit_id,client_id,visited_at,doctor_id,branch_id,service_category,amount,currency\n' +
    '  visited_at: ISO 8601 date (2024-03-05) or date-time with offset (2024-03-05T10:30:00+02:00)\n' +
    '  visit_id: optional; a stable id is derived from the row when the file has none',
  'comeback import visits ../shared/data/cdnow/CDNOW_master.txt --map client_id=customer_id \\\n' +
    '      --map visited_at=date --map amount=dollar_value --date-format yyyyMMdd --currency USD --create-clients',
)
  .option('--date-format <pattern>', 'visited_at written as yyyyMMdd, dd.MM.yyyy, dd/MM/yyyy HH:mm … (default: ISO 8601)')
  .option('--currency <code>', 'currency for files without a currency column (ISO 4217)')
  .option('--create-clients', 'create a bare client (no contact, no consent) for visits of unknown clients')
  .action(async (file: string, flags: ImportFlags) => void (await runImport('visits', file, flags)));

program
  .command('seed')
  .description('write a realistic synthetic clinic (branches, doctors, clients with different rhythms)')
  .option('--clients <n>', 'how many clients', '2000')
  .option('--as-of <date>', "the clinic's today (YYYY-MM-DD; default: today)")
  .option('--seed <s>', 'random seed: the same seed gives the same clinic', '42')
  .action(async (flags: { clients: string; asOf?: string; seed: string }) =>
    withStack(async () => {
      const result = await seedClinic(flags);
      printImportReport(result.clients, 'the demo clinic', 5);
      printImportReport(result.visits, 'the demo clinic', 5);
      console.log(
        `\nStories: ${storyCounts(result.clinic)
          .map(([story, n]) => `${story} ${formatCount(n)}`)
          .join(', ')}`,
      );
    }),
  );

const client = program.command('client').description('client cards, and a client’s Viber link');
client
  .command('show <id>')
  .description('the client card: contact, consent, visits summary, lapse state, answers')
  .option('--as-of <date>', 'judge the lapse state as of this day (YYYY-MM-DD)')
  .option('--json', 'print as JSON')
  .action(async (id: string, flags: { json?: boolean; asOf?: string }) => withStack(() => showClient(buildApp().staffDependencies(), id, flags)));
client
  .command('viber-link <id>')
  .description('the deep link to the clinic’s Viber bot that subscribes this client (the bot writes only to its subscribers)')
  .option('--subscribe-as <user>', 'local stack: as if the client followed it, as this Viber user id')
  .addHelpText(
    'after',
    `
The link carries a signed token naming the client (valid two years); when the client opens it
and subscribes, Viber tells the webhook, which ties their Viber user to the client. Give it on
the reply page, in an email, or as a QR code at the front desk.

Example:
  npx comeback client viber-link c-00042 --subscribe-as pttm25kSGUo1919sBORWyA==`,
  )
  .action(async (id: string, flags: { subscribeAs?: string }) => withStack(() => printViberLink(id, flags)));

program
  .command('sweep')
  .description('the weekly sweep, now: score every client, open lapse episodes, queue feedback requests')
  .option('--as-of <date>', "the clinic's today (YYYY-MM-DD; default: today in COMEBACK_TIMEZONE)")
  .option('--dry-run', 'score and decide, write nothing')
  .option('--json', 'print the report and every flagged client with the reasons, as JSON')
  .addHelpText(
    'after',
    `
Settings (environment variables, defaults in brackets):
  LAPSE_COMBINE               both | either | rhythm | model: which signals must agree [both]
  LAPSE_P_ALIVE_BELOW         the model calls a client gone below this P(alive) [0.5]
  LAPSE_RHYTHM_MIN_VISIT_DAYS visit days before a client has a rhythm [3]
  LAPSE_RHYTHM_GAP_MULTIPLIER overdue after this times their 90th-percentile gap [1.5]
  LAPSE_RHYTHM_MINIMUM_DAYS   never overdue sooner than this [30]
  LAPSE_EARLY_DROP_OUT_GAP_MULTIPLE  with too few visits for a rhythm: an early drop-out once away this times their gap [3]
  LAPSE_EARLY_DROP_OUT_MINIMUM_DAYS  ...and never sooner than this [60]
  OUTREACH_COOLDOWN_DAYS      days between two requests to one client [30]
  OUTREACH_MAX_REQUESTS       requests per lapse episode [2]
  OUTREACH_CONTROL_GROUP_SHARE share of lapsed clients never asked, to measure the effect [0.1]
  VALUE_MONTHLY_DISCOUNT_RATE discount per month for the value at risk [0.01]
  MODEL_REFIT_AFTER_DAYS      refit the model when the last fit is this old [7]`,
  )
  .action(async (flags: SweepFlags) => withStack(async () => void (await sweepNow(flags))));

const model = program.command('model').description('the lapse model (BG/NBD for P(alive), Gamma-Gamma for spend per visit)');
model
  .command('fit')
  .description('fit the model: from the imported visits (stored for the sweep), or from a summary file')
  .option('--summary <file>', "a per-client summary in lifetimes' layout: ID,frequency,recency,T[,monetary_value] or ID,x,t_x,T,zbar")
  .option('--predict <t>', "print each client's P(alive) and expected visits in the next t periods (days for visits; the file's unit for --summary)")
  .option('--as-of <date>', 'fit the imported visits as of this day (YYYY-MM-DD; default: today in COMEBACK_TIMEZONE)')
  .option('--json', 'the fit as JSON; with --predict, one JSON line per client instead of CSV')
  .addHelpText(
    'after',
    `
Examples:
  comeback model fit                                    refit on the imported visits now
  comeback model fit --summary cdnow_customers_summary.csv
  comeback model fit --summary summary.csv --predict 39 > predictions.csv

With --predict the predictions go to stdout and the fit to stderr.`,
  )
  .action(async (flags: ModelFitFlags) => (flags.summary ? modelFit(flags) : withStack(() => modelFit(flags))));

model
  .command('check')
  .description("how good the lapse decision is on the clinic's own history: fit at a cutoff, compare with who came back")
  .option('--cutoff <date>', 'fit on the visits up to this day (default: --horizon days before --as-of)')
  .option('--horizon <days>', 'lost = no visit within this many days after the cutoff', '180')
  .option('--as-of <date>', 'the last day of visits to use (default: today in COMEBACK_TIMEZONE)')
  .option('--tune', "search the rule's settings for the best F0.75 (precision a little above recall) on this backtest and print them")
  .option('--save', 'with --tune: keep the tuned settings; the sweep uses them over the defaults (the environment still wins)')
  .option('--json', 'the backtest (and the tuning) as JSON')
  .addHelpText(
    'after',
    `
Prints the rule's precision, recall and F1 beside a fixed 90-day window's on the same clients, and
the model's predicted visits against the actual ones, by visits before the cutoff.

Examples:
  comeback model check
  comeback model check --cutoff 2026-01-01 --horizon 120 --tune
  comeback model check --tune --save`,
  )
  .action(async (flags: ModelCheckFlags) => {
    const window = modelCheckWindow(flags);
    await withStack(() => modelCheck(flags, window));
  });

program
  .command('send')
  .description('send the queued feedback requests now, as the send function does in the cloud')
  .option('--json', 'print the report as JSON')
  .option('--redrive', 'first move the requests that failed too often (the dead-letter queue) back onto the queue')
  .action(async (flags: { json?: boolean; redrive?: boolean }) => withStack(async () => void (await sendNow(flags))));

program
  .command('outbox')
  .description('what went out on the local stack: emails, texts, calls, WhatsApp and Viber messages')
  .option('--channel <channel>', 'email, sms, voice, whatsapp or viber')
  .option('--limit <n>', 'show at most this many', '20')
  .option('--json', 'print as JSON')
  .action(async (flags: { channel?: string; limit: string; json?: boolean }) =>
    withStack(async () => {
      const entries = await outbox(flags.channel);
      if (flags.json) console.log(JSON.stringify(entries, null, 2));
      else printOutbox(entries, Number(flags.limit));
    }),
  );

program
  .command('lapsed')
  .description('the current lapsed list: who, since when, why, value at risk, outreach state')
  .option('--json', 'print as JSON')
  .option('--limit <n>', 'show at most this many (table only)', '50')
  .option('--soon <days>', 'instead: the clients still coming who will count as lost within this many days unless they come back')
  .option('--as-of <date>', 'with --soon: count from this day (YYYY-MM-DD; default: today in COMEBACK_TIMEZONE)')
  .action(async (flags: { json?: boolean; limit: string; soon?: string; asOf?: string }) => {
    const days = flags.soon === undefined ? undefined : soonDays(flags.soon);
    await withStack(async () => {
      const rows = days === undefined ? await lapsedList() : await atRiskList(days, flags.asOf);
      if (flags.json) console.log(JSON.stringify(rows, null, 2));
      else if (days === undefined) printLapsed(rows as Awaited<ReturnType<typeof lapsedList>>, Number(flags.limit));
      else printAtRisk(rows as Awaited<ReturnType<typeof atRiskList>>, days, Number(flags.limit));
    });
  });

program
  .command('reply')
  .description('as if a client answered from their phone (a text, WhatsApp or Viber): the emulator passes it on and it is received as in the cloud')
  .argument('<from>', 'who answers: their phone number (E.164) for a text or WhatsApp, their Viber user id for Viber')
  .argument('[text]', 'what they wrote: a digit, a few words, STOP, HELP')
  .option('--channel <channel>', `${replyChannels.join(', ')}`, 'sms')
  .option('--choice <reason>', 'instead of words, the reason they tapped (a reason id, e.g. price): a row of the reasons list on WhatsApp, a button on Viber')
  .addHelpText(
    'after',
    `
On WhatsApp the first message is a template with a button to the reply page; the reasons list
comes once the client writes words the clinic cannot place, and --choice taps one of its rows.
On Viber the reasons are buttons under the first message. \`comeback outbox --channel viber\`
shows the Viber user ids.

Examples:
  npx comeback reply +306912345678 "2"
  npx comeback reply +306912345678 "too expensive now" --channel whatsapp
  npx comeback reply +306912345678 --channel whatsapp --choice waiting-time
  npx comeback reply pttm25kSGUo1919sBORWyA== --channel viber --choice price`,
  )
  .action(async (from: string, text: string | undefined, flags: { channel: string; choice?: string }) => {
    const reply = {
      channel: flags.channel as ReplyChannel,
      from,
      ...(text !== undefined && { text }),
      ...(flags.choice !== undefined && { choice: flags.choice }),
    };
    checkReply(reply);
    await withStack(() => simulateReply(reply));
  });

program
  .command('simulate')
  .description('how messages to a number (or Viber user) end from now on, on the running local stack: to try the unhappy paths')
  .requiredOption('--to <address>', 'the phone number (E.164), or the Viber user id')
  .requiredOption('--fate <fate>', 'what happens to them (below)')
  .option('--channel <channel>', Object.keys(simulatedFates).join(', '), 'sms')
  .addHelpText(
    'after',
    `
Fates, per channel:
${Object.entries(simulatedFates)
  .map(([channel, fates]) => `  ${channel.padEnd(9)}${fates.join(', ')}`)
  .join('\n')}

sms and voice share one fate per number. A fate lives in the running emulator until the stack
stops, so this needs \`comeback stack up\`.

Examples:
  npx comeback simulate --channel whatsapp --to +306912345678 --fate not-on-whatsapp
  npx comeback simulate --to +306912345678 --fate invalid
  npx comeback simulate --channel viber --to pttm25kSGUo1919sBORWyA== --fate blocked`,
  )
  .action(async (flags: { channel: string; to: string; fate: string }) => {
    checkFate(flags);
    await withRunningStack('a simulated fate lives in the running emulator', () => simulateFate(flags));
  });

program
  .command('serve')
  .description(
    'run the cloud’s APIs and queues locally: the clinic console at /, the reply page behind the emails’ and texts’ links, the staff and managers’ API and reports, the queues drained',
  )
  .option('--port <port>', 'where the console, the API and the reply page listen (default: the port of REPLY_BASE_URL, 8080)')
  .option('--interval <seconds>', 'how often the queues are drained', '5')
  .action(async (flags: { port?: string; interval?: string }) => withStack(() => serve(flags)));

program
  .command('token')
  .description('a sign-in token for the local staff and managers’ API (Cognito’s ID token in the cloud)')
  .option('--group <group>', 'managers or staff (repeatable; default staff)', collect, [])
  .option('--user <name>', 'who signs in (default: your login name)')
  .option('--hours <hours>', 'how long it is valid', '8')
  .addHelpText(
    'after',
    '\nExample:\n  TOKEN=$(npx comeback token --group managers)\n  curl -H "authorization: Bearer $TOKEN" http://127.0.0.1:8080/reasons   # while `comeback serve` runs',
  )
  .action(printToken);

program
  .command('export')
  .description('export the tables for reports as Parquet (.comeback/exports, what DuckDB reads): only what changed is rewritten')
  .option('--day <day>', 'the export day, the date of the snapshots (default: today)')
  .option('--json', 'print the report as JSON')
  .action(async (flags: { day?: string; json?: boolean }) => {
    await runExport(flags);
  });

program
  .command('report')
  .description(`a managers' report on the local export (run \`comeback export\` first): ${reportNames()}`)
  .argument('<name>', reportNames())
  .option('--from <day>', 'first day of the period')
  .option('--to <day>', 'last day of the period (default: today)')
  .option('--by <grouping>', 'lost: reason|week|month; average-check: month|doctor|branch|category|declining; churn: reason|outcome')
  .option('--branch <id>', 'only this branch')
  .option('--doctor <id>', 'only this doctor')
  .option('--channel <channel>', 'lost: only answers that came this way (page, sms, staff)')
  .option('--churn-type <type>', 'lost: voluntary, involuntary or passive')
  .option('--days <n>', 'retention-by-doctor: came back within this many days (default 90)')
  .option('--limit <n>', 'lapsed, at-risk, average-check --by declining: at most this many clients')
  .option('--weeks <n>', 'at-risk: who will count as lost within this many weeks (default 4)')
  .option('--kind <kind>', 'lapsed, at-risk: lapsed-regular or early-drop-out')
  .option('--format <format>', 'table, json or csv', 'table')
  .addHelpText(
    'after',
    "\nThe same reports, parameters and SQL as GET /reports/NAME (Athena in the cloud). Money columns are in the clinic's currency.\nExamples:\n  npx comeback report lost --by month --from 2026-01-01\n  npx comeback report retention-by-doctor --days 60 --format csv > retention.csv\n  npx comeback report at-risk --weeks 2",
  )
  .action(async (name: string, flags: ReportFlags) => {
    const engine = await localReportEngine();
    try {
      await printReport(name, flags, engine);
    } finally {
      await engine.close();
    }
  });

program
  .command('openapi')
  .description('print the OpenAPI 3.1 document of every Comeback API')
  .action(() => console.log(JSON.stringify(openApiDocument(), null, 2)));

const reasons = program.command('reasons').description('the reason catalogue: answers by reason, pending answers, and a manager’s changes');
reasons
  .command('list', { isDefault: true })
  .description('every reason with how many answers count under it')
  .option('--json', 'print as JSON')
  .action(async (flags: { json?: boolean }) => withStack(() => listReasons(flags)));
reasons
  .command('candidates')
  .description('answers no reason matched with confidence, waiting for a manager')
  .option('--json', 'print as JSON')
  .action(async (flags: { json?: boolean }) => withStack(() => listCandidates(flags)));
reasons
  .command('map')
  .description('say what a pending answer means: learned, so the same words match by themselves next time')
  .argument('<text>', 'the candidate text, as `reasons candidates` shows it')
  .requiredOption('--to <reason>', 'the reason id it means')
  .option('--locale <tag>', 'the language of the words')
  .option('--by <name>', 'who decides (default: your login name)')
  .action(async (text: string, flags: { to: string; locale?: string; by?: string }) => withStack(() => reasonCommands.map(text, flags)));
reasons
  .command('approve')
  .description('make a pending answer a new reason')
  .argument('<text>', 'the candidate text')
  .requiredOption('--label <label>', 'the new reason’s name')
  .option('--locale <tag>', 'the language of the label', 'en')
  .option('--churn-type <type>', 'voluntary, involuntary or passive', 'voluntary')
  .option('--by <name>', 'who decides')
  .action(async (text: string, flags: { label: string; locale: string; churnType: string; by?: string }) =>
    withStack(() => reasonCommands.approve(text, flags)),
  );
reasons
  .command('groups')
  .description('pending answers in groups of one meaning, across languages, with what each may be: place a whole group in one action')
  .option('--json', 'print as JSON, every text of every group')
  .addHelpText(
    'after',
    `
Groups change as answers come and are placed: use the ids of the latest list.

Example:
  npx comeback reasons groups
    g-1x2y3z  parking  12 answers in 3 languages (el, en, ru)  suggested: new reason "parking"
        "no parking near the clinic at all"
  npx comeback reasons approve-group g-1x2y3z --label Parking
  npx comeback reasons map-group g-4k5l6m --to waiting-time`,
  )
  .action(async (flags: { json?: boolean }) => withStack(() => listGroups(flags)));
reasons
  .command('map-group')
  .description(
    'say what a whole group of pending answers means: every text is learned in one change, its answers placed, and pending answers that now match are placed too',
  )
  .argument('<group>', 'the group id, as `reasons groups` shows it')
  .requiredOption('--to <reason>', 'the reason id the group means')
  .option('--by <name>', 'who decides (default: your login name)')
  .addHelpText('after', '\nExample:\n  npx comeback reasons map-group g-4k5l6m --to waiting-time')
  .action(async (group: string, flags: { to: string; by?: string }) => withStack(() => groupCommands.map(group, flags)));
reasons
  .command('approve-group')
  .description('make a whole group of pending answers a new reason: every text becomes its alias, its answers placed')
  .argument('<group>', 'the group id, as `reasons groups` shows it')
  .requiredOption('--label <label>', 'the new reason’s name')
  .option('--locale <tag>', 'the language of the label', 'en')
  .option('--churn-type <type>', 'voluntary, involuntary or passive', 'voluntary')
  .option('--by <name>', 'who decides (default: your login name)')
  .addHelpText('after', '\nExample:\n  npx comeback reasons approve-group g-1x2y3z --label Parking --churn-type voluntary')
  .action(async (group: string, flags: { label: string; locale: string; churnType: string; by?: string }) =>
    withStack(() => groupCommands.approve(group, flags)),
  );
reasons
  .command('merge')
  .description('merge a reason into another: every past answer counts under the other from now on')
  .argument('<reason>', 'the reason that goes away')
  .requiredOption('--into <reason>', 'the reason that stays')
  .option('--by <name>', 'who decides')
  .action(async (id: string, flags: { into: string; by?: string }) => withStack(() => reasonCommands.merge(id, flags)));
reasons
  .command('rename')
  .description('change a reason’s label in one language')
  .argument('<reason>')
  .requiredOption('--label <label>')
  .option('--locale <tag>', 'the language of the label', 'en')
  .option('--by <name>', 'who decides')
  .action(async (id: string, flags: { label: string; locale: string; by?: string }) => withStack(() => reasonCommands.rename(id, flags)));
reasons
  .command('retire')
  .description('stop offering and matching a reason (past answers keep it)')
  .argument('<reason>')
  .option('--by <name>', 'who decides')
  .action(async (id: string, flags: { by?: string }) => withStack(() => reasonCommands.retire(id, flags)));
reasons
  .command('check')
  .description('how well the catalogue places answers a person labelled: right, wrong, unplaced, by language and reason')
  .argument('<file>', 'JSON Lines, one {"text": "...", "locale": "el", "expected": "price"} per line (expected null: the text gives no reason)')
  .option('--learn-half', 'also map the unplaced answers of one half (split by "family") and score the other half again')
  .option('--threshold <confidence>', 'least confidence to place an answer', String(defaultMatchThreshold))
  .option('--mistakes <n>', 'print the first n answers it got wrong or left unplaced', '0')
  .option('--seed', 'check the catalogue a new clinic starts with, not this clinic’s (no stack needed)')
  .option('--json', 'print every figure and mistake as JSON')
  .addHelpText('after', '\nExample:\n  npx comeback reasons check test/fixtures/answers/labelled-el.jsonl --learn-half --seed')
  .action(async (file: string, flags: ReasonsCheckFlags) => (flags.seed ? reasonsCheck(file, flags) : withStack(() => reasonsCheck(file, flags))));
reasons
  .command('explain')
  .description('what an answer would count as, and which of its words said so')
  .argument('<text>', 'the answer as the client wrote it')
  .option('--locale <tag>', 'the client’s language (en, el, ru, bn, ka, km, tl)')
  .option('--seed', 'use the catalogue a new clinic starts with (no stack needed)')
  .option('--json', 'print as JSON')
  .action(async (text: string, flags: { locale?: string; seed?: boolean; json?: boolean }) =>
    flags.seed ? reasonsExplain(text, flags) : withStack(() => reasonsExplain(text, flags)),
  );
reasons
  .command('record')
  .description('record what a client said on the phone')
  .argument('<client>', 'the client id')
  .requiredOption('--reason <reason>', 'the reason id (see `reasons list`)')
  .option('--date <day>', 'the day of the call (YYYY-MM-DD; default today)')
  .option('--note <text>', 'what they said, for staff')
  .option('--call-back', 'they want a call back')
  .option('--by <name>', 'who took the call (default: your login name)')
  .action(async (client: string, flags: { reason: string; date?: string; note?: string; callBack?: boolean; by?: string }) =>
    withStack(() => reasonCommands.record(client, flags)),
  );

const followUps = program.command('followups').description('follow-ups for staff: call-backs, complaints, clients who want to book');
followUps
  .command('list', { isDefault: true })
  .description('the follow-ups in one status')
  .option('--status <status>', 'open, contacted or resolved', 'open')
  .option('--json', 'print as JSON')
  .action(async (flags: { status: string; json?: boolean }) => withStack(() => listFollowUps(flags)));
followUps
  .command('move')
  .description('move a follow-up on: contacted, then resolved')
  .argument('<id>')
  .requiredOption('--to <status>', 'contacted or resolved')
  .option('--note <text>')
  .option('--by <name>', 'who did it (default: your login name)')
  .action(async (id: string, flags: { to: string; note?: string; by?: string }) => withStack(() => moveFollowUpCommand(id, flags)));

const fail = (error: unknown): void => {
  if (error instanceof StrictImportError) {
    printImportReport(error.report, 'the file');
    console.error(`\ncomeback: ${error.message}`);
  } else if (error instanceof AppError) {
    // One clear line a user can act on; anything else is a bug and keeps its stack.
    console.error(`comeback: ${error.message}`);
  } else {
    console.error(`comeback: ${unexpectedErrorLine(error)}`);
    if (process.env.COMEBACK_DEBUG) console.error(error);
  }
  process.exitCode = 1;
};

// A command whose work is left waiting on something that can never happen (a stream nobody
// reads any more) would otherwise end in silence with Node's exit code 13.
let finished = false;
process.on('beforeExit', () => {
  if (finished) return;
  finished = true;
  console.error('comeback: stopped before finishing (an internal wait was never answered); whatever it finished is kept and a rerun skips it');
  process.exitCode = 1;
});
process.on('uncaughtException', (error) => {
  fail(error);
  process.exit();
});
process.on('unhandledRejection', (error) => {
  fail(error);
  process.exit();
});

program.parseAsync(process.argv).then(
  () => {
    finished = true;
  },
  (error: unknown) => {
    finished = true;
    fail(error);
  },
);
