import { userInfo } from 'node:os';
import { smsRecord } from '../functions/sms-inbound/handler.ts';
import { drainQueue } from '../infra/local/queue-drain.ts';
import { emulatorUrl } from '../infra/local/stack.ts';
import type { SimulatedFate } from '../infra/local/sms-voice.ts';
import { reasonButtonsOf, type ViberFate, type ViberSentMessage } from '../infra/local/viber.ts';
import { listRowsOf, type SentWhatsAppMessage, type WhatsAppFate } from '../infra/local/whatsapp.ts';
import { getJson, postJson } from '../infra/local/emulator-kit.ts';
import { receiveWhatsAppEvents, type WhatsAppEventCounts } from './outreach-command.ts';
import { sqsClient } from '../shared/aws/sqs-outreach-queue.ts';
import { buildApp, type App } from '../shared/app.ts';
import { isIsoDay } from '../shared/common/dates.ts';
import { isFollowUpStatus } from '../shared/answers/follow-up.ts';
import type { ChurnType } from '../shared/answers/reasons.ts';
import { recordStaffAnswer, type SmsOutcome } from '../shared/answers/use-cases/answers.ts';
import type { GroupSuggestion, PendingGroups } from '../shared/answers/pending-groups.ts';
import type { AnswerDependencies } from '../shared/answers/use-cases/answers.ts';
import {
  approveCandidate,
  approveGroup,
  mapCandidate,
  mapGroup,
  mergeReasons,
  pendingGroups,
  reasonCounts,
  renameReasonLabel,
  retireReasonById,
} from '../shared/answers/use-cases/catalogue.ts';
import { followUpsWithStatus, moveFollowUp, type FollowUpToDo } from '../shared/answers/use-cases/follow-ups.ts';
import { formatCount, table, UsageError } from './output.ts';

/** Who is acting, for the catalogue's history and follow-ups: --by, else the login name. */
const actor = (by?: string): string => by ?? process.env.COMEBACK_USER ?? userInfo().username;

export type SmsReplyCounts = Record<SmsOutcome['kind'] | 'duplicate' | 'failed', number>;

/** Receives the inbound SMS waiting on the local replies queue, as the sms-inbound function does in the cloud. */
export const receiveSmsReplies = async (app: App = buildApp()): Promise<SmsReplyCounts> => {
  const counts = { answer: 0, 'opted-out': 0, help: 0, unmatched: 0, duplicate: 0, failed: 0 };
  const deps = app.smsDependencies();
  const { failed } = await drainQueue(sqsClient(), app.queueUrls().smsReplies, (record) => smsRecord(record, deps), {
    onHandled: (outcome) => {
      const duplicate = outcome.kind === 'answer' ? outcome.result.outcome === 'duplicate' : outcome.duplicate;
      counts[duplicate ? 'duplicate' : outcome.kind]++;
    },
  });
  counts.failed = failed;
  return counts;
};

/**
 * Receives what clients sent on the local stack: the inbound SMS on the replies queue (the
 * sms-inbound function) and the WhatsApp messages on the WhatsApp events queue, with the
 * statuses beside them (the whatsapp-events function). Viber's come to the webhook as they are sent.
 */
export const receiveReplies = async (app: App = buildApp()): Promise<{ sms: SmsReplyCounts; whatsApp: WhatsAppEventCounts }> => ({
  sms: await receiveSmsReplies(app),
  whatsApp: await receiveWhatsAppEvents(app),
});

/** The channels a client can answer on from their phone. */
export const replyChannels = ['sms', 'whatsapp', 'viber'] as const;
export type ReplyChannel = (typeof replyChannels)[number];

export interface SimulatedReply {
  readonly channel: ReplyChannel;
  /** A phone number (SMS, WhatsApp) or a Viber user id. */
  readonly from: string;
  readonly text?: string;
  /** A reason id: the row of the reasons list tapped on WhatsApp, a reason button on Viber. */
  readonly choice?: string;
}

