/**
 * A real headless Chromium for browser tests: Debian's own `chromium` package, installed with
 * apt-get when it is missing and we may (root, Debian, apt-get). Playwright's browser download
 * (`npx playwright install`) is never used: it needs the open internet, which this machine has not.
 */
import { spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { chromium, type Browser, type Page } from 'playwright-core';

export const chromiumPath = '/usr/bin/chromium';

/** The network is closed here: no background fetches, updates, sync or QUIC from the browser. */
export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
] as const;

const exists = async (path: string, mode = constants.F_OK): Promise<boolean> => {
  try {
    await access(path, mode);
    return true;
  } catch {
    return false;
  }
};

const aptGet = async (): Promise<string | undefined> => {
  for (const directory of (process.env.PATH ?? '/usr/bin:/bin').split(':').concat(['/usr/bin', '/bin'])) {
    const candidate = `${directory || '.'}/apt-get`;
    if (await exists(candidate, constants.X_OK)) return candidate;
  }
  return undefined;
};

/** Runs a command, echoing its output with a prefix; resolves with its exit code and output's tail. */
const run = (command: string, args: readonly string[]): Promise<{ code: number; tail: string }> =>
  new Promise((resolve) => {
    console.log(`[chromium] $ ${command} ${args.join(' ')}`);
    const child = spawn(command, args, {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let tail = '';
    const echo = (chunk: Buffer): void => {
      const text = chunk.toString('utf8');
      tail = (tail + text).slice(-2000);
      for (const line of text.split('\n')) if (line.trim()) console.log(`[chromium]   ${line}`);
    };
    child.stdout.on('data', echo);
    child.stderr.on('data', echo);
    child.on('error', (error) => resolve({ code: -1, tail: String(error) }));
    child.on('close', (code) => resolve({ code: code ?? -1, tail }));
  });

/**
 * Makes sure /usr/bin/chromium exists: installs Debian's package if needed and possible.
 * Resolves with the executable's path, or with the reason it cannot be had.
 */
export const ensureChromium = async (): Promise<{ executablePath: string } | { skipped: string }> => {
  if (await exists(chromiumPath, constants.X_OK)) return { executablePath: chromiumPath };
  if (process.platform !== 'linux') return { skipped: `no ${chromiumPath}, and ${process.platform} is not Debian: cannot install Chromium` };
  if (process.getuid?.() !== 0) return { skipped: `no ${chromiumPath}, and not running as root: cannot apt-get install chromium` };
  if (!(await exists('/etc/debian_version'))) return { skipped: `no ${chromiumPath}, and this is not Debian: cannot apt-get install chromium` };
  const apt = await aptGet();
  if (!apt) return { skipped: `no ${chromiumPath}, and no apt-get: cannot install chromium` };

  const started = Date.now();
  console.log(`[chromium] ${chromiumPath} is missing: installing Debian's chromium package (about 80 MB, once)`);
  const install = ['install', '-y', '--no-install-recommends', 'chromium'];
  let result = await run(apt, install);
  if (result.code !== 0) {
    console.log('[chromium] the install failed; refreshing the package lists and trying again');
    const update = await run(apt, ['update']);
    if (update.code !== 0) return { skipped: `apt-get update failed (exit ${update.code}): ${update.tail.trim().slice(-500)}` };
    result = await run(apt, install);
  }
  if (result.code !== 0) return { skipped: `apt-get install chromium failed (exit ${result.code}): ${result.tail.trim().slice(-500)}` };
  if (!(await exists(chromiumPath, constants.X_OK))) return { skipped: `apt-get installed chromium but ${chromiumPath} is still missing` };
  console.log(`[chromium] installed ${chromiumPath} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { executablePath: chromiumPath };
};

// One install per process, even when several tests ask at once.
let ensuring: Promise<{ executablePath: string } | { skipped: string }> | undefined;

/**
 * A launched headless Chromium, or `{ skipped }` with the reason none can be had, so the
 * caller can say so loudly. A Chromium that exists but will not launch is an error.
 */
export async function launchChromium(): Promise<Browser | { skipped: string }> {
  ensuring ??= ensureChromium();
  const found = await ensuring;
  if ('skipped' in found) return found;
  return chromium.launch({ executablePath: found.executablePath, headless: true, args: [...chromiumArgs] });
}

/**
 * The launched browser, or undefined after saying loudly why there is none. Running without
 * one fails unless COMEBACK_ALLOW_NO_BROWSER=1 says it is acceptable here.
 */
export const browserOrSkip = (launched: Browser | { skipped: string }): Browser | undefined => {
  if (!('skipped' in launched)) return launched;
  if (process.env.COMEBACK_ALLOW_NO_BROWSER !== '1')
    throw new Error(
      `No Chromium for the browser tests: ${launched.skipped}. Install Debian's chromium, or set COMEBACK_ALLOW_NO_BROWSER=1 to accept running without them.`,
    );
  if (!launched.skipped.trim()) throw new Error('No Chromium for the browser tests, and no reason given');
  console.warn(
    [
      '',
      '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
      '!!! BROWSER TESTS DID NOT RUN: the reply page was NOT checked in Chromium.',
      `!!! Reason: ${launched.skipped}`,
      '!!! Allowed only because COMEBACK_ALLOW_NO_BROWSER=1 is set.',
      '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
      '',
    ].join('\n'),
  );
  return undefined;
};

/**
 * What a page said to the console (errors, warnings, anything about the Content-Security-
 * Policy), script errors, dialogs (an injected alert() would open one), and every request that
 * left `origin`. With JavaScript on, `securitypolicyviolation` events are reported too.
 */
export const watchPage = async (page: Page, origin: string): Promise<{ problems: string[]; foreign: string[] }> => {
  const problems: string[] = [];
  const foreign: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning' || /Content.Security.Policy/i.test(message.text()))
      problems.push(`${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('dialog', (dialog) => {
    problems.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on('request', (request) => {
    if (!request.url().startsWith(`${origin}/`)) foreign.push(request.url());
  });
  // Injected by the browser itself, so the page's CSP does not block it; a no-op with JavaScript off.
  await page.exposeFunction('__reportCspViolation', (violation: string) => void problems.push(`securitypolicyviolation: ${violation}`));
  await page.addInitScript(
    "document.addEventListener('securitypolicyviolation', (e) => window.__reportCspViolation(e.violatedDirective + ' ' + e.blockedURI));",
  );
  return { problems, foreign };
};
