import { normalizeAnswer } from './text-normalize.ts';
import { wordingKeys } from '../common/languages.ts';
import { AppError, type ErrorKind } from '../common/app-error.ts';

/**
 * The catalogue of reasons why clients stopped coming. Managers add, merge, rename and retire
 * reasons; answers are matched to them (reason-matching.ts). Every operation returns a new
 * catalogue with the next version, so a stored catalogue can be updated with a version check.
 */

export type ChurnType = 'voluntary' | 'involuntary' | 'passive';

export interface Reason {
  /** Kebab-case and stable: answers and reports refer to it. */
  readonly id: string;
  /** Per locale (en, el, ru, bn, ka, km, tl, ...); at least en for the seed reasons. */
  readonly labels: Readonly<Record<string, string>>;
  readonly churnType: ChurnType;
  readonly status: 'active' | 'retired';
  /** Set when merged into another reason: answers under this one count under that one. */
  readonly mergedInto?: string;
  /** Seed keywords and phrases per locale, matched after normalisation. */
  readonly keywords: Readonly<Record<string, readonly string[]>>;
  readonly addedAt?: string;
  readonly mergedAt?: string;
  /**
   * A reason a client cannot give about themselves, like "passed away": staff record it and
   * texts from relatives are matched to it, but the reply page never offers it.
   */
  readonly offeredToClients?: false;
}

/**
 * Who taught an alias: a manager mapped the words (the default, and the only kind that places the
 * same words by themselves), a client chose a reason button and wrote them, or staff recorded a
 * reason with them as the note. The matcher learns from all three, a manager's mapping most.
 */
export type AliasSource = 'manager' | 'client' | 'staff';

export interface Alias {
  /** Normalised (normalizeAnswer) text of an answer placed under a reason. */
  readonly text: string;
  readonly reasonId: string;
  readonly locale?: string;
  readonly learnedAt: string;
  /** Absent: a manager's. */
  readonly source?: AliasSource;
}

export const isManagersAlias = (alias: Alias): boolean => alias.source === undefined || alias.source === 'manager';

export interface Catalogue {
  readonly version: number;
  readonly reasons: readonly Reason[];
  readonly aliases: readonly Alias[];
}

export type CatalogueErrorCode =
  | 'unknown-reason'
  | 'retired-reason'
  | 'already-exists'
  | 'merge-into-itself'
  | 'merge-cycle'
  | 'bad-label'
  | 'bad-id'
  | 'bad-locale';

export class CatalogueError extends AppError {
  override readonly name = 'CatalogueError';
  readonly code: CatalogueErrorCode;

  get kind(): ErrorKind {
    if (this.code === 'unknown-reason') return 'not-found';
    return this.code === 'bad-label' || this.code === 'bad-id' || this.code === 'bad-locale' ? 'invalid' : 'conflict';
  }

