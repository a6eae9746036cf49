/**
 * What WhatsApp tells us, from the business account's event destination: End User Messaging
 * Social publishes each Meta webhook `entry` to SNS as `{context, whatsAppWebhookEntry, ...}`,
 * where `whatsAppWebhookEntry` is the entry as a JSON string. An SQS queue subscribed to the
 * topic holds that message as it is (raw delivery) or inside SNS's own envelope; both are read.
 */
import * as z from 'zod';
import { AppError } from '../common/app-error.ts';

export class WhatsAppEventError extends AppError {
  override readonly name = 'WhatsAppEventError';
  readonly kind = 'invalid';
}

export type WhatsAppDeliveryStatus = 'sent' | 'delivered' | 'read' | 'failed';

/** What a failure code means for the client's request (Meta's error codes). */
export type WhatsAppFailureMeaning = 'not-on-whatsapp' | 'window-closed' | 'stopped-marketing' | 'other';

export interface WhatsAppStatusEvent {
  readonly kind: 'status';
  /** Ours, echoed from `biz_opaque_callback_data`. */
  readonly outreachId?: string;
  /** Meta's message id. */
  readonly wamid: string;
  /** E.164, with its +. */
  readonly recipient: string;
  readonly status: WhatsAppDeliveryStatus;
  readonly at: string;
  readonly failure?: { readonly code: number; readonly meaning: WhatsAppFailureMeaning };
}

export interface WhatsAppInboundMessage {
  readonly kind: 'message';
  /** Meta's id of the client's message: the same message delivered twice has the same one. */
  readonly wamid: string;
  /** E.164, with its +. */
  readonly from: string;
  readonly at: string;
  /** Meta's type: text, interactive, button, image... Any of them opens the 24-hour window. */
  readonly type: string;
  readonly text?: string;
  /** A list row, a reply button or a template's quick-reply button the client tapped. */
  readonly choice?: { readonly id: string; readonly title: string };
  /** The wamid of our message the client answered, when they answered one. */
  readonly inReplyTo?: string;
}

/** The client told WhatsApp to stop (or resume) the business's marketing messages: Meta's `user_preferences`. */
export interface WhatsAppPreferenceEvent {
  readonly kind: 'preference';
  /** E.164, with its +. */
  readonly from: string;
  readonly marketing: 'stop' | 'resume';
  readonly at: string;
}

export type WhatsAppEvent = WhatsAppStatusEvent | WhatsAppInboundMessage | WhatsAppPreferenceEvent;

export const failureMeanings: Readonly<Record<number, WhatsAppFailureMeaning>> = {
  131026: 'not-on-whatsapp',
  131047: 'window-closed',
  131050: 'stopped-marketing',
};

const unixSeconds = z.union([z.string().regex(/^\d{1,12}$/), z.number().int().nonnegative()]);
const waId = z.string().regex(/^\+?[1-9]\d{5,14}$/, 'is not a phone number');

const status = z.object({
  id: z.string().min(1),
  status: z.string(),
  timestamp: unixSeconds,
  recipient_id: waId,
  biz_opaque_callback_data: z.string().optional(),
  errors: z.array(z.object({ code: z.number().int() })).optional(),
});

const choice = z.object({ id: z.string().min(1), title: z.string() });

const message = z.object({
  from: waId,
  id: z.string().min(1),
  timestamp: unixSeconds,
  type: z.string().min(1),
  text: z.object({ body: z.string() }).optional(),
  interactive: z.object({ type: z.string(), list_reply: choice.optional(), button_reply: choice.optional() }).optional(),
  button: z.object({ payload: z.string().optional(), text: z.string() }).optional(),
  context: z.object({ id: z.string().optional() }).optional(),
  system: z.object({ type: z.string().optional(), marketing: z.string().optional() }).optional(),
});

const preference = z.object({ wa_id: waId, category: z.string().optional(), value: z.string(), timestamp: unixSeconds });

const entry = z.object({
  id: z.string().optional(),
  changes: z.array(
    z.object({
      field: z.string(),
      value: z.object({
        statuses: z.array(status).optional(),
        messages: z.array(message).optional(),
        user_preferences: z.array(preference).optional(),
      }),
    }),
  ),
});

const envelope = z.object({ whatsAppWebhookEntry: z.string({ error: 'whatsAppWebhookEntry is missing or not a string' }) });

const jsonOf = (text: string, what: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    throw new WhatsAppEventError(`${what} is not JSON`);
  }
};

