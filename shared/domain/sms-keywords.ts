/**
 * What an inbound SMS asks for before it is read as an answer. End User Messaging reserves
 * these opt-out keywords; we mirror them into our own suppression so every channel honours
 * them, whatever the case, spacing or width ("Stop", " s t o p ", "opt out", "ＳＴＯＰ").
 */
import { wordingKeys } from './languages.ts';

const optOut = new Set([
  'ARRET', 'CANCEL', 'END', 'OPTOUT', 'QUIT', 'REMOVE', 'STOP', 'TD', 'UNSUBSCRIBE', 'STOPALL',
  // The same word in our clients' other scripts: a client who writes "стоп" means it just as much.
  'СТОП', 'ОТПИСАТЬСЯ', 'ΣΤΟΠ', 'ΣΤΑΜΑΤΗΣΤΕ',
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

export const smsIntent = (body: string): SmsIntent => {
  const keyword = keywordOf(body);
  if (optOut.has(keyword)) return 'opt-out';
  if (help.has(keyword)) return 'help';
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
  const text = (locale && wordingKeys(locale).map((key) => helpTexts[key]).find((found) => found !== undefined)) || helpTexts.en!;
  return text.replace('{{clinic}}', clinicName.replace(/[\p{Cc}\p{Cf}]/gu, ''));
};
