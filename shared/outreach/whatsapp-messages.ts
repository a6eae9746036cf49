/**
 * The WhatsApp messages Comeback sends, as Meta Cloud API message objects (the `message` that
 * End User Messaging Social's SendWhatsAppMessage carries): the approved template that opens a
 * conversation outside the 24-hour window, the list of reasons and plain text for inside it.
 * Every message carries our outreach id in `biz_opaque_callback_data`, which Meta echoes on each
 * status event: the id SendWhatsAppMessage answers is AWS's, not Meta's wamid.
 */
import { cleanValue, type OutreachValues } from './wording.ts';
import { choicesFor, shortChoices } from '../answers/use-cases/reply-page.ts';
import type { Catalogue } from '../answers/reasons.ts';
import { languageOf, wordingKeys } from '../common/languages.ts';
import { AppError } from '../common/app-error.ts';

export class WhatsAppMessageError extends AppError {
  override readonly name = 'WhatsAppMessageError';
  readonly kind = 'invalid';
}

/** Meta's limits on what we fill in (interactive list and text message references). */
export const whatsAppLimits = {
  rows: 10,
  rowTitle: 24,
  rowDescription: 72,
  listButton: 20,
  body: 1024,
  text: 4096,
  callbackData: 512,
} as const;

interface Addressed {
  readonly messaging_product: 'whatsapp';
  readonly recipient_type: 'individual';
  readonly to: string;
  readonly biz_opaque_callback_data: string;
}

export interface WhatsAppTemplateMessage extends Addressed {
  readonly type: 'template';
  readonly template: {
    readonly name: string;
    readonly language: { readonly policy: 'deterministic'; readonly code: string };
    readonly components: readonly [
      { readonly type: 'body'; readonly parameters: readonly { readonly type: 'text'; readonly text: string }[] },
      {
        readonly type: 'button';
        readonly sub_type: 'url';
        readonly index: '0';
        readonly parameters: readonly [{ readonly type: 'text'; readonly text: string }];
      },
    ];
  };
}

export interface WhatsAppListRow {
  readonly id: string;
  readonly title: string;
  readonly description?: string;
}

export interface WhatsAppListMessage extends Addressed {
  readonly type: 'interactive';
  readonly interactive: {
    readonly type: 'list';
    readonly body: { readonly text: string };
    readonly action: { readonly button: string; readonly sections: readonly [{ readonly rows: readonly WhatsAppListRow[] }] };
  };
}

export interface WhatsAppTextMessage extends Addressed {
  readonly type: 'text';
  readonly text: { readonly preview_url: boolean; readonly body: string };
}

export type WhatsAppMessage = WhatsAppTemplateMessage | WhatsAppListMessage | WhatsAppTextMessage;

/** The template's name when the clinic names none (README, "WhatsApp": how to have it approved). */
export const defaultWhatsAppTemplate = 'comeback_feedback';

/** The approved template the first message uses, as the clinic registered it with Meta. */
export interface WhatsAppTemplateSettings {
  /** e.g. `comeback_feedback`: body `{{1}}` the clinic, `{{2}}` the client's first name; a URL button `<replyBaseUrl>/r/{{1}}`. */
  readonly name: string;
  /**
   * Meta's template language for clients whose language Meta has no template in. Khmer (`km`)
   * is not among Meta's template languages, so Khmer clients get the template in this one
   * (e.g. `en`); once they write back, the list and texts inside the window are in Khmer.
   */
  readonly fallbackLanguage: string;
  /** Our language to Meta's code where the clinic registered another variant, e.g. `{ en: 'en_US' }`. */
  readonly languages?: Readonly<Record<string, string>>;
}

/** Our languages Meta has a template language for; `tl` is Filipino, `fil` to Meta. Khmer has none. */
export const metaTemplateLanguages: Readonly<Record<string, string>> = { en: 'en', el: 'el', ru: 'ru', bn: 'bn', ka: 'ka', tl: 'fil' };

/** The template language for a client's locale: the clinic's override, Meta's code for the language, else the fallback. */
export const templateLanguage = (locale: string, settings: WhatsAppTemplateSettings): string => {
  const language = languageOf(locale);
  return settings.languages?.[language] ?? metaTemplateLanguages[language] ?? settings.fallbackLanguage;
};

/** The URL a clinic registers for the template's button: the reply page, with the token as its one parameter. */
export const templateReplyUrl = (replyBaseUrl: string): string => `${replyBaseUrl.replace(/\/+$/, '')}/r/{{1}}`;

/** The words of the messages sent inside the window, per language. */
export interface WhatsAppWording {
  /** Above the list of reasons. */
  readonly reasonsPrompt: string;
  /** The button that opens the list: at most 20 characters. */
  readonly reasonsButton: string;
  readonly thanks: string;
  /** Stands for the first name in the template when we do not know it (Meta refuses an empty parameter). */
  readonly unnamed: string;
}

