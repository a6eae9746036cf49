/**
 * A synthetic clinic for the demo and the tests: branches, doctors, a price list, clients and
 * about three years of visits, written exactly as a clinic's CSV export would write them.
 * Pure and deterministic: the same options always give byte-identical output.
 */
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import type { ClientRow, VisitRow } from '../../shared/visits/columns.ts';
import type { Money } from '../../shared/common/money.ts';
import { defaultOutreachPolicy, inControlGroup } from '../../shared/outreach/eligibility.ts';

export interface SeedOptions {
  clients: number;
  /** YYYY-MM-DD, the 'today' of the clinic. Visits end the day before: the export is taken in the morning. */
  asOf: string;
  seed: number;
}

export type ClientStory = 'weekly-physio' | 'monthly' | 'quarterly' | 'yearly-checkup' | 'one-off' | 'drifted-away' | 'spend-declining' | 'dropped-category';

export interface SeededClinic {
  branches: { branchId: string; name: string; timeZone: string }[];
  doctors: { doctorId: string; name: string; branchId: string; categories: string[] }[];
  categories: { category: string; price: Money }[];
  /** Every client column filled as text ('' when absent), in client_id order. */
  clients: ClientRow[];
  /** Every visit column filled as text, sorted by the instant of visited_at. */
  visits: VisitRow[];
  /** Ground truth for tests and the demo: which story each client was generated from. */
  profiles: Record<string, ClientStory>;
}

/** Share of each story among the clients; most clients are healthy. */
export const storyShares: Readonly<Record<ClientStory, number>> = {
  'weekly-physio': 0.1,
  monthly: 0.2,
  quarterly: 0.17,
  'yearly-checkup': 0.12,
  'one-off': 0.15,
  'drifted-away': 0.13,
  'spend-declining': 0.06,
  'dropped-category': 0.07,
};

/** How far back the generated histories reach. */
export const historyDays = 1095;

// ---------------------------------------------------------------------------------------------
// Randomness

/** mulberry32: small, fast, and good enough for synthetic data. Never Math.random. */
class Random {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }
  /** Integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  between(min: number, max: number): number {
    return min + this.next() * (max - min);
  }
  chance(probability: number): boolean {
    return this.next() < probability;
  }
  /** Triangular in (-1, 1), centred on 0: plain arithmetic, so identical on every platform. */
  symmetric(): number {
    return this.next() + this.next() - 1;
  }
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from no items');
    return items[Math.floor(this.next() * items.length)]!;
  }
  weighted<K extends string>(weights: Readonly<Partial<Record<K, number>>>): K {
    const entries = Object.entries(weights) as [K, number][];
    const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
    let roll = this.next() * total;
    for (const [key, weight] of entries) {
      roll -= weight;
      if (roll < 0) return key;
    }
    return entries[entries.length - 1]![0];
  }
}

/** A seed for one client's own stream, so a client's history does not depend on the clients before it. */
const clientSeed = (seed: number, clientNumber: number): number => {
  let h = (seed ^ Math.imul(clientNumber, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
};

// ---------------------------------------------------------------------------------------------
// Calendar

const dayMs = 86_400_000;
const dayNumberOf = (isoDay: string): number => Date.parse(`${isoDay}T00:00:00Z`) / dayMs;
const isoDays = new Map<number, string>();
const isoDayOf = (dayNumber: number): string => {
  let iso = isoDays.get(dayNumber);
  if (iso === undefined) {
    iso = new Date(dayNumber * dayMs).toISOString().slice(0, 10);
    isoDays.set(dayNumber, iso);
  }
  return iso;
};
/** 0 = Sunday … 6 = Saturday. Day 0 (1970-01-01) was a Thursday. */
const weekdayOf = (dayNumber: number): number => (((dayNumber + 4) % 7) + 7) % 7;

interface UtcOffset {
  readonly text: string;
  readonly minutes: number;
}

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();
const offsetCache = new Map<string, Map<number, UtcOffset>>();

/**
 * The zone's UTC offset during the opening hours of a day, DST included. Read at 12:00 UTC:
 * every branch zone is between UTC and UTC+4, so that is the local afternoon, after any
 * night-time DST switch.
 */
const utcOffsetOn = (timeZone: string, dayNumber: number): UtcOffset => {
  let zoneCache = offsetCache.get(timeZone);
  if (!zoneCache) {
    zoneCache = new Map();
    offsetCache.set(timeZone, zoneCache);
  }
  const cached = zoneCache.get(dayNumber);
  if (cached) return cached;
  let formatter = offsetFormatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' });
    offsetFormatters.set(timeZone, formatter);
  }
  const zoneName = formatter.formatToParts(new Date(dayNumber * dayMs + 12 * 3_600_000)).find((part) => part.type === 'timeZoneName')?.value ?? 'GMT';
  const match = /^GMT([+-])(\d\d):(\d\d)$/.exec(zoneName);
  const offset: UtcOffset = match
    ? {
        text: `${match[1]}${match[2]}:${match[3]}`,
        minutes: (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3])),
      }
    : { text: '+00:00', minutes: 0 };
  zoneCache.set(dayNumber, offset);
  return offset;
};

const hhmm = (minuteOfDay: number): string => `${String(Math.floor(minuteOfDay / 60)).padStart(2, '0')}:${String(minuteOfDay % 60).padStart(2, '0')}`;

// ---------------------------------------------------------------------------------------------
// The clinic

const Category = {
  physiotherapy: 'physiotherapy',
  consultation: 'general consultation',
  dental: 'dental cleaning',
  checkUp: 'check-up',
  labTests: 'lab tests',
  dermatology: 'dermatology',
} as const;
type Category = (typeof Category)[keyof typeof Category];

