import { replyWeb } from '../functions/reply-web/handler.ts';
import { startHttpApi } from '../infra/local/http-api.ts';
import { answerDependenciesFromEnv, replySecretsFromEnv } from '../shared/composition.ts';
import { requiredEnv } from '../shared/config.ts';
import { receiveReplies } from './answers-command.ts';
import { sendQueued } from './outreach-command.ts';
import { UsageError } from './output.ts';

/** The port of the reply links the local stack writes (REPLY_BASE_URL), unless --port says otherwise. */
const portOf = (flag: string | undefined): number => {
  const port = Number(flag ?? (new URL(requiredEnv('REPLY_BASE_URL')).port || 8080));
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new UsageError(`--port ${flag}: a port number`);
  return port;
};

/** The local API Gateway with the cloud's routes, on `port` (0: any free one). */
export const startLocalApi = async (port: number): ReturnType<typeof startHttpApi> => {
  const use = { settings: { clinicName: requiredEnv('CLINIC_NAME'), tokenSecrets: await replySecretsFromEnv() }, deps: answerDependenciesFromEnv() };
  return startHttpApi([{ prefix: '/r/', handler: (event) => replyWeb(event, use) }, { prefix: '/u/', handler: (event) => replyWeb(event, use) }], port);
};

/**
 * The cloud's event-driven parts, on one machine: the reply page behind a local API Gateway,
 * and the queues drained every few seconds (requests sent, receipts and SMS replies received).
 */
export const startServing = async (flags: { port?: string; interval?: string }): Promise<{ port: number; stop: () => Promise<void> }> => {
  const api = await startLocalApi(portOf(flags.port));
  const every = Number(flags.interval ?? 5) * 1000;
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        await sendQueued();
        await receiveReplies();
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
  console.log(`Reply pages on http://127.0.0.1:${served.port}/r/<token> (the links in the outbox's emails and texts).`);
  console.log(`Sending queued requests and receiving replies every ${flags.interval ?? 5} s. Ctrl-C stops.`);
  await new Promise<void>((resolveStop) => {
    const stop = (): void => void served.stop().finally(resolveStop);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
};
