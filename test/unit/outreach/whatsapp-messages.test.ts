import { describe, expect, it } from 'vitest';
import { addReason, seedCatalogue } from '../../../shared/answers/reasons.ts';
import {
  shippedWhatsAppWordings,
  shortened,
  templateLanguage,
  templateReplyUrl,
  WhatsAppMessageError,
  whatsAppFirstMessage,
  whatsAppReasonList,
  whatsAppText,
  whatsAppThanks,
  whatsAppLimits,
  type WhatsAppTemplateSettings,
} from '../../../shared/outreach/whatsapp-messages.ts';

const template: WhatsAppTemplateSettings = { name: 'comeback_feedback', fallbackLanguage: 'en' };
const replyLink = 'https://reply.harbour.example/r/eyJvIjoiam9iLTEifQ.c2lnbmF0dXJl';

const firstMessage = (locale: string, firstName?: string) =>
  whatsAppFirstMessage({
    outreachId: 'job-1',
    to: '+306912345678',
    locale,
    values: { clinic: 'Harbour Physio & Dental', replyLink, ...(firstName && { firstName }) },
    template,
  });

describe('the first WhatsApp message: an approved template', () => {
  it('names the template, the client’s language, the clinic and first name, the reply-page token, and our outreach id', () => {
    // Act
    const message = firstMessage('el-GR', 'Μαρία');

    // Assess
    expect(message).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '+306912345678',
      biz_opaque_callback_data: 'job-1',
      type: 'template',
      template: {
        name: 'comeback_feedback',
        language: { policy: 'deterministic', code: 'el' },
        components: [
          {
            type: 'body',
            parameters: [
              { type: 'text', text: 'Harbour Physio & Dental' },
              { type: 'text', text: 'Μαρία' },
            ],
          },
          { type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: 'eyJvIjoiam9iLTEifQ.c2lnbmF0dXJl' }] },
        ],
      },
    });
  });

  it('maps our languages to Meta’s template languages: Tagalog is Filipino, Khmer takes the clinic’s fallback', () => {
    // Act
    const codes = ['en', 'el', 'ru', 'bn', 'ka', 'tl', 'fil-PH', 'km', 'de'].map((locale) => templateLanguage(locale, template));

    // Assess
    expect(codes).toEqual(['en', 'el', 'ru', 'bn', 'ka', 'fil', 'fil', 'en', 'en']);
    expect(templateLanguage('en-US', { ...template, languages: { en: 'en_US' } })).toBe('en_US');
    expect(firstMessage('km').template.language.code).toBe('en');
  });

  it('never sends an empty name: a client without one is addressed with the language’s neutral word', () => {
    // Act
    const nameless = firstMessage('ka');

    // Assess
    expect(nameless.template.components[0].parameters[1]).toEqual({ type: 'text', text: shippedWhatsAppWordings.ka!.unnamed });
  });

  it('strips direction and control characters from the name, as every channel does', () => {
    // Act
    const message = firstMessage('en', 'Ma\u202Eria\u0007');

    // Assess
    expect(message.template.components[0].parameters[1]!.text).toBe('Maria');
  });

  it('refuses a number that is not E.164 and a reply link without a token', () => {
    // Act
    const badNumber = () => whatsAppFirstMessage({ outreachId: 'job-1', to: '6912345678', locale: 'en', values: { clinic: 'C', replyLink }, template });
    const noToken = () =>
      whatsAppFirstMessage({ outreachId: 'job-1', to: '+306912345678', locale: 'en', values: { clinic: 'C', replyLink: 'https://reply.example/' }, template });

    // Assess
    expect(badNumber).toThrow(WhatsAppMessageError);
    expect(noToken).toThrow(/token/);
  });

  it('gives the clinic the URL to register for the template’s button', () => {
    expect(templateReplyUrl('https://reply.harbour.example/')).toBe('https://reply.harbour.example/r/{{1}}');
  });
});

