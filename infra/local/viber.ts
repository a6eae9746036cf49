/**
 * A small stand-in for the Viber REST bot API on one machine. It speaks the bot API
 * (POST /pa/set_webhook and /pa/send_message, X-Viber-Auth-Token, answers of HTTP 200 with a
 * `status` code and 64-bit `message_token`s) so the production client runs unchanged against
 * it, keeps every message it is given, and posts the callbacks Viber would to the registered
 * webhook, signed as Viber signs them (X-Viber-Content-Signature: hex HMAC-SHA256 of the body,
 * keyed with the bot's token): delivered and seen by default, or the fate simulated for a
 * receiver (failed, not subscribed, not a Viber user, blocked), a client's reply (words or a
 * reason button) and a client subscribing through the clinic's deep link.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { reasonButtonBody, reasonButtonPrefix } from '../../shared/outreach/viber-callbacks.ts';
import { escapeHtml, openOutbox, readBody } from './emulator-kit.ts';

export interface ViberSentMessage {
  /** Viber's 64-bit message token, as decimal text. */
  readonly messageToken: string;
  readonly receiver: string;
  readonly text: string;
  readonly sender: { readonly name: string; readonly avatar?: string };
  readonly trackingData?: string;
  readonly keyboard?: unknown;
  readonly sentAt: string;
}

export interface ViberEmulatorOptions {
  readonly port: number;
  /** Where the outbox is kept (`outbox.jsonl`); in memory only when absent. */
  readonly dataDir?: string;
  /** The bot's token: requests must carry it, and callbacks are signed with it. */
  readonly token: string;
}

/**
 * How messages to a receiver end, for trying the unhappy paths: `POST /simulate`.
 * `delivered-and-seen` is the default. `not-subscribed` and `not-on-viber` refuse the send with
 * status 6 and 5; `blocked` posts an `unsubscribed` callback at once, and sends are refused
 * with status 6 from then on, as after a client blocks the bot.
 */
export type ViberFate = 'delivered-and-seen' | 'delivered' | 'failed' | 'not-subscribed' | 'not-on-viber' | 'blocked';

const fates: ReadonlySet<string> = new Set<ViberFate>(['delivered-and-seen', 'delivered', 'failed', 'not-subscribed', 'not-on-viber', 'blocked']);

/** What a client answers: words, or the reason button they pressed. */
export type ViberClientReply = { readonly text: string } | { readonly choice: string };

/** A callback the emulator posted, and what the webhook answered (0: it did not answer). */
export interface PostedCallback {
  readonly event: string;
  readonly httpStatus: number;
}

export interface ViberEmulator {
  /** The emulator itself: GET /messages, POST /reply, /subscribe, /simulate. */
  readonly url: string;
  /** The bot API's base URL, for the production client (Viber's own is https://chatapi.viber.com/pa). */
  readonly apiUrl: string;
  readonly port: number;
  readonly outbox: () => readonly ViberSentMessage[];
  readonly callbacks: () => readonly PostedCallback[];
  /** As if the client followed the clinic's deep link (`context`) and subscribed. */
  readonly subscribe: (userId: string, context?: string) => Promise<void>;
  /** As if the client wrote back, or pressed a reason button. */
  readonly reply: (from: string, reply: ViberClientReply) => Promise<void>;
  /** Messages to this receiver end this way from now on. */
  readonly simulate: (receiver: string, fate: ViberFate) => Promise<void>;
  /** Resolves once every callback started so far has been answered. */
  readonly settled: () => Promise<void>;
  stop(): Promise<void>;
}

/** Viber's documented `status` codes the emulator answers with. */
const status = {
  ok: [0, 'ok'],
  invalidUrl: [1, 'invalidUrl'],
  invalidAuthToken: [2, 'invalidAuthToken'],
  badData: [3, 'badData'],
  missingData: [4, 'missingData'],
  receiverNotRegistered: [5, 'receiverNotRegistered'],
  receiverNotSubscribed: [6, 'receiverNotSubscribed'],
  webhookNotSet: [10, 'webhookNotSet'],
  tooManyRequests: [12, 'Too many requests'],
} as const satisfies Record<string, readonly [number, string]>;

/** Viber allows a bot this many messages to a receiver who has not answered, per hour. */
const unansweredPerHour = 100;
const chatHostname = 'SN-CHAT-LOCAL';
/** Events Viber sends whatever the webhook asked for. */
const alwaysSent = new Set(['message', 'subscribed', 'unsubscribed', 'webhook']);

