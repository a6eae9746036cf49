import { describe, expect, it } from 'vitest';
import {
  checkWordings,
  cleanValue,
  firstNameOf,
  renderEmail,
  renderSms,
  renderVoice,
  replyCodes,
  shippedWordings,
  TemplateError,
  wordingFor,
  type OutreachValues,
} from '../../../shared/outreach/wording.ts';
import { smsSize } from '../../../shared/outreach/sms-segments.ts';

const values = (firstName?: string): OutreachValues => ({
  clinic: 'Harbour Physio & Dental',
  ...(firstName !== undefined && { firstName }),
  replyLink: 'https://reply.example.com/r/abc.def?x=1&y=2',
  unsubscribeLink: 'https://reply.example.com/u/abc.def',
});

const hostile = ['<script>alert(1)</script>', 'Ma\u202Eria', '\u200FМария\u200E', 'Mar😀ia', 'O\'Brien "Jr" & Sons', 'Ana\u0000\u0007'];

describe('SMS parts', () => {
  it('counts GSM-7 text in septets, with the escape of extension characters', () => {
    expect(smsSize('a'.repeat(160))).toEqual({ encoding: 'GSM-7', units: 160, segments: 1 });
    expect(smsSize('a'.repeat(161))).toEqual({ encoding: 'GSM-7', units: 161, segments: 2 });
    expect(smsSize('€'.repeat(80))).toEqual({ encoding: 'GSM-7', units: 160, segments: 1 });
    expect(smsSize('a'.repeat(307)).segments).toBe(3);
  });

  it('sends anything outside GSM-7 as UCS-2, counted in UTF-16 units', () => {
    expect(smsSize('ж'.repeat(70))).toEqual({ encoding: 'UCS-2', units: 70, segments: 1 });
    expect(smsSize('ж'.repeat(71))).toEqual({ encoding: 'UCS-2', units: 71, segments: 2 });
    // One emoji is two UTF-16 units and turns the whole text into UCS-2.
    expect(smsSize(`${'a'.repeat(68)}😀`)).toEqual({ encoding: 'UCS-2', units: 70, segments: 1 });
    // Capital Greek letters are in GSM-7; small ones are not.
    expect(smsSize('ΔΦΓΛΩ').encoding).toBe('GSM-7');
    expect(smsSize('γεια').encoding).toBe('UCS-2');
  });
});

describe('feedback request wording', () => {
  it('ships English, Greek, Russian, Bengali, Georgian, Khmer and Tagalog, each rendering on every channel', () => {
    expect(Object.keys(shippedWordings).sort()).toEqual(['bn', 'el', 'en', 'ka', 'km', 'ru', 'tl']);
    expect(() => checkWordings(shippedWordings, 'Harbour Physio & Dental', 3)).not.toThrow();
  });

  for (const [locale, wording] of Object.entries(shippedWordings)) {
    it(`${locale}: escapes hostile names in every part, and keeps the SMS within 3 parts`, () => {
      for (const name of hostile) {
        const email = renderEmail(locale, wording, values(name));
        expect(email.html).not.toContain('<script>');
        expect(email.html).not.toMatch(/[\u202a-\u202e\u2066-\u2069\u200e\u200f\u0000\u0007]/);
        expect(email.text).not.toMatch(/[\u202a-\u202e\u2066-\u2069\u200e\u200f\u0000\u0007]/);
        expect(email.html).toContain('href="https://reply.example.com/r/abc.def?x=1&amp;y=2"');
        expect(email.text).toContain('https://reply.example.com/r/abc.def?x=1&y=2');
        expect(email.html).toContain(`lang="${locale}"`);
        const sms = renderSms(wording, values(name), 3);
        expect(sms.segments).toBeLessThanOrEqual(3);
        expect(sms.text).toContain('STOP');
        expect(sms.text).not.toMatch(/[\u202a-\u202e\u200e\u200f]/);
        const ssml = renderVoice(locale, wording, values(name));
        expect(ssml).toMatch(/^<speak><lang xml:lang="[a-z]+">[^<>]*<\/lang><\/speak>$/);
      }
    });

    it(`${locale}: invites every reply digit`, () => {
      const sms = renderSms(wording, values(), 3).text;
      replyCodes.forEach((_, i) => {
        expect(sms).toContain(String(i + 1));
      });
    });
  }

  it('puts the first name in the greeting, escaped, and greets without one when there is none', () => {
    const withName = renderEmail('en', shippedWordings.en!, values('<b>Eve</b>'));
    expect(withName.html).toContain('<p>Dear &lt;b&gt;Eve&lt;/b&gt;,</p>');
    expect(withName.text.startsWith('Dear <b>Eve</b>,')).toBe(true);
    expect(renderEmail('en', shippedWordings.en!, values()).text.startsWith('Hello,')).toBe(true);
    expect(renderEmail('en', shippedWordings.en!, values()).subject).toBe('Harbour Physio & Dental: may we ask you one thing?');
    expect(renderEmail('en', shippedWordings.en!, values()).html).toContain('Harbour Physio &amp; Dental');
  });

  it('drops the name from an SMS that it would push over the limit, rather than fail', () => {
    // An emoji turns the whole English SMS into UCS-2: three parts instead of two.
    const sms = renderSms(shippedWordings.en!, values('Maria😀'), 2);
    expect(sms.text).not.toContain('Maria');
    expect(sms).toMatchObject({ encoding: 'GSM-7', segments: 2 });
    expect(renderSms(shippedWordings.en!, values('Maria😀'), 3)).toMatchObject({ encoding: 'UCS-2', segments: 3 });
  });

  it('fails at start, naming the locale, when a wording cannot be sent', () => {
    const broken = { ...shippedWordings, xx: { ...shippedWordings.en!, intro: 'Hi {{nickname}}' } };
    expect(() => checkWordings(broken, 'Clinic', 3)).toThrow(TemplateError);
    expect(() => checkWordings(broken, 'Clinic', 3)).toThrow(/xx: unknown placeholder \{\{nickname\}\}/);
    expect(() => checkWordings(shippedWordings, 'Clinic', 1)).toThrow(/the SMS takes \d parts/);
  });

  it('falls back from the tag to its language, then to the clinic default', () => {
    expect(wordingFor('el-GR', shippedWordings, 'en').locale).toBe('el');
    expect(wordingFor('pt-BR', shippedWordings, 'en').locale).toBe('en');
    expect(() => wordingFor('pt-BR', shippedWordings, 'de')).toThrow(TemplateError);
  });

  it('takes the first word of a name, cleaned', () => {
    expect(firstNameOf('  Maria  Papadopoulou ')).toBe('Maria');
    expect(firstNameOf('\u202E')).toBeUndefined();
    expect(firstNameOf(undefined)).toBeUndefined();
    expect(cleanValue('x'.repeat(100), 40)).toHaveLength(40);
  });
});
