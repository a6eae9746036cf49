/**
 * A small stand-in for AWS End User Messaging Social (WhatsApp) on one machine. It speaks the
 * service's REST JSON protocol for SendWhatsAppMessage (POST /v1/whatsapp/send, the Meta message
 * base64-encoded in `message`) so the production adapter runs unchanged against it, keeps every
 * message it is given, and publishes what Meta would report (sent, delivered, read, or failed
 * with Meta's error code) to the business account's SNS event destination in the service's
 * envelope: `whatsAppWebhookEntry` is the Meta webhook entry as a JSON string. A simulated reply
 * from a client is published the same way, and opens that client's 24-hour window.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { AppError, type ErrorKind } from '../../shared/common/app-error.ts';
import { escapeHtml, openOutbox, readBody } from './emulator-kit.ts';

export interface SentWhatsAppMessage {
  /** What SendWhatsAppMessage answered: AWS's id. */
  readonly messageId: string;
  /** Meta's id, on every status event. */
  readonly wamid: string;
  readonly originationPhoneNumberId: string;
  readonly metaApiVersion: string;
  /** E.164, with its +. */
  readonly to: string;
  readonly type: string;
  /** `biz_opaque_callback_data`: the sender's own id (Comeback's outreach id). */
  readonly outreachId?: string;
  /** The Meta message object as sent. */
  readonly message: Record<string, unknown>;
  readonly sentAt: string;
}

/** The rows of a reasons list the clinic sent (none for any other message): what a client may tap. */
export const listRowsOf = (message: Pick<SentWhatsAppMessage, 'type' | 'message'>): { id: string; title: string }[] => {
  if (message.type !== 'interactive') return [];
  const { action } = message.message.interactive as { action?: { sections?: { rows?: { id: string; title: string }[] }[] } };
  return action?.sections?.flatMap((section) => section.rows ?? []) ?? [];
};

/**
 * How messages to a number end: `read` (sent, delivered, read: the default), `delivered` (read
 * receipts off), `not-on-whatsapp` (failed, 131026) or `stopped` (the client stopped the
 * business's marketing messages or blocked it: failed, 131050).
 */
export type WhatsAppFate = 'read' | 'delivered' | 'not-on-whatsapp' | 'stopped';
const fates: ReadonlySet<string> = new Set<WhatsAppFate>(['read', 'delivered', 'not-on-whatsapp', 'stopped']);

/** A client's simulated answer: words, or a list row, reply button or quick-reply button they tapped. */
export type WhatsAppReply =
  | { readonly from: string; readonly text: string }
  | { readonly from: string; readonly choice: { readonly id: string; readonly title: string } };

export interface WhatsAppEmulatorOptions {
  readonly port: number;
  /** Where the outbox is kept (`outbox.jsonl`); in memory only when absent. */
  readonly dataDir?: string;
  /** The business account's event destination; nothing is published when absent. */
  readonly topicArn?: string;
  /** The SNS client that publishes there, or the endpoint to build one for (fauxqs locally). */
  readonly sns?: SNSClient;
  readonly snsEndpoint?: string;
  readonly region?: string;
  /** Numbers whose messages end otherwise than read, from the start (`POST /simulate` adds more). */
  readonly fates?: Readonly<Record<string, WhatsAppFate>>;
}

export interface WhatsAppEmulator {
  readonly url: string;
  readonly port: number;
  readonly outbox: () => readonly SentWhatsAppMessage[];
  /** As if the client wrote from their phone: published to the event destination. */
  readonly reply: (reply: WhatsAppReply) => Promise<{ wamid: string }>;
  readonly simulate: (recipient: string, fate: WhatsAppFate) => void;
  /** Resolves when every event of the messages sent so far is published. */
  readonly settled: () => Promise<void>;
  stop(): Promise<void>;
}

/** An error answered in the service's shape: its name in `x-amzn-errortype`, `{"message"}` as the body. */
class SocialMessagingError extends AppError {
  readonly kind: ErrorKind;
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.kind = status === 404 ? 'not-found' : status >= 500 ? 'unavailable' : 'invalid';
  }
}

const invalid = (message: string): SocialMessagingError => new SocialMessagingError('ValidationException', message);

const account = '000000000000';
const wabaId = '1234567890abcde';
const metaPhoneNumberId = 'abcde1234567890';
const displayPhoneNumber = '15550100000';
const originationPattern = /(^phone-number-id-.+$)|(^arn:.*:phone-number-id\/[0-9a-zA-Z]+$)/;
const apiVersion = /^v\d+(\.\d+)?$/;
const recipientPattern = /^\+?[1-9]\d{6,14}$/;
const messageTypes = new Set(['text', 'template', 'interactive', 'image', 'audio', 'video', 'document', 'sticker', 'location', 'contacts', 'reaction']);
const dayMs = 24 * 60 * 60 * 1000;

