/**
 * The clinic's Viber bot, through the Viber REST bot API (`https://chatapi.viber.com/pa`): sends a
 * message to a subscribed client and registers the webhook its callbacks go to. Viber is not an
 * AWS service, so this is plain `fetch` to a configurable base URL (the local emulator's, or
 * Viber's own). The bot's token is read from SSM Parameter Store and travels only in the
 * `X-Viber-Auth-Token` header; nothing here logs it, a receiver or what a message says.
 */
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { AppError } from '../common/app-error.ts';
import { ConfigError } from '../common/config.ts';
import { NotOnMessengerError } from '../outreach/not-on-messenger.ts';
import { ProviderRejectedError, ProviderThrottledError, type OutgoingViberMessage } from '../outreach/ports/messenger.ts';

export type { OutgoingViberMessage };
import type { FailureReason } from '../outreach/provider-failure.ts';
import { parseViberJson, reasonButtonBody } from '../outreach/viber-callbacks.ts';

export const viberApiUrl = 'https://chatapi.viber.com/pa';

/** The longest sender name Viber shows. */
export const viberSenderNameLength = 28;

/** The events the webhook asks for; Viber always sends messages, subscriptions and unsubscriptions. */
export const viberWebhookEvents = ['delivered', 'seen', 'failed', 'subscribed', 'unsubscribed', 'conversation_started'] as const;

export interface ViberBotSettings {
  /** The bot API's base URL; Viber's own when absent. */
  readonly baseUrl?: string;
  /** Who the message is from, as the client sees it: the clinic's name, and its avatar's URL. */
  readonly senderName: string;
  readonly senderAvatar?: string;
  /** The bot's token, read when first needed (see viberTokenFrom). */
  readonly token: () => Promise<string>;
  /** For tests; the global fetch when absent. */
  readonly fetch?: typeof fetch;
}

/** Viber did not answer, or answered with a server error: whether it took the message is unknown. */
export class ViberUnavailableError extends AppError {
  override readonly name = 'ViberUnavailableError';
  readonly kind = 'unavailable';
}

/** Viber's documented `status` codes, by name, and what each means for the message. */
const statuses: Readonly<Record<number, { readonly name: string; readonly failure: FailureReason | 'not-on-viber' | 'throttled' }>> = {
  1: { name: 'invalidUrl', failure: 'invalid-request' },
  2: { name: 'invalidAuthToken', failure: 'not-configured' },
  3: { name: 'badData', failure: 'invalid-request' },
  4: { name: 'missingData', failure: 'invalid-request' },
  5: { name: 'receiverNotRegistered', failure: 'not-on-viber' },
  6: { name: 'receiverNotSubscribed', failure: 'not-on-viber' },
  7: { name: 'publicAccountBlocked', failure: 'not-configured' },
  8: { name: 'publicAccountNotFound', failure: 'not-configured' },
  9: { name: 'publicAccountSuspended', failure: 'not-configured' },
  10: { name: 'webhookNotSet', failure: 'not-configured' },
  11: { name: 'receiverNoSuitableDevice', failure: 'unreachable' },
  12: { name: 'tooManyRequests', failure: 'throttled' },
  13: { name: 'apiVersionNotSupported', failure: 'not-configured' },
  14: { name: 'incompatibleWithVersion', failure: 'not-configured' },
  21: { name: 'unsupportedCountry', failure: 'blocked' },
  23: { name: 'freeMessagesExceeded', failure: 'not-configured' },
  24: { name: 'noBalance', failure: 'not-configured' },
};

/**
 * A non-zero `status` as the outreach feature's failures: not on Viber (5, 6) lets the policy try
 * the next channel, too many requests (12) is tried again later, the rest fail the message with
 * a code (our set-up, a bad request, the client's device) and Viber's words.
 */
export const viberFailure = (status: number, statusMessage: string): ProviderRejectedError | ProviderThrottledError => {
  const known = statuses[status];
  const words = `Viber status ${status} (${known?.name ?? 'generalError'}): ${statusMessage}`;
  if (known?.failure === 'throttled') return new ProviderThrottledError(words);
  if (known?.failure === 'not-on-viber') return new NotOnMessengerError('viber', words);
  return new ProviderRejectedError(words, known?.failure ?? 'unknown');
};

