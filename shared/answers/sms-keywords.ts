/**
 * What an inbound SMS asks for before it is read as an answer. End User Messaging reserves
 * these opt-out keywords; we mirror them into our own suppression so every channel honours
 * them, whatever the case, spacing or width ("Stop", " s t o p ", "opt out", "ＳＴＯＰ").
 */
import { wordingKeys } from '../common/languages.ts';
import { isWrittenWithoutSpaces, normalizeAnswer, tokenize } from './text-normalize.ts';

const optOut = new Set([
  'ARRET',
  'CANCEL',
  'END',
  'OPTOUT',
  'QUIT',
  'REMOVE',
  'STOP',
  'TD',
  'UNSUBSCRIBE',
  'STOPALL',
  // The same word in our clients' other scripts: a client who writes "стоп" means it just as much.
  'СТОП',
  'ОТПИСАТЬСЯ',
  'ΣΤΟΠ',
  'ΣΤΑΜΑΤΗΣΤΕ',
]);
const help = new Set(['HELP', 'INFO', 'AIDE']);

export type SmsIntent = 'opt-out' | 'help' | 'answer';

const keywordOf = (body: string): string =>
  body
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .normalize('NFKC')
    .toUpperCase()
    .replace(/[\s\p{P}\p{S}]+/gu, '');

/**
 * Words that ask us to stop, per language, beyond the one-word keywords: a client who writes
 * "please stop texting me" or "не пишите мне больше" means STOP. Each phrase names the
 * messages or the client ("remove me", "stop texting"), never a bare "stop": "I stopped coming
 * because of the prices" and "should I stop my medication?" are answers, not opt-outs, and so
 * is "stop calling me so late" (a complaint about the hour). Matched after normalizeAnswer, as
 * whole words, anywhere in the text; Khmer, written without spaces, anywhere in the letters.
 */