/** A fresh 64-bit message token, always past 2^53 so a client that rounds it is caught. */
const newMessageToken = (): string => ((randomBytes(8).readBigUInt64BE() & ((1n << 62n) - 1n)) | (1n << 62n)).toString();

/** JSON as Viber writes it: `message_token` a bare 64-bit number, not a string. */
const viberJson = (body: Record<string, unknown>): string => {
  const { message_token: token, ...rest } = body;
  const rawJSON = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;
  return JSON.stringify(typeof token === 'string' ? { ...rest, message_token: rawJSON(token) } : body);
};

/** A request to the emulator's own routes that it cannot take. */
const refused = (message: string, httpStatus = 400): Error => Object.assign(new Error(message), { httpStatus });

const answer = ([code, message]: readonly [number, string], extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  status: code,
  status_message: message,
  ...extra,
});

const textOf = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** The keyboard under a message as the client sees it: each button's text, and what it does. */
export const buttonsOf = (message: Pick<ViberSentMessage, 'keyboard'>): string[] => {
  const buttons = (message.keyboard as { Buttons?: unknown } | undefined)?.Buttons;
  if (!Array.isArray(buttons)) return [];
  return buttons.map((button: { Text?: unknown; ActionType?: unknown; ActionBody?: unknown }) => {
    const action = button.ActionType === 'open-url' ? `opens ${String(button.ActionBody)}` : `replies ${String(button.ActionBody)}`;
    return `${String(button.Text ?? '')} (${action})`;
  });
};

/** The reasons a message's buttons answer with (`reason:<id>`), in their order: what a client may press. */
export const reasonButtonsOf = (message: Pick<ViberSentMessage, 'keyboard'>): string[] => {
  const buttons = (message.keyboard as { Buttons?: { ActionType?: string; ActionBody?: unknown }[] } | undefined)?.Buttons ?? [];
  return buttons.flatMap((button) =>
    button.ActionType === 'reply' && typeof button.ActionBody === 'string' && button.ActionBody.startsWith(reasonButtonPrefix)
      ? [button.ActionBody.slice(reasonButtonPrefix.length)]
      : [],
  );
};

