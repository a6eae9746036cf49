import { userInfo } from 'node:os';
import { replyWeb } from '../functions/reply-web/handler.ts';
import { reportsApi } from '../functions/reports/handler.ts';
import { staffApi } from '../functions/staff-api/handler.ts';
import { viberCallback } from '../functions/viber-callbacks/handler.ts';
import { viberCallbackPath } from '../infra/local/viber-webhook.ts';
import { openApiDocument } from '../infra/openapi.ts';
import { dataDir } from '../infra/local/stack.ts';
import { startHttpApi } from '../infra/local/http-api.ts';
import { issueLocalToken, verifyLocalToken } from '../infra/local/sign-in.ts';
import { buildApp, type App } from '../shared/app.ts';
import { receiveReplies } from './answers-command.ts';
import { sendQueued } from './outreach-command.ts';
import { localReportDependencies } from './local-reports.ts';
import { UsageError } from './output.ts';
import { builtConsole } from '../console/build.ts';
import { consoleSite, localSignIn } from '../infra/local/console-site.ts';

/** The port of the reply links the local stack writes (REPLY_BASE_URL), unless --port says otherwise. */
const portOf = (flag: string | undefined, app: App): number => {
  const port = Number(flag ?? (new URL(app.replyBaseUrl()).port || 8080));
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new UsageError(`--port ${flag}: a port number`);
  return port;
};

/**
 * The cloud's two APIs on one local port (0: any free one): the public reply page, and the
 * staff and managers' API behind a JWT authorizer that takes `comeback token`'s tokens; with
 * `console`, the clinic console at `/` (built on first use) and its local sign-in.
 */
export const startLocalApi = async (port: number, app: App = buildApp(), options: { console?: boolean } = {}): ReturnType<typeof startHttpApi> => {
  const use = await app.replyPage();
  const reply = (event: Parameters<typeof replyWeb>[0]) => replyWeb(event, use);
  const staff = (event: Parameters<typeof staffApi>[0]) => staffApi(event, app.staffDependencies());
  const verify = async (token: string) => verifyLocalToken(token);
  const reportDeps = localReportDependencies(dataDir());
  const openApi = JSON.stringify(openApiDocument());
  const site = options.console
    ? consoleSite(await builtConsole(), { auth: { kind: 'local' }, apiUrl: '', ...app.clinicDefaults(), currency: 'EUR' })
    : undefined;
  const api = await startHttpApi(
    [
      { prefix: '/r/', handler: reply },
      { prefix: '/u/', handler: reply },
      // The public API's Viber webhook, as in the cloud (the local stack's own process takes the emulator's callbacks).
      { prefix: viberCallbackPath, handler: async (event) => viberCallback(event, await app.viberCallbacks()) },
      ...['/clients/', '/reasons', '/followups'].map((prefix) => ({ prefix, handler: staff, verify })),
      { prefix: '/reports', handler: (event) => reportsApi(event, reportDeps), verify },
      { prefix: '/openapi.json', handler: async () => ({ statusCode: 200, headers: { 'content-type': 'application/json' }, body: openApi }) },
      ...(site
        ? [
            { prefix: '/local/sign-in', handler: localSignIn },
            { prefix: '/', handler: site },
          ]
        : []),
    ],
    port,
  );
  return {
    ...api,
    stop: async () => {
      await api.stop();
      await reportDeps.engine.close();
    },
  };
};

/**
 * The cloud's event-driven parts, on one machine: the reply page behind a local API Gateway,
 * and the queues drained every few seconds (requests sent, receipts, SMS replies and WhatsApp
 * events received).
 */
export const startServing = async (flags: { port?: string; interval?: string }): Promise<{ port: number; stop: () => Promise<void> }> => {
  const app = buildApp();
  const api = await startLocalApi(portOf(flags.port, app), app, { console: true });
  const every = Number(flags.interval ?? 5) * 1000;
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        await sendQueued({}, app);
        await receiveReplies(app);
      } catch (error) {
        console.error(`comeback serve: ${(error as Error).message}`);
      }
      await new Promise((resolveWait) => setTimeout(resolveWait, every));
    }
  })();
  return {
    port: api.port,
    stop: async () => {
      running = false;
      await api.stop();
      await loop;
    },
  };
};

export const serve = async (flags: { port?: string; interval?: string }): Promise<void> => {
  const served = await startServing(flags);
  console.log(`The clinic console on http://127.0.0.1:${served.port}/ (sign in as a manager or as staff).`);
  console.log(`Reply pages on http://127.0.0.1:${served.port}/r/<token> (the links in the outbox's emails, texts and messages).`);
  console.log(
    `Staff and managers' API on http://127.0.0.1:${served.port}/ (GET /clients/ID, /reasons, /followups, /reports/NAME; a token: \`comeback token --group managers\`).`,
  );
  console.log(`The whole API described: http://127.0.0.1:${served.port}/openapi.json`);
  console.log(`Viber's webhook on http://127.0.0.1:${served.port}${viberCallbackPath} (the local stack's bot posts to its own; see the README).`);
  console.log(`Sending queued requests and receiving replies (texts, WhatsApp) every ${flags.interval ?? 5} s. Ctrl-C stops.`);
  await new Promise<void>((resolveStop) => {
    const stop = (): void => void served.stop().finally(resolveStop);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
};

const signInGroups = ['managers', 'staff'] as const;

/** `comeback token`: what signing in to Cognito gives in the cloud, for the local API. */
export const printToken = async (flags: { group: string[]; user?: string; hours: string }): Promise<void> => {
  const unknown = flags.group.filter((group) => !(signInGroups as readonly string[]).includes(group));
  if (unknown.length > 0) throw new UsageError(`--group ${unknown.join(', ')}: one of ${signInGroups.join(', ')}`);
  const hours = Number(flags.hours);
  if (!Number.isFinite(hours) || hours <= 0 || hours > 24) throw new UsageError(`--hours ${flags.hours}: a number of hours, at most 24`);
  console.log(
    await issueLocalToken({
      user: flags.user ?? process.env.COMEBACK_USER ?? userInfo().username,
      groups: flags.group.length > 0 ? flags.group : ['staff'],
      hours,
    }),
  );
};
