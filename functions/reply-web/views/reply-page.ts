/**
 * The page behind a reply link (`<base>/r/<token>`) and its companions, as complete HTML
 * documents: no JavaScript, no third-party assets, one inline <style> allowed by its hash in
 * the Content-Security-Policy, a plain form POST. Every value shown is escaped and stripped of
 * control and direction characters; user-supplied text sits in `dir="auto"` or <bdi> so it
 * cannot reorder the page around it.
 */
import { createHash } from 'node:crypto';
import { languageOf } from '../../../shared/common/languages.ts';
import { longestAnswerText } from '../../../shared/answers/answer.ts';
import type { ReplyForm } from '../../../shared/answers/use-cases/reply-page.ts';
import { AppError, type ErrorKind } from '../../../shared/common/app-error.ts';

export type { ReplyForm };

export interface ReplyChoice {
  readonly id: string;
  readonly label: string;
}

export interface PreviousReply {
  readonly reasonId?: string;
  readonly text?: string;
  readonly callMe?: boolean;
  readonly book?: boolean;
}

export interface ReplyPageView {
  /** The client's locale; the page falls back to its base language, then English. */
  readonly locale: string;
  readonly clinicName: string;
  readonly firstName?: string;
  /** The clinic's active reasons, already in the client's language. */
  readonly reasons: readonly ReplyChoice[];
  /** Where the form POSTs (the page's own path). */
  readonly action: string;
  /** Where the unsubscribe button POSTs. */
  readonly unsubscribeAction: string;
  /** A second visit shows the earlier answer pre-selected. */
  readonly previous?: PreviousReply;
  /** The clinic's Viber deep link for this client (they agreed to Viber and have not subscribed yet). */
  readonly viberLink?: string;
}

export type ReplyProblem = 'expired' | 'invalid' | 'not-found';

/**
 * The longest free-text answer the page offers to take, in characters (code points): the
 * text box's limit, the same as every channel's (`longestAnswerText`). A longer text sent all
 * the same is not cut here but where every answer is, which tells staff it was.
 */
export const maxReplyTextLength = longestAnswerText;

export interface PageWording {
  readonly greetingNamed: string;
  readonly greeting: string;
  readonly title: string;
  readonly intro: string;
  readonly reasons: string;
  readonly text: string;
  readonly callMe: string;
  readonly book: string;
  readonly send: string;
  readonly previous: string;
  readonly unsubscribeIntro: string;
  /** The link to the clinic's Viber account, for clients who agreed to hear from it there. */
  readonly viber: string;
  readonly unsubscribe: string;
  readonly thanksTitle: string;
  readonly thanks: string;
  readonly updated: string;
  readonly unsubscribedTitle: string;
  readonly unsubscribed: string;
  readonly confirmTitle: string;
  readonly confirm: string;
  readonly confirmButton: string;
  readonly problems: Readonly<Record<ReplyProblem, { readonly title: string; readonly body: string }>>;
}