const post = (url: string, body: unknown, emulator: string): Promise<void> => postJson(url, body, `the ${emulator} emulator`);

/** The reasons list last sent to a WhatsApp number, as rows (a choice taps one of them). */
const lastWhatsAppList = async (to: string): Promise<{ id: string; title: string }[] | undefined> => {
  const last = (await getJson<SentWhatsAppMessage[]>(`${emulatorUrl('whatsapp')}/messages?to=${encodeURIComponent(to)}`)).at(-1);
  return last?.type === 'interactive' ? listRowsOf(last) : undefined;
};

/** The reason buttons under the last Viber message to a user. */
const lastViberButtons = async (receiver: string): Promise<string[] | undefined> => {
  const last = (await getJson<ViberSentMessage[]>(`${emulatorUrl('viber')}/messages?receiver=${encodeURIComponent(receiver)}`)).at(-1);
  return last && reasonButtonsOf(last);
};

const replyOnWhatsApp = async ({ from, text, choice }: SimulatedReply): Promise<void> => {
  if (choice === undefined) return post(`${emulatorUrl('whatsapp')}/reply`, { from, text }, 'WhatsApp');
  const rows = await lastWhatsAppList(from);
  if (!rows) {
    throw new UsageError(
      `--choice ${choice}: no reasons list was sent to ${from} last; the clinic sends one once the client writes words it cannot place (reply with words first)`,
    );
  }
  const row = rows.find((candidate) => candidate.id === choice);
  if (!row) throw new UsageError(`--choice ${choice}: the list sent to ${from} has ${rows.map((candidate) => candidate.id).join(', ')}`);
  await post(`${emulatorUrl('whatsapp')}/reply`, { from, choice: { id: row.id, title: row.title } }, 'WhatsApp');
};

const replyOnViber = async ({ from, text, choice }: SimulatedReply): Promise<void> => {
  const buttons = await lastViberButtons(from);
  if (!buttons) throw new UsageError(`no Viber message went to ${from}: a Viber reply comes from a user id in \`comeback outbox --channel viber\``);
  if (choice !== undefined && !buttons.includes(choice)) {
    throw new UsageError(
      `--choice ${choice}: the last message to ${from} has ${buttons.length > 0 ? `buttons for ${buttons.join(', ')}` : 'no reason buttons'}`,
    );
  }
  await post(`${emulatorUrl('viber')}/reply`, choice === undefined ? { from, text } : { from, choice }, 'Viber');
};

/** What a reply came to: the newest answer on that channel of the client it came from (by number, or by Viber user). */
/** The one client the reply comes from (by number, or Viber user), or why there is none. */
const replyingClient = async (reply: SimulatedReply, app: App): Promise<{ clientId?: string; why?: string }> => {
  const { clients } = app.answerDependencies();
  const owners = reply.channel === 'viber' ? await clients.clientsWithViberUser(reply.from) : await clients.clientsWithPhone(reply.from);
  if (owners.length === 1) return { clientId: owners[0]! };
  return { why: `received from ${owners.length === 0 ? 'someone who is no client' : 'a number several clients share'}: kept for review` };
};

/** The ids of the client's answers on the reply's channel. */
const answerIdsOn = async (clientId: string | undefined, reply: SimulatedReply, app: App): Promise<Set<string>> =>
  new Set(
    clientId === undefined
      ? []
      : (await app.answerDependencies().answers.answersOf(clientId)).filter((answer) => answer.channel === reply.channel).map((answer) => answer.answerId),
  );

/**
 * What became of the reply: the answer it added (told apart from the client's earlier ones by id,
 * not by time: a messenger stamps its messages to the second).
 */
