import { buildApp, type App } from '../shared/app.ts';
import { emulatorUrl } from '../infra/local/stack.ts';
import { receiveReplies } from './answers-command.ts';
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

/**
 * A realistic wave of answers for the demo: clients answer about half the texts (SMS digits and
 * words in their own language, one STOP, one HELP) and about half the emails (the reply page,
 * through the same function as in the cloud).
 */
export const simulateReplyWave = async (app: App = buildApp()): Promise<{ sms: Awaited<ReturnType<typeof receiveReplies>>; pages: number }> => {
  const deps = app.answerDependencies();
  const texts = (await (await fetch(`${emulatorUrl('smsvoice')}/messages?channel=sms`)).json()) as { destination: string }[];
  const numbers = [...new Set(texts.map((text) => text.destination))];
  let n = 0;
  for (const number of numbers.filter((_, i) => i % 2 === 0)) {
    const [clientId] = await deps.clients.clientsWithPhone(number);
    // A second `npm start` finds them answered already: nobody answers twice.
    if (clientId && (await deps.answers.answersOf(clientId)).length > 0) continue;
    const locale = (clientId && (await deps.clients.getClient(clientId))?.profile.locale.split('-')[0]) || 'en';
    await fetch(`${emulatorUrl('smsvoice')}/reply`, {
      method: 'POST',
      body: JSON.stringify({ from: number, body: pick(smsReplies[locale] ?? smsReplies.en!, n++) }),
    });
  }
  const sms = await receiveReplies(app);

  const store = (await (await fetch(`${emulatorUrl('email')}/store`)).json()) as { emails: { body: { text?: string } }[] };
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
  return { sms, pages };
};
