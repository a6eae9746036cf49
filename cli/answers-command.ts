import { userInfo } from 'node:os';
import { smsRecord } from '../functions/sms-inbound/handler.ts';
import { drainQueue } from '../infra/local/queue-drain.ts';
import { emulatorUrl } from '../infra/local/stack.ts';
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

/** Receives the inbound SMS waiting on the local replies queue, as the sms-inbound function does in the cloud. */
export const receiveReplies = async (app: App = buildApp()): Promise<Record<SmsOutcome['kind'] | 'duplicate' | 'failed', number>> => {
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

/** As if a client answered a text from their phone: the emulator publishes it, then it is received. */
export const simulateSmsReply = async (from: string, body: string): Promise<void> => {
  const response = await fetch(`${emulatorUrl('smsvoice')}/reply`, { method: 'POST', body: JSON.stringify({ from, body }) });
  if (!response.ok) throw new UsageError(`the SMS emulator refused the reply: ${((await response.json()) as { message?: string }).message ?? response.status}`);
  const counts = await receiveReplies();
  console.log(
    Object.entries(counts)
      .filter(([, n]) => n > 0)
      .map(([kind, n]) => `${kind} ${n}`)
      .join(', ') || 'nothing received',
  );
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