const answerLine = async (reply: SimulatedReply, app: App, before: ReadonlySet<string>): Promise<string> => {
  const { clientId, why } = await replyingClient(reply, app);
  if (clientId === undefined) return why!;
  const answer = (await app.answerDependencies().answers.answersOf(clientId))
    .filter((found) => found.channel === reply.channel && !before.has(found.answerId))
    .sort((a, b) => b.receivedAt.localeCompare(a.receivedAt))[0];
  if (!answer) return `received for ${clientId}: nothing recorded`;
  if (answer.optedOut) return `received for ${clientId}: opted out on every channel`;
  if (!answer.reasonId) return `received for ${clientId}: not placed yet, waiting for a manager (\`comeback reasons groups\`)`;
  return `received for ${clientId}: ${answer.reasonId} (${answer.method}${answer.outreachId ? `, answering ${answer.outreachId}` : ''})`;
};

const countsLine = (counts: Readonly<Record<string, number>>): string =>
  Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => `${kind} ${n}`)
    .join(', ') || 'nothing received';

/** A reply that can be played: words or a choice, a choice only where there are buttons; checked before any stack is started. */
export const checkReply = (reply: Pick<SimulatedReply, 'channel' | 'text' | 'choice'>): void => {
  if (!(replyChannels as readonly string[]).includes(reply.channel)) throw new UsageError(`--channel ${reply.channel}: ${replyChannels.join(', ')}`);
  if ((reply.text === undefined) === (reply.choice === undefined)) throw new UsageError('say what the client answered: words, or --choice REASON (not both)');
  if (reply.channel === 'sms' && reply.choice !== undefined) throw new UsageError('--choice: a text has no buttons; write the digit or the words');
};

/**
 * As if a client answered from their phone: the emulator publishes it (SMS, WhatsApp) or posts
 * it to the bot's webhook (Viber), then it is received as in the cloud.
 */
export const simulateReply = async (reply: SimulatedReply, app: App = buildApp()): Promise<void> => {
  checkReply(reply);
  const before = await answerIdsOn((await replyingClient(reply, app)).clientId, reply, app);
  if (reply.channel === 'sms') {
    await post(`${emulatorUrl('smsvoice')}/reply`, { from: reply.from, body: reply.text }, 'SMS');
    console.log(countsLine(await receiveSmsReplies(app)));
  } else if (reply.channel === 'whatsapp') {
    await replyOnWhatsApp(reply);
    const { answers, optedOut, unmatched, failed } = await receiveWhatsAppEvents(app);
    console.log(countsLine({ answer: answers, 'opted-out': optedOut, unmatched, failed }));
  } else {
    await replyOnViber(reply);
  }
  console.log(await answerLine(reply, app, before));
};

/** How texts and calls to a number end (one fate for both: the SMS and voice emulator keeps it by number). */
const phoneFates = ['delivered', 'unreachable', 'invalid', 'blocked', 'carrier-blocked', 'spam', 'ttl-expired', 'no-answer', 'busy', 'opted-out'] as const;

/** How messages to a number (or Viber user) may be made to end, per channel: the emulators' fates. */
export const simulatedFates = {
  sms: phoneFates,
  voice: phoneFates,
  whatsapp: ['read', 'delivered', 'not-on-whatsapp', 'stopped'],
  viber: ['delivered-and-seen', 'delivered', 'failed', 'not-subscribed', 'not-on-viber', 'blocked'],
} as const satisfies {
  readonly sms: readonly SimulatedFate[];
  readonly voice: readonly SimulatedFate[];
  readonly whatsapp: readonly WhatsAppFate[];
  readonly viber: readonly ViberFate[];
};
type FateChannel = keyof typeof simulatedFates;

/** A fate the emulators know: `--channel` and `--fate` checked, before any stack is looked for. */
export const checkFate = (flags: { channel: string; fate: string }): void => {
  const channels = Object.keys(simulatedFates);
  if (!channels.includes(flags.channel)) throw new UsageError(`--channel ${flags.channel}: ${channels.join(', ')}`);
  const known: readonly string[] = simulatedFates[flags.channel as FateChannel];
  if (!known.includes(flags.fate)) throw new UsageError(`--fate ${flags.fate}: on ${flags.channel}, one of ${known.join(', ')}`);
};

