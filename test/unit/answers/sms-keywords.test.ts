import { describe, expect, it } from 'vitest';
import { isOptOutText, optOutPhrases, smsHelpText, smsIntent } from '../../../shared/answers/sms-keywords.ts';

describe('what an inbound SMS asks for', () => {
  it.each([
    'STOP',
    'stop',
    ' Stop. ',
    's t o p',
    'Opt-Out',
    'opt out',
    'OPTOUT',
    'unsubscribe!',
    'ＳＴＯＰ',
    'Arret',
    'quit',
    'END',
    'cancel',
    'remove',
    'td',
    'стоп',
    'Стоп!',
    'στοπ',
    'Σταματήστε',
  ])('"%s" opts out', (body) => {
    expect(smsIntent(body)).toBe('opt-out');
  });

  it.each(['help', ' HELP ', 'Help?', 'info'])('"%s" asks for help', (body) => {
    expect(smsIntent(body)).toBe('help');
  });

  it.each(['2', 'stop calling me so late, the wait is too long', 'too expensive', 'ακριβό', 'pls help me book'])('"%s" is an answer', (body) => {
    expect(smsIntent(body)).toBe('answer');
  });

  it('answers help in the client’s language, falling back to its base language and English', () => {
    expect(smsHelpText('el', 'Κλινική')).toMatch(/^Κλινική: ρωτήσαμε/);
    expect(smsHelpText('ru-RU', 'Clinic')).toMatch(/^Clinic: мы спросили/);
    expect(smsHelpText('xx', 'Clinic')).toMatch(/^Clinic: we asked/);
    expect(smsHelpText(undefined, 'Clinic\u202E')).toMatch(/^Clinic: /);
  });

  it.each(['Please stop texting me', "STOP, I don't want these messages", 'μη μου ξαναστείλετε', 'не пишите мне больше'])(
    '"%s" is an opt-out, not an answer',
    (body) => {
      expect(smsIntent(body)).toBe('opt-out');
    },
  );
});

describe('free-text opt-outs', () => {
  const positives: Record<string, readonly string[]> = {
    en: [
      'stop texting me',
      'Please remove me',
      'please remove me from your list, thanks',
      "Don't text me again.",
      'I moved away. Unsubscribe me please',
      'No more messages!!',
      'leave me alone',
      "I don't like your prices, stop sending me these",
      'How do I unsubscribe?',
      'STOP TEXTING ME 😡',
    ],
    el: [
      'μη μου ξαναστείλετε',
      'Μην μου στέλνετε άλλα μηνύματα',
      'Σταματήστε να μου στέλνετε!',
      'Διαγράψτε με παρακαλώ',
      'δεν θέλω άλλα μηνύματα, ευχαριστώ',
      'Αφήστε με ήσυχη',
    ],
    ru: [
      'не пишите мне больше',
      'Пожалуйста, удалите мой номер',
      'Перестаньте писать!',
      'отпишите меня',
      'Оставьте меня в покое.',
      'больше не присылайте ничего',
      'Как отписаться?',
    ],
    ka: ['ნუ მწერთ', 'გთხოვთ, აღარ მომწეროთ', 'შეწყვიტეთ მესიჯები', 'წამშალეთ სიიდან', 'მომეშვით'],
    bn: ['আমাকে আর মেসেজ পাঠাবেন না', 'দয়া করে বিরক্ত করবেন না', 'আমার নম্বর মুছে দিন', 'আমাকে বাদ দিন'],
    km: ['សូមកុំផ្ញើសារមកខ្ញុំទៀត', 'ឈប់ផ្ញើសារមកខ្ញុំ', 'សូម លុបលេខខ្ញុំ'],
    tl: ['Huwag na kayong mag-text', 'wag nyo na akong i-text please', 'Pakitanggal ako sa listahan', 'ayoko na ng text', 'tigilan nyo na ako'],
  };
  const negatives: Record<string, readonly string[]> = {
    en: [
      'I stopped coming because of the prices',
      'Should I stop taking my medication?',
      "Don't stop texting me, I like the reminders",
      'I do not want you to remove me',
      'stop calling me so late, the wait is too long',
      'the doctor had to remove my tooth',
      'stopped because I moved',
      'too expensive',
      'text me when there is a discount',
    ],
    el: ['σταμάτησα γιατί ήταν ακριβά', 'Να σταματήσω τα φάρμακα;', 'μετακόμισα', 'δεν μου αρέσει η αναμονή'],
    ru: [
      'я перестал ходить из-за цен',
      'Можно ли прекратить приём лекарств?',
      'пишите мне, если будут скидки',
      'не хочу отписаться',
      'переехала в другой город',
    ],
    ka: ['ძალიან ძვირია', 'შევწყვიტე სიარული, რადგან გადავსახლდი', 'მომწერეთ, როცა ფასდაკლება იქნება'],
    bn: ['দাম অনেক বেশি', 'আমি অন্য শহরে চলে গেছি', 'আমাকে মেসেজ পাঠান'],
    km: ['ខ្ញុំឈប់មកព្រោះថ្លៃពេក', 'កុំឈប់ផ្ញើសារមកខ្ញុំ', 'ផ្ញើសារមកខ្ញុំពេលមានការបញ្ចុះតម្លៃ'],
    tl: ['tumigil ako dahil mahal', 'lumipat na kami', 'i-text nyo ako kung may discount'],
  };

  it('has phrases for every language the product speaks', () => {
    expect(Object.keys(optOutPhrases).sort()).toEqual(['bn', 'el', 'en', 'ka', 'km', 'ru', 'tl']);
  });

  for (const [language, texts] of Object.entries(positives)) {
    it.each(texts)(`${language}: "%s" asks us to stop`, (text) => {
      expect(isOptOutText(text)).toBe(true);
    });
  }

  for (const [language, texts] of Object.entries(negatives)) {
    it.each(texts)(`${language}: "%s" does not`, (text) => {
      expect(isOptOutText(text)).toBe(false);
    });
  }

  it('treats every opt-out keyword on its own as an opt-out too', () => {
    for (const keyword of ['STOP', 'stop', 'Unsubscribe', 'стоп', 'Σταματήστε']) expect(isOptOutText(keyword)).toBe(true);
  });
});
