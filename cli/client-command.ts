import { longestAnswerText } from '../shared/answers/answer.ts';
import { reachableChannels } from '../shared/visits/client.ts';
import { formatMoney } from '../shared/common/money.ts';
import { describeRhythm, rhythmState } from '../shared/lapse/rhythm.ts';
import { recentTotals } from '../shared/visits/summary.ts';
import type { StoredClient } from '../shared/visits/ports/client-store.ts';
import { clientCard, type AnswerOnCard } from '../shared/visits/use-cases/client-card.ts';
import type { Visit } from '../shared/visits/visit.ts';
import type { LapseEpisode } from '../shared/lapse/episode.ts';
import { explain, outreachState } from './sweep-command.ts';
import { formatCount, parseAsOf, UsageError, table } from './output.ts';
import { buildApp, envNames, type App } from '../shared/app.ts';
import { requiredSetting } from '../shared/environment.ts';
import { viberContextFor, viberDeepLink } from '../shared/outreach/viber-subscription.ts';
import { emulatorUrl } from '../infra/local/stack.ts';
import { postJson } from '../infra/local/emulator-kit.ts';

export class ClientNotFoundError extends UsageError {
  override readonly name = 'ClientNotFoundError';
  override readonly kind = 'not-found';
}

const yesNo = (value: boolean): string => (value ? 'yes' : 'no');

/** The client card as staff read it: contact, consent, visits, and where the client stands. */
export const renderClientCard = (
  client: StoredClient,
  visits: readonly Visit[],
  asOf: string,
  episodes: readonly LapseEpisode[] = [],
  answers: readonly AnswerOnCard[] = [],
  optedOut = false,
): string => {
  const { profile, summary } = client;
  const lines: string[] = [];
  lines.push(`Client ${profile.clientId}${profile.name ? `  ${profile.name}` : ''}`);
  const reachable = reachableChannels(profile);
  lines.push(
    table(
      [
        ['phone', profile.phone ?? '—'],
        ['email', profile.email ?? '—'],
        [
          'consent',
          `email ${yesNo(profile.consent.email)}, sms ${yesNo(profile.consent.sms)}, voice ${yesNo(profile.consent.voice)}, whatsapp ${yesNo(profile.consent.whatsapp === true)}, viber ${yesNo(profile.consent.viber === true)}`,
        ],
        ['preferred', profile.preferredChannel ?? '—'],
        ['reachable by', reachable.length ? reachable.join(', ') : 'nothing (no consented channel with a valid contact)'],
        ['language', profile.locale],
        ['time zone', profile.timeZone],
        ['branch', profile.branchId ?? '—'],
      ],
      { indent: 2 },
    ),
  );
  lines.push('', 'Visits');
  if (!summary) {
    lines.push('  none recorded');
    return lines.join('\n');
  }
  const money = (minor: number): string => formatMoney({ minor, currency: summary.currency });
  const recent = recentTotals(summary, asOf);
  const categories = Object.entries(summary.categories)
    .sort((a, b) => b[1].visits - a[1].visits)
    .map(([name, span]) => `${name} ${span.visits}× (last ${span.last})`)
    .join(', ');
  lines.push(
    table(
      [
        ['first', summary.firstVisit],
        ['last', summary.lastVisit],
        ['visits', `${summary.visits} on ${summary.visitDays.length} day(s)`],
        ['usual gap', summary.usualGapDays === null ? '—' : `${summary.usualGapDays} days (90% of gaps within ${summary.longGapDays})`],
        ['spend', `${money(summary.totalSpend)} in all, ${money(recent.spend)} in the last 3 months (${recent.visits} visits)`],
        ['average check', money(Math.round(summary.totalSpend / summary.visits))],
        ['services', categories || '—'],
        ['last doctor', summary.lastDoctorId ?? '—'],
      ],
      { indent: 2 },
    ),
  );
  lines.push('', `Lapse state (as of ${asOf})`, `  ${describeRhythm(rhythmState(summary, asOf))}`);
  for (const episode of [...episodes].reverse().slice(0, 3)) {
    const kind = episode.explanation.kind === 'early-drop-out' ? 'early drop-out' : 'lapsed regular';
    lines.push(`  episode ${episode.status === 'open' ? 'open' : episode.status} since ${episode.openedOn} (${kind}): ${explain(episode.explanation)}`);
    lines.push(`    ${outreachState(episode)}`);
  }
  if (visits.length > 0) {
    const latest = [...visits].sort((a, b) => b.visitedAt.localeCompare(a.visitedAt)).slice(0, 10);
    lines.push('', `Latest visits (${latest.length} of ${visits.length})`);
    lines.push(
      table(
        latest.map((v) => [v.day, v.serviceCategory ?? '—', v.doctorId ?? '—', v.branchId ?? '—', formatMoney(v.amount)]),
        { indent: 2, alignRight: [4] },
      ),
    );
  }
  lines.push('', answers.length ? `Answers (${answers.length})` : 'Answers: none yet');
  if (optedOut) lines.push('  opted out of every channel: no more requests');
  for (const answer of [...answers].reverse()) {
    const what = answer.optedOut
      ? 'opted out'
      : answer.reason
        ? `${answer.reason.label} (${answer.reason.churnType}; ${answer.method}, confidence ${answer.confidence.toFixed(2)})`
        : answer.candidate
          ? 'not matched yet: waiting for a manager (comeback reasons candidates)'
          : '—';
    const wishes = [answer.callMe && 'please call back', answer.book && 'wants to book again'].filter(Boolean).join(', ');
    lines.push(`  ${answer.receivedAt.slice(0, 10)}  ${answer.channel}${answer.by ? ` by ${answer.by}` : ''}: ${what}${wishes ? ` — ${wishes}` : ''}`);
    if (answer.text) lines.push(`      “${answer.text.replace(/\s+/g, ' ').slice(0, 200)}”`);
    if (answer.truncated)
      lines.push(`      (shortened: ${formatCount(answer.textLength ?? 0)} characters written, the first ${formatCount(longestAnswerText)} kept)`);
  }
  return lines.join('\n');
};