/** Tells the running emulator how messages to a number (or Viber user) end from now on. */
export const simulateFate = async (flags: { channel: string; to: string; fate: string }): Promise<void> => {
  checkFate(flags);
  const [emulator, body] =
    flags.channel === 'whatsapp'
      ? (['whatsapp', { recipient: flags.to, fate: flags.fate }] as const)
      : flags.channel === 'viber'
        ? (['viber', { receiver: flags.to, fate: flags.fate }] as const)
        : (['smsvoice', { destination: flags.to, fate: flags.fate }] as const);
  await postJson(`${emulatorUrl(emulator)}/simulate`, body, 'the emulator');
  const what = emulator === 'smsvoice' ? 'texts and calls' : `${flags.channel === 'whatsapp' ? 'WhatsApp' : 'Viber'} messages`;
  console.log(`${what} to ${flags.to}: ${flags.fate} from now on (until the stack stops).`);
};

export const listReasons = async (flags: { json?: boolean }): Promise<void> => {
  const { catalogue, counts, pending } = await reasonCounts(buildApp().answerDependencies());
  if (flags.json) {
    console.log(JSON.stringify({ version: catalogue.version, reasons: counts.map(({ reason, answers }) => ({ ...reason, answers })), pending }, null, 2));
    return;
  }
  console.log(`Reason catalogue, version ${catalogue.version}`);
  const rows = counts
    .sort((a, b) => Number(a.reason.status !== 'active') - Number(b.reason.status !== 'active') || b.answers - a.answers)
    .map(({ reason, answers }) => [
      reason.id,
      reason.labels.en ?? Object.values(reason.labels)[0] ?? '',
      reason.churnType,
      reason.mergedInto ? `merged into ${reason.mergedInto}` : reason.status,
      formatCount(answers),
    ]);
  console.log(table(rows, { indent: 2, header: ['id', 'label', 'churn', 'status', 'answers'], alignRight: [4] }));
  if (pending > 0)
    console.log(`\n${formatCount(pending)} answers wait for a manager: \`comeback reasons groups\` (or one by one: \`comeback reasons candidates\`)`);
};

export const listCandidates = async (flags: { json?: boolean }): Promise<void> => {
  const candidates = await buildApp().answerDependencies().catalogue.candidates();
  if (flags.json) return console.log(JSON.stringify(candidates, null, 2));
  if (candidates.length === 0) return console.log('No answers wait for a manager.');
  console.log(
    table(
      candidates.map((c) => [`"${c.text}"${c.truncated ? ' (shortened)' : ''}`, c.locales.join(', ') || '—', formatCount(c.answers), c.lastSeen.slice(0, 10)]),
      { indent: 2, header: ['text', 'written in', 'answers', 'last seen'], alignRight: [2] },
    ),
  );
  console.log('\nPlace one: comeback reasons map "TEXT" --to REASON   or make it a new reason: comeback reasons approve "TEXT" --label "..."');
  console.log('Place them a group at a time: comeback reasons groups');
};

const plural = (n: number, one: string, many = `${one}s`): string => `${formatCount(n)} ${n === 1 ? one : many}`;

const describeSuggestion = (suggestion: GroupSuggestion): string =>
  suggestion.kind === 'new' ? `new reason "${suggestion.label}"` : `${suggestion.reasonId} (${Math.round(suggestion.confidence * 100)}% sure)`;

/** Where the answers of a group came from: "in 3 languages (el, en, ru)", "in el". */
const writtenIn = (locales: readonly string[]): string =>
  locales.length === 0 ? '' : locales.length === 1 ? ` in ${locales[0]}` : ` in ${locales.length} languages (${locales.join(', ')})`;