/** The words of every page, per locale: plain text, escaped when rendered. */
export const pageWordings: Readonly<Record<string, PageWording>> = {
  en: {
    greetingNamed: 'Dear {{firstName}},',
    greeting: 'Hello,',
    title: 'Why did you stop coming?',
    intro: 'We have not seen you at {{clinic}} for a while. Your answer helps us do better. Choose what fits best, or write a few words.',
    reasons: 'What is the main reason?',
    text: 'Anything else you would like to tell us? (optional)',
    callMe: 'Please call me back',
    book: "I'd like to book again",
    send: 'Send my answer',
    previous: 'You have already answered. You can change your answer and send it again.',
    unsubscribeIntro: 'Would you rather not hear from us again?',
    viber: 'Rather hear from us on Viber? Open our Viber chat and we will write to you there next time.',
    unsubscribe: 'Unsubscribe',
    thanksTitle: 'Thank you!',
    thanks: 'We have received your answer and will read it carefully.',
    updated: 'We have updated your answer.',
    unsubscribedTitle: 'You have been unsubscribed',
    unsubscribed: '{{clinic}} will not send you any more of these messages.',
    confirmTitle: 'Unsubscribe?',
    confirm: 'Press the button to stop receiving messages from {{clinic}}.',
    confirmButton: 'Yes, unsubscribe me',
    problems: {
      expired: {
        title: 'This link has expired',
        body: 'If you still want to tell us something, reply to the message we sent you or give us a call.',
      },
      invalid: {
        title: 'This link does not work',
        body: 'Part of it may be missing. Please open it again straight from the message. If it still does not work, reply to the message or give us a call.',
      },
      'not-found': {
        title: 'We could not find this request',
        body: 'It may have been withdrawn. If you want to tell us something, reply to the message we sent you or give us a call.',
      },
    },
  },
  el: {
    greetingNamed: 'Γεια σας {{firstName}},',
    greeting: 'Γεια σας,',
    title: 'Γιατί σταματήσατε να έρχεστε;',
    intro:
      'Έχουμε καιρό να σας δούμε στο {{clinic}}. Η απάντησή σας μας βοηθά να γίνουμε καλύτεροι. Διαλέξτε ό,τι ταιριάζει περισσότερο ή γράψτε μας λίγα λόγια.',
    reasons: 'Ποιος είναι ο κύριος λόγος;',
    text: 'Θέλετε να μας πείτε κάτι ακόμα; (προαιρετικό)',
    callMe: 'Παρακαλώ τηλεφωνήστε μου',
    book: 'Θα ήθελα να κλείσω ξανά ραντεβού',
    send: 'Αποστολή απάντησης',
    previous: 'Έχετε ήδη απαντήσει. Μπορείτε να αλλάξετε την απάντησή σας και να τη στείλετε ξανά.',
    unsubscribeIntro: 'Δεν θέλετε να λαμβάνετε άλλα μηνύματα από εμάς;',
    viber: 'Προτιμάτε το Viber; Ανοίξτε τη συνομιλία μας στο Viber και την επόμενη φορά θα σας γράψουμε εκεί.',
    unsubscribe: 'Διαγραφή',
    thanksTitle: 'Σας ευχαριστούμε!',
    thanks: 'Λάβαμε την απάντησή σας και θα τη διαβάσουμε προσεκτικά.',
    updated: 'Ενημερώσαμε την απάντησή σας.',
    unsubscribedTitle: 'Η διαγραφή σας ολοκληρώθηκε',
    unsubscribed: 'Δεν θα λαμβάνετε πλέον τέτοια μηνύματα από το {{clinic}}.',
    confirmTitle: 'Διαγραφή από τα μηνύματα;',
    confirm: 'Πατήστε το κουμπί για να μη λαμβάνετε πλέον μηνύματα από το {{clinic}}.',
    confirmButton: 'Ναι, διαγράψτε με',
    problems: {
      expired: {
        title: 'Αυτός ο σύνδεσμος έχει λήξει',
        body: 'Αν θέλετε ακόμα να μας πείτε κάτι, απαντήστε στο μήνυμα που σας στείλαμε ή τηλεφωνήστε μας.',
      },
      invalid: {
        title: 'Αυτός ο σύνδεσμος δεν λειτουργεί',
        body: 'Ίσως λείπει ένα μέρος του. Ανοίξτε τον ξανά απευθείας από το μήνυμα. Αν πάλι δεν λειτουργεί, απαντήστε στο μήνυμα ή τηλεφωνήστε μας.',
      },
      'not-found': {
        title: 'Δεν βρήκαμε αυτό το αίτημα',
        body: 'Ίσως έχει ακυρωθεί. Αν θέλετε να μας πείτε κάτι, απαντήστε στο μήνυμα που σας στείλαμε ή τηλεφωνήστε μας.',
      },
    },
  },
  ru: {
    greetingNamed: 'Здравствуйте, {{firstName}}!',
    greeting: 'Здравствуйте!',
    title: 'Почему вы перестали приходить?',
    intro: 'Мы давно не видели вас в {{clinic}}. Ваш ответ поможет нам стать лучше. Выберите подходящий вариант или напишите пару слов.',
    reasons: 'Какая главная причина?',
    text: 'Хотите что-то добавить? (необязательно)',
    callMe: 'Перезвоните мне, пожалуйста',
    book: 'Хочу снова записаться',
    send: 'Отправить ответ',
    previous: 'Вы уже ответили. Можно изменить ответ и отправить его ещё раз.',
    unsubscribeIntro: 'Не хотите больше получать от нас сообщения?',
    viber: 'Удобнее в Viber? Откройте наш чат в Viber, и в следующий раз мы напишем вам туда.',
    unsubscribe: 'Отписаться',
    thanksTitle: 'Спасибо!',
    thanks: 'Мы получили ваш ответ и внимательно его прочитаем.',
    updated: 'Мы обновили ваш ответ.',
    unsubscribedTitle: 'Вы отписались',
    unsubscribed: '{{clinic}} больше не будет присылать вам такие сообщения.',
    confirmTitle: 'Отписаться от сообщений?',
    confirm: 'Нажмите кнопку, чтобы больше не получать сообщения от {{clinic}}.',
    confirmButton: 'Да, отписаться',
    problems: {
      expired: {
        title: 'Срок действия ссылки истёк',
        body: 'Если вы всё же хотите что-то нам сказать, ответьте на наше сообщение или позвоните нам.',
      },
      invalid: {
        title: 'Ссылка не работает',
        body: 'Возможно, она скопирована не полностью. Откройте её ещё раз прямо из сообщения. Если не получится, ответьте на сообщение или позвоните нам.',
      },
      'not-found': {
        title: 'Запрос не найден',
        body: 'Возможно, он был отменён. Если хотите что-то нам сказать, ответьте на наше сообщение или позвоните нам.',
      },
    },
  },
  bn: {
    greetingNamed: 'প্রিয় {{firstName}},',
    greeting: 'শুভেচ্ছা,',
    title: 'আপনি কেন আর আসছেন না?',
    intro: 'অনেক দিন হলো আপনাকে {{clinic}}-এ দেখিনি। আপনার উত্তর আমাদের আরও ভালো হতে সাহায্য করবে। যেটি সবচেয়ে মানানসই সেটি বেছে নিন, অথবা দু-এক কথায় লিখুন।',
    reasons: 'মূল কারণ কী?',
    text: 'আর কিছু বলতে চান? (ঐচ্ছিক)',
    callMe: 'অনুগ্রহ করে আমাকে ফোন করুন',
    book: 'আমি আবার অ্যাপয়েন্টমেন্ট নিতে চাই',
    send: 'উত্তর পাঠান',
    previous: 'আপনি আগেই উত্তর দিয়েছেন। চাইলে উত্তর বদলে আবার পাঠাতে পারেন।',
    unsubscribeIntro: 'আমাদের কাছ থেকে আর বার্তা পেতে চান না?',
    viber: 'Viber-এ শুনতে চান? আমাদের Viber চ্যাট খুলুন, পরের বার আমরা সেখানে লিখব।',
    unsubscribe: 'সদস্যতা বাতিল করুন',
    thanksTitle: 'ধন্যবাদ!',
    thanks: 'আমরা আপনার উত্তর পেয়েছি এবং মন দিয়ে পড়ব।',
    updated: 'আমরা আপনার উত্তর হালনাগাদ করেছি।',
    unsubscribedTitle: 'আপনার সদস্যতা বাতিল হয়েছে',
    unsubscribed: '{{clinic}} আপনাকে আর এ ধরনের বার্তা পাঠাবে না।',
    confirmTitle: 'সদস্যতা বাতিল করবেন?',
    confirm: '{{clinic}} থেকে আর বার্তা না পেতে নিচের বোতামটি চাপুন।',
    confirmButton: 'হ্যাঁ, সদস্যতা বাতিল করুন',
    problems: {
      expired: {
        title: 'এই লিংকের মেয়াদ শেষ হয়ে গেছে',
        body: 'তবুও কিছু জানাতে চাইলে আমাদের পাঠানো বার্তার উত্তর দিন অথবা আমাদের ফোন করুন।',
      },
      invalid: {
        title: 'এই লিংকটি কাজ করছে না',
        body: 'হয়তো লিংকটির কিছু অংশ বাদ পড়েছে। বার্তা থেকে সরাসরি আবার খুলুন। তবুও কাজ না করলে বার্তার উত্তর দিন অথবা আমাদের ফোন করুন।',
      },
      'not-found': {
        title: 'এই অনুরোধটি খুঁজে পাওয়া যায়নি',
        body: 'হয়তো এটি বাতিল করা হয়েছে। কিছু জানাতে চাইলে আমাদের পাঠানো বার্তার উত্তর দিন অথবা আমাদের ফোন করুন।',
      },
    },
  },
  ka: {
    greetingNamed: 'ძვირფასო {{firstName}},',
    greeting: 'გამარჯობა,',
    title: 'რატომ აღარ მოდიხართ?',
    intro: 'დიდი ხანია {{clinic}}-ში არ გვინახავხართ. თქვენი პასუხი დაგვეხმარება, რომ უკეთესები გავხდეთ. აირჩიეთ ყველაზე შესაფერისი ან მოკლედ დაგვიწერეთ.',
    reasons: 'რა არის მთავარი მიზეზი?',
    text: 'გსურთ რამის დამატება? (არასავალდებულო)',
    callMe: 'გთხოვთ, დამირეკეთ',
    book: 'მინდა ხელახლა ჩავეწერო ვიზიტზე',
    send: 'პასუხის გაგზავნა',
    previous: 'თქვენ უკვე გვიპასუხეთ. შეგიძლიათ შეცვალოთ პასუხი და ხელახლა გამოგვიგზავნოთ.',
    unsubscribeIntro: 'აღარ გსურთ ჩვენგან შეტყობინებების მიღება?',
    viber: 'გირჩევნიათ Viber? გახსენით ჩვენი Viber ჩატი და შემდეგ ჯერზე იქ მოგწერთ.',
    unsubscribe: 'გამოწერის გაუქმება',
    thanksTitle: 'გმადლობთ!',
    thanks: 'თქვენი პასუხი მივიღეთ და ყურადღებით წავიკითხავთ.',
    updated: 'თქვენი პასუხი განვაახლეთ.',
    unsubscribedTitle: 'გამოწერა გაუქმებულია',
    unsubscribed: '{{clinic}} აღარ გამოგიგზავნით მსგავს შეტყობინებებს.',
    confirmTitle: 'გსურთ გამოწერის გაუქმება?',
    confirm: 'დააჭირეთ ღილაკს და {{clinic}} აღარ გამოგიგზავნით შეტყობინებებს.',
    confirmButton: 'დიახ, გააუქმეთ გამოწერა',
    problems: {
      expired: {
        title: 'ამ ბმულს ვადა გაუვიდა',
        body: 'თუ მაინც გსურთ რამის თქმა, უპასუხეთ ჩვენს შეტყობინებას ან დაგვირეკეთ.',
      },
      invalid: {
        title: 'ეს ბმული არ მუშაობს',
        body: 'შესაძლოა, ბმულის ნაწილი აკლია. გახსენით ის ხელახლა პირდაპირ შეტყობინებიდან. თუ მაინც არ იმუშავებს, უპასუხეთ შეტყობინებას ან დაგვირეკეთ.',
      },
      'not-found': {
        title: 'ეს მოთხოვნა ვერ მოიძებნა',
        body: 'შესაძლოა, ის გაუქმდა. თუ გსურთ რამის თქმა, უპასუხეთ ჩვენს შეტყობინებას ან დაგვირეკეთ.',
      },
    },
  },
  km: {
    greetingNamed: 'ជូនចំពោះ {{firstName}},',
    greeting: 'សួស្តី,',
    title: 'ហេតុអ្វីបានជាអ្នកឈប់មក?',
    intro: 'យូរហើយដែលយើងមិនបានជួបអ្នកនៅ {{clinic}}។ ចម្លើយរបស់អ្នកជួយឲ្យយើងធ្វើបានប្រសើរជាងមុន។ សូមជ្រើសរើសចម្លើយដែលត្រូវបំផុត ឬសរសេរប្រាប់យើងបន្តិច។',
    reasons: 'តើមូលហេតុចម្បងគឺអ្វី?',
    text: 'តើអ្នកចង់ប្រាប់យើងអ្វីបន្ថែមទេ? (មិនចាំបាច់)',
    callMe: 'សូមទូរស័ព្ទមកខ្ញុំវិញ',
    book: 'ខ្ញុំចង់កក់ការណាត់ជួបម្តងទៀត',
    send: 'ផ្ញើចម្លើយ',
    previous: 'អ្នកបានឆ្លើយរួចហើយ។ អ្នកអាចកែចម្លើយ ហើយផ្ញើម្តងទៀតបាន។',
    unsubscribeIntro: 'មិនចង់ទទួលសារពីយើងទៀតទេឬ?',
    viber: 'ចូលចិត្ត Viber ជាង? បើកការជជែក Viber របស់យើង ហើយលើកក្រោយយើងនឹងសរសេរទៅអ្នកនៅទីនោះ។',
    unsubscribe: 'ឈប់ជាវ',
    thanksTitle: 'សូមអរគុណ!',
    thanks: 'យើងបានទទួលចម្លើយរបស់អ្នក ហើយនឹងអានវាដោយយកចិត្តទុកដាក់។',
    updated: 'យើងបានកែប្រែចម្លើយរបស់អ្នករួចហើយ។',
    unsubscribedTitle: 'អ្នកបានឈប់ជាវហើយ',
    unsubscribed: '{{clinic}} នឹងមិនផ្ញើសារបែបនេះមកអ្នកទៀតទេ។',
    confirmTitle: 'ឈប់ជាវមែនទេ?',
    confirm: 'សូមចុចប៊ូតុងខាងក្រោម ដើម្បីឈប់ទទួលសារពី {{clinic}}។',
    confirmButton: 'បាទ/ចាស ឈប់ជាវ',
    problems: {
      expired: {
        title: 'តំណនេះផុតកំណត់ហើយ',
        body: 'ប្រសិនបើអ្នកនៅតែចង់ប្រាប់យើង សូមឆ្លើយតបសារដែលយើងបានផ្ញើ ឬទូរស័ព្ទមកយើង។',
      },
      invalid: {
        title: 'តំណនេះមិនដំណើរការទេ',
        body: 'ប្រហែលជាតំណខ្វះផ្នែកខ្លះ។ សូមបើកវាម្តងទៀតដោយផ្ទាល់ពីសារ។ ប្រសិនបើនៅតែមិនដំណើរការ សូមឆ្លើយតបសារ ឬទូរស័ព្ទមកយើង។',
      },
      'not-found': {
        title: 'រកមិនឃើញសំណើនេះទេ',
        body: 'ប្រហែលជាវាត្រូវបានលុបចោល។ ប្រសិនបើអ្នកចង់ប្រាប់យើង សូមឆ្លើយតបសារដែលយើងបានផ្ញើ ឬទូរស័ព្ទមកយើង។',
      },
    },
  },
  tl: {
    greetingNamed: 'Mahal na {{firstName}},',
    greeting: 'Magandang araw,',
    title: 'Bakit hindi na kayo bumabalik?',
    intro:
      'Matagal na naming hindi kayo nakikita sa {{clinic}}. Makatutulong ang inyong sagot para mas mapabuti pa namin ang aming serbisyo. Piliin ang pinakaangkop, o sumulat ng ilang salita.',
    reasons: 'Ano ang pangunahing dahilan?',
    text: 'May gusto pa ba kayong sabihin? (opsyonal)',
    callMe: 'Pakitawagan po ako',
    book: 'Gusto kong magpa-book ulit',
    send: 'Ipadala ang sagot',
    previous: 'Nakasagot na kayo. Maaari ninyong baguhin ang sagot at ipadala itong muli.',
    unsubscribeIntro: 'Ayaw na ba ninyong makatanggap ng mensahe mula sa amin?',
    viber: 'Mas gusto ba ninyo sa Viber? Buksan ang aming Viber chat at doon kami susulat sa susunod.',
    unsubscribe: 'Mag-unsubscribe',
    thanksTitle: 'Salamat po!',
    thanks: 'Natanggap namin ang inyong sagot at babasahin namin ito nang mabuti.',
    updated: 'In-update namin ang inyong sagot.',
    unsubscribedTitle: 'Naka-unsubscribe na kayo',
    unsubscribed: 'Hindi na kayo padadalhan ng {{clinic}} ng ganitong mga mensahe.',
    confirmTitle: 'Mag-unsubscribe?',
    confirm: 'Pindutin ang button para hindi na makatanggap ng mga mensahe mula sa {{clinic}}.',
    confirmButton: 'Oo, i-unsubscribe ako',
    problems: {
      expired: {
        title: 'Nag-expire na ang link na ito',
        body: 'Kung gusto pa rin ninyong magsabi sa amin, sagutin ang mensaheng ipinadala namin o tawagan kami.',
      },
      invalid: {
        title: 'Hindi gumagana ang link na ito',
        body: 'Baka may kulang na bahagi nito. Buksan itong muli nang direkta mula sa mensahe. Kung hindi pa rin gumana, sagutin ang mensahe o tawagan kami.',
      },
      'not-found': {
        title: 'Hindi namin makita ang kahilingang ito',
        body: 'Baka nakansela na ito. Kung gusto ninyong magsabi sa amin, sagutin ang mensaheng ipinadala namin o tawagan kami.',
      },
    },
  },
};