const priceList: readonly { category: Category; euros: number }[] = [
  { category: Category.physiotherapy, euros: 45 },
  { category: Category.consultation, euros: 60 },
  { category: Category.dental, euros: 70 },
  { category: Category.checkUp, euros: 120 },
  { category: Category.labTests, euros: 35 },
  { category: Category.dermatology, euros: 80 },
];
const listPriceCents = new Map(priceList.map(({ category, euros }) => [category, euros * 100]));

interface Branch {
  readonly branchId: string;
  readonly name: string;
  readonly timeZone: string;
  readonly country: CountryCode;
}

const clinicBranches: readonly Branch[] = [
  { branchId: 'b-athens', name: 'Athens, Kolonaki', timeZone: 'Europe/Athens', country: 'GR' },
  { branchId: 'b-london', name: 'London, Marylebone', timeZone: 'Europe/London', country: 'GB' },
  { branchId: 'b-tbilisi', name: 'Tbilisi, Vake', timeZone: 'Asia/Tbilisi', country: 'GE' },
];
const branchById = new Map(clinicBranches.map((branch) => [branch.branchId, branch]));

interface Doctor {
  readonly doctorId: string;
  readonly name: string;
  readonly branchId: string;
  readonly categories: readonly Category[];
}

const clinicDoctors: readonly Doctor[] = [
  { doctorId: 'd-01', name: 'Eleni Papadaki', branchId: 'b-athens', categories: [Category.physiotherapy] },
  { doctorId: 'd-02', name: 'Nikos Georgiou', branchId: 'b-athens', categories: [Category.consultation, Category.checkUp] },
  { doctorId: 'd-03', name: 'Maria Konstantinou', branchId: 'b-athens', categories: [Category.dental] },
  { doctorId: 'd-04', name: 'Dimitris Alexiou', branchId: 'b-athens', categories: [Category.dermatology] },
  { doctorId: 'd-05', name: 'Katerina Vlachou', branchId: 'b-athens', categories: [Category.labTests, Category.checkUp] },
  { doctorId: 'd-06', name: 'Sarah Mitchell', branchId: 'b-london', categories: [Category.physiotherapy] },
  {
    doctorId: 'd-07',
    name: 'James Patel',
    branchId: 'b-london',
    categories: [Category.consultation, Category.checkUp, Category.labTests],
  },
  { doctorId: 'd-08', name: 'Emma Clarke', branchId: 'b-london', categories: [Category.dental] },
  {
    doctorId: 'd-09',
    name: 'Nino Beridze',
    branchId: 'b-tbilisi',
    categories: [Category.consultation, Category.checkUp, Category.labTests],
  },
  { doctorId: 'd-10', name: 'Levan Kapanadze', branchId: 'b-tbilisi', categories: [Category.physiotherapy] },
];

/** Branch → service → the doctors who provide it there. */
const doctorsByService = new Map<string, Map<Category, Doctor[]>>();
for (const doctor of clinicDoctors) {
  const services = doctorsByService.get(doctor.branchId) ?? new Map<Category, Doctor[]>();
  doctorsByService.set(doctor.branchId, services);
  for (const category of doctor.categories) services.set(category, [...(services.get(category) ?? []), doctor]);
}
const doctorsFor = (branchId: string, category: Category): readonly Doctor[] => doctorsByService.get(branchId)?.get(category) ?? [];
const offers = (branchId: string, category: Category): boolean => doctorsFor(branchId, category).length > 0;

/** Share of each branch among the clients. */
const branchShares: Readonly<Record<string, number>> = { 'b-athens': 0.5, 'b-london': 0.3, 'b-tbilisi': 0.2 };

// Opening hours in minutes after local midnight; the last appointment starts 15 minutes before closing.
const weekdayHours = { open: 8 * 60, close: 20 * 60 };
const saturdayHours = { open: 9 * 60, close: 14 * 60 };
const closedDates = new Set(['01-01', '12-25']);

const isClosed = (dayNumber: number): boolean => weekdayOf(dayNumber) === 0 || closedDates.has(isoDayOf(dayNumber).slice(5, 10));

/** A visit planned for a closed day happens on the next open day, or sometimes the Saturday before. */
const toOpenDay = (random: Random, dayNumber: number): number => {
  if (!isClosed(dayNumber)) return dayNumber;
  let day = weekdayOf(dayNumber) === 0 && random.chance(0.3) ? dayNumber - 1 : dayNumber + 1;
  while (isClosed(day)) day += 1;
  return day;
};

// ---------------------------------------------------------------------------------------------
// Who the clients are

type Language = 'en' | 'el' | 'ru' | 'ka' | 'bn' | 'km' | 'fil';

/** [as written, ASCII form for the email address]. */
type NamePart = readonly [string, string];

interface NameBook {
  readonly female: readonly NamePart[];
  readonly male: readonly NamePart[];
  /** Family names by gender where the language inflects them (Παπαδόπουλος / Παπαδοπούλου). */
  readonly familyFemale: readonly NamePart[];
  readonly familyMale: readonly NamePart[];
  readonly familyFirst: boolean;
}

const unisex = (family: readonly NamePart[]) => ({ familyFemale: family, familyMale: family });