/** The groups as a manager reads them: one line each, then up to three of its texts. */
export const formatGroups = ({ groups, leftOut }: PendingGroups): string => {
  if (groups.length === 0) return 'No answers wait for a manager.';
  const lines = table(
    groups.map((group) => [
      group.groupId,
      group.topic,
      `${plural(group.answers, 'answer')}${writtenIn(group.locales)}`,
      `suggested: ${describeSuggestion(group.suggestion)}`,
    ]),
    { indent: 2 },
  ).split('\n');
  const shown = groups.flatMap((group, index) => [
    lines[index]!,
    ...group.examples.map((text) => `      "${text}"`),
    ...(group.texts.length > group.examples.length ? [`      … and ${plural(group.texts.length - group.examples.length, 'more text')}`] : []),
  ]);
  const answers = groups.reduce((sum, group) => sum + group.answers, 0);
  return [
    `${plural(answers, 'answer')} ${answers === 1 ? 'waits' : 'wait'} for a manager, in ${plural(groups.length, 'group')}:`,
    ...shown,
    ...(leftOut > 0 ? [`\nOnly the most answered texts are grouped: ${plural(leftOut, 'more text')} wait; place these groups, then list again.`] : []),
    '\nPlace a group: comeback reasons map-group ID --to REASON   or make it a new reason: comeback reasons approve-group ID --label "..."',
  ].join('\n');
};

export const listGroups = async (flags: { json?: boolean }, deps: AnswerDependencies = buildApp().answerDependencies()): Promise<void> => {
  const groups = await pendingGroups(deps);
  console.log(flags.json ? JSON.stringify(groups, null, 2) : formatGroups(groups));
};

const alsoPlacedLine = (alsoPlaced: number): string => `${plural(alsoPlaced, 'more pending answer')} placed by what was learned.`;

const churnTypes: readonly ChurnType[] = ['voluntary', 'involuntary', 'passive'];

const churnTypeOf = (flag: string): ChurnType => {
  if (!churnTypes.includes(flag as ChurnType)) throw new UsageError(`--churn-type ${flag}: one of ${churnTypes.join(', ')}`);
  return flag as ChurnType;
};

/** Placing a whole group of pending answers at once (`reasons groups` lists them). */
export const groupCommands = {
  map: async (groupId: string, flags: { to: string; by?: string }, deps: AnswerDependencies = buildApp().answerDependencies()): Promise<void> => {
    const { texts, placed, alsoPlaced } = await mapGroup(groupId, flags.to, actor(flags.by), deps);
    console.log(`Group ${groupId} now means ${flags.to}: ${plural(texts, 'text')} learned, ${plural(placed, 'waiting answer')} placed.`);
    console.log(alsoPlacedLine(alsoPlaced));
  },
  approve: async (
    groupId: string,
    flags: { label: string; locale: string; churnType: string; by?: string },
    deps: AnswerDependencies = buildApp().answerDependencies(),
  ): Promise<void> => {
    const churnType = churnTypeOf(flags.churnType);
    const { reason, texts, placed, alsoPlaced } = await approveGroup(groupId, { label: flags.label, locale: flags.locale, churnType }, actor(flags.by), deps);
    console.log(
      `New reason ${reason.id} ("${flags.label}"): ${plural(texts, 'text')} of group ${groupId} learned, ${plural(placed, 'waiting answer')} placed.`,
    );
    console.log(alsoPlacedLine(alsoPlaced));
  },
};