export const pageLocales: readonly string[] = Object.freeze(Object.keys(pageWordings));

const rtlLanguages = new Set(['ar', 'arc', 'ckb', 'dv', 'fa', 'he', 'ks', 'ps', 'sd', 'ug', 'ur', 'yi']);

/** The locale a page is written in for a client's locale: the tag, its base language, else English. */
export const pageLocaleFor = (locale: string | undefined): string => {
  const tag = (locale ?? '').trim().replace(/_/g, '-').toLowerCase();
  if (tag in pageWordings) return tag;
  const language = languageOf(tag);
  return language in pageWordings ? language : 'en';
};

// C0 and C1 controls (but tab and newline), direction marks, embeddings, overrides and
// isolates, and the byte-order mark. Zero-width joiners stay: emoji and some scripts need them.
const unsafeChars = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!);

const codePoints = (text: string, max: number): string => [...text].slice(0, max).join('');

/** A one-line value (a name, a label): no control or direction characters, spaces collapsed, bounded. */
const oneLine = (value: string, max: number): string => codePoints(value.replace(unsafeChars, '').replace(/\s+/g, ' ').trim(), max);

/** Free text: no control or direction characters, CRLF as LF, trimmed. */
const cleanText = (value: string): string => value.replace(/\r\n?/g, '\n').replace(unsafeChars, '').trim();