const names: Readonly<Record<Language, NameBook>> = {
  en: {
    female: [
      ['Olivia', 'olivia'],
      ['Amelia', 'amelia'],
      ['Emily', 'emily'],
      ['Sophie', 'sophie'],
      ['Charlotte', 'charlotte'],
      ['Jessica', 'jessica'],
    ],
    male: [
      ['James', 'james'],
      ['Oliver', 'oliver'],
      ['Thomas', 'thomas'],
      ['Harry', 'harry'],
      ['George', 'george'],
      ['William', 'william'],
    ],
    ...unisex([
      ['Smith', 'smith'],
      ['Jones', 'jones'],
      ['Taylor', 'taylor'],
      ['Brown', 'brown'],
      ['Williams', 'williams'],
      ['Davies', 'davies'],
      ["O'Brien", 'obrien'],
    ]),
    familyFirst: false,
  },
  el: {
    female: [
      ['Μαρία', 'maria'],
      ['Ελένη', 'eleni'],
      ['Κατερίνα', 'katerina'],
      ['Σοφία', 'sofia'],
      ['Αγγελική', 'angeliki'],
      ['Δέσποινα', 'despoina'],
      ['Βασιλική', 'vasiliki'],
    ],
    male: [
      ['Γιώργος', 'giorgos'],
      ['Νίκος', 'nikos'],
      ['Δημήτρης', 'dimitris'],
      ['Κώστας', 'kostas'],
      ['Γιάννης', 'giannis'],
      ['Παναγιώτης', 'panagiotis'],
      ['Χρήστος', 'christos'],
    ],
    familyFemale: [
      ['Παπαδοπούλου', 'papadopoulou'],
      ['Γεωργίου', 'georgiou'],
      ['Νικολάου', 'nikolaou'],
      ['Παππά', 'pappa'],
      ['Οικονόμου', 'oikonomou'],
      ['Καραγιάννη', 'karagianni'],
      ['Μακρή', 'makri'],
    ],
    familyMale: [
      ['Παπαδόπουλος', 'papadopoulos'],
      ['Γεωργίου', 'georgiou'],
      ['Νικολάου', 'nikolaou'],
      ['Παππάς', 'pappas'],
      ['Οικονόμου', 'oikonomou'],
      ['Καραγιάννης', 'karagiannis'],
      ['Μακρής', 'makris'],
    ],
    familyFirst: false,
  },
  ru: {
    female: [
      ['Анна', 'anna'],
      ['Елена', 'elena'],
      ['Ольга', 'olga'],
      ['Наталья', 'natalia'],
      ['Татьяна', 'tatiana'],
      ['Мария', 'maria'],
    ],
    male: [
      ['Алексей', 'aleksei'],
      ['Дмитрий', 'dmitry'],
      ['Сергей', 'sergey'],
      ['Андрей', 'andrey'],
      ['Иван', 'ivan'],
      ['Михаил', 'mikhail'],
    ],
    familyFemale: [
      ['Иванова', 'ivanova'],
      ['Смирнова', 'smirnova'],
      ['Кузнецова', 'kuznetsova'],
      ['Попова', 'popova'],
      ['Соколова', 'sokolova'],
      ['Волкова', 'volkova'],
    ],
    familyMale: [
      ['Иванов', 'ivanov'],
      ['Смирнов', 'smirnov'],
      ['Кузнецов', 'kuznetsov'],
      ['Попов', 'popov'],
      ['Соколов', 'sokolov'],
      ['Волков', 'volkov'],
    ],
    familyFirst: false,
  },
  ka: {
    female: [
      ['ნინო', 'nino'],
      ['მარიამ', 'mariam'],
      ['თამარ', 'tamar'],
      ['ანა', 'ana'],
      ['ეკატერინე', 'ekaterine'],
    ],
    male: [
      ['გიორგი', 'giorgi'],
      ['დავით', 'davit'],
      ['ლევან', 'levan'],
      ['ნიკა', 'nika'],
      ['ირაკლი', 'irakli'],
    ],
    ...unisex([
      ['ბერიძე', 'beridze'],
      ['კაპანაძე', 'kapanadze'],
      ['გელაშვილი', 'gelashvili'],
      ['მაისურაძე', 'maisuradze'],
      ['ლომიძე', 'lomidze'],
      ['ჯაფარიძე', 'japaridze'],
    ]),
    familyFirst: false,
  },
  bn: {
    female: [
      ['ফাতেমা', 'fatema'],
      ['নুসরাত', 'nusrat'],
      ['সুমাইয়া', 'sumaiya'],
      ['তাসলিমা', 'taslima'],
      ['রুমানা', 'rumana'],
    ],
    male: [
      ['রহিম', 'rahim'],
      ['করিম', 'karim'],
      ['আরিফ', 'arif'],
      ['তানভীর', 'tanvir'],
      ['সাকিব', 'sakib'],
    ],
    ...unisex([
      ['আহমেদ', 'ahmed'],
      ['হোসেন', 'hossain'],
      ['রহমান', 'rahman'],
      ['ইসলাম', 'islam'],
      ['চৌধুরী', 'chowdhury'],
      ['খান', 'khan'],
    ]),
    familyFirst: false,
  },
  km: {
    female: [
      ['សុភា', 'sophea'],
      ['ស្រីល័ក្ខ', 'sreyleak'],
      ['ចាន់ថា', 'chantha'],
      ['បុប្ផា', 'bopha'],
      ['ធីតា', 'thida'],
    ],
    male: [
      ['ដារ៉ា', 'dara'],
      ['វុទ្ធី', 'vuthy'],
      ['សំណាង', 'samnang'],
      ['ពិសិដ្ឋ', 'piseth'],
      ['រតនា', 'ratana'],
    ],
    ...unisex([
      ['សុខ', 'sok'],
      ['ចាន់', 'chan'],
      ['គឹម', 'kim'],
      ['ហេង', 'heng'],
      ['លី', 'ly'],
      ['ម៉ៅ', 'mao'],
    ]),
    familyFirst: true,
  },
  fil: {
    female: [
      ['Maria', 'maria'],
      ['Angelica', 'angelica'],
      ['Kristine', 'kristine'],
      ['Jasmine', 'jasmine'],
      ['Mary Grace', 'marygrace'],
    ],
    male: [
      ['Jose', 'jose'],
      ['Juan', 'juan'],
      ['Mark', 'mark'],
      ['Carlo', 'carlo'],
      ['Rafael', 'rafael'],
    ],
    ...unisex([
      ['Santos', 'santos'],
      ['Reyes', 'reyes'],
      ['Cruz', 'cruz'],
      ['Bautista', 'bautista'],
      ['Garcia', 'garcia'],
      ['Mendoza', 'mendoza'],
      ['dela Cruz', 'delacruz'],
    ]),
    familyFirst: false,
  },
};

