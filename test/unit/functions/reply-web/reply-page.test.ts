import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { longestAnswerText } from '../../../../shared/answers/answer.ts';
import {
  maxReplyFormBytes,
  maxReplyTextLength,
  pageHeaders,
  pageLocaleFor,
  pageLocales,
  pageWordings,
  parseReplyForm,
  renderProblemPage,
  renderReplyPage,
  renderThanksPage,
  renderUnsubscribeConfirmPage,
  renderUnsubscribedPage,
  ReplyFormError,
  type ReplyPageView,
  type ReplyProblem,
} from '../../../../functions/reply-web/views/reply-page.ts';

const escaped = (text: string): string => text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!);

const reasons = [
  { id: 'price', label: 'Too expensive' },
  { id: 'waiting-time', label: 'I waited too long' },
  { id: 'moved-away', label: 'I moved away' },
  { id: 'doctor', label: 'I did not like the doctor' },
  { id: 'feel-better', label: 'I feel better now' },
  { id: 'competitor', label: 'I go to another clinic' },
  { id: 'insurance', label: 'My insurance changed' },
  { id: 'other', label: 'Something else' },
];

const view = (overrides: Partial<ReplyPageView> = {}): ReplyPageView => ({
  locale: 'en',
  clinicName: 'Harbour Physio & Dental',
  firstName: 'Maria',
  reasons,
  action: '/r/abc.def',
  unsubscribeAction: '/u/abc.def',
  ...overrides,
});

const problems: readonly ReplyProblem[] = ['expired', 'invalid', 'not-found'];

/** Every page a client can see, in one locale. */
const allPages = (locale: string, clinicName = 'Harbour Physio & Dental'): Record<string, string> => ({
  reply: renderReplyPage(view({ locale, clinicName })),
  thanks: renderThanksPage({ locale, clinicName, updated: false }),
  updated: renderThanksPage({ locale, clinicName, updated: true }),
  unsubscribed: renderUnsubscribedPage({ locale, clinicName }),
  confirm: renderUnsubscribeConfirmPage({ locale, clinicName, action: '/u/abc.def' }),
  ...Object.fromEntries(problems.map((problem) => [problem, renderProblemPage({ locale, problem })])),
});

/** A wording's text as a page shows it: escaped, with its placeholders left out. */
const shownParts = (text: string): string[] =>
  text
    .split(/\{\{\w+\}\}/)
    .map((part) => escaped(part.trim()))
    .filter((part) => part.length > 1);