/** Free text to show: clean and bounded. */
const freeText = (value: string): string => codePoints(cleanText(value), maxReplyTextLength);

/** A wording with its {{placeholders}} filled by values already escaped as HTML. */
const fill = (text: string, values: Readonly<Record<string, string>>): string =>
  escapeHtml(text).replace(/\{\{(\w+)\}\}/g, (_, name: string) => values[name] ?? '');

const isolate = (value: string): string => `<bdi>${escapeHtml(value)}</bdi>`;

const style = [
  ':root{color-scheme:light dark}',
  '*{box-sizing:border-box}',
  'html{-webkit-text-size-adjust:100%;text-size-adjust:100%}',
  'body{margin:0;font:1.0625rem/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;color:#1b1f24;background:#f4f6f8}',
  'main{max-width:36rem;margin:0 auto;padding:1rem 1rem 2rem}',
  '.clinic{margin:0 0 .5rem;font-weight:600;color:#3d4a5c;overflow-wrap:anywhere}',
  'h1{font-size:1.5rem;line-height:1.25;margin:.25rem 0 .75rem}',
  'p{margin:0 0 1rem;overflow-wrap:anywhere}',
  'fieldset{border:0;margin:0 0 1rem;padding:0;min-width:0}',
  'legend,.label{display:block;font-weight:600;margin:0 0 .5rem;padding:0}',
  '.opt{display:flex;align-items:center;gap:.75rem;min-height:3rem;padding:.5rem .875rem;margin:0 0 .5rem;background:#fff;border:2px solid #b7c0cc;border-radius:.5rem;cursor:pointer;overflow-wrap:anywhere}',
  '.opt:has(:checked){border-color:#1a56b8;background:#e8f0fc}',
  'input{width:1.5rem;height:1.5rem;margin:0;flex:none;accent-color:#1a56b8}',
  'textarea{display:block;width:100%;min-height:7rem;margin:0 0 1rem;padding:.75rem;font:inherit;color:inherit;background:#fff;border:2px solid #b7c0cc;border-radius:.5rem;resize:vertical}',
  'button{display:block;width:100%;min-height:3rem;margin:.5rem 0 0;padding:.75rem 1rem;font:inherit;font-weight:600;color:#fff;background:#1a56b8;border:0;border-radius:.5rem;cursor:pointer}',
  'button:hover{background:#154592}',
  '.quiet{display:inline-block;width:auto;min-height:2.75rem;font-weight:400;color:#1a56b8;background:none;border:2px solid currentColor}',
  '.quiet:hover{background:none;text-decoration:underline}',
  '.unsub{margin-top:2rem;padding-top:1rem;border-top:1px solid #b7c0cc;font-size:.9375rem}',
  '.note{padding:.75rem 1rem;border-inline-start:4px solid #1a56b8;background:#e8f0fc}',
  ':focus-visible{outline:3px solid #c2410c;outline-offset:3px}',
  '@media (prefers-color-scheme:dark){body{color:#e6e9ee;background:#14181d}.clinic{color:#aab4c3}.opt,textarea{background:#1d232b;border-color:#56616f}.opt:has(:checked),.note{background:#1b2d4a;border-color:#8ab4ff}button{background:#2f6fdc}.quiet{color:#8ab4ff;background:none}:focus-visible{outline-color:#fb923c}}',
].join('');

