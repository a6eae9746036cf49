import cliProgress from 'cli-progress';
import { deliveryRecord } from '../functions/delivery-events/handler.ts';
import { sendRecord } from '../functions/send-outreach/handler.ts';
import { deadLetterUrlOf, drainQueue, redrive } from '../infra/local/queue-drain.ts';
import { emulatorUrl } from '../infra/local/stack.ts';
import { outreachQueue } from '../infra/resources.ts';
import { buildApp, type App } from '../shared/app.ts';
import { sqsClient } from '../shared/aws/sqs-outreach-queue.ts';
import type { DeliveryResult } from '../shared/outreach/use-cases/record-delivery.ts';
import type { SendOutcome } from '../shared/outreach/use-cases/send-outreach.ts';
import { formatCount, table, UsageError } from './output.ts';

export interface SendReport {
  readonly sent: Partial<Record<'email' | 'sms' | 'voice', number>>;
  readonly delayed: number;
  readonly duplicates: number;
  readonly skipped: Partial<Record<string, number>>;
  readonly failed: Partial<Record<string, number>>;
  /** Jobs that threw (throttled, a provider outage): left on the queue for a later run. */
  readonly retryLater: number;
  /** Jobs moved back from the dead-letter queue first (`--redrive`). */
  readonly redriven: number;
  /** SMS and voice delivery receipts recorded on the requests afterwards. */
  readonly receipts: Record<DeliveryResult, number>;
}

/**
 * Drains the local outreach queue through the send function's own record handler, as the
 * Lambda event source mapping would in the cloud: a job that succeeds (sent, delayed and
 * re-queued, skipped) is deleted; one that throws stays for a later run. Then records the
 * delivery events the sends produced.
 */
export const sendQueued = async (options: { onProgress?: (done: number) => void; redrive?: boolean } = {}, app: App = buildApp()): Promise<SendReport> => {
  const { onProgress } = options;
  const sender = await app.sender();
  const queueUrl = app.queueUrls().outreach;
  const redriven = options.redrive ? await redrive(sqsClient(), deadLetterUrlOf(queueUrl, outreachQueue), queueUrl) : 0;
  const report = { sent: {}, delayed: 0, duplicates: 0, skipped: {}, failed: {}, retryLater: 0 } as {
    sent: Record<string, number>;
    delayed: number;
    duplicates: number;
    skipped: Record<string, number>;
    failed: Record<string, number>;
    retryLater: number;
  };
  const count = (outcome: SendOutcome): void => {
    if (outcome.kind === 'sent') report.sent[outcome.channel] = (report.sent[outcome.channel] ?? 0) + 1;
    else if (outcome.kind === 'delayed') report.delayed++;
    else if (outcome.kind === 'duplicate') report.duplicates++;
    else if (outcome.kind === 'skipped') report.skipped[outcome.reason] = (report.skipped[outcome.reason] ?? 0) + 1;
    else report.failed[outcome.reason] = (report.failed[outcome.reason] ?? 0) + 1;
  };
  let done = 0;
  const { failed } = await drainQueue(sqsClient(), queueUrl, (record) => sendRecord(record, sender), {
    onHandled: (outcome) => {
      count(outcome);
      onProgress?.(++done);
    },
    onFailed: () => onProgress?.(++done),
  });
  report.retryLater = failed;
  return { ...report, redriven, receipts: await recordDeliveryEvents(app) };
};

/** Records the SMS and voice delivery events waiting on the local queue, as the delivery-events function does in the cloud. */
export const recordDeliveryEvents = async (app: App = buildApp()): Promise<Record<DeliveryResult, number>> => {
  const results: Record<DeliveryResult, number> = { recorded: 0, unchanged: 0, 'unknown-message': 0 };
  const deps = app.deliveryDependencies();
  await drainQueue(sqsClient(), app.queueUrls().smsVoiceEvents, (record) => deliveryRecord(record, deps), {
    onHandled: (outcomes) => {
      for (const outcome of outcomes) results[outcome]++;
    },
  });
  return results;
};

