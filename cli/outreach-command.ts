import cliProgress from 'cli-progress';
import { deliveryRecord } from '../functions/delivery-events/handler.ts';
import { sendRecord } from '../functions/send-outreach/handler.ts';
import { whatsAppRecord } from '../functions/whatsapp-events/handler.ts';
import { deadLetterUrlOf, drainQueue, redrive } from '../infra/local/queue-drain.ts';
import { emulatorUrl } from '../infra/local/stack.ts';
import { buttonsOf, type ViberSentMessage } from '../infra/local/viber.ts';
import { listRowsOf, type SentWhatsAppMessage } from '../infra/local/whatsapp.ts';
import { getJson } from '../infra/local/emulator-kit.ts';
import { outreachQueue } from '../infra/resources.ts';
import { buildApp, type App } from '../shared/app.ts';
import { sqsClient } from '../shared/aws/sqs-outreach-queue.ts';
import type { DeliveryResult } from '../shared/outreach/use-cases/record-delivery.ts';
import type { MessengerEventOutcome } from '../shared/outreach/use-cases/messenger-events.ts';
import type { SendOutcome } from '../shared/outreach/use-cases/send-outreach.ts';
import { channels, type Channel } from '../shared/visits/client.ts';
import { formatCount, table, UsageError } from './output.ts';
import { onLocalStack } from './stack-session.ts';

/** What came in on the WhatsApp events queue: statuses, clients not on WhatsApp, opt-outs, answers. */
export type WhatsAppEventCounts = {
  /** Sent, delivered, read and failed statuses recorded on their requests. */
  statuses: number;
  /** Requests sent on to the next channel: the client is not on WhatsApp. */
  nextChannel: number;
  /** Clients who wrote STOP (or words asking us to stop): suppressed on every channel. */
  optedOut: number;
  answers: number;
  /** From numbers that are no one client's: kept for review. */
  unmatched: number;
  /** Left on the queue: tried again later, then kept in its dead-letter queue. */
  failed: number;
};

export interface SendReport {
  readonly sent: Partial<Record<Channel, number>>;
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
  /** What WhatsApp reported on the messages afterwards. */
  readonly whatsApp: WhatsAppEventCounts;
}

const emptyWhatsAppCounts = (): WhatsAppEventCounts => ({ statuses: 0, nextChannel: 0, optedOut: 0, answers: 0, unmatched: 0, failed: 0 });

const countWhatsApp = (counts: WhatsAppEventCounts, outcome: MessengerEventOutcome): void => {
  if (outcome.kind === 'status' && outcome.result === 'recorded') counts.statuses++;
  else if (outcome.kind === 'next-channel' && outcome.requeued) counts.nextChannel++;
  else if (outcome.kind === 'opted-out') counts.optedOut++;
  else if (outcome.kind === 'reply') {
    const { reply } = outcome;
    if (reply.kind === 'answer' && reply.result.outcome !== 'duplicate') counts.answers++;
    else if (reply.kind === 'opted-out' && !reply.duplicate) counts.optedOut++;
    else if (reply.kind === 'unmatched' && !reply.duplicate) counts.unmatched++;
  }
};

/**
 * Waits until the local WhatsApp and Viber emulators have reported everything so far (they
 * report after answering a send, as the services do): WhatsApp's events are on their topic,
 * Viber's callbacks answered by the webhook. Nothing to wait for in the cloud.
 */
const settleMessengers = async (): Promise<void> => {
  if (!onLocalStack()) return;
  await Promise.all((['whatsapp', 'viber'] as const).map(async (emulator) => void (await (await fetch(`${emulatorUrl(emulator)}/settled`)).arrayBuffer())));
};

/** Records what waits on the WhatsApp events queue (statuses and clients' messages), as the whatsapp-events function does in the cloud. */
export const receiveWhatsAppEvents = async (app: App = buildApp()): Promise<WhatsAppEventCounts> => {
  await settleMessengers();
  const counts = emptyWhatsAppCounts();
  const deps = app.whatsAppEventDependencies();
  const { failed } = await drainQueue(sqsClient(), app.queueUrls().whatsAppEvents, (record) => whatsAppRecord(record, deps), {
    onHandled: (outcomes) => {
      for (const outcome of outcomes) countWhatsApp(counts, outcome);
    },
  });
  counts.failed = failed;
  return counts;
};

/** Adds one run's counts to the running ones. */
export const addCounts = <K extends string>(into: Record<K, number>, from: Readonly<Record<K, number>>): void => {
  for (const key of Object.keys(from) as K[]) into[key] += from[key];
};

/** How often a request may go round (sent, found not on a messenger, sent on the next channel) in one `send`. */
const messengerRounds = 3;