const styleHash = createHash('sha256').update(style, 'utf8').digest('base64');

/** The headers every page is served with. */
export const pageHeaders: Readonly<Record<string, string>> = Object.freeze({
  'Content-Type': 'text/html; charset=utf-8',
  'Content-Security-Policy': `default-src 'none'; style-src 'sha256-${styleHash}'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`,
  'X-Content-Type-Options': 'nosniff',
  // The token is in the URL: it must not leak to anywhere the page links or loads.
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
  'Strict-Transport-Security': 'max-age=63072000; includeSubDomains',
  'X-Frame-Options': 'DENY',
  'X-Robots-Tag': 'noindex, nofollow',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
});

const page = (locale: string, title: string, body: string): string =>
  [
    '<!doctype html>',
    `<html lang="${escapeHtml(locale)}" dir="${rtlLanguages.has(locale.split('-')[0]!) ? 'rtl' : 'ltr'}">`,
    '<head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width,initial-scale=1">',
    '<meta name="referrer" content="no-referrer"><meta name="robots" content="noindex,nofollow">',
    `<title>${title}</title>`,
    `<style>${style}</style>`,
    '</head>',
    `<body><main>${body}</main></body>`,
    '</html>',
    '',
  ].join('\n');

const clinicHeader = (clinic: string): string => (clinic ? `<p class="clinic">${isolate(clinic)}</p>\n` : '');

