/**
 * A small stand-in for AWS End User Messaging SMS and voice on one machine. It speaks the
 * `PinpointSMSVoiceV2` JSON 1.0 protocol (POST /, X-Amz-Target: PinpointSMSVoiceV2.<Operation>)
 * so the production adapter runs unchanged against it, keeps every text and call it is
 * given, paces senders like the real service (ThrottlingException above the configured
 * messages per second per origination identity), publishes a delivery event for every message
 * sent with a configuration set (as the set's SNS event destination would), keeps an opt-out
 * list fed by STOP-style replies, and turns a simulated reply into the documented two-way SMS
 * payload for the SNS reply topic.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { escapeHtml, openOutbox, readBody } from './emulator-kit.ts';

export interface SentMessage {
  readonly messageId: string;
  readonly channel: 'sms' | 'voice';
  readonly destination: string;
  readonly originationIdentity?: string;
  readonly configurationSet?: string;
  readonly body: string;
  /** TEXT or SSML, for calls. */
  readonly bodyType?: string;
  readonly voiceId?: string;
  readonly messageType?: string;
  readonly context?: Readonly<Record<string, string>>;
  readonly sentAt: string;
}

/** The two-way SMS notification End User Messaging publishes to SNS. */
export interface InboundSms {
  readonly originationNumber: string;
  readonly destinationNumber: string;
  readonly messageKeyword: string;
  readonly messageBody: string;
  readonly inboundMessageId: string;
  readonly previousPublishedMessageId?: string;
}

export interface SmsVoiceOptions {
  readonly port: number;
  /** Where the outbox is kept (`outbox.jsonl`); in memory only when absent. */
  readonly dataDir?: string;
  /** Messages per second allowed per origination identity; unlimited when absent. */
  readonly messagesPerSecond?: number;
  /** Publishes a simulated reply (the JSON of an InboundSms) to the SMS reply topic. */
  readonly publishReply?: (message: string) => Promise<void>;
  /**
   * The configuration sets that exist, each with where its events go (the JSON of one SMS or
   * voice event). When given, a send naming any other set is refused as the service would.
   */
  readonly configurationSets?: Readonly<Record<string, (event: string) => Promise<void>>>;
}

/**
 * How a message to a number ends, for trying the unhappy paths: `POST /simulate`. Each is the
 * receipt End User Messaging publishes, except `opted-out`: the number goes on the opt-out
 * list, so a send to it is refused at once (ConflictException), as the service does.
 */
export type SimulatedFate =
  | 'delivered'
  | 'unreachable'
  | 'invalid'
  | 'no-answer'
  | 'busy'
  | 'blocked'
  | 'carrier-blocked'
  | 'spam'
  | 'ttl-expired'
  | 'opted-out';

export interface SmsVoiceLocal {
  readonly port: number;
  readonly outbox: () => readonly SentMessage[];
  /** As if the client answered from their phone: published to the reply topic. */
  readonly reply: (from: string, body: string) => Promise<InboundSms>;
  /** Messages to this number end this way from now on. */
  readonly simulate: (destination: string, fate: SimulatedFate) => void;
  /** Numbers that texted an opt-out keyword: the service refuses to text or call them. */
  readonly optedOut: () => readonly string[];
  stop(): Promise<void>;
}

class ServiceError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** The keywords End User Messaging reserves for opting out, whatever the case. */
export const optOutKeywords = new Set(['ARRET', 'CANCEL', 'END', 'OPT-OUT', 'OPTOUT', 'QUIT', 'REMOVE', 'STOP', 'TD', 'UNSUBSCRIBE']);

