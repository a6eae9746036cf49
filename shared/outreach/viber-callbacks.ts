/**
 * What Viber posts to the clinic's webhook (the REST bot API's callbacks), read safely: the
 * signature checked on the raw body, the body read without rounding its 64-bit ids, and each
 * callback taken once within the time Viber may still be retrying it. Pure: the clock and the
 * ledger of callbacks already taken are given.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';
import { AppError, type ErrorKind } from '../common/app-error.ts';
import type { CallbackLedger } from './ports/callback-ledger.ts';

/** The header Viber signs every callback in, as Node and API Gateway hand it over. */
export const viberSignatureHeader = 'x-viber-content-signature';

/**
 * How old a callback may be. Viber retries a callback that got no 200 "several times for an
 * hour", each retry the same signed body with its first timestamp: an hour, plus a quarter for
 * the last retry's own delay and clock skew. Anything older is someone replaying a body.
 */
export const callbackMaxAgeMinutes = 75;
/** How far ahead of our clock a callback may be stamped: clock skew, no more. */
export const callbackMaxAheadMinutes = 5;
/** A taken callback is remembered as long as the same body could still pass the time checks. */
export const callbackLedgerSeconds = (callbackMaxAgeMinutes + callbackMaxAheadMinutes) * 60;

/** A reason button's `ActionBody`: marked, so a typed "price" is never taken for the button. */
export const reasonButtonPrefix = 'reason:';
export const reasonButtonBody = (reasonId: string): string => `${reasonButtonPrefix}${reasonId}`;

/** What a client sent: words, a reason button, or something we cannot read (a sticker, a photo). */
export type ViberReply =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'choice'; readonly reasonId: string }
  | { readonly kind: 'media'; readonly messageType: string };

interface Stamped {
  /** When Viber stamped it, ISO 8601. */
  readonly at: string;
  /** Viber's 64-bit message token as decimal text (a JavaScript number would round it). */
  readonly messageToken: string;
}

export type ViberEvent =
  | (Stamped & { readonly type: 'delivered' | 'seen' | 'subscribed' | 'unsubscribed'; readonly userId: string })
  | (Stamped & { readonly type: 'failed'; readonly userId: string; readonly description: string })
  | (Stamped & {
      readonly type: 'conversation_started';
      readonly userId: string;
      /** The `context` of the deep link the client followed: our token for the client. */
      readonly context?: string;
      readonly subscribed: boolean;
    })
  | (Stamped & { readonly type: 'message'; readonly userId: string; readonly reply: ViberReply; readonly trackingData?: string })
  /** Viber checking the webhook when it is set: answered 200, nothing else. */
  | (Stamped & { readonly type: 'webhook' })
  /** An event this version does not act on: acknowledged, so Viber does not retry it for an hour. */
  | (Stamped & { readonly type: 'other'; readonly name: string; readonly userId?: string });

export type CallbackRefusal = 'unsigned' | 'bad-signature' | 'malformed' | 'too-old' | 'from-the-future' | 'already-seen';

const refusals: Readonly<Record<CallbackRefusal, { readonly kind: ErrorKind; readonly message: string }>> = {
  unsigned: { kind: 'unauthorized', message: 'the callback carries no Viber signature' },
  'bad-signature': { kind: 'forbidden', message: 'the callback’s Viber signature does not match its body' },
  malformed: { kind: 'invalid', message: 'the callback is not a Viber event' },
  'too-old': { kind: 'forbidden', message: `the callback is older than ${callbackMaxAgeMinutes} minutes` },
  'from-the-future': { kind: 'forbidden', message: `the callback is stamped more than ${callbackMaxAheadMinutes} minutes ahead` },
  // A handler may answer a repeat 200 instead, so Viber stops retrying; it must not act on it again.
  'already-seen': { kind: 'conflict', message: 'the callback was already taken' },
};

