/**
 * The words of a feedback request, per language. Each locale gives plain strings with
 * {{placeholders}}; the email's HTML and text parts, the SMS and the voice script are built
 * from them by code, so every locale has the same structure and every value is escaped.
 */
import { smsSize, type SmsSize } from './sms-segments.ts';
import { wordingKeys } from '../common/languages.ts';
import { AppError } from '../common/app-error.ts';

export interface OutreachWording {
  readonly subject: string;
  /** The greeting when we know the client's first name, and when we do not. */
  readonly greetingNamed: string;
  readonly greeting: string;
  readonly intro: string;
  /** The reply link's label. */
  readonly cta: string;
  readonly unsubscribe: string;
  readonly signOff: string;
  /** Invites a digit reply (the codes of replyCodes) or a few words, and says how to opt out. */
  readonly sms: string;
  readonly voice: string;
}

/** What the digits of an SMS reply mean, in the order of the shipped wording. */
export const replyCodes = ['price', 'waiting-time', 'moved-away', 'doctor', 'feel-better', 'other'] as const;
export type ReplyCode = (typeof replyCodes)[number];

export const shippedWordings: Readonly<Record<string, OutreachWording>> = {
  en: {
    subject: '{{clinic}}: may we ask you one thing?',
    greetingNamed: 'Dear {{firstName}},',
    greeting: 'Hello,',
    intro: 'We have not seen you at {{clinic}} for a while. If something put you off, we would like to know, so that we can do better. It takes a minute:',
    cta: 'Tell us why',
    unsubscribe: 'If you would rather not hear from us, unsubscribe here:',
    signOff: 'Thank you, {{clinic}}',
    sms: '{{clinic}}: {{greeting}} we miss you. Why did you stop coming? Reply 1 price, 2 waiting, 3 moved, 4 doctor, 5 feel better, 6 other, or a few words. STOP to opt out',
    voice:
      '{{greeting}} this is {{clinic}}. We have not seen you for a while and would like to know why. We have sent you a message where you can tell us in a minute. Thank you, and goodbye.',
  },
  el: {
    subject: '{{clinic}}: μπορούμε να σας ρωτήσουμε κάτι;',
    greetingNamed: 'Γεια σας {{firstName}},',
    greeting: 'Γεια σας,',
    intro:
      'Έχουμε καιρό να σας δούμε στο {{clinic}}. Αν κάτι δεν σας ικανοποίησε, θα θέλαμε να το μάθουμε για να γίνουμε καλύτεροι. Χρειάζεται μόνο ένα λεπτό:',
    cta: 'Πείτε μας γιατί',
    unsubscribe: 'Αν δεν θέλετε να σας ξαναγράψουμε, διαγραφείτε εδώ:',
    signOff: 'Ευχαριστούμε, {{clinic}}',
    sms: '{{clinic}}: {{greeting}} γιατί σταματήσατε να έρχεστε; Απαντήστε 1 τιμή, 2 αναμονή, 3 μετακόμιση, 4 γιατρός, 5 έγινα καλά, 6 άλλο. STOP για διαγραφή',
    voice:
      '{{greeting}} σας καλούμε από το {{clinic}}. Έχουμε καιρό να σας δούμε και θα θέλαμε να μάθουμε γιατί. Σας στείλαμε ένα μήνυμα όπου μπορείτε να μας πείτε σε ένα λεπτό. Ευχαριστούμε, καλή σας μέρα.',
  },
  ru: {
    subject: '{{clinic}}: можно задать вам один вопрос?',
    greetingNamed: 'Здравствуйте, {{firstName}}!',
    greeting: 'Здравствуйте!',
    intro: 'Мы давно не видели вас в {{clinic}}. Если что-то вас не устроило, нам важно это знать, чтобы стать лучше. Это займёт минуту:',
    cta: 'Расскажите нам',
    unsubscribe: 'Если вы не хотите получать от нас письма, отпишитесь здесь:',
    signOff: 'Спасибо, {{clinic}}',
    sms: '{{clinic}}: {{greeting}} Почему вы перестали приходить? Ответьте: 1 цена, 2 ожидание, 3 переезд, 4 врач, 5 выздоровел, 6 другое. STOP - отписка',
    voice:
      '{{greeting}} Это {{clinic}}. Мы давно вас не видели и хотели бы узнать почему. Мы отправили вам сообщение, где можно ответить за минуту. Спасибо, до свидания.',
  },
  bn: {
    subject: '{{clinic}}: আমরা কি আপনাকে একটি প্রশ্ন করতে পারি?',
    greetingNamed: 'প্রিয় {{firstName}},',
    greeting: 'শুভেচ্ছা,',
    intro: 'অনেক দিন হলো আপনাকে {{clinic}}-এ দেখিনি। কোনো কারণে অসন্তুষ্ট হলে আমাদের জানান, যাতে আমরা আরও ভালো করতে পারি। মাত্র এক মিনিট লাগবে:',
    cta: 'কারণ জানান',
    unsubscribe: 'আমাদের বার্তা না চাইলে এখানে সদস্যতা বাতিল করুন:',
    signOff: 'ধন্যবাদ, {{clinic}}',
    sms: '{{clinic}}: {{greeting}} কেন আর আসছেন না? উত্তর দিন: 1 খরচ, 2 অপেক্ষা, 3 ঠিকানা বদল, 4 ডাক্তার, 5 সুস্থ, 6 অন্য। বন্ধ করতে STOP',
    voice: '{{greeting}} {{clinic}} থেকে বলছি। অনেক দিন আপনাকে দেখিনি, কারণটা জানতে চাই। আমরা আপনাকে একটি বার্তা পাঠিয়েছি, এক মিনিটে উত্তর দিতে পারেন। ধন্যবাদ।',
  },
  ka: {
    subject: '{{clinic}}: შეგვიძლია ერთი რამ გკითხოთ?',
    greetingNamed: 'ძვირფასო {{firstName}},',
    greeting: 'გამარჯობა,',
    intro: 'დიდი ხანია {{clinic}}-ში არ გვინახავხართ. თუ რამე არ მოგეწონათ, გვინდა ვიცოდეთ, რომ უკეთესები გავხდეთ. ერთი წუთი დაგჭირდებათ:',
    cta: 'გვითხარით მიზეზი',
    unsubscribe: 'თუ აღარ გსურთ ჩვენგან წერილების მიღება, გამოიწერეთ აქ:',
    signOff: 'გმადლობთ, {{clinic}}',
    sms: '{{clinic}}: {{greeting}} რატომ აღარ მოდიხართ? უპასუხეთ: 1 ფასი, 2 ლოდინი, 3 გადასვლა, 4 ექიმი, 5 გამოვჯანმრთელდი, 6 სხვა. STOP - გამოწერა',
    voice:
      '{{greeting}} გირეკავთ {{clinic}}. დიდი ხანია არ გვინახავხართ და გვინდა ვიცოდეთ რატომ. გამოგიგზავნეთ შეტყობინება, სადაც ერთ წუთში გვიპასუხებთ. გმადლობთ, ნახვამდის.',
  },
  km: {
    subject: '{{clinic}}: តើយើងអាចសួរអ្នកមួយសំណួរបានទេ?',
    greetingNamed: 'ជូនចំពោះ {{firstName}},',
    greeting: 'សួស្តី,',
    intro: 'យូរហើយដែលយើងមិនបានជួបអ្នកនៅ {{clinic}}។ ប្រសិនបើមានអ្វីមិនពេញចិត្ត សូមប្រាប់យើង ដើម្បីឲ្យយើងធ្វើបានប្រសើរជាងមុន។ ចំណាយពេលតែមួយនាទីប៉ុណ្ណោះ៖',
    cta: 'ប្រាប់យើងពីមូលហេតុ',
    unsubscribe: 'ប្រសិនបើអ្នកមិនចង់ទទួលសារពីយើង សូមឈប់ជាវនៅទីនេះ៖',
    signOff: 'សូមអរគុណ, {{clinic}}',
    sms: '{{clinic}}: {{greeting}} ហេតុអ្វីអ្នកឈប់មក? ឆ្លើយ 1 តម្លៃ 2 រង់ចាំ 3 ផ្លាស់ទី 4 វេជ្ជបណ្ឌិត 5 ជាសះស្បើយ 6 ផ្សេងៗ។ STOP ដើម្បីឈប់',
    voice: '{{greeting}} នេះគឺ {{clinic}}។ យូរហើយដែលយើងមិនបានជួបអ្នក ហើយចង់ដឹងពីមូលហេតុ។ យើងបានផ្ញើសារមួយទៅអ្នក ដែលអ្នកអាចឆ្លើយបានក្នុងមួយនាទី។ សូមអរគុណ លាហើយ។',
  },
  tl: {
    subject: '{{clinic}}: maaari ba kaming magtanong?',
    greetingNamed: 'Mahal na {{firstName}},',
    greeting: 'Magandang araw,',
    intro:
      'Matagal na naming hindi kayo nakikita sa {{clinic}}. Kung may hindi kayo nagustuhan, gusto naming malaman para mas mapabuti pa namin. Isang minuto lang ito:',
    cta: 'Sabihin sa amin kung bakit',
    unsubscribe: 'Kung ayaw na ninyong makatanggap ng mensahe mula sa amin, mag-unsubscribe dito:',
    signOff: 'Salamat, {{clinic}}',
    sms: '{{clinic}}: {{greeting}} bakit hindi na kayo bumabalik? Sumagot: 1 presyo, 2 paghihintay, 3 lumipat, 4 doktor, 5 gumaling, 6 iba pa. STOP para huminto',
    voice:
      '{{greeting}} ito ang {{clinic}}. Matagal na namin kayong hindi nakikita at gusto naming malaman kung bakit. Nagpadala kami ng mensahe kung saan makakasagot kayo sa isang minuto. Salamat po, paalam.',
  },
};