export const printSendReport = (report: SendReport): void => {
  const rows: string[][] = [
    ...(report.redriven > 0 ? [['moved back from the dead-letter queue', formatCount(report.redriven)]] : []),
    ...Object.entries(report.sent).map(([channel, n]) => [`sent by ${channel}`, formatCount(n)]),
    ['waiting for the client’s morning (back on the queue)', formatCount(report.delayed)],
    ['already sent (a second delivery of the same job)', formatCount(report.duplicates)],
    ...Object.entries(report.skipped).map(([reason, n]) => [`not sent: ${reason}`, formatCount(n!)]),
    ...Object.entries(report.failed).map(([reason, n]) => [`refused by the provider: ${reason}`, formatCount(n!)]),
  ];
  if (report.retryLater > 0) rows.push(['to try again later (throttled or unavailable)', formatCount(report.retryLater)]);
  const receipts = report.receipts.recorded + report.receipts.unchanged + report.receipts['unknown-message'];
  if (receipts > 0) rows.push(['delivery receipts recorded (SMS and voice)', formatCount(report.receipts.recorded)]);
  console.log(table(rows, { indent: 2, alignRight: [1] }));
};

/** `comeback send`: send the queued feedback requests now. */
export const sendNow = async (flags: { json?: boolean; redrive?: boolean }): Promise<SendReport> => {
  const bar =
    flags.json || !process.stderr.isTTY
      ? undefined
      : new cliProgress.SingleBar({ format: 'Sending {value} requests', stream: process.stderr }, cliProgress.Presets.shades_classic);
  bar?.start(0, 0);
  let report: SendReport;
  try {
    report = await sendQueued({ onProgress: (done) => bar?.update(done), ...(flags.redrive && { redrive: true }) });
  } finally {
    bar?.stop();
  }
  if (flags.json) console.log(JSON.stringify(report, null, 2));
  else printSendReport(report);
  return report;
};

export interface OutboxEntry {
  readonly channel: 'email' | 'sms' | 'voice';
  readonly at: string;
  readonly to: string;
  /** Subject of an email, the text of an SMS, the script of a call. */
  readonly text: string;
}

/** What went out on the local stack: email from aws-ses-v2-local's store, texts and calls from the emulator. */
export const outbox = async (channel?: string): Promise<OutboxEntry[]> => {
  if (channel !== undefined && !['email', 'sms', 'voice'].includes(channel)) throw new UsageError(`--channel ${channel}: email, sms or voice`);
  const entries: OutboxEntry[] = [];
  if (!channel || channel === 'email') {
    const store = (await (await fetch(`${emulatorUrl('email')}/store`)).json()) as { emails: { at: number; subject: string; destination: { to: string[] } }[] };
    entries.push(
      ...store.emails.map((e) => ({ channel: 'email' as const, at: new Date(e.at * 1000).toISOString(), to: e.destination.to.join(', '), text: e.subject })),
    );
  }
  if (!channel || channel !== 'email') {
    const query = channel ? `?channel=${channel}` : '';
    const sent = (await (await fetch(`${emulatorUrl('smsvoice')}/messages${query}`)).json()) as {
      channel: 'sms' | 'voice';
      sentAt: string;
      destination: string;
      body: string;
    }[];
    entries.push(...sent.map((m) => ({ channel: m.channel, at: m.sentAt, to: m.destination, text: m.body })));
  }
  return entries.sort((a, b) => b.at.localeCompare(a.at));
};

export const printOutbox = (entries: readonly OutboxEntry[], limit: number): void => {
  const byChannel = (c: string) => entries.filter((e) => e.channel === c).length;
  console.log(`Outbox: ${formatCount(byChannel('email'))} emails, ${formatCount(byChannel('sms'))} texts, ${formatCount(byChannel('voice'))} calls`);
  const flat = (text: string) =>
    text
      .replace(/<[^>]+>/g, '')
      .replace(/\s+/g, ' ')
      .slice(0, 90);
  if (entries.length > 0)
    console.log(
      table(
        entries.slice(0, limit).map((e) => [e.at.slice(0, 19).replace('T', ' '), e.channel, e.to, flat(e.text)]),
        { indent: 2 },
      ),
    );
  if (entries.length > limit) console.log(`  … and ${formatCount(entries.length - limit)} more`);
  console.log(`\nEmails in full: ${emulatorUrl('email')}/   Texts and calls: ${emulatorUrl('smsvoice')}/`);
};