const titled = (title: string, clinic: string): string => (clinic ? `${escapeHtml(title)} · ${escapeHtml(clinic)}` : escapeHtml(title));

const checkbox = (name: string, label: string, checked: boolean | undefined): string =>
  `<label class="opt"><input type="checkbox" name="${name}" value="yes"${checked ? ' checked' : ''}><span>${escapeHtml(label)}</span></label>`;

export const renderReplyPage = (view: ReplyPageView): string => {
  const locale = pageLocaleFor(view.locale);
  const words = pageWordings[locale]!;
  const clinic = oneLine(view.clinicName, 80);
  const firstName = view.firstName ? oneLine(view.firstName, 40) : '';
  const previous = view.previous;
  const greeting = firstName ? fill(words.greetingNamed, { firstName: isolate(firstName) }) : escapeHtml(words.greeting);
  const choices = view.reasons.map(
    (reason) =>
      `<label class="opt"><input type="radio" name="reason" value="${escapeHtml(reason.id)}"${previous?.reasonId === reason.id ? ' checked' : ''}><span dir="auto">${escapeHtml(oneLine(reason.label, 200))}</span></label>`,
  );
  const body = [
    clinicHeader(clinic),
    `<h1>${escapeHtml(words.title)}</h1>`,
    `<p>${greeting} ${fill(words.intro, { clinic: isolate(clinic) })}</p>`,
    previous ? `<p class="note">${escapeHtml(words.previous)}</p>` : '',
    `<form method="post" action="${escapeHtml(view.action)}">`,
    choices.length > 0 ? `<fieldset><legend>${escapeHtml(words.reasons)}</legend>\n${choices.join('\n')}\n</fieldset>` : '',
    `<label class="label" for="text">${escapeHtml(words.text)}</label>`,
    `<textarea id="text" name="text" maxlength="${maxReplyTextLength}" rows="4" dir="auto">${escapeHtml(freeText(previous?.text ?? ''))}</textarea>`,
    checkbox('callMe', words.callMe, previous?.callMe),
    checkbox('book', words.book, previous?.book),
    `<button type="submit">${escapeHtml(words.send)}</button>`,
    '</form>',
    view.viberLink ? `<p class="note"><a href="${escapeHtml(view.viberLink)}">${escapeHtml(words.viber)}</a></p>` : '',
    `<form class="unsub" method="post" action="${escapeHtml(view.unsubscribeAction)}">`,
    `<p>${escapeHtml(words.unsubscribeIntro)}</p>`,
    `<button class="quiet" type="submit">${escapeHtml(words.unsubscribe)}</button>`,
    '</form>',
  ];
  return page(locale, titled(words.title, clinic), body.filter(Boolean).join('\n'));
};