export const shippedWhatsAppWordings: Readonly<Record<string, WhatsAppWording>> = {
  en: {
    reasonsPrompt: 'Which of these comes closest? You can also write to us in your own words.',
    reasonsButton: 'Choose a reason',
    thanks: 'Thank you for telling us. {{clinic}}',
    unnamed: 'there',
  },
  el: {
    reasonsPrompt: 'Ποιο από αυτά ταιριάζει περισσότερο; Μπορείτε επίσης να μας γράψετε με δικά σας λόγια.',
    reasonsButton: 'Επιλέξτε λόγο',
    thanks: 'Σας ευχαριστούμε που μας το είπατε. {{clinic}}',
    unnamed: 'φίλε μας',
  },
  ru: {
    reasonsPrompt: 'Что из этого ближе всего? Можно также написать нам своими словами.',
    reasonsButton: 'Выбрать причину',
    thanks: 'Спасибо, что рассказали нам. {{clinic}}',
    unnamed: 'друг',
  },
  bn: {
    reasonsPrompt: 'এর মধ্যে কোনটি সবচেয়ে কাছাকাছি? চাইলে নিজের ভাষায়ও লিখতে পারেন।',
    reasonsButton: 'কারণ বেছে নিন',
    thanks: 'আমাদের জানানোর জন্য ধন্যবাদ। {{clinic}}',
    unnamed: 'বন্ধু',
  },
  ka: {
    reasonsPrompt: 'რომელი მათგანია ყველაზე ახლოს? შეგიძლიათ საკუთარი სიტყვებითაც მოგვწეროთ.',
    reasonsButton: 'აირჩიეთ მიზეზი',
    thanks: 'გმადლობთ, რომ გვითხარით. {{clinic}}',
    unnamed: 'მეგობარო',
  },
  km: {
    reasonsPrompt: 'តើមួយណាជិតបំផុត? អ្នកក៏អាចសរសេរមកយើងតាមពាក្យរបស់អ្នកផ្ទាល់ដែរ។',
    reasonsButton: 'ជ្រើសរើសមូលហេតុ',
    thanks: 'សូមអរគុណដែលបានប្រាប់យើង។ {{clinic}}',
    unnamed: 'មិត្ត',
  },
  tl: {
    reasonsPrompt: 'Alin dito ang pinakamalapit? Maaari rin kayong sumulat sa amin sa sarili ninyong salita.',
    reasonsButton: 'Pumili ng dahilan',
    thanks: 'Salamat sa pagsabi sa amin. {{clinic}}',
    unnamed: 'kaibigan',
  },
};

/** The WhatsApp words for a locale: the tag, its language, else English. */
export const whatsAppWordingFor = (locale: string, wordings: Readonly<Record<string, WhatsAppWording>> = shippedWhatsAppWordings): WhatsAppWording => {
  for (const key of [...wordingKeys(locale), 'en']) {
    const wording = wordings[key];
    if (wording) return wording;
  }
  throw new WhatsAppMessageError(`no WhatsApp wording for ${locale}, nor for English`);
};

const phoneNumber = /^\+[1-9]\d{6,14}$/;

/** The fields every message has: the client's number in E.164 (Meta takes it with its +) and our outreach id. */
const addressed = (outreachId: string, to: string): Addressed => {
  if (!phoneNumber.test(to)) throw new WhatsAppMessageError('the recipient is not an E.164 phone number');
  if (outreachId === '' || outreachId.length > whatsAppLimits.callbackData) {
    throw new WhatsAppMessageError(`the outreach id must be 1 to ${whatsAppLimits.callbackData} characters`);
  }
  return { messaging_product: 'whatsapp', recipient_type: 'individual', to, biz_opaque_callback_data: outreachId };
};

/** At most `limit` characters, cut after the last whole word that fits and ended with an ellipsis. */
export const shortened = (text: string, limit: number): string => {
  const characters = Array.from(text);
  if (characters.length <= limit) return text;
  const room = characters.slice(0, limit - 1).join('');
  const endsAWord = characters[limit - 1] === ' ';
  const lastSpace = room.lastIndexOf(' ');
  // One long word (or a script written without spaces, like Khmer) is cut where it must be.
  const cut = endsAWord || lastSpace <= 0 ? room : room.slice(0, lastSpace);
  return `${cut.trimEnd()}…`;
};