export class TemplateError extends AppError {
  override readonly name = 'TemplateError';
  readonly kind = 'invalid';
}

export interface OutreachValues {
  readonly clinic: string;
  readonly firstName?: string;
  readonly replyLink: string;
  readonly unsubscribeLink: string;
}

export interface RenderedEmail {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

// Direction overrides and isolates, zero-width marks, and control characters: a name must not
// reorder or hide the text around it.
const unsafe = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;

/** A value as it may appear in any channel: no control or direction characters, bounded length. */
export const cleanValue = (value: string, maxLength = 60): string => [...value.replace(unsafe, '').replace(/\s+/g, ' ').trim()].slice(0, maxLength).join('');

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!);

const placeholder = /\{\{(\w+)\}\}/g;

const fill = (text: string, values: Readonly<Record<string, string>>, escapeValue: (value: string) => string = (value) => value): string =>
  text.replace(placeholder, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new TemplateError(`unknown placeholder {{${name}}} in "${text.slice(0, 40)}…"`);
    return escapeValue(value);
  });

/** The wording for a locale: the tag itself, its language, else the clinic's default. */
export const wordingFor = (
  locale: string,
  wordings: Readonly<Record<string, OutreachWording>>,
  defaultLocale: string,
): { locale: string; wording: OutreachWording } => {
  for (const candidate of [...wordingKeys(locale), ...wordingKeys(defaultLocale)]) {
    const wording = wordings[candidate];
    if (wording) return { locale: candidate, wording };
  }
  throw new TemplateError(`no wording for ${locale}, nor for the default ${defaultLocale}`);
};