describe('reply page locales', () => {
  it('ships English, Greek, Russian, Bengali, Georgian, Khmer and Tagalog', () => {
    // Assess
    expect([...pageLocales].sort()).toEqual(['bn', 'el', 'en', 'ka', 'km', 'ru', 'tl']);
  });

  it('falls back from a regional tag to its language, and from an unknown language to English', () => {
    // Assess
    expect(pageLocaleFor('el-GR')).toBe('el');
    expect(pageLocaleFor('RU_ru')).toBe('ru');
    expect(pageLocaleFor('fr-CA')).toBe('en');
    // Filipino is standard Tagalog: a client tagged either way reads the Tagalog page.
    expect(pageLocaleFor('fil')).toBe('tl');
    expect(pageLocaleFor('fil-PH')).toBe('tl');
    expect(pageLocaleFor('')).toBe('en');
    expect(pageLocaleFor(undefined)).toBe('en');
    expect(renderReplyPage(view({ locale: 'km-KH' }))).toContain('<html lang="km" dir="ltr">');
    expect(renderProblemPage({ problem: 'expired' })).toContain('<html lang="en" dir="ltr">');
  });

  it.each(pageLocales)('renders every page in %s with its lang attribute and its own words', (locale) => {
    // Prepare
    const words = pageWordings[locale]!;
    const english = pageWordings.en!;

    // Act
    const pages = allPages(locale);

    // Assess
    for (const html of Object.values(pages)) {
      expect(html.startsWith('<!doctype html>\n')).toBe(true);
      expect(html).toContain(`<html lang="${locale}" dir="ltr">`);
      expect(html).toContain('<meta charset="utf-8">');
      expect(html).toContain('<meta name="viewport" content="width=device-width,initial-scale=1">');
      expect(html).toMatch(/<title>[^<]+<\/title>/);
      expect(html).toMatch(/<h1>[^<]+<\/h1>/);
    }
    const expectWords = (page: string, ...texts: string[]): void => {
      for (const text of texts) for (const part of shownParts(text)) expect(pages[page], `${locale} ${page}: ${part}`).toContain(part);
    };
    expectWords('reply', words.greetingNamed, words.title, words.intro, words.reasons, words.text, words.callMe, words.book, words.send);
    expectWords('reply', words.unsubscribeIntro, words.unsubscribe);
    expectWords('thanks', words.thanksTitle, words.thanks);
    expectWords('updated', words.thanksTitle, words.updated, words.thanks);
    expectWords('unsubscribed', words.unsubscribedTitle, words.unsubscribed);
    expectWords('confirm', words.confirmTitle, words.confirm, words.confirmButton);
    for (const problem of problems) expectWords(problem, words.problems[problem].title, words.problems[problem].body);
    expect(pages.thanks).not.toContain(escaped(words.updated));
    if (locale !== 'en') {
      // Nothing is left in English.
      for (const text of [english.title, english.send, english.callMe, english.thanks, english.confirmButton, english.problems.expired.body])
        for (const html of Object.values(pages)) expect(html).not.toContain(escaped(text));
    }
  });

  it('pins a few words of each locale, so a wording cannot drift into another language', () => {
    // Prepare
    const titles: Record<string, string> = {
      en: 'Why did you stop coming?',
      el: 'Γιατί σταματήσατε να έρχεστε;',
      ru: 'Почему вы перестали приходить?',
      bn: 'আপনি কেন আর আসছেন না?',
      ka: 'რატომ აღარ მოდიხართ?',
      km: 'ហេតុអ្វីបានជាអ្នកឈប់មក?',
      tl: 'Bakit hindi na kayo bumabalik?',
    };

    // Act & Assess
    for (const [locale, title] of Object.entries(titles)) expect(renderReplyPage(view({ locale }))).toContain(`<h1>${title}</h1>`);
    expect(new Set(pageLocales.map((locale) => pageWordings[locale]!.problems.expired.title)).size).toBe(pageLocales.length);
  });

  it('shows the Viber deep link only when it is given, escaped, in the client’s words', () => {
    const link = 'viber://pa?chatURI=harbour&context=a.b"<x>';

    expect(renderReplyPage(view())).not.toContain('viber://');
    expect(renderReplyPage(view({ viberLink: link }))).toContain(
      `<a href="viber://pa?chatURI=harbour&amp;context=a.b&quot;&lt;x&gt;">${pageWordings.en!.viber}</a>`,
    );
    expect(renderReplyPage(view({ locale: 'el', viberLink: link }))).toContain(pageWordings.el!.viber);
  });

  it('greets without a name when it does not know one', () => {
    // Act
    const html = renderReplyPage(view({ firstName: undefined }));

    // Assess
    expect(html).toContain('<p>Hello, We have not seen you at <bdi>Harbour Physio &amp; Dental</bdi>');
    expect(html).not.toContain('Dear');
  });

  it('says what happened and what to do on a problem page, with nothing internal, and gives each problem its status', () => {
    // Act
    const expired = renderProblemPage({ locale: 'en', problem: 'expired' });

    // Assess
    expect(expired).toContain('<h1>This link has expired</h1>');
    expect(expired).toContain('reply to the message we sent you or give us a call');
    expect(expired).not.toMatch(/token|error|stack|exception|undefined|null|hmac|signature/i);
  });
});