/** A callback refused, by why; its message names neither the token nor anything in the body. */
export class ViberCallbackRefusedError extends AppError {
  override readonly name = 'ViberCallbackRefusedError';
  readonly kind: ErrorKind;
  constructor(
    readonly refusal: CallbackRefusal,
    detail?: string,
  ) {
    super(detail ? `${refusals[refusal].message} (${detail})` : refusals[refusal].message);
    this.kind = refusals[refusal].kind;
  }
}

const hexSignature = /^[0-9a-f]{64}$/;

/** Whether the header is Viber's signature of this body: hex HMAC-SHA256 keyed with the bot's token. */
export const verifyViberSignature = (rawBody: string | Uint8Array, signatureHeader: string | undefined, token: string): boolean => {
  const given = signatureHeader?.trim().toLowerCase();
  if (!given || !hexSignature.test(given) || !token) return false;
  const expected = createHmac('sha256', token).update(rawBody).digest();
  return timingSafeEqual(Buffer.from(given, 'hex'), expected);
};

type Reviver = (this: unknown, key: string, value: unknown, context?: { readonly source?: string }) => unknown;

// Node 24 hands the reviver each number's source text; an integer past 2^53 is kept as that text.
const keepLargeIntegers: Reviver = (key, value, context) => {
  if (typeof value !== 'number') return value;
  const source = context?.source ?? (Number.isSafeInteger(value) ? String(value) : undefined);
  if (source === undefined || !/^-?\d+$/.test(source)) return value;
  return key === 'message_token' || !Number.isSafeInteger(value) ? source : value;
};

/** JSON.parse that keeps Viber's 64-bit ids exact: `message_token` always as text, any other huge integer too. */
export const parseViberJson = (text: string): unknown => JSON.parse(text, keepLargeIntegers);

const decimal = z.string().regex(/^\d+$/);
const stamp = { timestamp: z.number().int().min(0).max(8.64e15), message_token: decimal };
const id = z.string().min(1);
const aboutUser = z.object({ ...stamp, user_id: id });
const bodies = {
  delivered: aboutUser,
  seen: aboutUser,
  unsubscribed: aboutUser,
  failed: aboutUser.extend({ desc: z.string().default('') }),
  subscribed: z.object({ ...stamp, user: z.object({ id }) }),
  conversation_started: z.object({ ...stamp, user: z.object({ id }), context: z.string().optional(), subscribed: z.boolean().default(false) }),
  message: z.object({
    ...stamp,
    sender: z.object({ id }),
    message: z.object({ type: z.string(), text: z.string().optional(), tracking_data: z.string().optional() }),
  }),
  webhook: z.object(stamp),
};
const other = z.object({ ...stamp, event: z.string().min(1), user_id: id.optional(), user: z.object({ id }).optional(), sender: z.object({ id }).optional() });

type KnownEvent = keyof typeof bodies;
const isKnown = (event: unknown): event is KnownEvent => typeof event === 'string' && Object.hasOwn(bodies, event);

const replyOf = (message: { type: string; text?: string | undefined }): ViberReply => {
  if (message.type !== 'text' || message.text === undefined) return { kind: 'media', messageType: message.type };
  const chosen = message.text.startsWith(reasonButtonPrefix) ? message.text.slice(reasonButtonPrefix.length).trim() : '';
  return chosen ? { kind: 'choice', reasonId: chosen } : { kind: 'text', text: message.text };
};

const stampOf = (body: { timestamp: number; message_token: string }): Stamped => ({
  at: new Date(body.timestamp).toISOString(),
  messageToken: body.message_token,
});