const baseValues = (wording: OutreachWording, values: OutreachValues): Record<string, string> => {
  const clinic = cleanValue(values.clinic, 80);
  const firstName = values.firstName ? cleanValue(values.firstName, 40) : '';
  const named = { clinic, firstName };
  return { ...named, greeting: firstName ? fill(wording.greetingNamed, named) : fill(wording.greeting, named) };
};

export const renderEmail = (locale: string, wording: OutreachWording, values: OutreachValues): RenderedEmail => {
  const plain = baseValues(wording, values);
  const line = (text: string): string => fill(text, plain);
  const html = (text: string): string => fill(text, plain, escapeHtml);
  const reply = escapeHtml(values.replyLink);
  const unsubscribe = escapeHtml(values.unsubscribeLink);
  return {
    subject: line(wording.subject),
    text: [
      plain.greeting,
      '',
      line(wording.intro),
      values.replyLink,
      '',
      line(wording.signOff),
      '',
      `${line(wording.unsubscribe)} ${values.unsubscribeLink}`,
    ].join('\n'),
    html: [
      '<!doctype html>',
      `<html lang="${escapeHtml(locale)}"><head><meta charset="utf-8"><title>${html(wording.subject)}</title></head>`,
      '<body style="font-family: sans-serif; line-height: 1.5">',
      `<p>${escapeHtml(plain.greeting!)}</p>`,
      `<p>${html(wording.intro)}</p>`,
      `<p><a href="${reply}" style="display: inline-block; padding: 10px 16px; background: #2458a6; color: #fff; text-decoration: none; border-radius: 4px">${html(wording.cta)}</a></p>`,
      `<p>${html(wording.signOff)}</p>`,
      `<p style="font-size: small; color: #666">${html(wording.unsubscribe)} <a href="${unsubscribe}">${unsubscribe}</a></p>`,
      '</body></html>',
    ].join('\n'),
  };
};