/** Meta's error on a failed status, as the webhook carries it. */
const metaErrors: Readonly<Record<'not-on-whatsapp' | 'stopped' | 'window-closed', { code: number; title: string }>> = {
  'not-on-whatsapp': { code: 131026, title: 'Message undeliverable' },
  stopped: {
    code: 131050,
    title: 'Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business.',
  },
  'window-closed': { code: 131047, title: 'Re-engagement message' },
};

const record = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown, field: string, max: number): string => {
  if (typeof value !== 'string' || value === '' || Array.from(value).length > max) throw invalid(`${field} must be 1 to ${max} characters`);
  return value;
};

/** The Meta message object inside `message`: base64, then JSON, then the fields Meta checks first. */
const metaMessage = (encoded: unknown): Record<string, unknown> => {
  if (typeof encoded !== 'string' || encoded === '') throw invalid('message is required');
  let message: unknown;
  try {
    message = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'));
  } catch {
    throw invalid('message is not a base64-encoded JSON object');
  }
  if (!record(message) || message.messaging_product !== 'whatsapp') throw invalid('message.messaging_product must be "whatsapp"');
  if (typeof message.to !== 'string' || !recipientPattern.test(message.to)) throw invalid('message.to is not a phone number');
  if (typeof message.type !== 'string' || !messageTypes.has(message.type)) throw invalid('message.type is not a WhatsApp message type');
  if (message.biz_opaque_callback_data !== undefined) text(message.biz_opaque_callback_data, 'message.biz_opaque_callback_data', 512);
  checkContent(message);
  return message;
};

const checkContent = (message: Record<string, unknown>): void => {
  const content = message[message.type as string];
  if (!record(content)) throw invalid(`message.${message.type} is required`);
  if (message.type === 'text') text(content.body, 'message.text.body', 4096);
  if (message.type === 'template') {
    text(content.name, 'message.template.name', 512);
    if (!record(content.language)) throw invalid('message.template.language is required');
    text(content.language.code, 'message.template.language.code', 15);
  }
  if (message.type === 'interactive') {
    if (!record(content.action)) throw invalid('message.interactive.action is required');
    if (content.type === 'list') checkList(content.action);
  }
};

const checkList = (action: Record<string, unknown>): void => {
  text(action.button, 'message.interactive.action.button', 20);
  const sections = Array.isArray(action.sections) ? action.sections.filter(record) : [];
  const rows = sections.flatMap((section) => (Array.isArray(section.rows) ? section.rows.filter(record) : []));
  if (rows.length < 1 || rows.length > 10) throw invalid('a list has 1 to 10 rows');
  for (const row of rows) {
    text(row.id, 'message.interactive.action.sections.rows.id', 200);
    text(row.title, 'message.interactive.action.sections.rows.title', 24);
    if (row.description !== undefined) text(row.description, 'message.interactive.action.sections.rows.description', 72);
  }
};

const e164 = (number: string): string => (number.startsWith('+') ? number : `+${number}`);
const digits = (number: string): string => number.replace(/^\+/, '');
const wamidOf = (): string => `wamid.${randomBytes(24).toString('base64url')}`;
const seconds = (at: number): string => String(Math.floor(at / 1000));

/** One Meta webhook entry (`changes[].value`) in the envelope End User Messaging Social publishes to SNS. */
const envelopeOf = (value: Record<string, unknown>, region: string, messageId?: string): string => {
  const entry = {
    id: wabaId,
    changes: [
      {
        field: 'messages',
        value: { messaging_product: 'whatsapp', metadata: { display_phone_number: displayPhoneNumber, phone_number_id: metaPhoneNumberId }, ...value },
      },
    ],
  };
  return JSON.stringify({
    context: {
      MetaWabaIds: [{ wabaId, arn: `arn:aws:social-messaging:${region}:${account}:waba/${wabaId}` }],
      MetaPhoneNumberIds: [{ metaPhoneNumberId, arn: `arn:aws:social-messaging:${region}:${account}:phone-number-id/${metaPhoneNumberId}` }],
    },
    whatsAppWebhookEntry: JSON.stringify(entry),
    aws_account_id: account,
    message_timestamp: new Date().toISOString(),
    ...(messageId && { messageId }),
  });
};