describe('the reply form', () => {
  it('has one radio per reason, a bounded text box, the two checkboxes, a submit button and a separate unsubscribe form', () => {
    // Act
    const html = renderReplyPage(view());

    // Assess
    for (const reason of reasons)
      expect(html).toContain(
        `<label class="opt"><input type="radio" name="reason" value="${reason.id}"><span dir="auto">${escaped(reason.label)}</span></label>`,
      );
    expect(html.match(/type="radio"/g)).toHaveLength(reasons.length);
    expect(html).toContain('<fieldset><legend>What is the main reason?</legend>');
    expect(html).toContain('<label class="label" for="text">');
    expect(html).toContain(`<textarea id="text" name="text" maxlength="${maxReplyTextLength}" rows="4" dir="auto"></textarea>`);
    expect(html).toContain('<input type="checkbox" name="callMe" value="yes"><span>Please call me back</span>');
    expect(html).toContain('<input type="checkbox" name="book" value="yes"><span>I&#39;d like to book again</span>');
    expect(html).toContain('<form method="post" action="/r/abc.def">');
    expect(html).toContain('<form class="unsub" method="post" action="/u/abc.def">');
    expect(html.match(/<form /g)).toHaveLength(2);
    expect(html.match(/<button [^>]*type="submit"/g)).toHaveLength(2);
    // The first form closes before the unsubscribe form opens: forms do not nest.
    expect(html.indexOf('</form>')).toBeLessThan(html.indexOf('<form class="unsub"'));
    expect(html).not.toMatch(/ checked>/);
    expect(html).not.toContain('class="note"');
  });

  it('shows the earlier answer pre-selected on a second visit', () => {
    // Act
    const html = renderReplyPage(view({ previous: { reasonId: 'moved-away', text: 'We moved to Patras.\nThanks!', callMe: true, book: false } }));

    // Assess
    expect(html).toContain('<input type="radio" name="reason" value="moved-away" checked>');
    expect(html.match(/ checked>/g)).toHaveLength(2);
    expect(html).toContain('<input type="checkbox" name="callMe" value="yes" checked>');
    expect(html).toContain('<input type="checkbox" name="book" value="yes"><span>');
    expect(html).toContain('dir="auto">We moved to Patras.\nThanks!</textarea>');
    expect(html).toContain('<p class="note">You have already answered. You can change your answer and send it again.</p>');
  });

  it('shows a previous answer whose reason has since been retired with nothing selected', () => {
    // Act
    const html = renderReplyPage(view({ previous: { reasonId: 'parking', book: true } }));

    // Assess
    expect(html).not.toContain('type="radio" name="reason" value="parking"');
    expect(html.match(/ checked>/g)).toHaveLength(1);
    expect(html).toContain('<input type="checkbox" name="book" value="yes" checked>');
  });

  it('renders a text box alone when the clinic has no active reasons', () => {
    // Act
    const html = renderReplyPage(view({ reasons: [] }));

    // Assess
    expect(html).not.toContain('<fieldset>');
    expect(html).toContain('<textarea id="text" name="text"');
  });
});