export const renderThanksPage = (view: { readonly locale: string; readonly clinicName: string; readonly updated: boolean }): string => {
  const locale = pageLocaleFor(view.locale);
  const words = pageWordings[locale]!;
  const clinic = oneLine(view.clinicName, 80);
  const body = [
    clinicHeader(clinic),
    `<h1>${escapeHtml(words.thanksTitle)}</h1>`,
    view.updated ? `<p class="note">${escapeHtml(words.updated)}</p>` : '',
    `<p>${escapeHtml(words.thanks)}</p>`,
  ];
  return page(locale, titled(words.thanksTitle, clinic), body.filter(Boolean).join('\n'));
};

export const renderUnsubscribedPage = (view: { readonly locale: string; readonly clinicName: string }): string => {
  const locale = pageLocaleFor(view.locale);
  const words = pageWordings[locale]!;
  const clinic = oneLine(view.clinicName, 80);
  const body = [clinicHeader(clinic), `<h1>${escapeHtml(words.unsubscribedTitle)}</h1>`, `<p>${fill(words.unsubscribed, { clinic: isolate(clinic) })}</p>`];
  return page(locale, titled(words.unsubscribedTitle, clinic), body.filter(Boolean).join('\n'));
};

/** What a GET on an unsubscribe link shows: a button, so that mail scanners following links unsubscribe nobody. */
export const renderUnsubscribeConfirmPage = (view: { readonly locale: string; readonly clinicName: string; readonly action: string }): string => {
  const locale = pageLocaleFor(view.locale);
  const words = pageWordings[locale]!;
  const clinic = oneLine(view.clinicName, 80);
  const body = [
    clinicHeader(clinic),
    `<h1>${escapeHtml(words.confirmTitle)}</h1>`,
    `<form method="post" action="${escapeHtml(view.action)}">`,
    `<p>${fill(words.confirm, { clinic: isolate(clinic) })}</p>`,
    `<button type="submit">${escapeHtml(words.confirmButton)}</button>`,
    '</form>',
  ];
  return page(locale, titled(words.confirmTitle, clinic), body.filter(Boolean).join('\n'));
};

