/**
 * The console's cloud sign-in in Chromium: the authorization code flow with PKCE against a
 * stand-in for Cognito's managed login that checks what the real one checks (client, redirect,
 * state, S256 challenge against the verifier), tokens kept out of storage, a silent refresh
 * before the ID token expires, and sign-out through the logout endpoint.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair, SignJWT } from 'jose';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtConsole } from '../../../console/build.ts';
import { en } from '../../../console/src/words/en.ts';
import { consoleSite } from '../../../infra/local/console-site.ts';
import { startHttpApi } from '../../../infra/local/http-api.ts';
import { browserOrSkip, launchChromium, watchPage } from '../../support/chromium.ts';

const clientId = 'console-client-1';

interface LoginService {
  readonly origin: string;
  readonly grants: string[];
  readonly refused: string[];
  readonly loggedOut: string[];
  readonly stop: () => Promise<void>;
}

/** Cognito's /oauth2/authorize, /oauth2/token, /oauth2/revoke and /logout, with an ID token that lasts 70 s. */
const startLoginService = async (consoleOrigin: () => string): Promise<LoginService> => {
  const { privateKey } = await generateKeyPair('RS256');
  const challenges = new Map<string, string>();
  const grants: string[] = [];
  const refused: string[] = [];
  const loggedOut: string[] = [];
  const idToken = () =>
    new SignJWT({ email: 'maria@clinic.example', 'cognito:groups': ['managers'], token_use: 'id' })
      .setProtectedHeader({ alg: 'RS256' })
      .setAudience(clientId)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + 70)
      .sign(privateKey);
  const server: Server = createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? '/', 'http://login');
      const cors = { 'access-control-allow-origin': consoleOrigin(), 'access-control-allow-headers': 'content-type' };
      const refuse = (why: string) => {
        refused.push(why);
        response.writeHead(400, { ...cors, 'content-type': 'application/json' }).end(JSON.stringify({ error: 'invalid_request' }));
      };
      if (request.method === 'OPTIONS') return void response.writeHead(204, { ...cors, 'access-control-allow-methods': 'POST' }).end();
      if (url.pathname === '/oauth2/authorize') {
        const query = url.searchParams;
        if (query.get('client_id') !== clientId) return refuse('client_id');
        if (query.get('redirect_uri') !== `${consoleOrigin()}/`) return refuse('redirect_uri');
        if (query.get('response_type') !== 'code' || query.get('code_challenge_method') !== 'S256') return refuse('flow');
        if (!query.get('state') || !query.get('code_challenge')) return refuse('state or challenge');
        const code = `code-${challenges.size + 1}`;
        challenges.set(code, query.get('code_challenge')!);
        return void response.writeHead(302, { location: `${query.get('redirect_uri')}?code=${code}&state=${encodeURIComponent(query.get('state')!)}` }).end();
      }
      if (url.pathname === '/logout') {
        loggedOut.push(url.searchParams.get('logout_uri') ?? '');
        return void response.writeHead(302, { location: url.searchParams.get('logout_uri') ?? '/' }).end();
      }
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      if (url.pathname === '/oauth2/revoke') {
        grants.push('revoke');
        return void response.writeHead(200, cors).end();
      }
      if (url.pathname !== '/oauth2/token' || form.get('client_id') !== clientId) return refuse('token endpoint or client');
      if (form.get('grant_type') === 'authorization_code') {
        const challenge = challenges.get(form.get('code') ?? '');
        challenges.delete(form.get('code') ?? '');
        const verifier = form.get('code_verifier') ?? '';
        if (!challenge || createHash('sha256').update(verifier).digest('base64url') !== challenge) return refuse('verifier');
        if (form.get('redirect_uri') !== `${consoleOrigin()}/`) return refuse('redirect_uri at the token endpoint');
      } else if (form.get('grant_type') !== 'refresh_token' || form.get('refresh_token') !== 'refresh-1') return refuse('grant');
      grants.push(form.get('grant_type')!);
      const body = { id_token: await idToken(), access_token: 'access', refresh_token: 'refresh-1', expires_in: 70, token_type: 'Bearer' };
      response.writeHead(200, { ...cors, 'content-type': 'application/json' }).end(JSON.stringify(body));
    })();
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const { port } = server.address() as { port: number };
  return { origin: `http://127.0.0.1:${port}`, grants, refused, loggedOut, stop: () => new Promise((closed) => server.close(() => closed())) };
};

let launched: Browser | { skipped: string };
let login: LoginService;
let site: Awaited<ReturnType<typeof startHttpApi>>;
let origin = '';

beforeAll(async () => {
  process.env.COMEBACK_DATA_DIR ??= await mkdtemp(join(tmpdir(), 'comeback-sign-in-'));
  login = await startLoginService(() => origin);
  const files = await builtConsole();
  site = await startHttpApi(
    [
      {
        prefix: '/',
        handler: consoleSite(files, { auth: { kind: 'cognito', domain: login.origin, clientId }, apiUrl: '', locale: 'en', timeZone: 'UTC', currency: 'EUR' }),
      },
    ],
    0,
  );
  origin = `http://127.0.0.1:${site.port}`;
  launched = await launchChromium();
}, 300_000);

afterAll(async () => {
  if (launched && !('skipped' in launched)) await launched.close();
  await site?.stop();
  await login?.stop();
});

describe('signing in to the console through the managed login', () => {
  it('trades a PKCE code for tokens kept in memory, renews them before they expire, and signs out', async () => {
    // Prepare
    const chromium = browserOrSkip(launched);
    if (!chromium) return;
    const page = await chromium.newPage();
    const watched = await watchPage(page, origin);

    // Act: sign in from a bookmarked page.
    await page.goto(`${origin}/#/reasons`);
    await page.getByRole('button', { name: en.signIn.cognito }).click();
    await page.getByRole('button', { name: en.common.signOut }).waitFor();
    const landed = new URL(page.url());
    const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
    const who = await page.getByText('maria@clinic.example').innerText();
    // The ID token lasts 70 s: the console renews it a minute early, so within 10 s or so.
    await expect.poll(() => login.grants.filter((grant) => grant === 'refresh_token').length, { timeout: 30_000, interval: 500 }).toBeGreaterThan(0);
    await page.getByRole('button', { name: en.common.signOut }).click();
    await page.getByRole('button', { name: en.signIn.cognito }).waitFor();

    // Assess
    expect(login.refused).toEqual([]);
    expect(login.grants.slice(0, 2)).toEqual(['authorization_code', 'refresh_token']);
    expect(login.grants).toContain('revoke');
    expect(login.loggedOut).toEqual([`${origin}/`]);
    expect(landed.search).toBe('');
    expect(landed.hash).toBe('#/reasons');
    expect(stored).not.toMatch(/eyJ|refresh-1|code_verifier|verifier/);
    expect(who).toContain('maria@clinic.example');
    // Only the login service, which the CSP names; the page's own calls to the API fail without one (none here).
    expect(watched.foreign.every((url) => url.startsWith(login.origin))).toBe(true);
    expect(watched.problems.filter((problem) => /Content.Security|securitypolicy/i.test(problem))).toEqual([]);
  });
});
