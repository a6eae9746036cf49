import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../infra/local/stack.ts';

const bin = resolve(import.meta.dirname, '../../../bin/comeback.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let environment: NodeJS.ProcessEnv;
const comeback = (...args: string[]): Promise<Run> =>
  new Promise((done) => {
    execFile(process.execPath, [bin, ...args], { env: environment, timeout: 300_000 }, (error, stdout, stderr) =>
      done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });

describe('the comeback CLI, as a user runs it', () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'comeback-cli-'));
    environment = {
      ...process.env,
      COMEBACK_DATA_DIR: join(directory, 'data'),
      COMEBACK_PORT_DYNAMODB: String(await freePort()),
      COMEBACK_PORT_MESSAGING: '0',
      COMEBACK_PORT_EMAIL: '0',
      COMEBACK_PORT_SMSVOICE: '0',
      COMEBACK_PORT_WHATSAPP: '0',
      COMEBACK_PORT_VIBER: '0',
    };
  });

  it('explains itself with --help', async () => {
    const top = await comeback('--help');
    const visits = await comeback('import', 'visits', '--help');
    expect(top.code).toBe(0);
    for (const command of ['start', 'stack', 'import', 'seed', 'client', 'sweep', 'lapsed', 'model']) expect(top.stdout).toContain(command);
    const sweep = await comeback('sweep', '--help');
    expect(sweep.stdout).toContain('--dry-run');
    expect(sweep.stdout).toContain('OUTREACH_CONTROL_GROUP_SHARE');
    expect(visits.stdout).toContain('--date-format');
    expect(visits.stdout).toContain('CDNOW_master.txt');
  });

  it('imports a file with bad rows: a summary, each bad row by line and field, and a CSV of the problems', async () => {
    // Prepare
    const clients = join(directory, 'clients.csv');
    await writeFile(
      clients,
      'client_id,name,phone,email,locale,timezone\nc-1,Maria,+306912345678,maria@example.com,el,Europe/Athens\nc-2,Bad,+1,x,xx-invalid-locale-tag,UTC\n',
    );
    const errors = join(directory, 'problems.csv');

    // Act
    const run = await comeback('import', 'clients', clients, '--errors', errors);

    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/rows read\s+2/);
    expect(run.stdout).toMatch(/created\s+1/);
    expect(run.stdout).toMatch(/skipped\s+1/);
    expect(run.stdout).toContain('line 3, locale:');
    expect(await readFile(errors, 'utf8')).toContain('3,locale,');

    const card = await comeback('client', 'show', 'c-1');
    expect(card.code).toBe(0);
    expect(card.stdout).toContain('Client c-1  Maria');
    expect(card.stdout).toContain('+306912345678');
  });

  it('reports a broken quote by line and goes on, and with --strict refuses the file and writes nothing', async () => {
    // Prepare
    const visits = join(directory, 'quote.csv');
    await writeFile(
      visits,
      'visit_id,client_id,visited_at,amount,currency\nq-1,cq-1,2026-03-01,10,EUR\nq-2,"bad"quote,2026-03-01,10,EUR\nq-3,cq-1,2026-03-02,10,EUR\n',
    );

    // Act
    const strict = await comeback('import', 'visits', visits, '--create-clients', '--strict');
    const run = await comeback('import', 'visits', visits, '--create-clients');

    // Assess
    expect(strict.code).toBe(1);
    expect(strict.stdout).toContain('line 3, row: value 2 goes on after its closing quote ("bad"quote)');
    expect(strict.stderr).toContain('nothing imported (--strict)');
    expect(strict.stderr).not.toContain('unsettled top-level await');
    // The strict run wrote nothing: both good visits are new to the second.
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/recorded\s+2/);
    expect(run.stdout).toMatch(/already there\s+0/);
    expect(run.stdout).toContain('line 3, row: value 2 goes on after its closing quote ("bad"quote)');
  }, 600_000);

  it('fails with one clear line, and exit code 1, on a missing file or an unknown client', async () => {
    const missing = await comeback('import', 'visits', join(directory, 'nope.csv'));
    const unknown = await comeback('client', 'show', 'c-404');
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toMatch(/^comeback: cannot read .*nope\.csv: no such file$/);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no client with id "c-404"');
    expect(unknown.stderr).not.toContain('    at ');
  });

  it('checks the lapse decision on a backtest, and refuses a horizon that cannot be before it starts anything', async () => {
    const help = await comeback('model', 'check', '--help');
    expect(help.stdout).toContain('--tune');
    expect(help.stdout).toContain('fixed 90-day window');
    const bad = await comeback('model', 'check', '--horizon', '3');
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toBe('comeback: --horizon 3: whole days from 7 to 1095');
    const late = await comeback('model', 'check', '--cutoff', '2099-01-01', '--as-of', '2026-12-01');
    expect(late.code).toBe(1);
    expect(late.stderr).toContain('choose an earlier cutoff');
    const soon = await comeback('lapsed', '--soon', '0');
    expect([soon.code, soon.stderr.trim()]).toEqual([1, 'comeback: --soon 0: whole days from 1 to 365']);
  });

  it('fits the lapse model on a summary file and predicts per client, data on stdout and the fit on stderr', async () => {
    const cdnow = resolve(import.meta.dirname, '../../../../shared/data/cdnow');
    const fit = await comeback('model', 'fit', '--summary', join(cdnow, 'cdnow_customers_summary_with_transactions.csv'));
    expect(fit.code).toBe(0);
    expect(Number(/\n {2}r\s+([\d.]+)/.exec(fit.stdout)?.[1])).toBeCloseTo(0.2426, 3);
    expect(fit.stdout).toMatch(/log-likelihood\s+-9582\.4/);
    expect(fit.stdout).toMatch(/p\s+6\.24/);

    const predicted = await comeback('model', 'fit', '--summary', join(cdnow, 'cdnow_customers_summary.csv'), '--predict', '39', '--json');
    const lines = predicted.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { id: string; p_alive: number; expected_transactions: number });
    expect(lines).toHaveLength(2357);
    expect(lines[0]).toMatchObject({ id: '1' });
    expect(lines[0]!.expected_transactions).toBeCloseTo(1.226, 2);
    expect(predicted.stderr).toContain('BG/NBD fitted on 2,357 clients');
  });

  it('refuses a summary file with bad rows, naming each, and fits nothing', async () => {
    const file = join(directory, 'summary.csv');
    await writeFile(file, 'ID,frequency,recency,T\n1,2,30,20\n2,two,1,5\n3,0,0,10\n');
    const run = await comeback('model', 'fit', '--summary', file);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('2 bad rows, nothing fitted');
    expect(run.stderr).toContain('line 2, T: age must be at least the recency (30), got 20');
    expect(run.stderr).toContain('line 3, frequency: "two" is not a number');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('sends queued requests and shows the outbox, refusing a channel it does not know', async () => {
    const send = await comeback('send');
    expect(send.code).toBe(0);
    expect(send.stdout).toMatch(/waiting for the client’s morning \(back on the queue\)\s+0\n/);
    expect(send.stdout).not.toContain('"level"');
    const box = await comeback('outbox', '--channel', 'whatsapp');
    expect(box.code).toBe(0);
    expect(box.stdout).toMatch(/Outbox: 0 emails, 0 texts, 0 calls, 0 WhatsApp messages, 0 Viber messages/);
    const bad = await comeback('outbox', '--channel', 'fax');
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n').at(-1)).toBe('comeback: --channel fax: email, sms, voice, whatsapp or viber');
  });

  it('answers as a client on a messenger, and says what is wrong with a reply or a fate it cannot play', async () => {
    const help = await comeback('reply', '--help');
    expect(help.stdout).toContain('--choice <reason>');
    expect(help.stdout).toContain('--channel viber --choice price');
    const badChannel = await comeback('reply', '+306912345678', 'hello', '--channel', 'fax');
    expect([badChannel.code, badChannel.stderr.trim()]).toEqual([1, 'comeback: --channel fax: sms, whatsapp, viber']);
    const nothingSaid = await comeback('reply', '+306912345678', '--channel', 'whatsapp');
    expect([nothingSaid.code, nothingSaid.stderr.trim().split('\n').at(-1)]).toEqual([
      1,
      'comeback: say what the client answered: words, or --choice REASON (not both)',
    ]);
    const words = await comeback('reply', '+306900000077', 'too expensive now', '--channel', 'whatsapp');
    expect(words.code).toBe(0);
    expect(words.stdout.trim()).toBe('unmatched 1\nreceived from someone who is no client: kept for review');
    const noStack = await comeback('simulate', '--channel', 'whatsapp', '--to', '+306912345678', '--fate', 'stopped');
    expect(noStack.code).toBe(1);
    expect(noStack.stderr.trim()).toBe(
      'comeback: a simulated fate lives in the running emulator, and no local stack is running: start one with `comeback stack up` (--detach for the background)',
    );
    const fates = await comeback('simulate', '--help');
    expect(fates.stdout).toContain('whatsapp read, delivered, not-on-whatsapp, stopped');
  });

  it('ends with one line and code 1 when a service stops answering, never a stack trace or a silent exit', async () => {
    // Prepare: the cloud tables, at an address where nothing answers.
    const saved = environment;
    environment = {
      ...saved,
      COMEBACK_STACK: 'aws',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${await freePort()}`,
      CLIENTS_TABLE: 'clients',
      VISITS_TABLE: 'visits',
      EPISODES_TABLE: 'episodes',
      ANSWERS_TABLE: 'answers',
      OUTREACH_TABLE: 'outreach',
      MODELS_TABLE: 'models',
      SUPPRESSION_TABLE: 'suppression',
      CATALOGUE_TABLE: 'catalogue',
      FOLLOW_UPS_TABLE: 'follow-ups',
    };

    // Act
    const run = await comeback('client', 'show', 'c-1').finally(() => (environment = saved));

    // Assess
    expect(run.code).toBe(1);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^comeback: a service stopped answering \(ECONNREFUSED.*comeback stack status/);
    expect(run.stderr).not.toContain('    at ');
  });
});