  constructor(code: CatalogueErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** The catch-all reason: offered after every named one, and not a reason the answer model may choose. */
export const otherReasonId = 'other';

/** The reply digits of the outgoing SMS: "Reply 1 price, 2 waiting, 3 moved, 4 doctor, 5 feel better, 6 other". */
export const digitReasons: Record<string, string> = {
  '1': 'price',
  '2': 'waiting-time',
  '3': 'moved-away',
  '4': 'quality-of-care',
  '5': 'no-longer-needed',
  '6': 'other',
};

type SeedReason = Pick<Reason, 'id' | 'churnType' | 'labels' | 'keywords' | 'offeredToClients'>;

const seedReasons: readonly SeedReason[] = [
  {
    id: 'price',
    churnType: 'voluntary',
    labels: { en: 'Price', el: 'Τιμή', ru: 'Цена', bn: 'দাম', ka: 'ფასი', km: 'តម្លៃ', tl: 'Presyo' },
    keywords: {
      en: [
        'expensive',
        'too expensive',
        'price',
        'prices',
        'pricey',
        'overpriced',
        'cost',
        'costs',
        'costly',
        'fees',
        'cant afford',
        'cannot afford',
        'afford',
        'money',
        'cheaper',
        'too much money',
      ],
      el: [
        'ακριβό',
        'ακριβά',
        'ακριβός',
        'ακριβή',
        'ακριβοί',
        'τιμή',
        'τιμές',
        'κόστος',
        'λεφτά',
        'χρήματα',
        'οικονομικοί λόγοι',
        'οικονομικά',
        'akrivo',
        'akriva',
        'akrivi',
      ],
      ru: ['дорого', 'дорогой', 'дорогие', 'дороговато', 'цена', 'цены', 'стоимость', 'деньги', 'денег', 'не по карману', 'дешевле', 'dorogo'],
      bn: ['দাম', 'দামি', 'দাম বেশি', 'খরচ', 'খরচ বেশি', 'টাকা', 'অনেক টাকা', 'ব্যয়বহুল', 'সামর্থ্য নেই'],
      ka: ['ძვირი', 'ძვირია', 'ძალიან ძვირი', 'ფასი', 'ფასები', 'ღირებულება', 'ფული', 'ფული არ მაქვს', 'ვერ ვიხდი'],
      km: ['ថ្លៃ', 'ថ្លៃពេក', 'ថ្លៃណាស់', 'តម្លៃ', 'លុយ', 'គ្មានលុយ', 'អស់លុយ'],
      tl: [
        'mahal',
        'masyadong mahal',
        'ang mahal',
        'mahal ang bayad',
        'presyo',
        'bayad',
        'singil',
        'gastos',
        'walang pera',
        'walang pambayad',
        'kulang sa pera',
      ],
    },
  },
  {
    id: 'waiting-time',
    churnType: 'voluntary',
    labels: { en: 'Waiting time', el: 'Αναμονή', ru: 'Ожидание', bn: 'অপেক্ষা', ka: 'ლოდინი', km: 'រង់ចាំ', tl: 'Paghihintay' },
    keywords: {
      en: [
        'wait',
        'waiting',
        'waited',
        'long wait',
        'too long',
        'took too long',
        'queue',
        'queues',
        'delay',
        'delays',
        'for hours',
        'kept waiting',
        'waiting list',
        'never on time',
        'waiting room',
      ],
      el: [
        'αναμονή',
        'περιμένω',
        'περίμενα',
        'περιμέναμε',
        'περιμένεις',
        'περιμένουμε',
        'ουρά',
        'ουρές',
        'καθυστέρηση',
        'καθυστερήσεις',
        'αργούν',
        'αργούσαν',
        'για ώρες',
        'πολλή ώρα',
      ],
      ru: ['ожидание', 'ждать', 'ждал', 'ждала', 'ждали', 'очередь', 'очереди', 'долго', 'долго ждать', 'задержка', 'опаздывают', 'часами'],
      bn: ['অপেক্ষা', 'অনেক অপেক্ষা', 'লম্বা লাইন', 'লাইন', 'দেরি', 'অনেক সময়', 'সিরিয়াল', 'ঘণ্টার পর ঘণ্টা', 'বসে থাকতে'],
      ka: ['ლოდინი', 'რიგი', 'რიგები', 'დიდი რიგი', 'დიდხანს', 'ველოდე', 'ველოდებოდი', 'დაგვიანება', 'ბევრი ლოდინი', 'საათობით'],
      km: ['រង់ចាំ', 'ចាំយូរ', 'យូរពេក', 'យូរណាស់', 'រង់ចាំយូរ', 'យឺត', 'ជួរ', 'តម្រង់ជួរ'],
      tl: ['matagal', 'paghihintay', 'hintay', 'naghintay', 'antay', 'naghihintay', 'pila', 'mahabang pila', 'ang tagal', 'tagal'],
    },
  },
  {
    id: 'quality-of-care',
    churnType: 'voluntary',
    labels: {
      en: 'Quality of care',
      el: 'Ποιότητα φροντίδας',
      ru: 'Качество лечения',
      bn: 'চিকিৎসার মান',
      ka: 'მკურნალობის ხარისხი',
      km: 'គុណភាពនៃការព្យាបាល',
      tl: 'Kalidad ng pangangalaga',
    },
    keywords: {
      en: [
        'bad doctor',
        'didnt help',
        'did not help',
        'not helping',
        'no improvement',
        'not better',
        'not getting better',
        'didnt get better',
        'bad treatment',
        'poor care',
        'poor treatment',
        'wrong diagnosis',
        'misdiagnosed',
        'didnt work',
        'worse',
        'got worse',
        'incompetent',
        'quality',
        'not cured',
        'not recovered',
      ],
      el: [
        'δεν βοήθησε',
        'δεν με βοήθησε',
        'καμία βελτίωση',
        'καμιά βελτίωση',
        'κακή θεραπεία',
        'λάθος διάγνωση',
        'δεν έγινα καλά',
        'χειρότερα',
        'ποιότητα',
        'ανίκανος',
      ],
      ru: [
        'плохой врач',
        'не помогло',
        'не помогли',
        'не помогает',
        'никакого улучшения',
        'плохое лечение',
        'неправильный диагноз',
        'стало хуже',
        'хуже',
        'качество',
        'некомпетентный',
      ],
      bn: ['চিকিৎসা ভালো না', 'চিকিৎসা ভালো হয়নি', 'কাজ হয়নি', 'উন্নতি হয়নি', 'ভুল চিকিৎসা', 'সুস্থ হইনি', 'ভালো হইনি', 'আরও খারাপ', 'মান'],
      ka: ['ცუდი ექიმი', 'არ დამეხმარა', 'არ მიშველა', 'ცუდი მკურნალობა', 'არასწორი დიაგნოზი', 'უარესად', 'გაუარესდა', 'არ გამოვჯანმრთელდი', 'ხარისხი'],
      km: ['ព្យាបាលមិនល្អ', 'មិនបានជា', 'មិនធូរ', 'មិនជាសះស្បើយ', 'មិនបានជាសះស្បើយ', 'កាន់តែធ្ងន់', 'មើលមិនត្រូវ'],
      tl: ['hindi gumaling', 'hindi nakatulong', 'walang nangyari', 'mali ang diagnosis', 'lumala', 'walang pagbabago', 'hindi magaling ang doktor'],
    },
  },
  {
    id: 'staff-attitude',
    churnType: 'voluntary',
    labels: {
      en: 'Staff attitude',
      el: 'Συμπεριφορά προσωπικού',
      ru: 'Отношение персонала',
      bn: 'কর্মীদের আচরণ',
      ka: 'პერსონალის დამოკიდებულება',
      km: 'អាកប្បកិរិយាបុគ្គលិក',
      tl: 'Ugali ng staff',
    },
    keywords: {
      en: [
        'rude',
        'unfriendly',
        'impolite',
        'disrespectful',
        'attitude',
        'receptionist',
        'reception',
        'staff',
        'nurse',
        'didnt listen',
        'did not listen',
        'yelled',
        'shouted',
        'arrogant',
        'unkind',
        'unprofessional',
        'treated badly',
      ],
      el: [
        'αγένεια',
        'αγενής',
        'αγενείς',
        'αγενέστατοι',
        'συμπεριφορά',
        'προσωπικό',
        'γραμματεία',
        'ρεσεψιόν',
        'νοσοκόμα',
        'δεν με άκουσαν',
        'απότομοι',
        'απότομος',
        'απότομη',
      ],
      ru: ['грубо', 'грубые', 'грубость', 'хамство', 'хамят', 'хамили', 'нагрубили', 'персонал', 'отношение', 'невнимательные', 'регистратура', 'медсестра'],
      bn: ['খারাপ ব্যবহার', 'ব্যবহার', 'দুর্ব্যবহার', 'অভদ্র', 'কর্মী', 'কর্মীরা', 'রিসেপশন', 'নার্স', 'আচরণ'],
      ka: ['უხეში', 'უხეშები', 'უზრდელი', 'უზრდელები', 'დამოკიდებულება', 'პერსონალი', 'რეგისტრატურა', 'მედდა', 'ცუდად მომექცნენ'],
      km: ['មិនគួរសម', 'អាកប្បកិរិយា', 'បុគ្គលិក', 'ឈ្លើយ', 'ស្រែកដាក់', 'មើលងាយ', 'និយាយមិនល្អ'],
      tl: ['bastos', 'masungit', 'suplado', 'suplada', 'walang galang', 'ugali', 'staff', 'nurse', 'sinigawan', 'hindi mabait', 'pangit ang ugali'],
    },
  },
  {
    id: 'moved-away',
    churnType: 'involuntary',
    labels: { en: 'Moved away', el: 'Μετακόμιση', ru: 'Переезд', bn: 'ঠিকানা বদল', ka: 'გადასახლება', km: 'ផ្លាស់ទីលំនៅ', tl: 'Lumipat ng tirahan' },
    keywords: {
      en: [
        'moved',
        'moving',
        'moved away',
        'moved house',
        'relocated',
        'another city',
        'new city',
        'another town',
        'live far',
        'too far',
        'far away',
        'abroad',
        'left the country',
        'distance',
      ],
      el: [
        'μετακόμισα',
        'μετακομίσαμε',
        'μετακομίζω',
        'μετακόμιση',
        'άλλη πόλη',
        'άλλαξα πόλη',
        'μένω μακριά',
        'μακριά',
        'εξωτερικό',
        'έφυγα',
        'φύγαμε',
        'απόσταση',
      ],
      ru: [
        'переехал',
        'переехала',
        'переехали',
        'переезд',
        'далеко',
        'живу далеко',
        'другой город',
        'другом городе',
        'уехал',
        'уехала',
        'уехали',
        'за границу',
        'за границей',
      ],
      bn: ['ঠিকানা বদল', 'বাসা বদল', 'বাসা বদলেছি', 'চলে গেছি', 'অন্য জায়গায় চলে গেছি', 'অন্য শহরে', 'দূরে', 'অনেক দূর', 'বিদেশে'],
      ka: ['გადავსახლდი', 'გადავსახლდით', 'გადავედი საცხოვრებლად', 'შორს', 'შორს ვცხოვრობ', 'სხვა ქალაქში', 'საზღვარგარეთ', 'გადასახლება', 'სხვა ქვეყანაში'],
      km: ['ផ្លាស់ទីលំនៅ', 'ផ្លាស់ទី', 'ផ្លាស់ផ្ទះ', 'ផ្លាស់ទៅ', 'ឆ្ងាយ', 'នៅឆ្ងាយ', 'ទៅរស់នៅ', 'ខេត្តផ្សេង', 'ក្រៅប្រទេស'],
      tl: [
        'lumipat',
        'lumipat kami',
        'lumipat ng bahay',
        'lumipat ng tirahan',
        'malayo',
        'malayo na',
        'ibang lugar',
        'ibang bansa',
        'nasa probinsya',
        'nag abroad',
        'umuwi sa probinsya',
      ],
    },
  },
  {
    id: 'switched-provider',
    churnType: 'voluntary',
    labels: {
      en: 'Switched provider',
      el: 'Αλλαγή κλινικής',
      ru: 'Другая клиника',
      bn: 'অন্য ক্লিনিক',
      ka: 'სხვა კლინიკა',
      km: 'ប្តូរគ្លីនិក',
      tl: 'Lumipat ng klinika',
    },
    keywords: {
      en: [
        'another clinic',
        'other clinic',
        'different clinic',
        'new clinic',
        'another doctor',
        'new doctor',
        'different doctor',
        'another dentist',
        'switched',
        'changed clinic',
        'found a better',
        'found another',
        'closer clinic',
        'elsewhere',
        'somewhere else',
        'competitor',
      ],
      el: [
        'άλλη κλινική',
        'άλλο γιατρό',
        'άλλον γιατρό',
        'άλλαξα γιατρό',
        'άλλαξα κλινική',
        'αλλού',
        'πηγαίνω αλλού',
        'καινούργιο γιατρό',
        'νέο γιατρό',
        'άλλο ιατρείο',
      ],
      ru: [
        'другая клиника',
        'другую клинику',
        'другой клинике',
        'другой врач',
        'другому врачу',
        'другого врача',
        'сменил',
        'сменила',
        'хожу в другую',
        'нашёл другую',
        'нашла другую',
        'в другое место',
      ],
      bn: ['অন্য ক্লিনিক', 'অন্য ক্লিনিকে', 'অন্য ডাক্তার', 'অন্য ডাক্তারের', 'অন্য হাসপাতাল', 'অন্য হাসপাতালে', 'ডাক্তার বদল', 'অন্য জায়গায় দেখাই'],
      ka: ['სხვა კლინიკა', 'სხვა კლინიკაში', 'სხვა ექიმი', 'სხვა ექიმთან', 'ექიმი შევიცვალე', 'კლინიკა შევიცვალე', 'სხვაგან დავდივარ', 'სხვაგან'],
      km: ['គ្លីនិកផ្សេង', 'ពេទ្យផ្សេង', 'ប្តូរគ្លីនិក', 'ប្ដូរគ្លីនិក', 'ប្តូរពេទ្យ', 'ប្ដូរពេទ្យ', 'មន្ទីរពេទ្យផ្សេង', 'កន្លែងផ្សេង'],
      tl: ['ibang clinic', 'ibang klinika', 'ibang doktor', 'lumipat ng clinic', 'lumipat ng klinika', 'lumipat sa ibang', 'nagpalit ng doktor', 'sa iba na'],
    },
  },
  {
    id: 'schedule',
    churnType: 'voluntary',
    labels: { en: 'Schedule', el: 'Ωράριο', ru: 'Расписание', bn: 'সময়সূচি', ka: 'განრიგი', km: 'កាលវិភាគ', tl: 'Iskedyul' },
    keywords: {
      en: [
        'schedule',
        'opening hours',
        'hours',
        'closed',
        'no appointments',
        'no slots',
        'no availability',
        'cant get an appointment',
        'work hours',
        'weekends',
        'evenings',
        'busy',
        'no time',
        'inconvenient times',
      ],
      el: [
        'ωράριο',
        'ώρες λειτουργίας',
        'ραντεβού',
        'δεν βρίσκω ραντεβού',
        'κλειστά',
        'δεν έχω χρόνο',
        'δεν προλαβαίνω',
        'δουλειά',
        'Σαββατοκύριακο',
        'απογεύματα',
      ],
      ru: [
        'расписание',
        'график',
        'неудобное время',
        'нет времени',
        'нет записи',
        'не записаться',
        'не могу записаться',
        'часы работы',
        'работаю',
        'выходные',
        'закрыто',
      ],
      bn: ['সময়সূচি', 'সময় নেই', 'সময় মেলে না', 'সিরিয়াল পাই না', 'অফিস', 'ছুটির দিন বন্ধ', 'বন্ধ থাকে'],
      ka: ['განრიგი', 'სამუშაო საათები', 'დრო არ მაქვს', 'დრო არ მყოფნის', 'ვერ ვეწერები', 'ჩაწერა', 'სამსახური', 'დაკეტილია', 'მოუხერხებელი დრო'],
      km: ['កាលវិភាគ', 'ម៉ោង', 'គ្មានពេល', 'អត់ពេល', 'រវល់', 'ម៉ោងធ្វើការ', 'បិទ', 'ណាត់'],
      tl: ['iskedyul', 'schedule', 'oras', 'walang oras', 'sarado', 'busy', 'trabaho', 'walang appointment', 'hindi makakuha ng appointment'],
    },
  },
  {
    id: 'no-longer-needed',
    churnType: 'passive',
    labels: {
      en: 'No longer needed',
      el: 'Δεν χρειάζεται πια',
      ru: 'Больше не нужно',
      bn: 'আর প্রয়োজন নেই',
      ka: 'აღარ მჭირდება',
      km: 'លែងត្រូវការ',
      tl: 'Hindi na kailangan',
    },
    keywords: {
      en: [
        'feel better',
        'feeling better',
        'better',
        'better now',
        'im better',
        'recovered',
        'healed',
        'cured',
        'fine now',
        'no longer need',
        'dont need',
        'not needed',
        'finished treatment',
        'treatment finished',
        'finished',
        'completed',
        'treatment is over',
        'healthy',
      ],
      el: [
        'έγινα καλά',
        'είμαι καλά',
        'καλύτερα',
        'δεν χρειάζομαι',
        'δεν χρειάζεται',
        'τελείωσα',
        'τελείωσε η θεραπεία',
        'θεραπεύτηκα',
        'είμαι εντάξει',
        'ολοκλήρωσα',
      ],
      ru: [
        'выздоровел',
        'выздоровела',
        'поправился',
        'поправилась',
        'мне лучше',
        'лучше',
        'не нужно',
        'не нужна',
        'больше не нужно',
        'здоров',
        'здорова',
        'закончил лечение',
        'закончила лечение',
        'вылечился',
        'вылечилась',
      ],
      bn: ['সুস্থ', 'সুস্থ হয়েছি', 'ভালো আছি', 'ভালো হয়ে গেছি', 'দরকার নেই', 'আর দরকার নেই', 'প্রয়োজন নেই', 'চিকিৎসা শেষ'],
      ka: ['გამოვჯანმრთელდი', 'უკეთ ვარ', 'კარგად ვარ', 'აღარ მჭირდება', 'საჭირო აღარ არის', 'მკურნალობა დავასრულე', 'მოვრჩი'],
      km: ['ជាសះស្បើយ', 'ជាហើយ', 'ធូរហើយ', 'លែងត្រូវការ', 'មិនត្រូវការ', 'សុខសប្បាយ', 'បានជា', 'ព្យាបាលចប់'],
      tl: ['gumaling', 'magaling na', 'okay na ako', 'ok na ako', 'mabuti na', 'hindi na kailangan', 'tapos na ang gamutan', 'wala nang sakit'],
    },
  },
  {
    id: 'insurance-or-payment',
    churnType: 'involuntary',
    labels: {
      en: 'Insurance or payment',
      el: 'Ασφάλεια ή πληρωμή',
      ru: 'Страховка или оплата',
      bn: 'বীমা বা পেমেন্ট',
      ka: 'დაზღვევა ან გადახდა',
      km: 'ធានារ៉ាប់រង ឬការបង់ប្រាក់',
      tl: 'Insurance o bayad',
    },
    keywords: {
      en: ['insurance', 'insurer', 'not covered', 'coverage', 'card declined', 'payment', 'billing', 'refund', 'policy'],
      el: ['ασφάλεια', 'ασφαλιστική', 'ασφάλιση', 'ΕΟΠΥΥ', 'δεν καλύπτει', 'δεν καλύπτεται', 'πληρωμή', 'πληρωμές'],
      ru: ['страховка', 'страховая', 'страховку', 'полис', 'ОМС', 'ДМС', 'не покрывает', 'оплата', 'оплату'],
      bn: ['বীমা', 'ইন্সুরেন্স', 'পেমেন্ট', 'বিকাশ', 'পরিশোধ'],
      ka: ['დაზღვევა', 'დაზღვევის', 'დაზღვევამ', 'სადაზღვევო', 'პოლისი', 'გადახდა', 'საყოველთაო ჯანდაცვა'],
      km: ['ធានារ៉ាប់រង', 'បង់ប្រាក់', 'ការបង់ប្រាក់'],
      tl: ['insurance', 'philhealth', 'hmo', 'billing', 'hindi tinanggap', 'problema sa bayad', 'resibo'],
    },
  },
  {
    id: 'deceased',
    churnType: 'involuntary',
    offeredToClients: false,
    labels: { en: 'Passed away', el: 'Απεβίωσε', ru: 'Скончался', bn: 'মারা গেছেন', ka: 'გარდაიცვალა', km: 'ទទួលមរណភាព', tl: 'Pumanaw' },
    keywords: {
      en: ['passed away', 'died', 'deceased', 'death', 'dead', 'funeral', 'rip', 'rest in peace', 'passed'],
      el: ['πέθανε', 'απεβίωσε', 'έφυγε από τη ζωή', 'κηδεία', 'τον χάσαμε', 'την χάσαμε', 'τη χάσαμε', 'θάνατος'],
      ru: ['умер', 'умерла', 'умерли', 'скончался', 'скончалась', 'ушёл из жизни', 'ушла из жизни', 'похороны', 'нет в живых', 'покойный'],
      bn: ['মারা গেছেন', 'মারা গেছে', 'মারা যান', 'মৃত্যু', 'ইন্তেকাল', 'প্রয়াত', 'পরলোকগমন'],
      ka: ['გარდაიცვალა', 'გარდაცვლილია', 'მოკვდა', 'დაიღუპა', 'გარდაცვალება', 'აღარ არის ცოცხალი'],
      km: ['ស្លាប់', 'ទទួលមរណភាព', 'មរណភាព', 'ចែកឋាន', 'អនិច្ចកម្ម'],
      tl: ['namatay', 'pumanaw', 'patay na', 'yumao', 'sumakabilang buhay', 'burol'],
    },
  },
  {
    id: 'other',
    churnType: 'passive',
    labels: { en: 'Other', el: 'Άλλο', ru: 'Другое', bn: 'অন্য', ka: 'სხვა', km: 'ផ្សេងៗ', tl: 'Iba pa' },
    keywords: {
      en: ['other', 'other reason', 'personal reasons', 'personal', 'family reasons', 'private'],
      el: ['άλλο', 'άλλος λόγος', 'προσωπικοί λόγοι', 'προσωπικοί', 'οικογενειακοί λόγοι'],
      ru: ['другое', 'другая причина', 'личные причины', 'семейные обстоятельства', 'по личным причинам'],
      bn: ['অন্য কারণ', 'ব্যক্তিগত কারণ', 'পারিবারিক কারণ', 'ব্যক্তিগত'],
      ka: ['სხვა მიზეზი', 'პირადი მიზეზები', 'პირადი მიზეზის', 'ოჯახური მიზეზები', 'ოჯახური'],
      km: ['ផ្សេងៗ', 'ហេតុផលផ្ទាល់ខ្លួន', 'មូលហេតុផ្សេង', 'រឿងគ្រួសារ', 'ផ្ទាល់ខ្លួន'],
      tl: ['iba pa', 'ibang dahilan', 'personal na dahilan', 'dahil sa pamilya', 'personal', 'pamilya'],
    },
  },
];

/** The catalogue a new clinic starts with (version 1). */
export const seedCatalogue = (): Catalogue => ({
  version: 1,
  reasons: seedReasons.map((reason) => ({ ...reason, status: 'active' })),
  aliases: [],
});

export const emptyCatalogue = (): Catalogue => ({ version: 0, reasons: [], aliases: [] });

const kebabId = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
/** A reason id is a key (of the catalogue, of reports): bounded, like every key. */
const longestId = 64;
const localeTag = /^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$/;
const longestLabel = 80;

const findReason = (catalogue: Catalogue, id: string): Reason => {
  const reason = catalogue.reasons.find((candidate) => candidate.id === id);
  if (!reason) throw new CatalogueError('unknown-reason', `No reason "${id}" in the catalogue`);
  return reason;
};

/**
 * The reason an id counts under today: itself, or the reason it was merged into, following
 * merges of merges. Every past answer is reported under this reason.
 */
export const resolveReason = (catalogue: Catalogue, id: string): Reason => {
  let reason = findReason(catalogue, id);
  const seen = new Set([reason.id]);
  while (reason.mergedInto !== undefined) {
    if (seen.has(reason.mergedInto)) throw new CatalogueError('merge-cycle', `Reasons merged in a circle through "${reason.mergedInto}"`);
    seen.add(reason.mergedInto);
    reason = findReason(catalogue, reason.mergedInto);
  }
  return reason;
};

/** The reason's label in the locale, then its base language, then English, then any. */
export const reasonLabel = (reason: Reason, locale: string | undefined): string =>
  (locale &&
    wordingKeys(locale)
      .map((key) => reason.labels[key])
      .find((label) => label !== undefined)) ||
  reason.labels.en ||
  Object.values(reason.labels)[0] ||
  reason.id;

/** Whether the reply page offers the reason; catalogues stored before `offeredToClients` existed hold "deceased" without it. */
export const offeredToClients = (reason: Reason): boolean => reason.offeredToClients !== false && reason.id !== 'deceased';

export const activeReasons = (catalogue: Catalogue): readonly Reason[] => catalogue.reasons.filter((reason) => reason.status === 'active');

const requireActive = (reason: Reason): Reason => {
  if (reason.status !== 'active') throw new CatalogueError('retired-reason', `Reason "${reason.id}" is retired`);
  return reason;
};

const cleanLabel = (label: string): string => {
  const cleaned = label.normalize('NFC').replace(/\s+/gu, ' ').trim();
  if (cleaned === '' || normalizeAnswer(cleaned) === '') throw new CatalogueError('bad-label', 'A reason needs a label with at least one letter or digit');
  if (Array.from(cleaned).length > longestLabel) throw new CatalogueError('bad-label', `A reason label is at most ${longestLabel} characters`);
  if (/[\p{Cc}\p{Cf}]/u.test(cleaned)) throw new CatalogueError('bad-label', 'A reason label cannot hold control characters');
  return cleaned;
};

const checkLocale = (locale: string): void => {
  if (!localeTag.test(locale)) throw new CatalogueError('bad-locale', `"${locale}" is not a language tag like en or el-GR`);
};

/** Refuses a label that another active reason already has, in any language. */
const checkLabelIsFree = (catalogue: Catalogue, label: string, exceptId?: string): void => {
  const wanted = normalizeAnswer(label);
  const holder = activeReasons(catalogue).find(
    (reason) => reason.id !== exceptId && Object.values(reason.labels).some((existing) => normalizeAnswer(existing) === wanted),
  );
  if (holder) throw new CatalogueError('already-exists', `Reason "${holder.id}" already has the label "${label}"`);
};

/** A kebab-case ASCII id from a label ("Parking is hard!" -> "parking-is-hard"); empty for labels with no Latin letters. */
const idFromLabel = (label: string): string =>
  label
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 40)
    .replace(/^-+|-+$/g, '');

const nextVersion = (catalogue: Catalogue, change: Partial<Omit<Catalogue, 'version'>>): Catalogue => ({
  ...catalogue,
  ...change,
  version: catalogue.version + 1,
});

const replaceReason = (catalogue: Catalogue, changed: Reason): readonly Reason[] =>
  catalogue.reasons.map((reason) => (reason.id === changed.id ? changed : reason));

export interface NewReason {
  readonly id?: string;
  readonly label: string;
  readonly locale: string;
  readonly churnType: ChurnType;
  readonly keywords?: readonly string[];
}

export const addReason = (catalogue: Catalogue, reason: NewReason, at: string): Catalogue => {
  checkLocale(reason.locale);
  const label = cleanLabel(reason.label);
  checkLabelIsFree(catalogue, label);
  const taken = new Set(catalogue.reasons.map((existing) => existing.id));
  let id: string;
  if (reason.id !== undefined) {
    if (reason.id.length > longestId) throw new CatalogueError('bad-id', `a reason id is at most ${longestId} characters`);
    if (!kebabId.test(reason.id)) throw new CatalogueError('bad-id', `"${reason.id}" is not a kebab-case id like waiting-time`);
    if (taken.has(reason.id)) throw new CatalogueError('already-exists', `Reason "${reason.id}" already exists`);
    id = reason.id;
  } else {
    const base = idFromLabel(label);
    let n = base === '' ? catalogue.reasons.length + 1 : 1;
    id = base === '' ? `reason-${n}` : base;
    while (taken.has(id)) {
      n += 1;
      id = base === '' ? `reason-${n}` : `${base}-${n}`;
    }
  }
  const keywords = (reason.keywords ?? []).map((keyword) => keyword.trim()).filter((keyword) => normalizeAnswer(keyword) !== '');
  const added: Reason = {
    id,
    labels: { [reason.locale]: label },
    churnType: reason.churnType,
    status: 'active',
    keywords: keywords.length > 0 ? { [reason.locale]: keywords } : {},
    addedAt: at,
  };
  return nextVersion(catalogue, { reasons: [...catalogue.reasons, added] });
};

/**
 * Folds one reason into another: `from` is retired and points at `into` (or at the reason
 * `into` was itself merged into), and its learned aliases move with it, so every answer ever
 * recorded under `from` counts under the surviving reason.
 */
export const mergeReason = (catalogue: Catalogue, fromId: string, intoId: string, at: string): Catalogue => {
  if (fromId === intoId) throw new CatalogueError('merge-into-itself', `Cannot merge "${fromId}" into itself`);
  const from = requireActive(findReason(catalogue, fromId));
  const into = resolveReason(catalogue, intoId);
  if (into.id === from.id) throw new CatalogueError('merge-cycle', `"${intoId}" was merged into "${fromId}"; merging back would make a circle`);
  requireActive(into);
  const retired: Reason = { ...from, status: 'retired', mergedInto: into.id, mergedAt: at };
  const aliases = catalogue.aliases.map((alias) => (alias.reasonId === from.id ? { ...alias, reasonId: into.id } : alias));
  return nextVersion(catalogue, { reasons: replaceReason(catalogue, retired), aliases });
};

/** Changes a reason's label in one locale. The old label stays a keyword, so answers worded like it still match. */
export const renameReason = (catalogue: Catalogue, id: string, locale: string, label: string): Catalogue => {
  checkLocale(locale);
  const reason = requireActive(findReason(catalogue, id));
  const cleaned = cleanLabel(label);
  checkLabelIsFree(catalogue, cleaned, id);
  const previous = reason.labels[locale];
  const localeKeywords = reason.keywords[locale] ?? [];
  const keepPrevious = previous !== undefined && previous !== cleaned && !localeKeywords.includes(previous);
  const renamed: Reason = {
    ...reason,
    labels: { ...reason.labels, [locale]: cleaned },
    keywords: keepPrevious ? { ...reason.keywords, [locale]: [...localeKeywords, previous] } : reason.keywords,
  };
  return nextVersion(catalogue, { reasons: replaceReason(catalogue, renamed) });
};

/** Stops offering and matching a reason; answers already recorded under it keep counting under it. */
export const retireReason = (catalogue: Catalogue, id: string): Catalogue => {
  const reason = requireActive(findReason(catalogue, id));
  return nextVersion(catalogue, { reasons: replaceReason(catalogue, { ...reason, status: 'retired' }) });
};

/**
 * Remembers that an answer worded like `text` means `reasonId`. The text is normalised; a
 * manager learning the same text again for another reason replaces the old alias, learning it
 * again for the same reason changes nothing (same catalogue, same version), and a client's or
 * staff's words never replace an alias that is already there.
 */
export const learnAlias = (
  catalogue: Catalogue,
  text: string,
  reasonId: string,
  locale: string | undefined,
  at: string,
  source: AliasSource = 'manager',
): Catalogue => {
  if (locale !== undefined) checkLocale(locale);
  const normalized = normalizeAnswer(text);
  if (normalized === '') throw new CatalogueError('bad-label', 'An alias needs at least one letter or digit');
  const reason = requireActive(resolveReason(catalogue, reasonId));
  const existing = catalogue.aliases.find((alias) => alias.text === normalized);
  if (existing && (existing.reasonId === reason.id || source !== 'manager')) return catalogue;
  const learned: Alias = {
    text: normalized,
    reasonId: reason.id,
    ...(locale !== undefined ? { locale } : {}),
    learnedAt: at,
    ...(source !== 'manager' && { source }),
  };
  return nextVersion(catalogue, { aliases: [...catalogue.aliases.filter((alias) => alias.text !== normalized), learned] });
};