export const optOutPhrases: Readonly<Record<string, readonly string[]>> = {
  en: [
    'stop texting',
    'stop txting',
    'stop messaging',
    'stop sending',
    'stop emailing',
    'stop contacting',
    'stop writing to me',
    'stop bothering me',
    'stop spamming',
    'stop the texts',
    'stop these texts',
    'stop your texts',
    'stop the messages',
    'stop these messages',
    'stop your messages',
    'stop the emails',
    'stop these emails',
    'stop sms',
    'dont text me',
    'do not text me',
    'dont message me',
    'do not message me',
    'dont email me',
    'do not email me',
    'dont contact me',
    'do not contact me',
    'dont write to me',
    'do not write to me',
    'never contact me',
    'never text me',
    'no more texts',
    'no more messages',
    'no more emails',
    'no more sms',
    'dont want any more messages',
    'dont want any more texts',
    'dont want any more emails',
    'dont want your messages',
    'dont want these messages',
    'remove me',
    'remove my number',
    'remove my email',
    'delete my number',
    'delete my details',
    'take me off your list',
    'take me off the list',
    'take me off your mailing list',
    'unsubscribe',
    'opt me out',
    'opt out',
    'leave me alone',
  ],
  el: [
    'μη μου ξαναστειλετε',
    'μην μου ξαναστειλετε',
    'μη μου στελνετε',
    'μην μου στελνετε',
    'μη μου γραφετε',
    'μην μου γραφετε',
    'μη με ενοχλειτε',
    'μην με ενοχλειτε',
    'μη με ξαναενοχλησετε',
    'μην με ξαναενοχλησετε',
    'σταματηστε να μου στελνετε',
    'σταματηστε να μου γραφετε',
    'σταματηστε τα μηνυματα',
    'σταματηστε τα sms',
    'σταματηστε τα email',
    'δεν θελω αλλα μηνυματα',
    'δεν θελω μηνυματα',
    'δε θελω αλλα μηνυματα',
    'δε θελω μηνυματα',
    'δεν θελω να μου στελνετε',
    'διαγραψτε με',
    'διαγραψτε τον αριθμο μου',
    'βγαλτε με απο τη λιστα',
    'βγαλτε με απο τη λιστα σας',
    'αφηστε με ησυχο',
    'αφηστε με ησυχη',
    'απεγγραφη',
    'απεγγραψτε με',
  ],
  ru: [
    'не пишите мне',
    'больше не пишите',
    'не присылайте',
    'больше не присылайте',
    'не надо мне писать',
    'не нужно мне писать',
    'не беспокойте меня',
    'больше не беспокойте',
    'перестаньте писать',
    'перестаньте присылать',
    'перестаньте мне писать',
    'прекратите писать',
    'прекратите присылать',
    'прекратите рассылку',
    'прекратите мне писать',
    'отпишите меня',
    'удалите меня',
    'удалите мой номер',
    'уберите меня',
    'хочу отписаться',
    'отписаться',
    'оставьте меня в покое',
    'не хочу получать сообщения',
  ],
  ka: [
    'ნუ მწერთ',
    'აღარ მომწეროთ',
    'აღარ მწეროთ',
    'ნუ მომწერთ',
    'ნუ მიგზავნით',
    'აღარ გამომიგზავნოთ',
    'აღარ მინდა შეტყობინებები',
    'აღარ მინდა მესიჯები',
    'შეწყვიტეთ მესიჯები',
    'შეწყვიტეთ შეტყობინებები',
    'შეწყვიტეთ წერა',
    'შეწყვიტეთ მესიჯების გამოგზავნა',
    'წამშალეთ',
    'წაშალეთ ჩემი ნომერი',
    'მომეშვით',
    'ნუ შემაწუხებთ',
    'გამოწერის გაუქმება',
  ],
  bn: [
    'মেসেজ পাঠাবেন না',
    'আর মেসেজ পাঠাবেন না',
    'এসএমএস পাঠাবেন না',
    'মেসেজ দিবেন না',
    'মেসেজ দেবেন না',
    'আর মেসেজ দিবেন না',
    'বিরক্ত করবেন না',
    'আর যোগাযোগ করবেন না',
    'যোগাযোগ করবেন না',
    'আমাকে বাদ দিন',
    'আমার নম্বর মুছে দিন',
    'তালিকা থেকে বাদ দিন',
    'মেসেজ বন্ধ করুন',
    'এসএমএস বন্ধ করুন',
    'আনসাবস্ক্রাইব',
  ],
  km: ['កុំផ្ញើសារ', 'ឈប់ផ្ញើសារ', 'ឈប់ផ្ញើ', 'កុំរំខានខ្ញុំ', 'លុបលេខខ្ញុំ', 'ឈប់ទាក់ទង', 'កុំទាក់ទងខ្ញុំ', 'កុំទាក់ទងមកខ្ញុំ'],
  tl: [
    'huwag na kayong mag text',
    'wag na kayong mag text',
    'huwag nyo na akong i text',
    'wag nyo na akong i text',
    'huwag na po mag text',
    'wag na po mag text',
    'wag na mag text',
    'huwag na mag text',
    'itigil nyo na ang pag text',
    'itigil ang pag text',
    'tigilan nyo na ako',
    'tigilan nyo ako',
    'pakitanggal ako',
    'tanggalin nyo ako',
    'tanggalin ang number ko',
    'ayoko na ng text',
    'ayaw ko na ng text',
  ],
};

/** Words that turn a phrase around just before it, in its clause: "don't stop texting me", "I do not want you to remove me". */
const negations = new Set(['dont', 'not', 'never', 'didnt', 'doesnt', 'wont', 'shouldnt', 'δεν', 'δε', 'μη', 'μην', 'не', 'არ', 'ნუ', 'hindi']);
const negationReach = 4;
const unspacedNegations = ['កុំ', 'មិន'];
const unspacedNegationReach = 12;

interface OptOutPhrase {
  readonly tokens: readonly string[];
  readonly unspaced?: string;
}

const compiledPhrases: readonly OptOutPhrase[] = Object.values(optOutPhrases)
  .flat()
  .map(normalizeAnswer)
  .map((phrase) => (isWrittenWithoutSpaces(phrase) ? { tokens: [], unspaced: phrase.replaceAll(' ', '') } : { tokens: tokenize(phrase) }));