export const reasonCommands = {
  map: async (text: string, flags: { to: string; locale?: string; by?: string }) => {
    const { placed, alsoPlaced } = await mapCandidate(text, flags.to, flags.locale, actor(flags.by), buildApp().answerDependencies());
    console.log(`"${text}" now means ${flags.to}: ${formatCount(placed)} waiting answers placed, and the next ones will be matched by themselves.`);
    console.log(alsoPlacedLine(alsoPlaced));
  },
  approve: async (text: string, flags: { label: string; locale: string; churnType: string; by?: string }) => {
    const { reason, placed, alsoPlaced } = await approveCandidate(
      text,
      { label: flags.label, locale: flags.locale, churnType: churnTypeOf(flags.churnType) },
      actor(flags.by),
      buildApp().answerDependencies(),
    );
    console.log(`New reason ${reason.id} ("${flags.label}"): ${formatCount(placed)} waiting answers placed.`);
    console.log(alsoPlacedLine(alsoPlaced));
  },
  merge: async (from: string, flags: { into: string; by?: string }) => {
    const catalogue = await mergeReasons(from, flags.into, actor(flags.by), buildApp().answerDependencies());
    console.log(`${from} merged into ${flags.into} (catalogue version ${catalogue.version}): every past answer now counts under ${flags.into}.`);
  },
  rename: async (id: string, flags: { label: string; locale: string; by?: string }) => {
    const catalogue = await renameReasonLabel(id, flags.locale, flags.label, actor(flags.by), buildApp().answerDependencies());
    console.log(`${id} is now "${flags.label}" in ${flags.locale} (catalogue version ${catalogue.version}).`);
  },
  retire: async (id: string, flags: { by?: string }) => {
    const catalogue = await retireReasonById(id, actor(flags.by), buildApp().answerDependencies());
    console.log(`${id} retired (catalogue version ${catalogue.version}): no longer offered or matched; past answers keep it.`);
  },
  record: async (clientId: string, flags: { reason: string; date?: string; note?: string; callBack?: boolean; by?: string }) => {
    if (flags.date !== undefined && !isIsoDay(flags.date)) throw new UsageError(`--date ${flags.date}: a date as YYYY-MM-DD`);
    const result = await recordStaffAnswer(
      {
        clientId,
        reasonId: flags.reason,
        by: actor(flags.by),
        ...(flags.date && { on: flags.date }),
        ...(flags.note && { note: flags.note }),
        ...(flags.callBack && { callMe: true }),
      },
      buildApp().answerDependencies(),
    );
    console.log(`Recorded for ${clientId}: ${result.answer.reasonId}.`);
    if (result.outreachEnded) console.log('  This reason is involuntary: no more feedback requests to this client.');
    for (const id of result.followUps) console.log(`  Follow-up opened: ${id}`);
  },
};

const describeFollowUp = ({ followUp: f, client }: FollowUpToDo): string[] => [
  f.followUpId,
  f.kind,
  `${f.clientId}${client?.name ? ` ${client.name}` : ''}`,
  client?.phone ?? client?.email ?? '—',
  f.reasonId ?? '—',
  f.openedAt.slice(0, 16).replace('T', ' '),
  f.history.length > 1 ? `${f.status} by ${f.history.at(-1)?.by ?? '?'}` : f.status,
];

export const listFollowUps = async (flags: { status: string; json?: boolean }): Promise<void> => {
  if (!isFollowUpStatus(flags.status)) throw new UsageError(`--status ${flags.status}: open, contacted or resolved`);
  const found = await followUpsWithStatus(flags.status, buildApp().answerDependencies());
  if (flags.json) return console.log(JSON.stringify(found, null, 2));
  if (found.length === 0) return console.log(`No ${flags.status} follow-ups.`);
  console.log(table(found.map(describeFollowUp), { indent: 2, header: ['id', 'kind', 'client', 'contact', 'reason', 'opened', 'status'] }));
  console.log(`\nMove one on: comeback followups move ID --to contacted|resolved [--note "..."]`);
};

export const moveFollowUpCommand = async (id: string, flags: { to: string; note?: string; by?: string }): Promise<void> => {
  if (!isFollowUpStatus(flags.to)) throw new UsageError(`--to ${flags.to}: contacted or resolved`);
  const moved = await moveFollowUp(id, flags.to, { by: actor(flags.by), ...(flags.note && { note: flags.note }) }, buildApp().answerDependencies());
  console.log(`${moved.followUpId}: ${moved.status} by ${moved.history.at(-1)?.by}.`);
};