export const showClient = async (deps: Parameters<typeof clientCard>[1], clientId: string, options: { json?: boolean; asOf?: string }): Promise<void> => {
  const card = await clientCard(clientId, deps);
  if (!card) throw new ClientNotFoundError(`no client with id "${clientId}"`);
  const asOf = parseAsOf(options.asOf);
  if (options.json) {
    const rhythm = card.client.summary ? rhythmState(card.client.summary, asOf) : undefined;
    console.log(
      JSON.stringify({ ...card.client, rhythm, episodes: card.episodes, answers: card.answers, optedOut: card.optedOut, visits: card.visits }, null, 2),
    );
  } else {
    console.log(renderClientCard(card.client, card.visits, asOf, card.episodes, card.answers, card.optedOut));
  }
};

/**
 * `comeback client viber-link`: the deep link that subscribes a client to the clinic's Viber bot
 * (VIBER_BOT_URI), its context signed with the reply-link secret; with `subscribeAs`, the local
 * Viber emulator follows it as that user, and the webhook ties the user to the client.
 */
export const printViberLink = async (clientId: string, flags: { subscribeAs?: string } = {}, app: App = buildApp()): Promise<void> => {
  const client = await app.clientStore().getClient(clientId);
  if (!client) throw new ClientNotFoundError(`no client with id "${clientId}"`);
  const [secret] = await app.replySecrets();
  const context = viberContextFor(clientId, secret!, new Date());
  console.log(viberDeepLink(requiredSetting(app.context.env, envNames.viberBotUri), context));
  if (client.profile.consent.viber !== true) console.error(`${clientId} has not agreed to be asked on Viber (consent_viber): the bot will not write to them.`);
  if (flags.subscribeAs === undefined) return;
  await postJson(`${emulatorUrl('viber')}/subscribe`, { userId: flags.subscribeAs, context }, 'the Viber emulator');
  const bound = (await app.clientStore().getClient(clientId))?.profile.viberUserId;
  console.error(
    bound === flags.subscribeAs
      ? `${clientId} subscribed as Viber user ${flags.subscribeAs}.`
      : `${flags.subscribeAs} subscribed, but the webhook did not tie the user to ${clientId}.`,
  );
};
