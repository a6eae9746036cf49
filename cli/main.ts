import { Command } from 'commander';
import { TableFileError } from '../shared/adapters/table-file.ts';
import { MissingConfigError } from '../shared/config.ts';
import { ImportSetupError, StrictImportError } from '../shared/use-cases/import-file.ts';
import { clientStoreFromEnv } from '../shared/composition.ts';
import { LocalStackError } from '../infra/local/stack.ts';
import { VisitTimeError } from '../shared/domain/visit-time.ts';
import { showClient } from './client-command.ts';
import { printImportReport, runImport, type ImportFlags } from './import-command.ts';
import { UsageError, formatCount } from './output.ts';
import { seedClinic, storyCounts } from './seed-command.ts';
import { stackDown, stackStatus, stackUp } from './stack-command.ts';
import { start } from './start-command.ts';
import { withStack } from './stack-session.ts';

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

const stack = program.command('stack').description('the local stack: DynamoDB Local, fauxqs (SQS, SNS, S3), aws-ses-v2-local');
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

const importCommand = program
  .command('import')
  .description('import clients or visits from CSV or JSON Lines');

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
  'client_id,name,phone,email,locale,timezone,preferred_channel,branch_id,consent_sms,consent_email,consent_voice',
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
      console.log(`\nStories: ${storyCounts(result.clinic).map(([story, n]) => `${story} ${formatCount(n)}`).join(', ')}`);
    }),
  );

program
  .command('client')
  .description('client cards')
  .command('show <id>')
  .description('the client card: contact, consent, visits summary, lapse state')
  .option('--as-of <date>', 'judge the lapse state as of this day (YYYY-MM-DD)')
  .option('--json', 'print as JSON')
  .action(async (id: string, flags: { json?: boolean; asOf?: string }) => withStack(() => showClient(clientStoreFromEnv(), id, flags)));

// Errors a user can act on are one clear line; anything else is a bug and keeps its stack.
const expected = [UsageError, TableFileError, ImportSetupError, VisitTimeError, LocalStackError, MissingConfigError];

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof StrictImportError) {
    printImportReport(error.report, 'the file');
    console.error(`\ncomeback: ${error.message}`);
  } else if (expected.some((type) => error instanceof type)) {
    console.error(`comeback: ${(error as Error).message}`);
  } else {
    console.error(error);
  }
  process.exitCode = 1;
}
