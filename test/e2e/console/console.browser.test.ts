/**
 * The clinic console as its people use it: a real headless Chromium against `comeback serve`
 * on a seeded demo clinic. Each page is checked for the numbers the API answers, for
 * Content-Security-Policy violations and requests elsewhere, and by axe-core for serious or
 * critical accessibility problems; screenshots are kept in test-results/console/.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { en } from '../../../console/src/words/en.ts';
import { browserOrSkip, launchChromium, watchPage } from '../../support/chromium.ts';
import { startConsoleStack, type ConsoleStack } from '../../support/console-stack.ts';

const screenshots = resolve(import.meta.dirname, '../../../test-results/console');
const axeSource = readFile(resolve(import.meta.dirname, '../../../node_modules/axe-core/axe.min.js'), 'utf8');

let stack: ConsoleStack;
let launched: Browser | { skipped: string };
const opened: Page[] = [];

beforeAll(async () => {
  [stack, launched] = await Promise.all([startConsoleStack({ clients: 400, seed: 7 }), launchChromium()]);
  await mkdir(screenshots, { recursive: true });
}, 900_000);

afterAll(async () => {
  await Promise.all(opened.map((page) => page.close()));
  if (launched && !('skipped' in launched)) await launched.close();
  await stack?.stop();
}, 120_000);

interface Watched {
  readonly page: Page;
  readonly problems: string[];
  readonly foreign: string[];
}

const openConsole = async (viewport = { width: 1280, height: 900 }): Promise<Watched | undefined> => {
  const chromium = browserOrSkip(launched);
  if (!chromium) return undefined;
  const page = await chromium.newPage({ viewport, locale: 'en-GB' });
  opened.push(page);
  const { problems, foreign } = await watchPage(page, stack.origin);
  return { page, problems, foreign };
};

const signIn = async (page: Page, group: 'managers' | 'staff'): Promise<void> => {
  await page.goto(`${stack.origin}/`);
  await page.getByLabel(en.signIn.person).fill(`${group}@clinic.example`);
  await page.getByLabel(en.signIn[group]).check();
  await page.getByRole('button', { name: en.signIn.submit }).click();
  await page.getByRole('button', { name: en.common.signOut }).waitFor();
};

/** Opens a page from the navigation and waits for its heading and for loading to end. */
const visit = async (page: Page, name: keyof typeof en.nav, heading: string | RegExp = en.nav[name] as string): Promise<void> => {
  await page
    .getByRole('navigation', { name: en.nav.label })
    .getByRole('link', { name: en.nav[name] as string, exact: true })
    .click();
  await page.getByRole('heading', { level: 1, name: heading }).waitFor();
  await settled(page);
};

const settled = async (page: Page): Promise<void> => {
  await expect.poll(() => page.locator('.loading').count(), { timeout: 120_000 }).toBe(0);
};