/** The country each language's speakers come from, when they are not local to the branch. */
const homeCountry: Readonly<Record<Language, CountryCode>> = {
  en: 'GB',
  el: 'GR',
  ru: 'RU',
  ka: 'GE',
  bn: 'BD',
  km: 'KH',
  fil: 'PH',
};

/** How likely a client with a mobile here agreed to be asked on each messenger: Viber leads in Greece, Georgia, Russia and the Philippines, WhatsApp elsewhere. */
const messengerShare: Readonly<Partial<Record<CountryCode, { whatsapp: number; viber: number }>>> = {
  GB: { whatsapp: 0.7, viber: 0.05 },
  GR: { whatsapp: 0.35, viber: 0.6 },
  RU: { whatsapp: 0.4, viber: 0.45 },
  GE: { whatsapp: 0.45, viber: 0.55 },
  BD: { whatsapp: 0.7, viber: 0.15 },
  KH: { whatsapp: 0.45, viber: 0.1 },
  PH: { whatsapp: 0.3, viber: 0.6 },
};

/** How likely a client who agreed to a messenger asks to be reached there first. */
const prefersMessengerShare = 0.45;

/**
 * Messenger consent from a stream of its own, so the clients' other draws (and the demo's
 * stories) stay what they were before messengers existed; many who agreed to a messenger also
 * prefer it.
 */
const messengerConsent = (
  seed: number,
  clientNumber: number,
  country: CountryCode,
  mobile: boolean,
): { consent_whatsapp: string; consent_viber: string; prefers?: 'whatsapp' | 'viber' } => {
  const random = new Random(clientSeed(seed, clientNumber) ^ 0x2545f491);
  const share = messengerShare[country] ?? { whatsapp: 0.4, viber: 0.2 };
  const whatsapp = mobile && random.chance(share.whatsapp);
  const viber = mobile && random.chance(share.viber);
  const prefers = (['whatsapp', 'viber'] as const).filter((messenger) => ({ whatsapp, viber })[messenger] && random.chance(prefersMessengerShare));
  return { consent_whatsapp: String(whatsapp), consent_viber: String(viber), ...(prefers[0] && { prefers: prefers[0] }) };
};

const countryTimeZone: Readonly<Partial<Record<CountryCode, string>>> = {
  GB: 'Europe/London',
  GR: 'Europe/Athens',
  RU: 'Europe/Moscow',
  GE: 'Asia/Tbilisi',
  BD: 'Asia/Dhaka',
  KH: 'Asia/Phnom_Penh',
  PH: 'Asia/Manila',
};

/** Which languages a branch's clients speak. Tagalog is written 'fil', its canonical tag. */
const languageShares: Readonly<Record<string, Readonly<Partial<Record<Language, number>>>>> = {
  'b-athens': { el: 72, en: 6, ru: 7, bn: 5, fil: 5, ka: 3, km: 2 },
  'b-london': { en: 62, bn: 12, fil: 9, el: 6, ru: 6, km: 3, ka: 2 },
  'b-tbilisi': { ka: 68, ru: 22, en: 6, el: 2, bn: 1, fil: 1 },
};

/**
 * National numbers to draw from, per country; '#' is any digit. Drawn numbers are checked with
 * libphonenumber-js and drawn again until valid, since not every number in a range is assigned.
 */
const phonePatterns: Readonly<Partial<Record<CountryCode, { dial: string; mobile: readonly string[]; landline: readonly string[] }>>> = {
  GR: { dial: '30', mobile: ['690#######', '693#######', '694#######', '697#######', '698#######', '699#######'], landline: ['210#######'] },
  GB: { dial: '44', mobile: ['74########', '75########', '77########', '78########', '79########'], landline: ['207#######', '208#######'] },
  RU: { dial: '7', mobile: ['91########', '92########', '98########'], landline: ['495#######'] },
  GE: { dial: '995', mobile: ['555######', '557######', '577######', '591######', '593######', '599######'], landline: ['322######'] },
  BD: { dial: '880', mobile: ['13########', '17########', '18########', '19########'], landline: [] },
  KH: { dial: '855', mobile: ['12######', '17######', '92######', '96#######', '97#######'], landline: [] },
  PH: { dial: '63', mobile: ['917#######', '918#######', '920#######', '927#######', '995#######'], landline: [] },
};

const mobileTypes = new Set(['MOBILE', 'FIXED_LINE_OR_MOBILE']);
const landlineTypes = new Set(['FIXED_LINE', 'FIXED_LINE_OR_MOBILE']);

