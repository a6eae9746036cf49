/**
 * The reply page in a real headless Chromium: served with its real headers by a tiny HTTP
 * server, filled in and sent the way a client would, with no console errors and no CSP
 * violations. Without a Chromium this fails, unless COMEBACK_ALLOW_NO_BROWSER=1 says that
 * running without one is acceptable here.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pageHeaders, parseReplyForm, renderReplyPage, renderThanksPage, type ReplyForm } from '../../../functions/reply-web/views/reply-page.ts';
import { browserOrSkip, launchChromium, watchPage } from '../../support/chromium.ts';

const reasons = [
  { id: 'price', label: 'Too expensive' },
  { id: 'waiting-time', label: 'I waited too long' },
  { id: 'moved-away', label: 'I moved away' },
  // One long word: the layout must wrap it rather than scroll sideways.
  { id: 'other', label: `Something${'else'.repeat(20)}` },
];

const readBody = (request: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });

/** GET /r/x shows the form; POST /r/x parses it, keeps it, and thanks. */
const startServer = async (received: ReplyForm[]): Promise<{ server: Server; origin: string }> => {
  const server = createServer((request, response) => {
    void (async () => {
      if (request.url !== '/r/x') {
        response.writeHead(404, { ...pageHeaders }).end();
        return;
      }
      if (request.method === 'GET') {
        const html = renderReplyPage({
          locale: 'en-GB',
          clinicName: 'Harbour Physio & Dental',
          firstName: 'Maria',
          reasons,
          action: '/r/x',
          unsubscribeAction: '/u/x',
        });
        response.writeHead(200, { ...pageHeaders }).end(html);
        return;
      }
      if (request.method === 'POST') {
        const form = parseReplyForm(await readBody(request), request.headers['content-type']);
        received.push(form);
        response.writeHead(200, { ...pageHeaders }).end(renderThanksPage({ locale: 'en-GB', clinicName: 'Harbour Physio & Dental', updated: false }));
        return;
      }
      response.writeHead(405, { ...pageHeaders, Allow: 'GET, POST' }).end();
    })().catch((error: unknown) => {
      response.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
};

describe('the reply page in Chromium', () => {
  const received: ReplyForm[] = [];
  let launched: Browser | { skipped: string };
  let server: Server | undefined;
  let origin = '';

  beforeAll(async () => {
    launched = await launchChromium();
    ({ server, origin } = await startServer(received));
  }, 300_000);

  afterAll(async () => {
    if (launched && !('skipped' in launched)) await launched.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  const browser = (): Browser | undefined => browserOrSkip(launched);

  // With JavaScript on, an injected script would show (as a dialog); with it off, the form must still work.
  it.each([
    ['on', true],
    ['off', false],
  ])('is filled in and sent with JavaScript %s, without console errors or CSP violations', async (_, javaScriptEnabled) => {
    // Prepare
    const chromium = browser();
    if (!chromium) return;
    received.length = 0;
    const page = await chromium.newPage({ viewport: { width: 360, height: 740 }, javaScriptEnabled });
    const { problems, foreign } = await watchPage(page, origin);
    const typed = '<script>alert(1)</script> The prices went up "a lot" & I moved.';

    // Act
    const response = await page.goto(`${origin}/r/x`);
    await page.getByLabel('I moved away').check();
    await page.getByLabel('Anything else you would like to tell us? (optional)').fill(typed);
    await page.getByLabel('Please call me back').check();
    await page.getByRole('button', { name: 'Send my answer' }).click();
    await page.getByRole('heading', { name: 'Thank you!' }).waitFor({ timeout: 60_000 });

    // Assess
    expect(response?.status()).toBe(200);
    expect(received).toEqual([{ reasonId: 'moved-away', text: typed, callMe: true, book: false }]);
    expect(await page.title()).toBe('Thank you! · Harbour Physio & Dental');
    expect(await page.locator('main').innerText()).toContain('We have received your answer');
    expect(problems).toEqual([]);
    expect(foreign).toEqual([]);
    await page.close();
  });

  it('fits a 360px-wide screen without sideways scrolling, applies its hashed style, and shows where the focus is', async () => {
    // Prepare
    const chromium = browser();
    if (!chromium) return;
    const page = await chromium.newPage({ viewport: { width: 360, height: 740 } });
    const { problems } = await watchPage(page, origin);

    // Act
    await page.goto(`${origin}/r/x`);
    // Strings, not functions: this project compiles without the DOM's types.
    const scrollWidth = await page.evaluate<number>('document.documentElement.scrollWidth');
    const submit = await page.getByRole('button', { name: 'Send my answer' }).boundingBox();
    const option = await page.locator('label.opt').first().boundingBox();
    await page.keyboard.press('Tab');
    const focus = await page.evaluate<{ tag: string; outline: string }>(
      '({ tag: document.activeElement.tagName, outline: getComputedStyle(document.activeElement).outlineStyle + " " + getComputedStyle(document.activeElement).outlineWidth })',
    );

    // Assess
    expect(scrollWidth).toBeLessThanOrEqual(360);
    // The style block ran (the CSP hash matched): the submit button is full width and tall.
    expect(submit!.width).toBeGreaterThan(300);
    expect(submit!.height).toBeGreaterThanOrEqual(44);
    expect(option!.height).toBeGreaterThanOrEqual(44);
    expect(focus).toEqual({ tag: 'INPUT', outline: 'solid 3px' });
    expect(problems).toEqual([]);
    await page.close();
  });
});