interface ViberAnswer {
  readonly status?: unknown;
  readonly status_message?: unknown;
  readonly message_token?: unknown;
  readonly event_types?: unknown;
}

const keyboardOf = (message: OutgoingViberMessage): Record<string, unknown> | undefined => {
  const buttons: Record<string, unknown>[] = (message.keyboard ?? []).map((button) => ({
    Columns: 6,
    Rows: 1,
    ActionType: 'reply',
    ActionBody: reasonButtonBody(button.reasonId),
    Text: button.label,
  }));
  if (message.replyLink) buttons.push({ Columns: 6, Rows: 1, ActionType: 'open-url', ActionBody: message.replyLink.url, Text: message.replyLink.label });
  return buttons.length > 0 ? { Type: 'keyboard', DefaultHeight: false, Buttons: buttons } : undefined;
};

export class ViberBotClient {
  private readonly baseUrl: string;

  constructor(private readonly settings: ViberBotSettings) {
    this.baseUrl = (settings.baseUrl ?? viberApiUrl).replace(/\/+$/, '');
  }

  /** Sends one text, with reason buttons and a reply-page button under it: Viber's message token. */
  async sendMessage(message: OutgoingViberMessage): Promise<string> {
    const keyboard = keyboardOf(message);
    const answer = await this.call('send_message', {
      receiver: message.receiver,
      min_api_version: 1,
      sender: {
        name: Array.from(this.settings.senderName).slice(0, viberSenderNameLength).join(''),
        ...(this.settings.senderAvatar && { avatar: this.settings.senderAvatar }),
      },
      tracking_data: message.trackingData,
      type: 'text',
      text: message.text,
      ...(keyboard && { keyboard }),
    });
    if (typeof answer.message_token !== 'string') throw new ProviderRejectedError('Viber answered without a message token', 'unknown');
    return answer.message_token;
  }

  /** Points the bot's callbacks at our endpoint: the event types Viber says it will send. */
  async setWebhook(url: string, eventTypes: readonly string[] = viberWebhookEvents): Promise<string[]> {
    const answer = await this.call('set_webhook', { url, event_types: eventTypes, send_name: false, send_photo: false });
    return Array.isArray(answer.event_types) ? answer.event_types.filter((type): type is string => typeof type === 'string') : [...eventTypes];
  }

  private async call(path: string, body: Record<string, unknown>): Promise<ViberAnswer> {
    const token = await this.settings.token();
    let response: Response;
    try {
      response = await (this.settings.fetch ?? fetch)(`${this.baseUrl}/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-viber-auth-token': token },
        body: JSON.stringify(body),
      });
    } catch (error) {
      throw new ViberUnavailableError(`Viber ${path} did not answer: ${(error as Error).name}`);
    }
    if (response.status === 429) throw new ProviderThrottledError(`Viber ${path} answered HTTP 429`);
    if (response.status >= 500) throw new ViberUnavailableError(`Viber ${path} answered HTTP ${response.status}`);
    if (!response.ok)
      throw new ProviderRejectedError(
        `Viber ${path} answered HTTP ${response.status}`,
        response.status === 401 || response.status === 403 ? 'not-configured' : 'invalid-request',
      );
    let answer: ViberAnswer;
    try {
      answer = (parseViberJson(await response.text()) ?? {}) as ViberAnswer;
    } catch {
      throw new ViberUnavailableError(`Viber ${path} answered something that is not JSON`);
    }
    if (answer.status !== 0) throw viberFailure(Number(answer.status ?? -1), String(answer.status_message ?? ''));
    return answer;
  }
}

/**
 * The bot's token from an SSM SecureString, read with decryption on first use and kept for the
 * life of the process (as the reply-link secret is). A failed read is not kept: the next call tries again.
 */
export const viberTokenFrom = (ssm: Pick<SSMClient, 'send'>, parameterName: string): (() => Promise<string>) => {
  let token: Promise<string> | undefined;
  const read = async (): Promise<string> => {
    const { Parameter } = await ssm.send(new GetParameterCommand({ Name: parameterName, WithDecryption: true }));
    const value = Parameter?.Value?.trim();
    if (!value) throw new ConfigError(`the Viber token parameter ${parameterName} is empty`);
    return value;
  };
  return () => {
    token ??= read().catch((error: unknown) => {
      token = undefined;
      throw error;
    });
    return token;
  };
};