const drawPhone = (random: Random, country: CountryCode, kind: 'mobile' | 'landline'): string => {
  const patterns = phonePatterns[country];
  if (!patterns) throw new RangeError(`no phone patterns for ${country}`);
  const choices = patterns[kind].length > 0 ? patterns[kind] : patterns.mobile;
  const wantedTypes = kind === 'landline' && patterns.landline.length > 0 ? landlineTypes : mobileTypes;
  for (let attempt = 0; attempt < 100; attempt++) {
    const national = random.pick(choices).replace(/#/g, () => String(random.int(0, 9)));
    const phone = `+${patterns.dial}${national}`;
    const parsed = parsePhoneNumberFromString(phone);
    if (parsed?.isValid() && parsed.country === country && wantedTypes.has(parsed.getType() ?? '')) return phone;
  }
  throw new Error(`could not draw a valid ${kind} number for ${country}`);
};

// ---------------------------------------------------------------------------------------------
// Visit histories

/** A visit as a story plans it; the branch, doctor, time and amount are settled afterwards. */
interface PlannedVisit {
  day: number;
  category: Category;
  /** Minutes after local midnight, when the story fixes the time (a course's weekly slot). */
  minuteOfDay?: number;
  /** Multiplies the list price: below 1 for a client whose check is falling. */
  priceFactor?: number;
}

interface HistorySpan {
  /** First day of the history. */
  readonly first: number;
  /** Last day with visits: the day before asOf. */
  readonly last: number;
}

/** Days going back from `latest` with jittered gaps around the client's own rhythm; ascending. */
const rhythmBackFrom = (random: Random, latest: number, earliest: number, meanGap: number, spread: number, maxVisits = Number.POSITIVE_INFINITY): number[] => {
  const days: number[] = [];
  for (let day = latest; day >= earliest && days.length < maxVisits; ) {
    days.push(day);
    day -= Math.max(1, Math.round(meanGap * (1 + spread * random.symmetric())));
  }
  return days.reverse();
};

const available = (branchId: string, weights: Partial<Record<Category, number>>): Partial<Record<Category, number>> =>
  Object.fromEntries(Object.entries(weights).filter(([category]) => offers(branchId, category as Category)));

/** The main reason a regular keeps coming. */
const regularCategory = (random: Random, branchId: string): Category =>
  random.weighted(
    available(branchId, {
      [Category.consultation]: 4,
      [Category.physiotherapy]: 3,
      [Category.dermatology]: 3,
      [Category.dental]: 1,
    }),
  );

/** Now and then a regular also has lab tests done. */
const withOccasionalLabTests = (random: Random, visits: PlannedVisit[]): PlannedVisit[] =>
  visits.map((visit) => (random.chance(0.05) ? { ...visit, category: Category.labTests } : visit));

const storyPlans: Record<ClientStory, (random: Random, window: HistorySpan, branchId: string) => PlannedVisit[]> = {
  'weekly-physio': (random, window) => {
    // Courses of weekly sessions at a fixed slot, months apart; the latest one recent or still running.
    const since = window.first + random.int(0, 700);
    const visits: PlannedVisit[] = [];
    let sessions = random.int(6, 10);
    let courseStart = window.last - random.int(0, 120);
    do {
      // Courses start on a weekday and keep that weekday's slot.
      while (weekdayOf(courseStart) === 0 || weekdayOf(courseStart) === 6) courseStart += 1;
      const slot = random.pick([8, 9, 10, 11, 16, 17, 18, 19]) * 60 + random.pick([0, 30]);
      for (let session = 0; session < sessions; session++) {
        if (session > 0 && random.chance(0.05)) continue; // a week missed
        const moved = random.chance(0.1) ? random.pick([-2, -1, 1, 2]) : 0;
        visits.push({ day: courseStart + session * 7 + moved, category: Category.physiotherapy, minuteOfDay: slot });
      }
      const earlierSessions = random.int(6, 10);
      courseStart -= (earlierSessions - 1) * 7 + random.int(45, 200);
      sessions = earlierSessions;
    } while (courseStart >= since);
    return visits;
  },

  monthly: (random, window, branchId) => {
    const gap = random.int(24, 38);
    const category = regularCategory(random, branchId);
    const since = window.first + random.int(0, window.last - window.first - 150);
    const days = rhythmBackFrom(random, window.last - random.int(0, gap - 1), since, gap, 0.25);
    return withOccasionalLabTests(
      random,
      days.map((day) => ({ day, category })),
    );
  },

  quarterly: (random, window, branchId) => {
    const gap = random.int(80, 100);
    const category = random.weighted(available(branchId, { [Category.consultation]: 5, [Category.dental]: 3, [Category.dermatology]: 2 }));
    const since = window.first + random.int(0, 600);
    return rhythmBackFrom(random, window.last - random.int(0, gap - 1), since, gap, 0.15).map((day) => ({ day, category }));
  },

  'yearly-checkup': (random, window) => {
    // Lab tests early in the morning (fasting), on the day of the check-up or a few days before.
    const since = window.first + random.int(0, 300);
    const checkUps = rhythmBackFrom(random, window.last - random.int(0, 330), since, 365, 0.05);
    return checkUps.flatMap((plannedDay): PlannedVisit[] => {
      const day = toOpenDay(random, plannedDay);
      const labDaysBefore = random.chance(0.5) ? 0 : random.int(2, 7);
      const labMinute = 8 * 60 + random.int(0, 8) * 15;
      return [
        { day: day - labDaysBefore, category: Category.labTests, minuteOfDay: labMinute },
        {
          day,
          category: Category.checkUp,
          ...(labDaysBefore === 0 ? { minuteOfDay: labMinute + random.int(4, 12) * 15 } : {}),
        },
      ];
    });
  },

  'one-off': (random, window, branchId) => {
    const category = random.weighted(
      available(branchId, {
        [Category.consultation]: 5,
        [Category.dermatology]: 2,
        [Category.dental]: 2,
        [Category.labTests]: 2,
        [Category.physiotherapy]: 1,
        [Category.checkUp]: 1,
      }),
    );
    const day = window.first + random.int(0, window.last - window.first);
    const visits: PlannedVisit[] = [{ day, category }];
    if (random.chance(0.2)) visits.push({ day: day + random.int(7, 21), category }); // a follow-up
    return visits;
  },

  'drifted-away': (random, window, branchId) => {
    // A regular for a good while, then nothing for the last 4 to 11 months.
    const gap = random.int(14, 35);
    const category = regularCategory(random, branchId);
    const lastVisit = window.last - random.int(120, 330);
    const days = rhythmBackFrom(random, lastVisit, window.first, gap, 0.25, random.int(6, 24));
    return withOccasionalLabTests(
      random,
      days.map((day) => ({ day, category })),
    );
  },

  'spend-declining': (random, window, branchId) => {
    // Still comes as often, but for less: the check in the last 3 months is about half.
    const gap = random.int(14, 30);
    const category = regularCategory(random, branchId);
    const declineFrom = recentWindowStart(window.last + 1);
    const since = window.first + random.int(0, declineFrom - 150 - window.first);
    const declinedTo = random.between(0.45, 0.65);
    // Days are moved off closed days first, so the decline starts exactly where the window does.
    return rhythmBackFrom(random, window.last - random.int(0, gap - 1), since, gap, 0.2)
      .map((day) => toOpenDay(random, day))
      .map((day) => ({ day, category, ...(day >= declineFrom ? { priceFactor: declinedTo } : {}) }));
  },

  'dropped-category': (random, window, branchId) => {
    // Two regular services; one stopped 4 to 10 months ago, the other goes on.
    const [dropped, kept] = random.pick(
      (
        [
          [Category.physiotherapy, Category.consultation],
          [Category.dermatology, Category.consultation],
          [Category.dental, Category.consultation],
          [Category.physiotherapy, Category.dermatology],
        ] as const
      ).filter(([a, b]) => offers(branchId, a) && offers(branchId, b)),
    );
    const droppedGap = random.int(14, 45);
    const stoppedOn = window.last - random.int(120, 300);
    const droppedDays = rhythmBackFrom(random, stoppedOn, window.first, droppedGap, 0.2, random.int(4, 15));
    const keptGap = random.int(20, 45);
    const since = Math.max(window.first, droppedDays[0]! - random.int(0, 120));
    const keptDays = rhythmBackFrom(random, window.last - random.int(0, keptGap - 1), since, keptGap, 0.2);
    return [...droppedDays.map((day) => ({ day, category: dropped })), ...keptDays.map((day) => ({ day, category: kept }))];
  },
};

/**
 * First day of "the last 3 months" before asOf, taken wide enough to cover both readings of it:
 * the last 91 days and the 3 calendar months up to and including asOf's month.
 */
const recentWindowStart = (asOfDay: number): number => {
  const asOf = new Date(asOfDay * dayMs);
  const calendarStart = Date.UTC(asOf.getUTCFullYear(), asOf.getUTCMonth() - 2, 1) / dayMs;
  return Math.min(calendarStart, asOfDay - 91);
};

// ---------------------------------------------------------------------------------------------
// Generation

interface GeneratedVisit {
  /** Minutes since the epoch (UTC), for ordering across branch time zones. */
  readonly instant: number;
  readonly clientId: string;
  readonly visitedAt: string;
  readonly doctorId: string;
  readonly branchId: string;
  readonly category: Category;
  readonly amount: string;
}

const checkIsCloseTo = (random: Random, listCents: number, priceFactor: number): number => {
  // Most visits are billed at the list price; others carry an extra or a discount.
  const variation = random.chance(0.55) ? 1 : random.between(0.88, 1.15);
  return Math.max(50, Math.round((listCents * priceFactor * variation) / 50) * 50);
};

/**
 * Visits ordered by instant, visits at the same instant in the order they were generated, with
 * their ids given in that order. Each visit's instant and position are packed into one number,
 * so a large clinic is ordered by a native numeric sort instead of a comparator over objects.
 */
const inTimeOrder = (generated: readonly GeneratedVisit[]): VisitRow[] => {
  const positions = 2 ** Math.ceil(Math.log2(generated.length + 1));
  const keys = new Float64Array(generated.length);
  generated.forEach((visit, position) => {
    keys[position] = visit.instant * positions + position;
  });
  if (keys.some((key) => !Number.isSafeInteger(key))) throw new RangeError('too many visits to order');
  keys.sort();
  const idWidth = Math.max(6, String(generated.length).length);
  return Array.from(keys, (key, index): VisitRow => {
    const visit = generated[key % positions]!;
    return {
      visit_id: `v-${pad(index + 1, idWidth)}`,
      client_id: visit.clientId,
      visited_at: visit.visitedAt,
      doctor_id: visit.doctorId,
      branch_id: visit.branchId,
      service_category: visit.category,
      amount: visit.amount,
      currency: 'EUR',
    };
  });
};

const formatEuros = (cents: number): string => `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;

const pad = (value: number, width: number): string => String(value).padStart(width, '0');

const validateOptions = (options: SeedOptions): { asOfDay: number } => {
  if (!Number.isSafeInteger(options.clients) || options.clients < 0) {
    throw new RangeError(`clients must be a whole number of 0 or more, got ${options.clients}`);
  }
  if (!Number.isFinite(options.seed)) throw new RangeError(`seed must be a number, got ${options.seed}`);
  const asOfDay = /^\d{4}-\d{2}-\d{2}$/.test(options.asOf) ? dayNumberOf(options.asOf) : Number.NaN;
  if (!Number.isInteger(asOfDay) || isoDayOf(asOfDay) !== options.asOf) {
    throw new RangeError(`asOf must be a date written YYYY-MM-DD, got "${options.asOf}"`);
  }
  return { asOfDay };
};

/** Exact head counts per story (largest remainder), so every story shows up in small clinics too. */
const storyHeadcounts = (clients: number): ClientStory[] => {
  const stories = Object.keys(storyShares) as ClientStory[];
  const exact = stories.map((story) => storyShares[story] * clients);
  const counts = exact.map(Math.floor);
  const byRemainder = stories.map((_, index) => index).sort((a, b) => exact[b]! - counts[b]! - (exact[a]! - counts[a]!) || a - b);
  for (let left = clients - counts.reduce((sum, count) => sum + count, 0), i = 0; left > 0; left--, i++) {
    const index = byRemainder[i % stories.length]!;
    counts[index] = counts[index]! + 1;
  }
  return stories.flatMap((story, index) => Array.from({ length: counts[index]! }, () => story));
};

const shuffle = <T>(random: Random, items: T[]): T[] => {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random.next() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
};

export function generateClinic(options: SeedOptions): SeededClinic {
  const { asOfDay } = validateOptions(options);
  const window: HistorySpan = { first: asOfDay - historyDays, last: asOfDay - 1 };
  const clinicRandom = new Random(options.seed);
  const stories = shuffle(clinicRandom, storyHeadcounts(options.clients));
  const clientIdWidth = Math.max(5, String(options.clients).length);

  const clients: ClientRow[] = [];
  const profiles: Record<string, ClientStory> = {};
  const generatedVisits: GeneratedVisit[] = [];
  /** How many clients were given each address before, so every address stays unique. */
  const emailsInUse = new Map<string, number>();

  for (let index = 0; index < options.clients; index++) {
    const clientNumber = index + 1;
    const clientId = `c-${pad(clientNumber, clientIdWidth)}`;
    const story = stories[index]!;
    const random = new Random(clientSeed(options.seed, clientNumber));

    // Who they are and how to reach them.
    const homeBranch = branchById.get(random.weighted(branchShares))!;
    const language = random.weighted(languageShares[homeBranch.branchId]!);
    // Locals live by the branch; some from abroad keep their home number and time zone.
    const country = homeCountry[language] === homeBranch.country || random.chance(0.65) ? homeBranch.country : homeCountry[language];
    const locale = language === 'en' && country === 'GB' ? 'en-GB' : language;
    const book = names[language];
    const female = random.chance(0.55);
    const given = random.pick(female ? book.female : book.male);
    const family = random.pick(female ? book.familyFemale : book.familyMale);
    const name = book.familyFirst ? `${family[0]} ${given[0]}` : `${given[0]} ${family[0]}`;

    const hasPhone = random.chance(0.92);
    const landline = hasPhone && (country === 'GR' || country === 'GB') && random.chance(0.08);
    const phone = hasPhone ? drawPhone(random, country, landline ? 'landline' : 'mobile') : '';
    let email = '';
    if (random.chance(language === 'en' ? 0.9 : language === 'el' ? 0.75 : 0.7)) {
      const domain = random.chance(0.6) ? 'example.com' : 'example.org';
      const base = random.chance(0.7) ? `${given[1]}.${family[1]}` : `${given[1]}${family[1]}${random.int(1, 99)}`;
      // Namesakes get a number after a dot, which no plain address here has, so addresses stay unique.
      const namesakes = emailsInUse.get(`${base}@${domain}`) ?? 0;
      emailsInUse.set(`${base}@${domain}`, namesakes + 1);
      email = namesakes === 0 ? `${base}@${domain}` : `${base}.${namesakes + 1}@${domain}`;
    }
    const consent = {
      sms: phone !== '' && !landline && random.chance(0.8),
      email: email !== '' && random.chance(0.85),
      voice: phone !== '' && random.chance(0.4),
    };
    const consented = (['sms', 'email', 'voice'] as const).filter((channel) => consent[channel]);
    const preferredChannel =
      consented.length === 0 || random.chance(0.12)
        ? ''
        : random.weighted(Object.fromEntries(consented.map((channel) => [channel, { sms: 5, email: language === 'en' ? 6 : 4, voice: 1 }[channel]])));

    const { prefers, ...messengers } = messengerConsent(options.seed, clientNumber, country, phone !== '' && !landline);
    clients.push({
      client_id: clientId,
      name,
      phone,
      email,
      locale,
      timezone: countryTimeZone[country]!,
      preferred_channel: prefers ?? preferredChannel,
      branch_id: homeBranch.branchId,
      consent_sms: String(consent.sms),
      consent_email: String(consent.email),
      consent_voice: String(consent.voice),
      ...messengers,
    });
    profiles[clientId] = story;

    // Their history.
    const preferredHours = random.pick([
      { from: 8 * 60, to: 12 * 60 },
      { from: 12 * 60, to: 16 * 60 },
      { from: 16 * 60, to: 19 * 60 + 45 },
    ]);
    const usualDoctor = new Map<Branch, Map<Category, Doctor>>();
    const plan = storyPlans[story](random, window, homeBranch.branchId).sort((a, b) => a.day - b.day);

    for (const planned of plan) {
      const day = toOpenDay(random, planned.day);
      if (day < window.first || day > window.last) continue;

      // Now and then a client is seen at another branch that offers the service.
      const otherBranches = random.chance(0.03) ? clinicBranches.filter((b) => b !== homeBranch && offers(b.branchId, planned.category)) : [];
      const branch = otherBranches.length > 0 ? random.pick(otherBranches) : homeBranch;
      let doctorsHere = usualDoctor.get(branch);
      if (!doctorsHere) {
        doctorsHere = new Map();
        usualDoctor.set(branch, doctorsHere);
      }
      const candidates = doctorsFor(branch.branchId, planned.category);
      let doctor = doctorsHere.get(planned.category);
      if (!doctor) {
        doctor = random.pick(candidates);
        doctorsHere.set(planned.category, doctor);
      }
      if (candidates.length > 1 && random.chance(0.1)) doctor = random.pick(candidates); // their doctor was away

      const hours = weekdayOf(day) === 6 ? saturdayHours : weekdayHours;
      const lastStart = hours.close - 15;
      let minute = planned.minuteOfDay;
      if (minute === undefined) {
        const [from, to] = random.chance(0.7) ? [preferredHours.from, preferredHours.to] : [hours.open, lastStart];
        minute = from + random.int(0, Math.floor((to - from) / 15)) * 15;
      }
      if (minute < hours.open || minute > lastStart) minute = hours.open + random.int(0, (lastStart - hours.open) / 15) * 15;

      const offset = utcOffsetOn(branch.timeZone, day);
      const cents = checkIsCloseTo(random, listPriceCents.get(planned.category)!, planned.priceFactor ?? 1);
      generatedVisits.push({
        instant: day * 1440 + minute - offset.minutes,
        clientId,
        visitedAt: `${isoDayOf(day)}T${hhmm(minute)}:00${offset.text}`,
        doctorId: doctor.doctorId,
        branchId: branch.branchId,
        category: planned.category,
        amount: formatEuros(cents),
      });
    }
  }

  const visits = inTimeOrder(generatedVisits);

  return {
    branches: clinicBranches.map(({ branchId, name, timeZone }) => ({ branchId, name, timeZone })),
    doctors: clinicDoctors.map(({ doctorId, name, branchId, categories }) => ({
      doctorId,
      name,
      branchId,
      categories: [...categories],
    })),
    categories: priceList.map(({ category, euros }) => ({ category, price: { minor: euros * 100, currency: 'EUR' } })),
    clients,
    visits,
    profiles,
  };
}

// ---------------------------------------------------------------------------------------------
// The demo clinic's clients on the messengers

/** What happened to the demo clinic's clients on WhatsApp and Viber before the demo runs. */
export interface DemoMessengers {
  /** Each client who agreed to Viber followed the clinic's deep link and subscribed to its bot as this Viber user. */
  readonly viberUsers: readonly { readonly clientId: string; readonly userId: string }[];
  /**
   * WhatsApp numbers whose messages do not end read: a few who ticked WhatsApp on the form but
   * are not on it, and one client who had stopped the clinic's messages in WhatsApp.
   */
  readonly whatsAppFates: readonly { readonly clientId: string; readonly phone: string; readonly fate: 'not-on-whatsapp' | 'stopped' }[];
}

/** Share of the numbers given for WhatsApp that are not on WhatsApp. */
const notOnWhatsAppShare = 0.03;
/** Among the clients who drifted away and would be asked on WhatsApp first, every this many is not on it (so the demo shows the fallback). */
const notOnWhatsAppEvery = 6;

/** Viber's user ids for a bot: 16 bytes, base64, as Viber shows them. */
const viberUserIdOf = (random: Random): string => Buffer.from(Array.from({ length: 16 }, () => random.int(0, 255))).toString('base64');

/**
 * The demo's messenger facts, from a stream of their own (the clinic itself is unchanged). Some
 * numbers are not on WhatsApp, more of them among the clients who drifted away and would be
 * asked there first, so the demo's send shows them falling back to a text. The client who
 * stopped the clinic on WhatsApp is one who drifted away, prefers WhatsApp and is outside the
 * default control group, so the demo's sweep asks them there.
 */
export const demoMessengers = (clinic: Pick<SeededClinic, 'clients' | 'profiles'>, seed: number): DemoMessengers => {
  const viberUsers: { clientId: string; userId: string }[] = [];
  const whatsAppFates: { clientId: string; phone: string; fate: 'not-on-whatsapp' | 'stopped' }[] = [];
  let stopped = false;
  let askedThereFirst = 0;
  clinic.clients.forEach((client, index) => {
    const random = new Random(clientSeed(seed, index + 1) ^ 0x68e31da4);
    const clientId = client.client_id ?? '';
    const phone = client.phone ?? '';
    if (client.consent_viber === 'true') viberUsers.push({ clientId, userId: viberUserIdOf(random) });
    if (client.consent_whatsapp !== 'true' || phone === '') return;
    const driftedAway = clinic.profiles[clientId] === 'drifted-away' && !inControlGroup(clientId, defaultOutreachPolicy);
    const whatsAppFirst = client.preferred_channel === 'whatsapp' || client.preferred_channel === '';
    const notOnIt = random.chance(notOnWhatsAppShare) || (driftedAway && whatsAppFirst && ++askedThereFirst % notOnWhatsAppEvery === 0);
    if (notOnIt) whatsAppFates.push({ clientId, phone, fate: 'not-on-whatsapp' });
    else if (!stopped && driftedAway && client.preferred_channel === 'whatsapp') {
      stopped = true;
      whatsAppFates.push({ clientId, phone, fate: 'stopped' });
    }
  });
  return { viberUsers, whatsAppFates };
};