export const startViberEmulator = async (options: ViberEmulatorOptions): Promise<ViberEmulator> => {
  const outbox = await openOutbox<ViberSentMessage>(options.dataDir);
  const sent = outbox.messages;
  let webhook: { url: string; events: Set<string> } | undefined;
  const simulated = new Map<string, ViberFate>();
  const unanswered = new Map<string, number[]>();
  const posted: PostedCallback[] = [];
  const pending = new Set<Promise<unknown>>();

  /** Posts one callback, signed; the webhook's answer is recorded, never thrown. */
  const post = async (url: string, body: Record<string, unknown>): Promise<number> => {
    const text = viberJson({ ...body, chat_hostname: chatHostname });
    const signature = createHmac('sha256', options.token).update(text).digest('hex');
    const httpStatus = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-viber-content-signature': signature }, body: text })
      .then(async (response) => {
        await response.arrayBuffer();
        return response.status;
      })
      .catch(() => 0);
    posted.push({ event: String(body.event), httpStatus });
    return httpStatus;
  };

  /** Callbacks go out after the request that caused them has been answered, one after another. */
  const later = (...bodies: Record<string, unknown>[]): void => {
    const target = webhook;
    if (!target) return;
    const wanted = bodies.filter((body) => alwaysSent.has(String(body.event)) || target.events.has(String(body.event)));
    const run = (async () => {
      await new Promise((resolveSoon) => setImmediate(resolveSoon));
      for (const body of wanted) await post(target.url, body);
    })();
    pending.add(run);
    void run.finally(() => pending.delete(run));
  };

  const fateCallbacks = (message: ViberSentMessage): Record<string, unknown>[] => {
    const about = { message_token: message.messageToken, user_id: message.receiver };
    const fate = simulated.get(message.receiver) ?? 'delivered-and-seen';
    if (fate === 'failed') return [{ event: 'failed', timestamp: Date.now(), ...about, desc: 'Simulated failure' }];
    const delivered = { event: 'delivered', timestamp: Date.now(), ...about };
    return fate === 'delivered' ? [delivered] : [delivered, { event: 'seen', timestamp: Date.now() + 1, ...about }];
  };

  /** Viber's own limit: a receiver who has not answered gets at most 100 messages an hour. */
  const overLimit = (receiver: string): boolean => {
    const now = Date.now();
    const recent = (unanswered.get(receiver) ?? []).filter((at) => now - at < 3_600_000);
    unanswered.set(receiver, recent);
    if (recent.length >= unansweredPerHour) return true;
    recent.push(now);
    return false;
  };

  const sendMessage = async (input: Record<string, unknown>): Promise<Record<string, unknown>> => {
    if (!webhook) return answer(status.webhookNotSet);
    const receiver = textOf(input.receiver);
    const sender = input.sender as { name?: unknown; avatar?: unknown } | undefined;
    if (!receiver || !textOf(sender?.name)) return answer(status.missingData);
    if (input.type !== 'text' || !textOf(input.text)) return answer(status.badData);
    const fate = simulated.get(receiver);
    if (fate === 'not-on-viber') return answer(status.receiverNotRegistered);
    if (fate === 'not-subscribed' || fate === 'blocked') return answer(status.receiverNotSubscribed);
    if (overLimit(receiver)) return answer(status.tooManyRequests);
    const message: ViberSentMessage = {
      messageToken: newMessageToken(),
      receiver,
      text: input.text as string,
      sender: { name: sender!.name as string, ...(textOf(sender!.avatar) && { avatar: sender!.avatar as string }) },
      sentAt: new Date().toISOString(),
      ...(textOf(input.tracking_data) && { trackingData: input.tracking_data as string }),
      ...(input.keyboard !== undefined && { keyboard: input.keyboard }),
    };
    await outbox.keep(message);
    later(...fateCallbacks(message));
    return answer(status.ok, { message_token: message.messageToken, chat_hostname: chatHostname });
  };

  /** As Viber does, the webhook is checked with a signed `webhook` event before it is kept. */
  const setWebhook = async (input: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const url = textOf(input.url);
    if (url === undefined) {
      webhook = undefined;
      return answer(status.ok);
    }
    if (!URL.canParse(url)) return answer(status.invalidUrl);
    const asked = Array.isArray(input.event_types) ? input.event_types.filter((type): type is string => typeof type === 'string') : undefined;
    const events = new Set(asked ?? ['delivered', 'seen', 'failed', 'subscribed', 'unsubscribed', 'conversation_started']);
    const checked = await post(url, { event: 'webhook', timestamp: Date.now(), message_token: newMessageToken() });
    if (checked !== 200) return answer([status.invalidUrl[0], `Result[HttpCode: ${checked}]`]);
    webhook = { url, events };
    return answer(status.ok, { chat_hostname: chatHostname, event_types: [...events] });
  };

  const userOf = (id: string): Record<string, unknown> => ({ id, name: 'Viber user', country: 'GR', language: 'el', api_version: 10 });

  const subscribe = async (userId: string, context?: string): Promise<void> => {
    if (!webhook) throw refused('no webhook is set: call /pa/set_webhook first', 409);
    const fate = simulated.get(userId);
    if (fate === 'not-subscribed' || fate === 'blocked' || fate === 'not-on-viber') simulated.delete(userId);
    later(
      {
        event: 'conversation_started',
        timestamp: Date.now(),
        message_token: newMessageToken(),
        type: 'open',
        user: userOf(userId),
        subscribed: false,
        ...(context && { context }),
      },
      { event: 'subscribed', timestamp: Date.now() + 1, message_token: newMessageToken(), user: userOf(userId) },
    );
    await settled();
  };

  const reply = async (from: string, given: ViberClientReply): Promise<void> => {
    if (!webhook) throw refused('no webhook is set: call /pa/set_webhook first', 409);
    const last = [...sent].reverse().find((message) => message.receiver === from);
    const text = 'choice' in given ? reasonButtonBody(given.choice) : given.text;
    // A client who writes is subscribed, and may be written to again.
    unanswered.delete(from);
    later({
      event: 'message',
      timestamp: Date.now(),
      message_token: newMessageToken(),
      sender: userOf(from),
      message: { type: 'text', text, ...(last?.trackingData && { tracking_data: last.trackingData }) },
      silent: false,
    });
    await settled();
  };

  const simulate = async (receiver: string, fate: ViberFate): Promise<void> => {
    simulated.set(receiver, fate);
    if (fate === 'blocked') later({ event: 'unsubscribed', timestamp: Date.now(), message_token: newMessageToken(), user_id: receiver });
    await settled();
  };

  const settled = async (): Promise<void> => {
    while (pending.size > 0) await Promise.allSettled([...pending]);
  };

  const respond = (response: ServerResponse, httpStatus: number, body: string, type = 'application/json'): void => {
    response.writeHead(httpStatus, { 'content-type': type });
    response.end(body);
  };

  const botApi: Record<string, (input: Record<string, unknown>) => Promise<Record<string, unknown>>> = {
    '/pa/send_message': sendMessage,
    '/pa/set_webhook': setWebhook,
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const operation = request.method === 'POST' ? botApi[url.pathname] : undefined;
    if (operation) {
      const token = request.headers['x-viber-auth-token'];
      const body = await readBody(request);
      if (!token) return respond(response, 200, JSON.stringify(answer([status.invalidAuthToken[0], 'missing_auth_token'])));
      if (token !== options.token) return respond(response, 200, JSON.stringify(answer(status.invalidAuthToken)));
      let input: Record<string, unknown>;
      try {
        input = JSON.parse(body) as Record<string, unknown>;
      } catch {
        return respond(response, 200, JSON.stringify(answer(status.badData)));
      }
      return respond(response, 200, viberJson(await operation(input)));
    }
    if (request.method === 'GET' && url.pathname === '/messages') {
      const receiver = url.searchParams.get('receiver');
      return respond(response, 200, JSON.stringify(sent.filter((message) => !receiver || message.receiver === receiver)));
    }
    if (request.method === 'POST' && url.pathname === '/reply') {
      const { from, text, choice } = JSON.parse(await readBody(request)) as { from?: string; text?: string; choice?: string };
      if (!from || (!text && !choice)) throw refused('a reply needs "from" and a "text" or a "choice" (a reason id)');
      await reply(from, choice ? { choice } : { text: text! });
      return respond(response, 200, JSON.stringify({ from, ...(choice ? { choice } : { text }) }));
    }
    if (request.method === 'POST' && url.pathname === '/subscribe') {
      const { userId, context } = JSON.parse(await readBody(request)) as { userId?: string; context?: string };
      if (!userId) throw refused('a subscription needs a "userId" (and the deep link\'s "context")');
      await subscribe(userId, context);
      return respond(response, 200, JSON.stringify({ userId, ...(context && { context }) }));
    }
    if (request.method === 'POST' && url.pathname === '/simulate') {
      const { receiver, fate } = JSON.parse(await readBody(request)) as { receiver?: string; fate?: string };
      if (!receiver || !fate || !fates.has(fate)) throw refused(`a simulation needs a "receiver" and a "fate": ${[...fates].join(', ')}`);
      await simulate(receiver, fate as ViberFate);
      return respond(response, 200, JSON.stringify({ receiver, fate }));
    }
    if (request.method === 'GET' && url.pathname === '/') {
      const rows = [...sent]
        .reverse()
        .map(
          (m) =>
            `<tr><td>${escapeHtml(m.sentAt)}</td><td>${escapeHtml(m.receiver)}</td><td>${escapeHtml(m.text)}</td><td>${buttonsOf(m)
              .map((button) => escapeHtml(button))
              .join('<br>')}</td></tr>`,
        )
        .join('');
      const page = `<!doctype html><meta charset="utf-8"><title>Viber outbox</title><h1>Viber outbox</h1><table border="1" cellpadding="4"><tr><th>sent</th><th>to</th><th>text</th><th>buttons</th></tr>${rows}</table>`;
      return respond(response, 200, page, 'text/html; charset=utf-8');
    }
    if (request.method === 'GET' && url.pathname === '/health') return respond(response, 200, JSON.stringify({ ok: true }));
    // Answered once the webhook answered every callback started so far (for a command in another process).
    if (request.method === 'GET' && url.pathname === '/settled') {
      await settled();
      return respond(response, 200, JSON.stringify({ ok: true }));
    }
    throw refused(`${request.method} ${url.pathname}`, 404);
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      const httpStatus = error instanceof SyntaxError ? 400 : ((error as { httpStatus?: number }).httpStatus ?? 500);
      respond(response, httpStatus, JSON.stringify({ message: error instanceof SyntaxError ? 'the body is not JSON' : (error as Error).message }));
    });
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolveListen());
  });
  const port = (server.address() as { port: number }).port;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    apiUrl: `${url}/pa`,
    port,
    outbox: () => sent,
    callbacks: () => posted,
    subscribe,
    reply,
    simulate,
    settled,
    stop: async () => {
      await settled();
      await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
    },
  };
};