/** The token of a reply link (`<base>/r/<token>`): the template's URL button fills it into the registered URL. */
const replyTokenOf = (replyLink: string): string => {
  const at = replyLink.lastIndexOf('/r/');
  const token = at < 0 ? '' : replyLink.slice(at + 3);
  if (token === '' || token.includes('/')) throw new WhatsAppMessageError('the reply link has no reply-page token');
  return token;
};

export interface FirstMessageRequest {
  readonly outreachId: string;
  readonly to: string;
  readonly locale: string;
  /** As for the other channels: the clinic, the first name, the signed reply link. */
  readonly values: Pick<OutreachValues, 'clinic' | 'firstName' | 'replyLink'>;
  readonly template: WhatsAppTemplateSettings;
  readonly wordings?: Readonly<Record<string, WhatsAppWording>>;
}

/** The first message to a client, outside the 24-hour window: only an approved template may be sent. */
export const whatsAppFirstMessage = (request: FirstMessageRequest): WhatsAppTemplateMessage => {
  const { values } = request;
  const firstName = values.firstName ? cleanValue(values.firstName, 40) : '';
  const named = firstName || whatsAppWordingFor(request.locale, request.wordings).unnamed;
  return {
    ...addressed(request.outreachId, request.to),
    type: 'template',
    template: {
      name: request.template.name,
      language: { policy: 'deterministic', code: templateLanguage(request.locale, request.template) },
      components: [
        {
          type: 'body',
          parameters: [
            { type: 'text', text: cleanValue(values.clinic, 80) },
            { type: 'text', text: named },
          ],
        },
        { type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: replyTokenOf(values.replyLink) }] },
      ],
    },
  };
};

export interface ReasonListRequest {
  readonly outreachId: string;
  readonly to: string;
  readonly locale: string;
  readonly catalogue: Catalogue;
  /** How often this clinic's clients gave each reason: the most given come first, as on the reply page. */
  readonly given?: ReadonlyMap<string, number>;
  readonly wordings?: Readonly<Record<string, WhatsAppWording>>;
}

/** The reasons a client may pick, as a list message; only inside the 24-hour window after the client wrote. */
export const whatsAppReasonList = (request: ReasonListRequest): WhatsAppListMessage => {
  const wording = whatsAppWordingFor(request.locale, request.wordings);
  const choices = choicesFor(request.catalogue, request.locale, request.given ?? new Map());
  if (choices.length === 0) throw new WhatsAppMessageError('the catalogue offers clients no reason');
  // "Other" comes last from choicesFor and stays in the list when the rest must be cut.
  const kept = shortChoices(choices, whatsAppLimits.rows);
  const rows = kept.map(({ id, label }): WhatsAppListRow => {
    const title = shortened(label, whatsAppLimits.rowTitle);
    return title === label ? { id, title } : { id, title, description: shortened(label, whatsAppLimits.rowDescription) };
  });
  return {
    ...addressed(request.outreachId, request.to),
    type: 'interactive',
    interactive: {
      type: 'list',
      body: { text: shortened(wording.reasonsPrompt, whatsAppLimits.body) },
      action: { button: shortened(wording.reasonsButton, whatsAppLimits.listButton), sections: [{ rows }] },
    },
  };
};

/** Plain text, only inside the 24-hour window; links are shown as links with a preview when `preview` is set. */
export const whatsAppText = (outreachId: string, to: string, body: string, preview = false): WhatsAppTextMessage => {
  const text = body.trim();
  if (text === '' || Array.from(text).length > whatsAppLimits.text) throw new WhatsAppMessageError(`a text must be 1 to ${whatsAppLimits.text} characters`);
  return { ...addressed(outreachId, to), type: 'text', text: { preview_url: preview, body: text } };
};

/** The thank-you after an answer, in the client's language, on either messenger. */
export const thanksText = (locale: string, clinic: string, wordings?: Readonly<Record<string, WhatsAppWording>>): string =>
  whatsAppWordingFor(locale, wordings).thanks.replace('{{clinic}}', () => cleanValue(clinic, 80));

/** The thank-you after an answer, as a WhatsApp text. */
export const whatsAppThanks = (
  outreachId: string,
  to: string,
  locale: string,
  clinic: string,
  wordings?: Readonly<Record<string, WhatsAppWording>>,
): WhatsAppTextMessage => whatsAppText(outreachId, to, thanksText(locale, clinic, wordings));

/** How many reason buttons a Viber message carries under its text (the digits in the text cover the rest). */
const viberReasonButtons = 6;

/** The reasons as Viber buttons, in the reply page's order, "other" kept last when the rest must be cut. */
export const viberReasonKeyboard = (catalogue: Catalogue, locale: string): { reasonId: string; label: string }[] =>
  shortChoices(choicesFor(catalogue, locale, new Map()), viberReasonButtons).map(({ id, label }) => ({ reasonId: id, label }));