const eventsOf: { readonly [K in KnownEvent]: (body: z.infer<(typeof bodies)[K]>, at: Stamped) => ViberEvent } = {
  delivered: (body, at) => ({ ...at, type: 'delivered', userId: body.user_id }),
  seen: (body, at) => ({ ...at, type: 'seen', userId: body.user_id }),
  unsubscribed: (body, at) => ({ ...at, type: 'unsubscribed', userId: body.user_id }),
  failed: (body, at) => ({ ...at, type: 'failed', userId: body.user_id, description: body.desc }),
  subscribed: (body, at) => ({ ...at, type: 'subscribed', userId: body.user.id }),
  conversation_started: (body, at) => ({
    ...at,
    type: 'conversation_started',
    userId: body.user.id,
    subscribed: body.subscribed,
    ...(body.context !== undefined && { context: body.context }),
  }),
  message: (body, at) => ({
    ...at,
    type: 'message',
    userId: body.sender.id,
    reply: replyOf(body.message),
    ...(body.message.tracking_data !== undefined && { trackingData: body.message.tracking_data }),
  }),
  webhook: (_body, at) => ({ ...at, type: 'webhook' }),
};

const knownEvent = (type: KnownEvent, raw: unknown): ViberEvent => {
  const parsed = bodies[type].safeParse(raw);
  if (!parsed.success) throw new ViberCallbackRefusedError('malformed', `${type}: ${parsed.error.issues.map((issue) => issue.path.join('.')).join(', ')}`);
  const toEvent = eventsOf[type] as (body: unknown, at: Stamped) => ViberEvent;
  return toEvent(parsed.data, stampOf(parsed.data));
};

/** The callback's body as one typed event; anything unreadable is refused as malformed. */
export const parseViberCallback = (rawBody: string | Uint8Array): ViberEvent => {
  let raw: unknown;
  try {
    raw = parseViberJson(typeof rawBody === 'string' ? rawBody : new TextDecoder('utf-8', { fatal: true }).decode(rawBody));
  } catch {
    throw new ViberCallbackRefusedError('malformed', 'not JSON');
  }
  const event = (raw as { event?: unknown } | null)?.event;
  if (isKnown(event)) return knownEvent(event, raw);
  const parsed = other.safeParse(raw);
  if (!parsed.success) throw new ViberCallbackRefusedError('malformed', 'no event, timestamp or message token');
  const userId = parsed.data.user_id ?? parsed.data.user?.id ?? parsed.data.sender?.id;
  return { ...stampOf(parsed.data), type: 'other', name: parsed.data.event, ...(userId !== undefined && { userId }) };
};

/** One key per callback: Viber's retries of it share it, and so does anyone replaying it. */
export const callbackKey = (event: ViberEvent): string => {
  const name = event.type === 'other' ? event.name : event.type;
  const userId = 'userId' in event ? (event.userId ?? '') : '';
  return `viber:${name}:${event.messageToken}:${userId}`;
};

export interface ViberCallback {
  /** The body exactly as it arrived: the signature is over these bytes. */
  readonly rawBody: string | Uint8Array;
  /** The X-Viber-Content-Signature header. */
  readonly signature: string | undefined;
  /** The bot's token: both its credential and the key Viber signs with. */
  readonly token: string;
  readonly now: Date;
  readonly seen: CallbackLedger;
}

/**
 * A callback taken: signed by Viber with the clinic's token, within the time Viber may be
 * retrying it, and not taken before. Checked in that order, so nothing unsigned or stale is
 * even recorded in the ledger.
 */
export const acceptViberCallback = async ({ rawBody, signature, token, now, seen }: ViberCallback): Promise<ViberEvent> => {
  if (!signature?.trim()) throw new ViberCallbackRefusedError('unsigned');
  if (!verifyViberSignature(rawBody, signature, token)) throw new ViberCallbackRefusedError('bad-signature');
  const event = parseViberCallback(rawBody);
  const age = now.getTime() - Date.parse(event.at);
  if (age > callbackMaxAgeMinutes * 60_000) throw new ViberCallbackRefusedError('too-old');
  if (-age > callbackMaxAheadMinutes * 60_000) throw new ViberCallbackRefusedError('from-the-future');
  if (!(await seen.firstSighting(callbackKey(event), callbackLedgerSeconds))) throw new ViberCallbackRefusedError('already-seen');
  return event;
};