describe('hostile values', () => {
  const payloads = [
    '<script>alert(1)</script>',
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    '</textarea><script>alert(2)</script>',
    '</title><script>alert(3)</script>',
    '&lt;b&gt;already escaped&lt;/b&gt;',
    'Ma\u202Eairam\u202C \u2067isolate\u2069 \u200Fmark\u200E',
    'Mar😀ia 👨‍👩‍👧',
  ];

  const hostilePages = (payload: string): string[] => [
    renderReplyPage({
      locale: payload,
      clinicName: payload,
      firstName: payload,
      reasons: [
        { id: payload, label: payload },
        { id: 'price', label: payload },
      ],
      action: payload,
      unsubscribeAction: payload,
      previous: { reasonId: payload, text: payload, callMe: true, book: true },
    }),
    renderThanksPage({ locale: payload, clinicName: payload, updated: true }),
    renderUnsubscribedPage({ locale: payload, clinicName: payload }),
    renderUnsubscribeConfirmPage({ locale: payload, clinicName: payload, action: payload }),
    renderProblemPage({ locale: payload, problem: 'invalid' }),
  ];

  it.each(payloads)('renders %j inert on every page', (payload) => {
    // Act
    const pages = hostilePages(payload);

    // Assess
    for (const html of pages) {
      if (/[<>"'&]/.test(payload)) expect(html).not.toContain(payload);
      expect(html).not.toMatch(/<(script|img|svg|iframe|object|embed|link|base)\b/i);
      // No tag has an event handler, once its quoted attribute values are set aside.
      for (const [tag] of html.matchAll(/<[a-z][^>]*>/gi)) expect(tag.replace(/"[^"]*"/g, '""')).not.toMatch(/\son\w+=/i);
      // The shown text (outside the tags) has no direction controls.
      expect(html.replace(/<[^>]*>/g, '')).not.toMatch(/[\u202a-\u202e\u2066-\u2069\u200e\u200f]/);
      expect(html.match(/<\/textarea>/g)?.length ?? 0).toBeLessThanOrEqual(1);
      expect(html.match(/<title>/g)).toHaveLength(1);
      expect(html).toContain('<html lang="en" dir="ltr">');
    }
  });

  it('shows the escaped text where the raw text would have been', () => {
    // Act
    const [reply] = hostilePages('<script>alert(1)</script>');

    // Assess
    const shown = '&lt;script&gt;alert(1)&lt;/script&gt;';
    expect(reply).toContain(`<p class="clinic"><bdi>${shown}</bdi></p>`);
    expect(reply).toContain(`<p>Dear <bdi>${shown}</bdi>, We have not seen you at <bdi>${shown}</bdi>`);
    expect(reply).toContain(`<input type="radio" name="reason" value="${shown}" checked><span dir="auto">${shown}</span>`);
    expect(reply).toContain(`dir="auto">${shown}</textarea>`);
    expect(reply).toContain(`<form method="post" action="${shown}">`);
    expect(reply).toContain(`<title>Why did you stop coming? · ${shown}</title>`);
  });

  it('escapes text that looks escaped already, once more, rather than trusting it', () => {
    // Act
    const [reply] = hostilePages('&lt;b&gt;already escaped&lt;/b&gt;');

    // Assess
    expect(reply).toContain('&amp;lt;b&amp;gt;already escaped&amp;lt;/b&amp;gt;');
  });

  it('keeps emoji, with their joiners, and drops direction overrides', () => {
    // Act
    const [reply] = hostilePages('Mar😀ia 👨‍👩‍👧');
    const [reversed] = hostilePages('Ma\u202Eairam\u202C \u2067isolate\u2069 \u200Fmark\u200E');

    // Assess
    expect(reply).toContain('<bdi>Mar😀ia 👨‍👩‍👧</bdi>');
    expect(reversed).toContain('<bdi>Maairam isolate mark</bdi>');
  });
});

describe('page headers and assets', () => {
  const styleOf = (html: string): string => {
    const blocks = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)];
    expect(blocks).toHaveLength(1);
    return blocks[0]![1]!;
  };

  it('sends a strict Content-Security-Policy whose hash is the one style block of every page', () => {
    // Prepare
    const csp = pageHeaders['Content-Security-Policy']!;
    const directives = Object.fromEntries(
      csp
        .split(';')
        .map((directive) => directive.trim().split(/\s+/))
        .map(([name, ...values]) => [name, values.join(' ')]),
    );

    // Act
    const pages = [...pageLocales.flatMap((locale) => Object.values(allPages(locale))), renderReplyPage(view({ previous: { reasonId: 'price' } }))];

    // Assess
    expect(directives).toEqual({
      'default-src': "'none'",
      'style-src': expect.stringMatching(/^'sha256-[A-Za-z0-9+/]{43}='$/),
      'form-action': "'self'",
      'base-uri': "'none'",
      'frame-ancestors': "'none'",
    });
    for (const html of pages) {
      const hash = createHash('sha256').update(styleOf(html), 'utf8').digest('base64');
      expect(directives['style-src']).toBe(`'sha256-${hash}'`);
    }
  });

  it('has no script, no inline style attribute, and nothing loaded from anywhere', () => {
    // Act
    const pages = pageLocales.flatMap((locale) => Object.values(allPages(locale)));

    // Assess
    for (const html of pages) {
      expect(html).not.toMatch(/<script|javascript:|\sstyle=|\son\w+=/i);
      expect(html).not.toMatch(/\s(src|href|srcset|poster|data)=/i);
      expect(styleOf(html)).not.toMatch(/url\(|@import|@font-face|https?:/i);
    }
  });

  it('sends the other security and caching headers', () => {
    // Assess
    expect(pageHeaders).toMatchObject({
      'Content-Type': 'text/html; charset=utf-8',
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-store',
      'Strict-Transport-Security': expect.stringMatching(/^max-age=\d{8,}; includeSubDomains$/),
      'Permissions-Policy': expect.stringContaining('camera=()'),
    });
    expect(Object.isFrozen(pageHeaders)).toBe(true);
  });

  it.each(pageLocales)('keeps every %s page under 10 kB, the reply page with eight long reasons and a full previous answer', (locale) => {
    // Prepare
    const longReasons = reasons.map((reason) => ({ ...reason, label: pageWordings[locale]!.intro.slice(0, 60) }));

    // Act
    const pages = [
      ...Object.values(allPages(locale)),
      renderReplyPage(view({ locale, reasons: longReasons, previous: { reasonId: 'price', text: 'ok '.repeat(200), callMe: true, book: true } })),
    ];

    // Assess
    for (const html of pages) expect(Buffer.byteLength(html, 'utf8')).toBeLessThan(10 * 1024);
  });
});

describe('parsing the reply form', () => {
  it('reads what a browser sends', () => {
    // Act
    const form = parseReplyForm('reason=price&text=Too+expensive%2C+sorry%21&callMe=yes', 'application/x-www-form-urlencoded');

    // Assess
    expect(form).toEqual({ reasonId: 'price', text: 'Too expensive, sorry!', callMe: true, book: false });
  });

  it('reads an empty form as no answer, and empty fields as absent', () => {
    // Assess
    expect(parseReplyForm('')).toEqual({ callMe: false, book: false });
    expect(parseReplyForm('reason=&text=+%0D%0A+&book=yes')).toEqual({ callMe: false, book: true });
  });

  it('reads any script and emoji, round-tripped through the browser encoding', () => {
    // Prepare
    const text = 'Πολύ ακριβό 😀 — дорого, ব্যয়বহুল, ძვირი, ថ្លៃ';
    const body = new URLSearchParams({ reason: 'price', text, book: 'yes' }).toString();

    // Act
    const form = parseReplyForm(body, 'application/x-www-form-urlencoded; charset=UTF-8');

    // Assess
    expect(form).toEqual({ reasonId: 'price', text, callMe: false, book: true });
  });

  it('trims the text, keeps its line breaks as LF, drops control and direction characters, and leaves cutting a long one to where every answer is cut', () => {
    // Prepare
    const long = `${'😀'.repeat(maxReplyTextLength)}overflow`;

    // Act
    const trimmed = parseReplyForm(new URLSearchParams({ text: '  \tline one\r\nline\u202E two\u0000 \n' }).toString());
    const capped = parseReplyForm(new URLSearchParams({ text: long }).toString());

    // Assess
    expect(trimmed.text).toBe('line one\nline two');
    expect(capped.text).toBe(long);
    expect(maxReplyTextLength).toBe(longestAnswerText);
  });

  it('ignores fields it does not know', () => {
    // Assess
    expect(parseReplyForm('utm_source=mail&reason=other&submit=Send&__proto__=x&constructor=y')).toEqual({ reasonId: 'other', callMe: false, book: false });
  });

  it.each([
    ['a bad percent escape', 'text=50%'],
    ['a truncated UTF-8 sequence', 'text=%E0%A4'],
    ['an invalid UTF-8 sequence', 'text=%C3%28'],
    ['a repeated reason', 'reason=price&reason=doctor'],
    ['a repeated text', 'text=a&text=b'],
    ['a checkbox with another value', 'callMe=maybe'],
    ['a reason that is not an id', 'reason=%3Cscript%3E'],
    ['a reason id that is too long', `reason=${'a'.repeat(101)}`],
  ])('rejects %s as malformed', (_, body) => {
    // Act & Assess
    expect(() => parseReplyForm(body)).toThrow(ReplyFormError);
    try {
      parseReplyForm(body);
    } catch (error) {
      expect((error as ReplyFormError).problem).toBe('malformed');
      expect((error as ReplyFormError).name).toBe('ReplyFormError');
    }
  });

  it('rejects a body that is not a URL-encoded form in UTF-8', () => {
    // Assess
    for (const contentType of ['application/json', 'multipart/form-data; boundary=x', 'text/plain', 'application/x-www-form-urlencoded; charset=iso-8859-1'])
      expect(() => parseReplyForm('reason=price', contentType)).toThrow(expect.objectContaining({ name: 'ReplyFormError', problem: 'unsupported-media-type' }));
    expect(parseReplyForm('reason=price', 'Application/X-WWW-Form-URLEncoded;charset="utf-8"')).toEqual({ reasonId: 'price', callMe: false, book: false });
  });

  it('rejects a body far larger than any form a browser would send', () => {
    // Assess
    expect(() => parseReplyForm(`text=${'a'.repeat(maxReplyFormBytes + 1)}`)).toThrow(expect.objectContaining({ problem: 'too-large' }));
    // The longest text the box takes, in a script of three UTF-8 bytes a letter, fits.
    expect(parseReplyForm(new URLSearchParams({ text: 'ა'.repeat(maxReplyTextLength), callMe: 'yes' }).toString()).text).toHaveLength(maxReplyTextLength);
  });

  it('accepts whatever text a browser can encode, and returns it clean', () => {
    // Act & Assess
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 1200 }), fc.boolean(), (text, callMe) => {
        const form = parseReplyForm(new URLSearchParams({ text, ...(callMe && { callMe: 'yes' }) }).toString());
        expect(form.callMe).toBe(callMe);
        if (form.text !== undefined) {
          expect([...form.text].length).toBeLessThanOrEqual([...text].length);
          expect(form.text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u202a-\u202e\u2066-\u2069\r]/);
          expect(form.text).toBe(form.text.trim());
        }
      }),
    );
  });
});