/**
 * Drains the local outreach queue through the send function's own record handler, as the
 * Lambda event source mapping would in the cloud: a job that succeeds (sent, delayed and
 * re-queued, skipped) is deleted; one that throws stays for a later run. Then records the
 * delivery events the sends produced; a client WhatsApp says is not on it is queued again for
 * the next channel, and sent at once.
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
  const receipts: Record<DeliveryResult, number> = { recorded: 0, unchanged: 0, 'unknown-message': 0 };
  const whatsApp = emptyWhatsAppCounts();
  for (let round = 1; ; round++) {
    const { failed } = await drainQueue(sqsClient(), queueUrl, (record) => sendRecord(record, sender), {
      onHandled: (outcome) => {
        count(outcome);
        onProgress?.(++done);
      },
      onFailed: () => onProgress?.(++done),
    });
    report.retryLater += failed;
    const events = await receiveWhatsAppEvents(app);
    addCounts(whatsApp, events);
    addCounts(receipts, await recordDeliveryEvents(app));
    if (events.nextChannel === 0 || round === messengerRounds) break;
  }
  return { ...report, redriven, receipts, whatsApp };
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
  const { whatsApp } = report;
  if (whatsApp.statuses > 0) rows.push(['WhatsApp statuses recorded (delivered, read, failed)', formatCount(whatsApp.statuses)]);
  if (whatsApp.nextChannel > 0) rows.push(['not on WhatsApp: sent on the next channel', formatCount(whatsApp.nextChannel)]);
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
  readonly channel: Channel;
  readonly at: string;
  /** An address, a number, or a Viber user id. */
  readonly to: string;
  /** Subject of an email, the text of an SMS, the script of a call, what a messenger's message shows. */
  readonly text: string;
}

const channelList = `${channels.slice(0, -1).join(', ')} or ${channels.at(-1)}`;

/** A WhatsApp message as one line: the template and what fills it, the list's rows, or the text. */
export const describeWhatsApp = (message: Pick<SentWhatsAppMessage, 'type' | 'message'>): string => {
  const content = (message.message[message.type] ?? {}) as Record<string, unknown>;
  if (message.type === 'template') {
    const template = content as { name?: string; language?: { code?: string }; components?: { type: string; parameters?: { text?: string }[] }[] };
    const body = template.components?.find((component) => component.type === 'body')?.parameters?.map((parameter) => parameter.text) ?? [];
    return `template ${template.name} (${template.language?.code}): ${body.join(', ')}`;
  }
  if (message.type === 'interactive') {
    const interactive = content as { body?: { text?: string } };
    return `${interactive.body?.text ?? ''} [list: ${listRowsOf(message)
      .map((row) => row.id)
      .join(', ')}]`;
  }
  return String((content as { body?: unknown }).body ?? message.type);
};

/** A Viber message as one line: its text, and the buttons under it. */
export const describeViber = (message: Pick<ViberSentMessage, 'text' | 'keyboard'>): string => {
  const buttons = buttonsOf(message).map((button) => button.replace(/ \((replies|opens) .*\)$/, (_, action: string) => (action === 'opens' ? ' (link)' : '')));
  return buttons.length > 0 ? `${message.text} [${buttons.join(', ')}]` : message.text;
};

/** What went out on the local stack: email from aws-ses-v2-local's store, texts and calls, WhatsApp and Viber messages from their emulators. */
export const outbox = async (channel?: string): Promise<OutboxEntry[]> => {
  if (channel !== undefined && !(channels as readonly string[]).includes(channel)) throw new UsageError(`--channel ${channel}: ${channelList}`);
  const wanted = (one: Channel): boolean => channel === undefined || channel === one;
  const entries: OutboxEntry[] = [];
  if (wanted('email')) {
    const store = await getJson<{ emails: { at: number; subject: string; destination: { to: string[] } }[] }>(`${emulatorUrl('email')}/store`);
    entries.push(
      ...store.emails.map((e) => ({ channel: 'email' as const, at: new Date(e.at * 1000).toISOString(), to: e.destination.to.join(', '), text: e.subject })),
    );
  }
  if (wanted('sms') || wanted('voice')) {
    const query = channel ? `?channel=${channel}` : '';
    const sent = await getJson<{ channel: 'sms' | 'voice'; sentAt: string; destination: string; body: string }[]>(
      `${emulatorUrl('smsvoice')}/messages${query}`,
    );
    entries.push(...sent.map((m) => ({ channel: m.channel, at: m.sentAt, to: m.destination, text: m.body })));
  }
  if (wanted('whatsapp')) {
    const sent = await getJson<SentWhatsAppMessage[]>(`${emulatorUrl('whatsapp')}/messages`);
    entries.push(...sent.map((m) => ({ channel: 'whatsapp' as const, at: m.sentAt, to: m.to, text: describeWhatsApp(m) })));
  }
  if (wanted('viber')) {
    const sent = await getJson<ViberSentMessage[]>(`${emulatorUrl('viber')}/messages`);
    entries.push(...sent.map((m) => ({ channel: 'viber' as const, at: m.sentAt, to: m.receiver, text: describeViber(m) })));
  }
  return entries.sort((a, b) => b.at.localeCompare(a.at));
};

/** The outbox's counts in one line: `3 emails, 5 texts, 1 call…`. */
export const outboxCounts = (entries: readonly Pick<OutboxEntry, 'channel'>[]): string => {
  const n = (channel: Channel, one: string, many = `${one}s`): string => {
    const found = entries.filter((e) => e.channel === channel).length;
    return `${formatCount(found)} ${found === 1 ? one : many}`;
  };
  return [n('email', 'email'), n('sms', 'text'), n('voice', 'call'), n('whatsapp', 'WhatsApp message'), n('viber', 'Viber message')].join(', ');
};

/** Where each outbox is seen in full, in a browser. */
export const outboxPages = (): string =>
  `Emails: ${emulatorUrl('email')}/   Texts and calls: ${emulatorUrl('smsvoice')}/   WhatsApp: ${emulatorUrl('whatsapp')}/   Viber: ${emulatorUrl('viber')}/`;

export const printOutbox = (entries: readonly OutboxEntry[], limit: number): void => {
  console.log(`Outbox: ${outboxCounts(entries)}`);
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
  console.log(`\nIn full, in a browser: ${outboxPages()}`);
};