const clauseHasOptOut = (clause: string): boolean => {
  const tokens = tokenize(normalizeAnswer(clause));
  for (const phrase of compiledPhrases) {
    if (phrase.unspaced !== undefined) {
      const letters = tokens.join('');
      for (let at = letters.indexOf(phrase.unspaced); at !== -1; at = letters.indexOf(phrase.unspaced, at + 1)) {
        const before = letters.slice(Math.max(0, at - unspacedNegationReach), at);
        if (!unspacedNegations.some((negation) => before.includes(negation))) return true;
      }
      continue;
    }
    for (let start = 0; start + phrase.tokens.length <= tokens.length; start++) {
      if (!phrase.tokens.every((token, offset) => tokens[start + offset] === token)) continue;
      if (!tokens.slice(Math.max(0, start - negationReach), start).some((token) => negations.has(token))) return true;
    }
  }
  return false;
};

/**
 * Whether free text asks us to stop contacting the client: an opt-out keyword on its own
 * (STOP), or one of `optOutPhrases` in any language anywhere in it, unless a negation just
 * before it in the same clause turns it around. The one test for every channel's free text:
 * an SMS, the reply page's text box, a note staff typed.
 */
export const isOptOutText = (text: string): boolean =>
  optOut.has(keywordOf(text)) || text.split(/[.!?;,:\n\u2026\u037e\u0964\u17d4()"«»“”]+/u).some(clauseHasOptOut);

export const smsIntent = (body: string): SmsIntent => {
  const keyword = keywordOf(body);
  if (optOut.has(keyword)) return 'opt-out';
  if (help.has(keyword)) return 'help';
  if (isOptOutText(body)) return 'opt-out';
  return 'answer';
};

const helpTexts: Readonly<Record<string, string>> = {
  en: '{{clinic}}: we asked why you stopped coming. Reply with a number (1 price, 2 waiting, 3 moved, 4 doctor, 5 feel better, 6 other) or a few words. STOP to opt out.',
  el: '{{clinic}}: ρωτήσαμε γιατί σταματήσατε να έρχεστε. Απαντήστε με αριθμό (1 τιμή, 2 αναμονή, 3 μετακόμιση, 4 γιατρός, 5 έγινα καλά, 6 άλλο) ή λίγες λέξεις. STOP για διαγραφή.',
  ru: '{{clinic}}: мы спросили, почему вы перестали приходить. Ответьте цифрой (1 цена, 2 ожидание, 3 переезд, 4 врач, 5 выздоровел, 6 другое) или парой слов. STOP - отписка.',
  bn: '{{clinic}}: আমরা জানতে চেয়েছি কেন আপনি আর আসছেন না। একটি সংখ্যা (1 খরচ, 2 অপেক্ষা, 3 ঠিকানা বদল, 4 ডাক্তার, 5 সুস্থ, 6 অন্য) বা কয়েকটি শব্দে উত্তর দিন। বন্ধ করতে STOP',
  ka: '{{clinic}}: გკითხეთ, რატომ აღარ მოდიხართ. უპასუხეთ ციფრით (1 ფასი, 2 ლოდინი, 3 გადასვლა, 4 ექიმი, 5 გამოვჯანმრთელდი, 6 სხვა) ან რამდენიმე სიტყვით. STOP - გამოწერა.',
  km: '{{clinic}}: យើងបានសួរថាហេតុអ្វីអ្នកឈប់មក។ ឆ្លើយជាលេខ (1 តម្លៃ 2 រង់ចាំ 3 ផ្លាស់ទី 4 វេជ្ជបណ្ឌិត 5 ជាសះស្បើយ 6 ផ្សេងៗ) ឬពាក្យខ្លីៗ។ STOP ដើម្បីឈប់',
  tl: '{{clinic}}: tinanong namin kung bakit hindi na kayo bumabalik. Sumagot ng numero (1 presyo, 2 paghihintay, 3 lumipat, 4 doktor, 5 gumaling, 6 iba pa) o ilang salita. STOP para huminto.',
};

/** The answer to HELP, in the client's language (then its base language, then English). */
export const smsHelpText = (locale: string | undefined, clinicName: string): string => {
  const text =
    (locale &&
      wordingKeys(locale)
        .map((key) => helpTexts[key])
        .find((found) => found !== undefined)) ||
    helpTexts.en!;
  return text.replace('{{clinic}}', clinicName.replace(/[\p{Cc}\p{Cf}]/gu, ''));
};