/** The statuses Meta reports for a message, in order. */
const statusesOf = (sent: SentWhatsAppMessage, fate: WhatsAppFate | 'window-closed'): Record<string, unknown>[] => {
  const at = seconds(Date.parse(sent.sentAt));
  const base = { id: sent.wamid, timestamp: at, recipient_id: digits(sent.to), ...(sent.outreachId && { biz_opaque_callback_data: sent.outreachId }) };
  if (fate === 'not-on-whatsapp' || fate === 'stopped' || fate === 'window-closed') {
    const { code, title } = metaErrors[fate];
    return [{ ...base, status: 'failed', errors: [{ code, title, message: title, error_data: { details: title } }] }];
  }
  const pricing = { billable: true, pricing_model: 'CBP', category: sent.type === 'template' ? 'marketing' : 'service' };
  const sentStatus = { ...base, status: 'sent', conversation: { id: randomUUID().replace(/-/g, ''), origin: { type: pricing.category } }, pricing };
  return fate === 'delivered' ? [sentStatus, { ...base, status: 'delivered' }] : [sentStatus, { ...base, status: 'delivered' }, { ...base, status: 'read' }];
};

export const startWhatsAppEmulator = async (options: WhatsAppEmulatorOptions): Promise<WhatsAppEmulator> => {
  const outbox = await openOutbox<SentWhatsAppMessage>(options.dataDir);
  const sent = outbox.messages;
  const region = options.region ?? 'us-east-1';
  const ownSns =
    !options.sns && options.snsEndpoint
      ? new SNSClient({ endpoint: options.snsEndpoint, region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } })
      : undefined;
  const sns = options.sns ?? ownSns;
  const simulated = new Map<string, WhatsAppFate>(Object.entries(options.fates ?? {}).map(([number, fate]) => [e164(number), fate]));
  /** When each client last wrote: the 24-hour window in which more than templates may be sent. */
  const lastWrote = new Map<string, number>();
  let publishing: Promise<void> = Promise.resolve();

  const publish = async (message: string): Promise<void> => {
    if (!sns || !options.topicArn) return;
    await sns.send(new PublishCommand({ TopicArn: options.topicArn, Message: message }));
  };

  /** The fate of one message: a free-form message outside the client's window fails as Meta fails it. */
  const fateOf = (message: SentWhatsAppMessage): WhatsAppFate | 'window-closed' => {
    const fate = simulated.get(message.to) ?? 'read';
    if (fate === 'not-on-whatsapp' || message.type === 'template') return fate;
    const wrote = lastWrote.get(message.to);
    return wrote !== undefined && Date.parse(message.sentAt) - wrote < dayMs ? fate : 'window-closed';
  };

  const report = (message: SentWhatsAppMessage): void => {
    const statuses = statusesOf(message, fateOf(message));
    // Published after the answer, one notification a status, in order, as Meta reports them.
    publishing = publishing
      .then(async () => {
        for (const status of statuses) await publish(envelopeOf({ statuses: [status] }, region, message.messageId));
      })
      // One lost notification must not stop the ones after it; the emulator says so and goes on.
      .catch((error: unknown) => console.error(`whatsapp emulator: status of ${message.messageId} not published: ${(error as Error).name}`));
  };

  const send = async (input: Record<string, unknown>): Promise<SentWhatsAppMessage> => {
    const origination = input.originationPhoneNumberId;
    if (typeof origination !== 'string' || origination.length > 115 || !originationPattern.test(origination)) {
      throw invalid('originationPhoneNumberId must be a phone-number-id-… id or its ARN');
    }
    if (typeof input.metaApiVersion !== 'string' || !apiVersion.test(input.metaApiVersion)) throw invalid('metaApiVersion must look like v20.0');
    const message = metaMessage(input.message);
    const kept: SentWhatsAppMessage = {
      messageId: randomUUID(),
      wamid: wamidOf(),
      originationPhoneNumberId: origination,
      metaApiVersion: input.metaApiVersion,
      to: e164(message.to as string),
      type: message.type as string,
      ...(typeof message.biz_opaque_callback_data === 'string' && { outreachId: message.biz_opaque_callback_data }),
      message,
      sentAt: new Date().toISOString(),
    };
    await outbox.keep(kept);
    return kept;
  };

  const reply = async (answer: WhatsAppReply): Promise<{ wamid: string }> => {
    if (!recipientPattern.test(answer.from)) throw invalid('a reply needs "from", a phone number');
    if (!sns || !options.topicArn) throw invalid('no event destination is connected to this emulator');
    const from = e164(answer.from);
    const last = sent.findLast((message) => message.to === from);
    const wamid = wamidOf();
    const now = Date.now();
    lastWrote.set(from, now);
    const inbound = {
      from: digits(from),
      id: wamid,
      timestamp: seconds(now),
      ...contentOf(answer, last),
      ...(last && { context: { from: displayPhoneNumber, id: last.wamid } }),
    };
    await publish(envelopeOf({ contacts: [{ profile: { name: 'Client' }, wa_id: digits(from) }], messages: [inbound] }, region));
    return { wamid };
  };

  const simulate = (recipient: string, fate: WhatsAppFate): void => void simulated.set(e164(recipient), fate);

  const settled = (): Promise<void> => publishing;

  const respond = (response: ServerResponse, status: number, body: unknown, type = 'application/json'): void => {
    response.writeHead(status, { 'content-type': type });
    response.end(typeof body === 'string' ? body : JSON.stringify(body));
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const route = `${request.method} ${url.pathname}`;
    if (route === 'POST /v1/whatsapp/send') {
      const input = parsedBody(await readBody(request));
      const message = await send(input);
      respond(response, 200, { messageId: message.messageId });
      report(message);
      return;
    }
    if (route === 'GET /messages') {
      const to = url.searchParams.get('to');
      respond(
        response,
        200,
        sent.filter((message) => !to || message.to === e164(to)),
      );
      return;
    }
    if (route === 'POST /reply') {
      respond(response, 200, await reply(parsedBody(await readBody(request)) as unknown as WhatsAppReply));
      return;
    }
    if (route === 'POST /simulate') {
      const { recipient, fate } = parsedBody(await readBody(request));
      if (typeof recipient !== 'string' || !recipientPattern.test(recipient) || typeof fate !== 'string' || !fates.has(fate)) {
        throw invalid(`a simulation needs a "recipient" phone number and a "fate": ${[...fates].join(', ')}`);
      }
      simulate(recipient, fate as WhatsAppFate);
      respond(response, 200, { recipient: e164(recipient), fate });
      return;
    }
    if (route === 'GET /') {
      respond(response, 200, outboxPage(sent), 'text/html; charset=utf-8');
      return;
    }
    if (route === 'GET /health') {
      respond(response, 200, { ok: true });
      return;
    }
    // Answered once every event of the messages sent so far is published (for a command in another process).
    if (route === 'GET /settled') {
      await settled();
      respond(response, 200, { ok: true });
      return;
    }
    throw new SocialMessagingError('ResourceNotFoundException', `${route} is not emulated`, 404);
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      const known = error instanceof SocialMessagingError ? error : new SocialMessagingError('InternalServiceException', (error as Error).message, 500);
      response.writeHead(known.status, { 'content-type': 'application/json', 'x-amzn-errortype': known.type });
      response.end(JSON.stringify({ message: known.message }));
    });
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolveListen());
  });
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    outbox: () => sent,
    reply,
    simulate,
    settled,
    stop: async () => {
      await settled();
      await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
      ownSns?.destroy();
    },
  };
};

