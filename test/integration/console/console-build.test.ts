/**
 * The console as built and served locally: type-checked against the API, files only (the CSP
 * allows no inline script or style), small enough for a first load on a clinic's connection,
 * and behind the same security headers CloudFront adds.
 */
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { decodeJwt } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildConsole, consoleRoot } from '../../../console/build.ts';
import { consoleSite, localSignIn } from '../../../infra/local/console-site.ts';
import { startHttpApi } from '../../../infra/local/http-api.ts';

let built: string;

beforeAll(async () => {
  process.env.COMEBACK_DATA_DIR ??= await mkdtemp(join(tmpdir(), 'comeback-console-data-'));
  built = await mkdtemp(join(tmpdir(), 'comeback-console-'));
  await buildConsole(built);
}, 180_000);

describe('the built console', () => {
  it('loads its script and styles from files only: no inline script, style or event handler', async () => {
    // Act
    const html = await readFile(join(built, 'index.html'), 'utf8');
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];

    // Assess
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/\bsrc="\/assets\/[^"]+\.js"/);
      expect(body?.trim()).toBe('');
    }
    expect(html).not.toMatch(/<style\b|\sstyle=|\son[a-z]+=/i);
  });

  it('sends at most 200 KB of JavaScript, gzipped, on the first load', async () => {
    // Act
    const assets = await readdir(join(built, 'assets'));
    const scripts = assets.filter((name) => name.endsWith('.js'));
    const gzipped = await Promise.all(scripts.map(async (name) => gzipSync(await readFile(join(built, 'assets', name))).length));
    const total = gzipped.reduce((sum, size) => sum + size, 0);

    // Assess
    expect(scripts.length).toBeGreaterThan(0);
    expect(total).toBeLessThan(200 * 1024);
  });
});

describe('the console served locally', () => {
  const config = { auth: { kind: 'local' }, apiUrl: '', locale: 'el', timeZone: 'Europe/Athens', currency: 'EUR' } as const;
  const serve = () =>
    startHttpApi(
      [
        { prefix: '/local/sign-in', handler: localSignIn },
        { prefix: '/', handler: consoleSite(built, config) },
      ],
      0,
    );

  it('answers its page, assets and configuration with the security headers', async () => {
    // Prepare
    const api = await serve();
    const origin = `http://127.0.0.1:${api.port}`;
    try {
      // Act
      const page = await fetch(`${origin}/`);
      const html = await page.text();
      const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
      const asset = await fetch(`${origin}${script}`);
      const configuration = await fetch(`${origin}/config.json`);

      // Assess
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      const csp = page.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
      expect(page.headers.get('x-content-type-options')).toBe('nosniff');
      expect(page.headers.get('cache-control')).toBe('no-cache');
      expect(asset.status).toBe(200);
      expect(asset.headers.get('content-type')).toMatch(/^text\/javascript/);
      expect(asset.headers.get('cache-control')).toContain('immutable');
      expect(await configuration.json()).toEqual(config);
    } finally {
      await api.stop();
    }
  });

  it.each(['/../package.json', '/%2e%2e/package.json', '/assets/../../package.json', '/nothing-here.js'])(
    'answers 404 for %s, never a file outside the build',
    async (path) => {
      // Prepare
      const api = await serve();
      try {
        // Act
        const response = await fetch(`http://127.0.0.1:${api.port}${path}`);

        // Assess
        expect(response.status).toBe(404);
        expect(await response.text()).not.toContain('"name": "comeback"');
      } finally {
        await api.stop();
      }
    },
  );

  it('signs a person in to a group with a token of that group, and refuses a group that does not exist', async () => {
    // Prepare
    const api = await serve();
    const signIn = (body: unknown) =>
      fetch(`http://127.0.0.1:${api.port}/local/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    try {
      // Act
      const staff = await signIn({ user: 'desk@clinic.example', group: 'staff' });
      const admins = await signIn({ user: 'desk@clinic.example', group: 'admins' });
      const nobody = await signIn({ user: '  ', group: 'staff' });

      // Assess
      expect(staff.status).toBe(200);
      const claims = decodeJwt(((await staff.json()) as { token: string }).token);
      expect(claims['cognito:groups']).toEqual(['staff']);
      expect(claims.email).toBe('desk@clinic.example');
      expect(admins.status).toBe(400);
      expect(((await admins.json()) as { message: string }).message).toMatch(/group: managers or staff/);
      expect(nobody.status).toBe(400);
    } finally {
      await api.stop();
    }
  });
});

describe('the console against the API’s route contracts', () => {
  /** The console's type errors when `api.ts` reads as `edit` makes it, through the compiler with the console's own settings. */
  const typeErrorsWith = async (edit: (source: string) => string): Promise<string[]> => {
    const ts = (await import('typescript')).default;
    const configPath = join(consoleRoot, 'tsconfig.json');
    const config = ts.getParsedCommandLineOfConfigFile(configPath, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined })!;
    const apiFile = join(consoleRoot, 'src', 'api.ts');
    const host = ts.createCompilerHost(config.options);
    const readFile = host.readFile.bind(host);
    host.readFile = (file) => (resolve(file) === apiFile ? edit(readFile(file) ?? '') : readFile(file));
    const program = ts.createProgram({ rootNames: config.fileNames, options: config.options, host });
    return ts.getPreEmitDiagnostics(program).map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
  };

  it('type-checks as it is, and fails when a route it calls no longer matches its contract', async () => {
    // Act
    const asItIs = await typeErrorsWith((source) => source);
    const movedPath = await typeErrorsWith((source) => source.replace("'/clients/{clientId}'", "'/client/{clientId}'"));
    const wrongBody = await typeErrorsWith(
      (source) => `${source}\nexport const wrong = () => call('moveFollowUp', { params: { followUpId: 'f' }, body: { to: 'closed' } });\n`,
    );

    // Assess
    expect(asItIs).toEqual([]);
    expect(movedPath.join('\n')).toMatch(/\/client\/\{clientId\}/);
    expect(wrongBody.join('\n')).toMatch(/closed/);
  }, 120_000);
});