type ReceiptFate = Exclude<SimulatedFate, 'opted-out'>;
const fateEvents: Record<ReceiptFate, { sms: [string, string]; voice: [string, string] }> = {
  delivered: { sms: ['TEXT_DELIVERED', 'DELIVERED'], voice: ['VOICE_COMPLETED', 'COMPLETED'] },
  blocked: { sms: ['TEXT_BLOCKED', 'BLOCKED'], voice: ['VOICE_FAILED', 'FAILED'] },
  'carrier-blocked': { sms: ['TEXT_CARRIER_BLOCKED', 'CARRIER_BLOCKED'], voice: ['VOICE_FAILED', 'FAILED'] },
  spam: { sms: ['TEXT_SPAM', 'SPAM'], voice: ['VOICE_FAILED', 'FAILED'] },
  'ttl-expired': { sms: ['TEXT_TTL_EXPIRED', 'TTL_EXPIRED'], voice: ['VOICE_TTL_EXPIRED', 'TTL_EXPIRED'] },
  unreachable: { sms: ['TEXT_CARRIER_UNREACHABLE', 'CARRIER_UNREACHABLE'], voice: ['VOICE_FAILED', 'FAILED'] },
  invalid: { sms: ['TEXT_INVALID', 'INVALID'], voice: ['VOICE_FAILED', 'FAILED'] },
  'no-answer': { sms: ['TEXT_DELIVERED', 'DELIVERED'], voice: ['VOICE_NO_ANSWER', 'NO_ANSWER'] },
  busy: { sms: ['TEXT_DELIVERED', 'DELIVERED'], voice: ['VOICE_BUSY', 'BUSY'] },
};
const fates = new Set([...Object.keys(fateEvents), 'opted-out']);

/** The event a configuration set's destination receives, in the service's documented shape. */
const deliveryEventOf = (message: SentMessage, fate: ReceiptFate): Record<string, unknown> => {
  const [eventType, messageStatus] = fateEvents[fate][message.channel];
  return {
    eventType,
    eventVersion: '1.0',
    eventTimestamp: Date.now(),
    isFinal: true,
    originationPhoneNumber: message.originationIdentity,
    destinationPhoneNumber: message.destination,
    messageId: message.messageId,
    messageRequestTimestamp: Date.parse(message.sentAt),
    messageStatus,
    messageStatusDescription: messageStatus === 'DELIVERED' || messageStatus === 'COMPLETED' ? 'Message has been accepted by phone' : `Simulated ${fate}`,
    ...(message.channel === 'sms' && {
      messageType: message.messageType ?? 'TRANSACTIONAL',
      messageEncoding: /^[\x20-\x7e\n\r]*$/.test(message.body) ? 'GSM' : 'UCS2',
    }),
    ...(message.context && { context: message.context }),
  };
};

const e164 = /^\+[1-9]\d{6,14}$/;
const textTypes = new Set(['TEXT', 'SSML']);
const messageTypes = new Set(['TRANSACTIONAL', 'PROMOTIONAL']);

const required = (input: Record<string, unknown>, field: string): string => {
  const value = input[field];
  if (typeof value !== 'string' || value === '') throw new ServiceError('ValidationException', `${field} is required`);
  return value;
};

const phone = (input: Record<string, unknown>): string => {
  const destination = required(input, 'DestinationPhoneNumber');
  if (!e164.test(destination)) {
    throw new ServiceError('ValidationException', `DestinationPhoneNumber ${destination} is not an E.164 number`, 400, {
      Reason: 'INVALID_PARAMETER',
      Fields: [{ Name: 'DestinationPhoneNumber', Message: 'is not an E.164 number' }],
    });
  }
  return destination;
};

const optional = (input: Record<string, unknown>, field: string): string | undefined =>
  typeof input[field] === 'string' ? (input[field] as string) : undefined;