const parsedBody = (body: string): Record<string, unknown> => {
  try {
    const parsed: unknown = JSON.parse(body || '{}');
    if (record(parsed)) return parsed;
  } catch {
    // answered below
  }
  throw new SocialMessagingError('SerializationException', 'the body is not a JSON object');
};

/** The inbound message's content: words, or what the client tapped in the kind of message they answered. */
const contentOf = (answer: WhatsAppReply, last: SentWhatsAppMessage | undefined): Record<string, unknown> => {
  if ('text' in answer && typeof answer.text === 'string' && answer.text !== '') return { type: 'text', text: { body: answer.text } };
  if (!('choice' in answer) || !record(answer.choice) || typeof answer.choice.id !== 'string' || typeof answer.choice.title !== 'string') {
    throw invalid('a reply needs "text", or a "choice" with "id" and "title"');
  }
  const { id, title } = answer.choice;
  const interactive = last?.type === 'interactive' && record(last.message.interactive) ? last.message.interactive.type : undefined;
  if (interactive === 'list') return { type: 'interactive', interactive: { type: 'list_reply', list_reply: { id, title } } };
  if (interactive === 'button') return { type: 'interactive', interactive: { type: 'button_reply', button_reply: { id, title } } };
  return { type: 'button', button: { payload: id, text: title } };
};

const outboxPage = (sent: readonly SentWhatsAppMessage[]): string => {
  const rows = [...sent]
    .reverse()
    .map(
      (m) =>
        `<tr><td>${escapeHtml(m.sentAt)}</td><td>${escapeHtml(m.to)}</td><td>${escapeHtml(m.type)}</td><td><pre>${escapeHtml(JSON.stringify(m.message[m.type], null, 1))}</pre></td></tr>`,
    )
    .join('');
  return `<!doctype html><meta charset="utf-8"><title>WhatsApp outbox</title><h1>WhatsApp outbox</h1><table border="1" cellpadding="4"><tr><th>sent</th><th>to</th><th>type</th><th>message</th></tr>${rows}</table>`;
};