export interface RenderedSms extends SmsSize {
  readonly text: string;
}

/**
 * The SMS, within `maxSegments` parts: with the first name if it fits, else with the
 * nameless greeting; a wording too long even then is a TemplateError.
 */
export const renderSms = (wording: OutreachWording, values: OutreachValues, maxSegments: number): RenderedSms => {
  for (const firstName of values.firstName ? [values.firstName, undefined] : [undefined]) {
    const text = fill(wording.sms, baseValues(wording, { ...values, ...(firstName ? { firstName } : { firstName: undefined }) }));
    const size = smsSize(text);
    if (size.segments <= maxSegments) return { text, ...size };
  }
  const size = smsSize(fill(wording.sms, baseValues(wording, { ...values, firstName: undefined })));
  throw new TemplateError(
    `the SMS takes ${size.segments} parts (${size.units} ${size.encoding === 'GSM-7' ? 'characters' : 'UCS-2 units'}), more than the ${maxSegments} allowed`,
  );
};

const escapeXml = (text: string): string =>
  text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[char]!);

/** The voice script as SSML, every value escaped. */
export const renderVoice = (locale: string, wording: OutreachWording, values: OutreachValues): string =>
  `<speak><lang xml:lang="${escapeXml(locale)}">${fill(wording.voice, baseValues(wording, values), escapeXml)}</lang></speak>`;

/** The first word of a full name, as a greeting uses it. */
export const firstNameOf = (name: string | undefined): string | undefined => {
  const first = name ? cleanValue(name).split(' ')[0] : undefined;
  return first ? first : undefined;
};

/**
 * Renders every wording with the clinic's name and a long first name, so a wording that
 * cannot render (an unknown placeholder, an SMS over the limit) fails at start, not at 3 am.
 */
export const checkWordings = (wordings: Readonly<Record<string, OutreachWording>>, clinic: string, maxSmsSegments: number): void => {
  const values: OutreachValues = {
    clinic,
    firstName: 'Konstantinos-Alexandros',
    replyLink: 'https://example.invalid/r/token',
    unsubscribeLink: 'https://example.invalid/u/token',
  };
  const problems: string[] = [];
  for (const [locale, wording] of Object.entries(wordings)) {
    try {
      renderEmail(locale, wording, values);
      renderSms(wording, values, maxSmsSegments);
      renderVoice(locale, wording, values);
    } catch (error) {
      if (!(error instanceof TemplateError)) throw error;
      problems.push(`${locale}: ${error.message}`);
    }
  }
  if (problems.length > 0) throw new TemplateError(`outreach wordings that cannot be sent:\n  ${problems.join('\n  ')}`);
};
