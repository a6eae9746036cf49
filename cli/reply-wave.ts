import { buildApp, type App } from '../shared/app.ts';
import { emulatorUrl } from '../infra/local/stack.ts';
import { reasonButtonsOf, type ViberSentMessage } from '../infra/local/viber.ts';
import { listRowsOf, type SentWhatsAppMessage } from '../infra/local/whatsapp.ts';
import { EmulatorRefusedError, getJson, postJson } from '../infra/local/emulator-kit.ts';
import type { AnswerDependencies } from '../shared/answers/use-cases/answers.ts';
import { receiveReplies, receiveSmsReplies, type SmsReplyCounts } from './answers-command.ts';
import { addCounts, receiveWhatsAppEvents, type WhatsAppEventCounts } from './outreach-command.ts';
import { startLocalApi } from './serve-command.ts';

/** What clients of the demo clinic write back, by language: digits, words, a typo, a STOP, a HELP. */
const smsReplies: Readonly<Record<string, readonly string[]>> = {
  en: [
    '1',
    '2',
    'too expensive now',
    'I moved to another city',
    'the wait was over an hour',
    'STOP',
    'found a clinic closer to work',
    'feel better, thanks!',
    'HELP',
    '4',
  ],
  el: ['1', 'ακριβό', 'Πολύ μεγάλη αναμονή', 'μετακόμισα', '2', 'Stop', 'δεν μου άρεσε η συμπεριφορά', '5'],
  ru: ['1', 'дорого', 'долго ждать', 'переехал', 'стоп', '3', 'врач был груб'],
  bn: ['1', 'খুব দামি', 'অনেক অপেক্ষা', '3'],
  ka: ['1', 'ძვირია', 'დიდი რიგი', '2'],
  km: ['1', 'ថ្លៃពេក', '2'],
  tl: ['1', 'mahal masyado', 'lumipat na kami', '2'],
};

/** Words a client writes that name no reason: the clinic answers with the reasons to tap. */
const unsure: Readonly<Record<string, string>> = {
  en: 'well, a few things',
  el: 'διάφορα',
  ru: 'сложно сказать',
  bn: 'বলা কঠিন',
  ka: 'ძნელი სათქმელია',
  km: 'ពិបាកនិយាយ',
  tl: 'mahirap sabihin',
};

/** On a messenger clients write words, not the digits a text invites, and never HELP. */
const messengerWords = (locale: string): readonly string[] => (smsReplies[locale] ?? smsReplies.en!).filter((text) => !/^\d$/.test(text) && text !== 'HELP');

/** What clients pick on the reply page, with now and then a few words or a wish. */
const pageAnswers = [
  { reason: 'price' },
  { reason: 'waiting-time', text: 'Two visits in a row I waited more than an hour.' },
  { reason: 'staff-attitude', callMe: true, text: 'The receptionist was rude to my mother.' },
  { text: 'parking near the clinic is impossible' },
  { reason: 'no-longer-needed', book: true },
  { reason: 'schedule' },
];

const pick = <T>(list: readonly T[], n: number): T => list[n % list.length]!;

/** A client's answer to an emulator: one it refuses is said, and the wave goes on. */
const answerTo = async (url: string, body: unknown): Promise<void> => {
  try {
    await postJson(url, body);
  } catch (error) {
    if (!(error instanceof EmulatorRefusedError)) throw error;
    console.error(`  ${error.message} (a client's answer)`);
  }
};

/** The client's language, for what they write; undefined for a client who answered already (nobody answers twice). */
const unansweredLocale = async (clientId: string | undefined, deps: AnswerDependencies): Promise<string | undefined> => {
  if (!clientId) return 'en';
  if ((await deps.answers.answersOf(clientId)).length > 0) return undefined;
  return (await deps.clients.getClient(clientId))?.profile.locale.split('-')[0] || 'en';
};

const smsWave = async (app: App): Promise<SmsReplyCounts> => {
  const deps = app.answerDependencies();
  const texts = await getJson<{ destination: string }[]>(`${emulatorUrl('smsvoice')}/messages?channel=sms`);
  const numbers = [...new Set(texts.map((text) => text.destination))];
  let n = 0;
  for (const number of numbers.filter((_, i) => i % 2 === 0)) {
    const [clientId] = await deps.clients.clientsWithPhone(number);
    const locale = await unansweredLocale(clientId, deps);
    if (locale) await answerTo(`${emulatorUrl('smsvoice')}/reply`, { from: number, body: pick(smsReplies[locale] ?? smsReplies.en!, n++) });
  }
  return receiveSmsReplies(app);
};

/**
 * About half the clients asked on WhatsApp answer: most in a few words of their own language;
 * every third writes something the clinic cannot place, gets the reasons list back, and taps a row.
 */