describe('the list of reasons, inside the 24-hour window', () => {
  it('offers the catalogue’s reasons in the client’s language, the most given first and “other” last, never “passed away”', () => {
    // Prepare
    const given = new Map([['moved-away', 5]]);

    // Act
    const message = whatsAppReasonList({ outreachId: 'job-2', to: '+995555123456', locale: 'ru', catalogue: seedCatalogue(), given });

    // Assess
    const rows = message.interactive.action.sections[0].rows;
    expect(message.biz_opaque_callback_data).toBe('job-2');
    expect(message.interactive.action.button).toBe('Выбрать причину');
    expect(rows[0]).toMatchObject({ id: 'moved-away', title: 'Переезд' });
    expect(rows.at(-1)).toMatchObject({ id: 'other', title: 'Другое' });
    expect(rows.map((row) => row.id)).not.toContain('deceased');
    expect(rows.length).toBeLessThanOrEqual(whatsAppLimits.rows);
  });

  it('keeps at most ten rows, “other” among them, and titles of at most 24 characters with the whole label beside', () => {
    // Prepare
    let catalogue = seedCatalogue();
    for (const label of ['Parking near the clinic was impossible', 'Reception staff', 'Opening hours', 'Too far', 'Insurance']) {
      catalogue = addReason(catalogue, { label, locale: 'en', churnType: 'voluntary' }, '2026-01-01T00:00:00.000Z');
    }

    // Act
    const message = whatsAppReasonList({ outreachId: 'job-3', to: '+306912345678', locale: 'en', catalogue });

    // Assess
    const rows = message.interactive.action.sections[0].rows;
    expect(rows).toHaveLength(10);
    expect(rows.at(-1)!.id).toBe('other');
    for (const row of rows) expect(Array.from(row.title).length).toBeLessThanOrEqual(whatsAppLimits.rowTitle);
  });

  it('falls back to English labels for a reason without one in the client’s language', () => {
    // Prepare
    const catalogue = addReason(
      seedCatalogue(),
      { id: 'parking', label: 'Parking near the clinic was impossible', locale: 'en', churnType: 'voluntary' },
      '2026-01-01T00:00:00.000Z',
    );

    // Act
    const message = whatsAppReasonList({ outreachId: 'job-4', to: '+85512345678', locale: 'km', catalogue, given: new Map([['parking', 3]]) });

    // Assess
    const [parking, price] = message.interactive.action.sections[0].rows;
    expect(parking).toEqual({ id: 'parking', title: 'Parking near the clinic…', description: 'Parking near the clinic was impossible' });
    expect(price).toEqual({ id: 'price', title: 'តម្លៃ' });
    expect(message.interactive.action.button).toBe(shippedWhatsAppWordings.km!.reasonsButton);
  });

  it('ships list words in all seven languages, each menu button within 20 characters', () => {
    expect(Object.keys(shippedWhatsAppWordings).sort()).toEqual(['bn', 'el', 'en', 'ka', 'km', 'ru', 'tl']);
    for (const wording of Object.values(shippedWhatsAppWordings)) {
      expect(Array.from(wording.reasonsButton).length).toBeLessThanOrEqual(whatsAppLimits.listButton);
      expect(wording.thanks).toContain('{{clinic}}');
    }
  });
});

describe('shortening a label', () => {
  it('cuts after the last whole word and adds an ellipsis, within the limit', () => {
    expect(shortened('Waiting time', 24)).toBe('Waiting time');
    expect(shortened('The waiting room was always far too crowded', 24)).toBe('The waiting room was…');
    expect(shortened('Supercalifragilisticexpialidocious', 24)).toBe('Supercalifragilisticexp…');
    expect(Array.from(shortened('ការរង់ចាំយូរពេកនៅក្នុងបន្ទប់រង់ចាំ', 24))).toHaveLength(24);
  });
});

describe('plain text, inside the 24-hour window', () => {
  it('thanks the client in their language, with our outreach id', () => {
    // Act
    const message = whatsAppThanks('job-5', '+639171234567', 'tl', 'Harbour $& Clinic');

    // Assess
    expect(message).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '+639171234567',
      biz_opaque_callback_data: 'job-5',
      type: 'text',
      text: { preview_url: false, body: 'Salamat sa pagsabi sa amin. Harbour $& Clinic' },
    });
  });

  it('refuses an empty text and one over 4096 characters', () => {
    expect(() => whatsAppText('job-6', '+306912345678', '  ')).toThrow(WhatsAppMessageError);
    expect(() => whatsAppText('job-6', '+306912345678', 'a'.repeat(4097))).toThrow(WhatsAppMessageError);
  });
});