const checked = <T>(schema: z.ZodType<T>, value: unknown, what: string): T => {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${[what, ...issue.path].join('.')}: ${issue.message}`);
  throw new WhatsAppEventError(`not a WhatsApp event: ${problems.slice(0, 3).join('; ')}`);
};

const isoOf = (seconds: string | number): string => new Date(Number(seconds) * 1000).toISOString();
const e164 = (id: string): string => (id.startsWith('+') ? id : `+${id}`);
const deliveryStatuses = new Set<string>(['sent', 'delivered', 'read', 'failed']);

const statusEvent = (found: z.infer<typeof status>): WhatsAppStatusEvent => {
  const code = found.errors?.[0]?.code;
  return {
    kind: 'status',
    wamid: found.id,
    recipient: e164(found.recipient_id),
    status: found.status as WhatsAppDeliveryStatus,
    at: isoOf(found.timestamp),
    ...(found.biz_opaque_callback_data && { outreachId: found.biz_opaque_callback_data }),
    ...(found.status === 'failed' && { failure: { code: code ?? 0, meaning: (code !== undefined && failureMeanings[code]) || 'other' } }),
  };
};

const choiceOf = (found: z.infer<typeof message>): { id: string; title: string } | undefined => {
  const tapped = found.interactive?.list_reply ?? found.interactive?.button_reply;
  if (tapped) return { id: tapped.id, title: tapped.title };
  // A template's quick-reply button: its payload is the id we registered, else its text.
  if (found.button) return { id: found.button.payload || found.button.text, title: found.button.text };
  return undefined;
};

const messageEvent = (found: z.infer<typeof message>): WhatsAppInboundMessage => {
  const tapped = choiceOf(found);
  return {
    kind: 'message',
    wamid: found.id,
    from: e164(found.from),
    at: isoOf(found.timestamp),
    type: found.type,
    ...(found.text && { text: found.text.body }),
    ...(tapped && { choice: tapped }),
    ...(found.context?.id && { inReplyTo: found.context.id }),
  };
};

const marketingChoices = new Set(['stop', 'resume']);

/** Meta's two ways of saying it: the `user_preferences` field, or a system message `user_preference_changed`. */
const preferenceEvents = (value: { user_preferences?: z.infer<typeof preference>[]; messages?: z.infer<typeof message>[] }): WhatsAppPreferenceEvent[] => [
  ...(value.user_preferences ?? [])
    .filter((found) => (found.category ?? 'marketing_messages') === 'marketing_messages' && marketingChoices.has(found.value))
    .map(
      (found): WhatsAppPreferenceEvent => ({
        kind: 'preference',
        from: e164(found.wa_id),
        marketing: found.value as 'stop' | 'resume',
        at: isoOf(found.timestamp),
      }),
    ),
  ...(value.messages ?? [])
    .filter((found) => found.type === 'system' && found.system?.type === 'user_preference_changed' && marketingChoices.has(found.system.marketing ?? ''))
    .map(
      (found): WhatsAppPreferenceEvent => ({
        kind: 'preference',
        from: e164(found.from),
        marketing: found.system!.marketing as 'stop' | 'resume',
        at: isoOf(found.timestamp),
      }),
    ),
];

/** The End User Messaging message in an SQS body: as published (raw delivery), or inside SNS's envelope. */
const publishedMessage = (body: string): unknown => {
  const outer = jsonOf(body, 'the queue message');
  if (typeof outer === 'object' && outer !== null && (outer as { Type?: unknown }).Type === 'Notification') {
    const inner = (outer as { Message?: unknown }).Message;
    if (typeof inner !== 'string') throw new WhatsAppEventError('the SNS notification has no Message');
    return jsonOf(inner, 'the SNS Message');
  }
  return outer;
};

/**
 * The statuses, messages and marketing preferences in one notification, in the order Meta
 * listed them (preferences last). Statuses Meta
 * may add beyond sent, delivered, read and failed, and changes of other fields (template
 * reviews), say nothing about a request and are left out; anything malformed is an error.
 */
export const parseWhatsAppNotification = (body: string): WhatsAppEvent[] => {
  const { whatsAppWebhookEntry } = checked(envelope, publishedMessage(body), 'message');
  const { changes } = checked(entry, jsonOf(whatsAppWebhookEntry, 'whatsAppWebhookEntry'), 'whatsAppWebhookEntry');
  return changes.flatMap(({ value }) => [
    ...(value.statuses ?? []).filter((found) => deliveryStatuses.has(found.status)).map(statusEvent),
    ...(value.messages ?? []).filter((found) => found.type !== 'system').map(messageEvent),
    ...preferenceEvents(value),
  ]);
};