export const renderProblemPage = (view: { readonly locale?: string; readonly problem: ReplyProblem }): string => {
  const locale = pageLocaleFor(view.locale);
  const problem = pageWordings[locale]!.problems[view.problem];
  return page(locale, escapeHtml(problem.title), [`<h1>${escapeHtml(problem.title)}</h1>`, `<p>${escapeHtml(problem.body)}</p>`].join('\n'));
};

export type ReplyFormProblem = 'unsupported-media-type' | 'too-large' | 'malformed';

export class ReplyFormError extends AppError {
  override readonly name = 'ReplyFormError';
  get kind(): ErrorKind {
    return ({ 'unsupported-media-type': 'unsupported-media', 'too-large': 'too-large', malformed: 'invalid' } as const)[this.problem];
  }
  constructor(
    readonly problem: ReplyFormProblem,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Enough for `maxReplyTextLength` characters of any script percent-encoded (up to 9 bytes a
 * character) and the other fields, with room to spare: a longer text within it is taken and
 * cut where every answer is; a larger body is refused (413).
 */
export const maxReplyFormBytes = 65_536;

const reasonIdPattern = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;

const decodeComponent = (raw: string): string => {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    throw new ReplyFormError('malformed', 'the form has a badly encoded value');
  }
};

/**
 * The reply form's fields from an `application/x-www-form-urlencoded` body. Unknown fields are
 * ignored; a repeated field, a bad encoding or a bad value is a ReplyFormError.
 */
export const parseReplyForm = (body: string, contentType?: string): ReplyForm => {
  if (contentType !== undefined) {
    const [mediaType, ...parameters] = contentType.split(';').map((part) => part.trim().toLowerCase());
    if (mediaType !== 'application/x-www-form-urlencoded')
      throw new ReplyFormError('unsupported-media-type', `expected application/x-www-form-urlencoded, got ${JSON.stringify(mediaType?.slice(0, 60))}`);
    const charset = parameters
      .find((parameter) => parameter.startsWith('charset='))
      ?.slice('charset='.length)
      .replace(/"/g, '');
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8')
      throw new ReplyFormError('unsupported-media-type', `expected UTF-8, got ${JSON.stringify(charset.slice(0, 30))}`);
  }
  if (body.length > maxReplyFormBytes) throw new ReplyFormError('too-large', `the form is larger than ${maxReplyFormBytes} bytes`);

  const fields = new Map<string, string>();
  for (const pair of body.split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    const name = decodeComponent(equals === -1 ? pair : pair.slice(0, equals));
    const value = equals === -1 ? '' : decodeComponent(pair.slice(equals + 1));
    if (!['reason', 'text', 'callMe', 'book'].includes(name)) continue;
    if (fields.has(name)) throw new ReplyFormError('malformed', `the field ${name} appears twice`);
    fields.set(name, value);
  }

  const flag = (name: string): boolean => {
    const value = fields.get(name);
    if (value === undefined) return false;
    if (value === 'yes' || value === 'on') return true;
    throw new ReplyFormError('malformed', `the field ${name} must be "yes"`);
  };
  const reasonId = fields.get('reason')?.trim() || undefined;
  if (reasonId !== undefined && !reasonIdPattern.test(reasonId)) throw new ReplyFormError('malformed', 'the reason is not a reason id');
  // Not cut here: recordAnswer cuts every channel's text at one limit and marks the answer.
  const text = cleanText(fields.get('text') ?? '') || undefined;
  return { ...(reasonId !== undefined && { reasonId }), ...(text !== undefined && { text }), callMe: flag('callMe'), book: flag('book') };
};