export const startSmsVoiceLocal = async (options: SmsVoiceOptions): Promise<SmsVoiceLocal> => {
  const outbox = await openOutbox<SentMessage>(options.dataDir);
  const sent = outbox.messages;
  const recentSends = new Map<string, number[]>();

  /** The moment the message is taken: paced, and recorded as its send time. */
  const pace = (identity: string): number => {
    const now = Date.now();
    if (options.messagesPerSecond === undefined) return now;
    const window = (recentSends.get(identity) ?? []).filter((at) => now - at < 1000);
    if (window.length >= options.messagesPerSecond) {
      throw new ServiceError('ThrottlingException', `more than ${options.messagesPerSecond} messages per second from ${identity}`);
    }
    window.push(now);
    recentSends.set(identity, window);
    return now;
  };

  const optedOut = new Set<string>();
  const simulated = new Map<string, ReceiptFate>();

  const reachable = (destination: string): void => {
    if (optedOut.has(destination)) {
      throw new ServiceError('ConflictException', `${destination} has opted out`, 400, {
        Reason: 'DESTINATION_PHONE_NUMBER_OPTED_OUT',
        ResourceType: 'opt-out-list',
        ResourceId: 'Default',
      });
    }
  };

  const configurationSet = (input: Record<string, unknown>): string | undefined => {
    const name = optional(input, 'ConfigurationSetName');
    if (name !== undefined && options.configurationSets && !(name in options.configurationSets)) {
      throw new ServiceError('ResourceNotFoundException', `configuration set ${name} does not exist`, 404, {
        ResourceType: 'configuration-set',
        ResourceId: name,
      });
    }
    return name;
  };

  const keep = async (message: SentMessage): Promise<void> => {
    await outbox.keep(message);
    const destination = message.configurationSet !== undefined ? options.configurationSets?.[message.configurationSet] : undefined;
    if (destination) await destination(JSON.stringify(deliveryEventOf(message, simulated.get(message.destination) ?? 'delivered')));
  };

  const operations: Record<string, (input: Record<string, unknown>) => Promise<Record<string, unknown>>> = {
    SendTextMessage: async (input) => {
      const destination = phone(input);
      const body = required(input, 'MessageBody');
      if (body.length > 1600) throw new ServiceError('ValidationException', 'MessageBody is longer than 1600 characters');
      const messageType = optional(input, 'MessageType');
      if (messageType !== undefined && !messageTypes.has(messageType))
        throw new ServiceError('ValidationException', `MessageType ${messageType} is not TRANSACTIONAL or PROMOTIONAL`);
      const identity = optional(input, 'OriginationIdentity');
      const set = configurationSet(input);
      reachable(destination);
      const at = pace(identity ?? 'default');
      const message: SentMessage = {
        messageId: randomUUID(),
        channel: 'sms',
        destination,
        body,
        sentAt: new Date(at).toISOString(),
        ...(identity && { originationIdentity: identity }),
        ...(set && { configurationSet: set }),
        ...(messageType && { messageType }),
        ...(input.Context !== undefined && { context: input.Context as Record<string, string> }),
      };
      await keep(message);
      return { MessageId: message.messageId };
    },
    SendVoiceMessage: async (input) => {
      const destination = phone(input);
      const identity = required(input, 'OriginationIdentity');
      const body = required(input, 'MessageBody');
      if (body.length > 6000) throw new ServiceError('ValidationException', 'MessageBody is longer than 6000 characters');
      const bodyType = optional(input, 'MessageBodyTextType') ?? 'TEXT';
      if (!textTypes.has(bodyType)) throw new ServiceError('ValidationException', `MessageBodyTextType ${bodyType} is not TEXT or SSML`);
      if (bodyType === 'SSML' && !/^\s*<speak[\s>][\s\S]*<\/speak>\s*$/.test(body))
        throw new ServiceError('ValidationException', 'MessageBody is not SSML (<speak>…</speak>)');
      const set = configurationSet(input);
      reachable(destination);
      const at = pace(identity);
      const message: SentMessage = {
        messageId: randomUUID(),
        channel: 'voice',
        destination,
        originationIdentity: identity,
        body,
        bodyType,
        sentAt: new Date(at).toISOString(),
        ...(optional(input, 'VoiceId') && { voiceId: optional(input, 'VoiceId') }),
        ...(set && { configurationSet: set }),
        ...(input.Context !== undefined && { context: input.Context as Record<string, string> }),
      };
      await keep(message);
      return { MessageId: message.messageId };
    },
  };

  const reply = async (from: string, body: string): Promise<InboundSms> => {
    const last = [...sent].reverse().find((message) => message.channel === 'sms' && message.destination === from);
    const inbound: InboundSms = {
      originationNumber: from,
      destinationNumber: last?.originationIdentity ?? '+10000000000',
      messageKeyword: body.trim().split(/\s+/)[0]!.toUpperCase(),
      messageBody: body,
      inboundMessageId: randomUUID(),
      ...(last && { previousPublishedMessageId: last.messageId }),
    };
    if (!options.publishReply) throw new ServiceError('ValidationException', 'no reply topic is connected to this emulator');
    // The service keeps its own opt-out list and still passes the keyword on to the topic.
    if (optOutKeywords.has(inbound.messageKeyword)) optedOut.add(from);
    await options.publishReply(JSON.stringify(inbound));
    return inbound;
  };

  const simulate = (destination: string, fate: SimulatedFate): void => {
    if (fate === 'opted-out') optedOut.add(destination);
    else simulated.set(destination, fate);
  };

  const respond = (response: ServerResponse, status: number, body: unknown, type = 'application/x-amz-json-1.0'): void => {
    response.writeHead(status, { 'content-type': type });
    response.end(typeof body === 'string' ? body : JSON.stringify(body));
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const target = request.headers['x-amz-target'];
    if (request.method === 'POST' && typeof target === 'string') {
      const [service, operation] = target.split('.');
      const run = service === 'PinpointSMSVoiceV2' && operation ? operations[operation] : undefined;
      if (!run) throw new ServiceError('UnknownOperationException', `${target} is not emulated`);
      const input = JSON.parse((await readBody(request)) || '{}') as Record<string, unknown>;
      respond(response, 200, await run(input));
      return;
    }
    if (request.method === 'GET' && url.pathname === '/messages') {
      const channel = url.searchParams.get('channel');
      respond(
        response,
        200,
        sent.filter((message) => !channel || message.channel === channel),
        'application/json',
      );
      return;
    }
    if (request.method === 'POST' && url.pathname === '/reply') {
      const { from, body } = JSON.parse(await readBody(request)) as { from?: string; body?: string };
      if (!from || !body) throw new ServiceError('ValidationException', 'a reply needs "from" and "body"');
      respond(response, 200, await reply(from, body), 'application/json');
      return;
    }
    if (request.method === 'POST' && url.pathname === '/simulate') {
      const { destination, fate } = JSON.parse(await readBody(request)) as { destination?: string; fate?: string };
      if (!destination || !e164.test(destination) || !fate || !fates.has(fate)) {
        throw new ServiceError('ValidationException', `a simulation needs an E.164 "destination" and a "fate": ${[...fates].join(', ')}`);
      }
      simulate(destination, fate as SimulatedFate);
      respond(response, 200, { destination, fate }, 'application/json');
      return;
    }
    if (request.method === 'GET' && url.pathname === '/') {
      const rows = [...sent]
        .reverse()
        .map((m) => `<tr><td>${escapeHtml(m.sentAt)}</td><td>${m.channel}</td><td>${escapeHtml(m.destination)}</td><td>${escapeHtml(m.body)}</td></tr>`)
        .join('');
      respond(
        response,
        200,
        `<!doctype html><meta charset="utf-8"><title>SMS and voice outbox</title><h1>SMS and voice outbox</h1><table border="1" cellpadding="4"><tr><th>sent</th><th>channel</th><th>to</th><th>text</th></tr>${rows}</table>`,
        'text/html; charset=utf-8',
      );
      return;
    }
    if (request.method === 'GET' && url.pathname === '/health') {
      respond(response, 200, { ok: true }, 'application/json');
      return;
    }
    throw new ServiceError('NotFound', `${request.method} ${url.pathname}`, 404);
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      const known = error instanceof ServiceError ? error : new ServiceError('InternalServerException', (error as Error).message, 500);
      response.writeHead(known.status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-errortype': known.type });
      response.end(JSON.stringify({ __type: known.type, message: known.message, ...known.extra }));
    });
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolveListen());
  });
  const port = (server.address() as { port: number }).port;
  return {
    port,
    outbox: () => sent,
    reply,
    simulate,
    optedOut: () => [...optedOut],
    stop: () => new Promise<void>((resolveClose) => server.close(() => resolveClose())),
  };
};
