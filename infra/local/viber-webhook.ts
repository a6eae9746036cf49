/**
 * The clinic's Viber webhook on one machine. In the cloud Viber posts every callback to the
 * public API's `POST /viber/callback` (the viber-callbacks function), and the bot's webhook is
 * pointed there once. Locally the process that runs the Viber emulator also serves that one
 * route, through the same local API Gateway as `comeback serve`, and points the emulator's
 * webhook at it with the production bot client: callbacks (a client subscribing through the
 * deep link, delivered, seen, a reply) land whether or not `comeback serve` runs.
 */
import { viberCallback } from '../../functions/viber-callbacks/handler.ts';
import { buildApp } from '../../shared/app.ts';
import { AppError } from '../../shared/common/app-error.ts';
import { ViberBotClient } from '../../shared/viber/viber-bot-client.ts';
import { startHttpApi, type HttpFunction } from './http-api.ts';

/** The public API's route for Viber's callbacks (as in the cloud). */
export const viberCallbackPath = '/viber/callback';

class ViberWebhookError extends AppError {
  override readonly name = 'ViberWebhookError';
  readonly kind = 'unavailable';
}

/**
 * The viber-callbacks function as API Gateway invokes it, with the environment a Lambda would
 * have: the local stack's settings (`defaults`) under whatever this process sets. Its parts are
 * built on first use and kept, and built again once the environment changed (as a Lambda
 * whose configuration was updated starts afresh).
 */
const viberCallbackFunction = (defaults: Readonly<Record<string, string>> = {}): HttpFunction => {
  let built: { readonly key: string; readonly app: ReturnType<typeof buildApp> } | undefined;
  return async (event) => {
    const env = { ...defaults, ...process.env };
    const key = JSON.stringify(env);
    if (built?.key !== key) built = { key, app: buildApp(env) };
    return viberCallback(event, await built.app.viberCallbacks());
  };
};

export interface ViberWebhook {
  /** Where the bot's callbacks go: `http://127.0.0.1:<port>/viber/callback`. */
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * Serves `POST /viber/callback` on `port` (0: any free one) and sets it as the bot's webhook at
 * `apiUrl` (the emulator's bot API). Viber checks a webhook with a signed `webhook` callback
 * before keeping it, so this resolves only once the function answered that one.
 */
export const startViberWebhook = async (options: {
  readonly apiUrl: string;
  readonly token: string;
  readonly port?: number;
  readonly defaults?: Readonly<Record<string, string>>;
}): Promise<ViberWebhook> => {
  const api = await startHttpApi([{ prefix: viberCallbackPath, handler: viberCallbackFunction(options.defaults) }], options.port ?? 0);
  const url = `http://127.0.0.1:${api.port}${viberCallbackPath}`;
  try {
    const bot = new ViberBotClient({ baseUrl: options.apiUrl, senderName: 'Comeback', token: async () => options.token });
    await bot.setWebhook(url);
  } catch (error) {
    await api.stop();
    throw new ViberWebhookError(`the Viber emulator did not take the webhook ${url}: ${(error as Error).message}`);
  }
  return { url, port: api.port, stop: api.stop };
};
