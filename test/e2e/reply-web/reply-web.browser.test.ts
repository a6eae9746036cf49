/**
 * The reply page as a client meets it: a real headless Chromium opening a real signed link,
 * served by the reply-web function behind the local API Gateway on DynamoDB Local. Without a
 * Chromium this fails, unless COMEBACK_ALLOW_NO_BROWSER=1 says running without one is fine here.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pageAnswerId } from '../../../shared/answers/answer.ts';
import { offeredToClients } from '../../../shared/answers/reasons.ts';
import { pageWordings } from '../../../functions/reply-web/views/reply-page.ts';
import { browserOrSkip, launchChromium, watchPage } from '../../support/chromium.ts';
import { serveReplyWeb, type ServedReplyWeb } from '../../support/reply-web.ts';

const el = pageWordings.el!;

describe('the reply page in Chromium, served by the reply-web function', () => {
  let launched: Browser | { skipped: string };
  let served: ServedReplyWeb;
  let watched: { problems: string[]; foreign: string[] };
  const pages: Page[] = [];

  beforeAll(async () => {
    launched = await launchChromium();
  }, 300_000);

  afterAll(async () => {
    if (launched && !('skipped' in launched)) await launched.close();
  });

  beforeEach(async () => {
    served = await serveReplyWeb();
  });

  afterEach(async () => {
    await Promise.all(pages.splice(0).map((page) => page.close()));
    await served.stop();
  });

  /** A phone-sized page in a Greek browser, watched for console errors, CSP violations and requests elsewhere. */
  const open = async (javaScriptEnabled: boolean): Promise<Page | undefined> => {
    const chromium = browserOrSkip(launched);
    if (!chromium) return undefined;
    const page = await chromium.newPage({ viewport: { width: 360, height: 740 }, locale: 'el-GR', javaScriptEnabled });
    pages.push(page);
    watched = await watchPage(page, served.origin);
    return page;
  };

  it.each([
    ['on', true],
    ['off', false],
  ])(
    'takes an answer in Greek with emoji, shows it again on the next visit, and unsubscribes from its button (JavaScript %s)',
    async (_, javaScriptEnabled) => {
      // Prepare
      const page = await open(javaScriptEnabled);
      if (!page) return;
      const catalogue = await served.deps.catalogue.load();
      const greekLabels = catalogue.reasons.filter((reason) => reason.status === 'active' && offeredToClients(reason)).map((reason) => reason.labels.el!);
      const waiting = catalogue.reasons.find((reason) => reason.id === 'waiting-time')!.labels.el!;
      const words = 'Περίμενα πάνω από μία ώρα 😤⏰\nκαι κανείς δεν μας ενημέρωσε 👎🏽';

      // Act: open the link from the message, answer, send.
      const opened = await page.goto(served.link('reply'));
      const shownLabels = (await page.locator('label:has(input[type=radio])').allInnerTexts()).map((label) => label.trim());
      await page.getByRole('radio', { name: waiting }).check();
      await page.getByLabel(el.text).fill(words);
      await page.getByLabel(el.callMe).check();
      await page.getByRole('button', { name: el.send }).click();
      await page.getByRole('heading', { name: el.thanksTitle }).waitFor({ timeout: 60_000 });
      const thanksUrl = page.url();

      // Assess: the page was Greek, the answer landed with a follow-up for staff.
      expect(opened?.status()).toBe(200);
      expect(await page.locator('html').getAttribute('lang')).toBe('el');
      expect(shownLabels.sort()).toEqual([...greekLabels].sort());
      expect(thanksUrl).toBe(served.link('reply'));
      expect(await served.deps.answers.answersOf('c-1')).toEqual([
        expect.objectContaining({
          answerId: pageAnswerId(served.job.jobId),
          channel: 'page',
          reasonId: 'waiting-time',
          method: 'chosen',
          text: words,
          callMe: true,
          book: false,
        }),
      ]);
      expect((await served.deps.followUps.list('open')).map((followUp) => [followUp.clientId, followUp.kind, followUp.reasonId])).toEqual([
        ['c-1', 'call-back', 'waiting-time'],
      ]);

      // Act: the same link again.
      await page.goto(served.link('reply'));

      // Assess: the earlier answer is there to change.
      await page.getByText(el.previous).waitFor();
      expect(await page.getByRole('radio', { name: waiting }).isChecked()).toBe(true);
      expect(await page.getByRole('radio', { checked: true }).count()).toBe(1);
      expect(await page.getByLabel(el.text).inputValue()).toBe(words);
      expect(await page.getByLabel(el.callMe).isChecked()).toBe(true);
      expect(await page.getByLabel(el.book).isChecked()).toBe(false);

      // Act: the unsubscribe button under the form.
      expect(await served.deps.suppression.suppressed(['client:c-1'])).toEqual(new Set());
      await page.getByRole('button', { name: el.unsubscribe, exact: true }).click();
      await page.getByRole('heading', { name: el.unsubscribedTitle }).waitFor({ timeout: 60_000 });

      // Assess
      expect(new URL(page.url()).pathname).toBe(`/u/${served.token('unsubscribe')}`);
      expect(await served.deps.suppression.suppressed(['client:c-1'])).toEqual(new Set(['client:c-1']));
      expect(watched.problems).toEqual([]);
      expect(watched.foreign).toEqual([]);
    },
  );

  it.each([
    ['on', true],
    ['off', false],
  ])('asks before unsubscribing from the message’s unsubscribe link, and confirming suppresses the client (JavaScript %s)', async (_, javaScriptEnabled) => {
    // Prepare
    const page = await open(javaScriptEnabled);
    if (!page) return;

    // Act
    const opened = await page.goto(served.link('unsubscribe'));
    await page.getByRole('heading', { name: el.confirmTitle }).waitFor();
    const suppressedBefore = await served.deps.suppression.suppressed(['client:c-1']);
    await page.getByRole('button', { name: el.confirmButton }).click();
    await page.getByRole('heading', { name: el.unsubscribedTitle }).waitFor({ timeout: 60_000 });

    // Assess
    expect(opened?.status()).toBe(200);
    expect(suppressedBefore).toEqual(new Set());
    expect(await served.deps.suppression.suppressed(['client:c-1'])).toEqual(new Set(['client:c-1']));
    expect(await page.locator('main').innerText()).toContain('Harbour Clinic');
    expect(watched.problems).toEqual([]);
    expect(watched.foreign).toEqual([]);
  });

  it('shows a friendly Greek page for a link changed on the way, without console errors', async () => {
    // Prepare
    const page = await open(true);
    if (!page) return;
    const link = served.link('reply');

    // Act
    const opened = await page.goto(`${link.slice(0, -4)}AAAA`);

    // Assess
    expect(opened?.status()).toBe(400);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe(el.problems.invalid.title);
    expect(await served.deps.answers.answersOf('c-1')).toEqual([]);
    // The 400 itself is the only thing Chromium reports.
    expect(watched.problems.filter((problem) => !/status of 400/.test(problem))).toEqual([]);
    expect(watched.foreign).toEqual([]);
  });
});