const whatsAppWave = async (app: App): Promise<{ counts: WhatsAppEventCounts; fromList: number }> => {
  const deps = app.answerDependencies();
  const sent = await getJson<SentWhatsAppMessage[]>(`${emulatorUrl('whatsapp')}/messages`);
  const numbers = [...new Set(sent.filter((message) => message.type === 'template').map((message) => message.to))];
  const unsureOnes: string[] = [];
  let n = 0;
  for (const number of numbers.filter((_, i) => i % 2 === 0)) {
    const [clientId] = await deps.clients.clientsWithPhone(number);
    const locale = await unansweredLocale(clientId, deps);
    if (!locale) continue;
    const isUnsure = n++ % 3 === 2;
    const text = isUnsure ? (unsure[locale] ?? unsure.en!) : pick(messengerWords(locale), n);
    if (isUnsure) unsureOnes.push(number);
    await answerTo(`${emulatorUrl('whatsapp')}/reply`, { from: number, text });
  }
  const counts = await receiveWhatsAppEvents(app);
  // The clinic answered the unplaced words with the reasons list: the client taps a row of it.
  let fromList = 0;
  for (const [i, number] of unsureOnes.entries()) {
    const last = (await getJson<SentWhatsAppMessage[]>(`${emulatorUrl('whatsapp')}/messages?to=${encodeURIComponent(number)}`)).at(-1);
    if (last?.type !== 'interactive') continue;
    const row = pick(listRowsOf(last).slice(0, 4), i);
    await answerTo(`${emulatorUrl('whatsapp')}/reply`, { from: number, choice: { id: row.id, title: row.title } });
    fromList++;
  }
  addCounts(counts, await receiveWhatsAppEvents(app));
  return { counts, fromList };
};

/** About half the clients asked on Viber answer: every other one presses a reason button under the message, the rest write. */
const viberWave = async (app: App): Promise<{ answers: number; buttons: number }> => {
  const deps = app.answerDependencies();
  const sent = await getJson<ViberSentMessage[]>(`${emulatorUrl('viber')}/messages`);
  const firstTo = new Map<string, ViberSentMessage>();
  for (const message of sent) if (message.trackingData && !firstTo.has(message.receiver)) firstTo.set(message.receiver, message);
  let answers = 0;
  let buttons = 0;
  for (const [i, [userId, message]] of [...firstTo.entries()].filter((_, i) => i % 2 === 0).entries()) {
    const [clientId] = await deps.clients.clientsWithViberUser(userId);
    const locale = await unansweredLocale(clientId, deps);
    if (!locale) continue;
    const reasons = reasonButtonsOf(message);
    const press = i % 2 === 0 && reasons.length > 0;
    // The emulator posts it to the webhook and answers once the webhook took it.
    await answerTo(
      `${emulatorUrl('viber')}/reply`,
      press ? { from: userId, choice: pick(reasons, i) } : { from: userId, text: pick(messengerWords(locale), i) },
    );
    answers++;
    if (press) buttons++;
  }
  return { answers, buttons };
};

export interface ReplyWave {
  readonly sms: SmsReplyCounts;
  readonly pages: number;
  readonly whatsApp: WhatsAppEventCounts & { readonly fromList: number };
  readonly viber: { readonly answers: number; readonly buttons: number };
}

/**
 * A realistic wave of answers for the demo, each on the channel the client was asked on: about
 * half the texts (digits and words in their own language, one STOP, one HELP), half the WhatsApp
 * and Viber messages (words, a row of the reasons list, a reason button), and half the emails
 * (the reply page, through the same function as in the cloud).
 */
export const simulateReplyWave = async (app: App = buildApp()): Promise<ReplyWave> => {
  const sms = await smsWave(app);
  const whatsApp = await whatsAppWave(app);
  const viber = await viberWave(app);
  // Whatever else came in meanwhile (the statuses of the clinic's own answers on WhatsApp).
  await receiveReplies(app);

  const store = await getJson<{ emails: { body: { text?: string } }[] }>(`${emulatorUrl('email')}/store`);
  const tokens = store.emails.map((email) => /\/r\/([\w-]+\.[\w-]+)/.exec(email.body.text ?? '')?.[1]).filter((token): token is string => token !== undefined);
  // Through the local API Gateway, as a client's browser would send the form.
  const api = await startLocalApi(0, app);
  let pages = 0;
  try {
    for (const [i, token] of tokens.filter((_, i) => i % 2 === 0).entries()) {
      const answer = pick(pageAnswers, i);
      const form = new URLSearchParams({
        ...(answer.reason && { reason: answer.reason }),
        ...(answer.text && { text: answer.text }),
        ...(answer.callMe && { callMe: 'yes' }),
        ...(answer.book && { book: 'yes' }),
      });
      const response = await fetch(`http://127.0.0.1:${api.port}/r/${token}`, { method: 'POST', body: form, redirect: 'manual' });
      if (response.status === 200) pages++;
      else console.error(`  the reply page answered ${response.status} to a client's answer`);
    }
  } finally {
    await api.stop();
  }
  return { sms, pages, whatsApp: { ...whatsApp.counts, fromList: whatsApp.fromList }, viber };
};