/** axe-core's serious and critical findings on the page as it is now (evaluated through DevTools: the page's CSP does not apply). */
const accessibilityProblems = async (page: Page): Promise<string[]> => {
  await page.evaluate(await axeSource);
  const violations = (await page.evaluate(`axe.run(document, { resultTypes: ['violations'] }).then((result) =>
    result.violations.map((violation) => ({ id: violation.id, impact: violation.impact, targets: violation.nodes.slice(0, 3).map((node) => node.target.join(' ')) })))`)) as {
    id: string;
    impact: string;
    targets: string[];
  }[];
  return violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.targets.join(', ')}`);
};

/** No sideways scrolling of the page itself (a wide table scrolls in its own box). */
const fitsTheScreen = async (page: Page): Promise<boolean> => (await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')) as boolean;

const shoot = (page: Page, name: string) => page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });

describe('the clinic console in Chromium', () => {
  it('lets a manager open every page, clean of CSP problems and of serious accessibility problems', async () => {
    // Prepare
    const watched = await openConsole();
    if (!watched) return;
    const { page, problems, foreign } = watched;
    await signIn(page, 'managers');
    const found: Record<string, string[]> = {};

    // Act
    for (const name of ['overview', 'lost', 'retention', 'averageCheck', 'moneyLost', 'campaigns', 'cohorts', 'lapsed', 'reasons', 'followUps'] as const) {
      await visit(page, name, name === 'lapsed' ? en.lapsed.title : undefined);
      found[name] = await accessibilityProblems(page);
      await shoot(page, `manager-${name}`);
    }

    // Assess
    expect(found).toEqual(Object.fromEntries(Object.keys(found).map((name) => [name, []])));
    expect(problems).toEqual([]);
    expect(foreign).toEqual([]);
  });

  it('keeps staff to client cards and follow-ups: the managers’ pages and routes are closed to them', async () => {
    // Prepare
    const watched = await openConsole();
    if (!watched) return;
    const { page } = watched;
    await signIn(page, 'staff');

    // Act
    const landedOn = new URL(page.url()).hash;
    const navigation = await page.getByRole('navigation', { name: en.nav.label }).getByRole('link').allInnerTexts();
    await page.evaluate("location.hash = '#/lost'");
    const refusal = await page.getByRole('alert').innerText();
    const report = await stack.api('staff', '/reports/lost');
    const groups = await stack.api('staff', '/reasons/groups');

    // Assess
    expect(landedOn).toBe('#/follow-ups');
    expect(navigation).toEqual([en.nav.followUps]);
    expect(refusal).toBe(en.common.notAllowed);
    expect(report.status).toBe(403);
    expect(groups.status).toBe(403);
  });
  it('shows on its pages exactly the numbers the API answers', async () => {
    // Prepare
    const watched = await openConsole();
    if (!watched) return;
    const { page } = watched;
    const number = new Intl.NumberFormat('en', { maximumFractionDigits: 2 });
    const [reasons, followUps, lost, lapsed] = await Promise.all([
      stack.api<{ pending: number; reasons: { id: string; answers: number }[] }>('managers', '/reasons'),
      stack.api<{ followUps: unknown[] }>('managers', '/followups?status=open'),
      stack.api<{ rows: { label: string; clients: number }[] }>('managers', '/reports/lost?by=reason'),
      stack.api<{ rows: unknown[] }>('managers', '/reports/lapsed?limit=10000'),
    ]);
    await signIn(page, 'managers');

    // Act
    const tile = async (id: string): Promise<string> => {
      const value = page.getByTestId(`tile-${id}`).locator('.value');
      await expect.poll(() => value.innerText(), { timeout: 60_000 }).not.toBe('…');
      return value.innerText();
    };
    const pendingTile = await tile('pending');
    const followUpsTile = await tile('follow-ups');
    await visit(page, 'lost');
    const lostRows = await page
      .getByTestId('report-lost-by-reason')
      .locator('tbody tr')
      .evaluateAll((rows) => rows.map((row) => [...row.querySelectorAll('td')].map((cell) => (cell.textContent ?? '').trim())));
    await visit(page, 'lapsed', en.lapsed.title);
    const lapsedCount = await page.getByTestId('lapsed-count').innerText();
    await visit(page, 'reasons');
    const counted = Object.fromEntries(
      await Promise.all(
        reasons.body.reasons.map(async (reason) => [reason.id, await page.getByTestId(`reason-answers-${reason.id}`).getAttribute('data-count')]),
      ),
    );

    // Assess
    expect(lost.body.rows.length).toBeGreaterThan(0);
    expect(pendingTile).toBe(number.format(reasons.body.pending));
    expect(followUpsTile).toBe(number.format(followUps.body.followUps.length));
    for (const row of lost.body.rows) expect(lostRows).toContainEqual(expect.arrayContaining([row.label, number.format(row.clients)]));
    expect(lostRows).toHaveLength(lost.body.rows.length);
    expect(lapsedCount).toContain(`${number.format(lapsed.body.rows.length)} lapsed clients`);
    expect(counted).toEqual(Object.fromEntries(reasons.body.reasons.map((reason) => [reason.id, String(reason.answers)])));
  });

  it('maps a group of pending answers, and the reason’s count moves by what was placed', async () => {
    // Prepare
    const watched = await openConsole();
    if (!watched) return;
    const { page } = watched;
    const before = await stack.api<{ groups: { groupId: string; answers: number }[] }>('managers', '/reasons/groups');
    const reasonsBefore = await stack.api<{ pending: number; reasons: { id: string; answers: number; status: string }[] }>('managers', '/reasons');
    const group = before.body.groups[0];
    const target =
      reasonsBefore.body.reasons.find((reason) => reason.id === 'location') ?? reasonsBefore.body.reasons.find((reason) => reason.status === 'active')!;
    await signIn(page, 'managers');
    await visit(page, 'reasons');

    // Act
    expect(group, 'the demo clinic leaves answers no reason matched').toBeDefined();
    await page.getByTestId(`group-${group!.groupId}-map-select`).selectOption(target.id);
    await page.getByTestId(`group-${group!.groupId}-map-button`).click();
    await page.getByTestId('reasons-status').waitFor();
    await expect.poll(() => page.getByTestId(`reason-answers-${target.id}`).getAttribute('data-count'), { timeout: 30_000 }).not.toBe(String(target.answers));
    const shown = Number(await page.getByTestId(`reason-answers-${target.id}`).getAttribute('data-count'));
    const after = await stack.api<{ pending: number; reasons: { id: string; answers: number }[] }>('managers', '/reasons');
    await shoot(page, 'manager-reasons-mapped');

    // Assess
    expect(shown).toBeGreaterThanOrEqual(target.answers + group!.answers);
    expect(shown).toBe(after.body.reasons.find((reason) => reason.id === target.id)!.answers);
    expect(after.body.pending).toBeLessThanOrEqual(reasonsBefore.body.pending - group!.answers);
  });

  it('records a phone answer on the card as staff, on a phone, and the lost report counts it after the export', async () => {
    // Prepare
    const watched = await openConsole({ width: 360, height: 740 });
    if (!watched) return;
    const { page, problems } = watched;
    // The reports read the export: export first, so the only change the next export brings is this answer, not what earlier tests did.
    expect((await stack.comeback('export')).code).toBe(0);
    const lapsed = await stack.api<{ rows: { client_id: string; answer_reason: string | null }[] }>('managers', '/reports/lapsed?limit=10000');
    const unanswered = lapsed.body.rows.find((row) => row.answer_reason === null)!;
    const lostBefore = await stack.api<{ rows: { reason_id: string; clients: number }[] }>('managers', '/reports/lost?by=reason');
    const priceBefore = lostBefore.body.rows.find((row) => row.reason_id === 'price')?.clients ?? 0;
    await signIn(page, 'staff');
    const followUpsFit = await fitsTheScreen(page);
    const followUpsProblems = await accessibilityProblems(page);
    await shoot(page, 'staff-phone-follow-ups');

    // Act
    await page.getByPlaceholder(en.nav.findClient).fill(unanswered.client_id);
    await page.getByRole('button', { name: en.nav.open }).click();
    await page.getByTestId('record-answer').waitFor();
    await settled(page);
    const cardFits = await fitsTheScreen(page);
    const cardProblems = await accessibilityProblems(page);
    const form = page.getByTestId('record-answer');
    await form.locator('select[name=reason]').selectOption({ label: 'Price' });
    await form.getByLabel(en.client.note).fill('Said the new prices are too high for her pension');
    await form.getByRole('button', { name: en.client.submit }).click();
    await expect.poll(() => page.getByTestId('record-status').innerText(), { timeout: 30_000 }).not.toBe('');
    const recorded = await page.getByTestId('record-status').innerText();
    await expect.poll(() => page.locator('span[data-reason]').allInnerTexts(), { timeout: 30_000 }).toContain('Price');
    await shoot(page, 'staff-phone-client-card');
    const exported = await stack.comeback('export');
    const lostAfter = await stack.api<{ rows: { reason_id: string; clients: number }[] }>('managers', '/reports/lost?by=reason');

    // Assess
    expect(followUpsFit && cardFits).toBe(true);
    expect(followUpsProblems).toEqual([]);
    expect(cardProblems).toEqual([]);
    expect(recorded).toContain(en.client.recorded('Price'));
    expect(exported.code).toBe(0);
    expect(lostAfter.body.rows.find((row) => row.reason_id === 'price')?.clients).toBe(priceBefore + 1);
    expect(problems).toEqual([]);
  });
  it('works from the keyboard alone: sign in, skip to the content, move between pages', async () => {
    // Prepare
    const watched = await openConsole();
    if (!watched) return;
    const { page } = watched;
    await page.goto(`${stack.origin}/`);
    await page.getByLabel(en.signIn.person).waitFor();

    // Act
    await page.keyboard.press('Tab');
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type('desk@clinic.example');
    await page.keyboard.press('Tab');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: en.common.signOut }).waitFor();
    await page.keyboard.press('Tab');
    const first = await page.evaluate('document.activeElement.textContent');
    await page.keyboard.press('Enter');
    const skippedTo = await page.evaluate('document.activeElement.id');
    await page.keyboard.press('Shift+Tab');
    const before = await page.evaluate('document.activeElement.textContent');

    // Assess
    expect(new URL(page.url()).hash).toBe('#/follow-ups');
    expect(await page.getByText('desk@clinic.example').count()).toBeGreaterThan(0);
    expect(first).toBe(en.common.skipToContent);
    expect(skippedTo).toBe('main');
    expect(before).toBe(en.common.signOut);
  });
});
