import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../shared/common/config.ts';
import { NotOnMessengerError } from '../../../shared/outreach/not-on-messenger.ts';
import { ProviderRejectedError, ProviderThrottledError } from '../../../shared/outreach/ports/messenger.ts';
import { ViberBotClient, ViberUnavailableError, viberTokenFrom, type ViberBotSettings } from '../../../shared/viber/viber-bot-client.ts';

interface SeenRequest {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: unknown;
}

/** A fetch that answers with the given text (Viber's JSON) and keeps what it was asked. */
const viberAnswering = (text: string, httpStatus = 200) => {
  const requests: SeenRequest[] = [];
  const fetch = (async (url: string | URL | Request, init?: RequestInit) => {
    requests.push({ url: String(url), headers: init?.headers as Record<string, string>, body: JSON.parse(String(init?.body)) });
    return new Response(text, { status: httpStatus, headers: { 'content-type': 'application/json' } });
  }) as typeof globalThis.fetch;
  return { fetch, requests };
};

const botToken = '4453b6ac12345678-e02c5f12174805f9-daec9cbb5448c51f';

const client = (fetch: typeof globalThis.fetch, settings: Partial<ViberBotSettings> = {}) =>
  new ViberBotClient({
    senderName: 'Harbour Dental Clinic',
    senderAvatar: 'https://harbour.example/logo.png',
    token: async () => botToken,
    fetch,
    ...settings,
  });

const caught = async (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => 'no error',
    (error: unknown) => error,
  );

describe('ViberBotClient.sendMessage: the exact request', () => {
  it('posts send_message with the token header, the sender, our outreach id, reason buttons and the reply-page button', async () => {
    // Prepare
    const viber = viberAnswering('{"status":0,"status_message":"ok","message_token":5741311803571721087,"chat_hostname":"SN-CHAT-05_"}');

    // Act
    const messageToken = await client(viber.fetch, { baseUrl: 'http://127.0.0.1:9/pa/' }).sendMessage({
      receiver: '01234567890A=',
      text: 'Maria, we have not seen you since March. What kept you away?',
      keyboard: [
        { reasonId: 'too-expensive', label: 'Too expensive' },
        { reasonId: 'moved-away', label: 'I moved away' },
      ],
      replyLink: { url: 'https://reply.harbour.example/r/tok', label: 'Tell us more' },
      trackingData: 'outreach-42',
    });

    // Assess
    expect(messageToken).toBe('5741311803571721087');
    expect(viber.requests).toEqual([
      {
        url: 'http://127.0.0.1:9/pa/send_message',
        headers: { 'content-type': 'application/json', 'x-viber-auth-token': botToken },
        body: {
          receiver: '01234567890A=',
          min_api_version: 1,
          sender: { name: 'Harbour Dental Clinic', avatar: 'https://harbour.example/logo.png' },
          tracking_data: 'outreach-42',
          type: 'text',
          text: 'Maria, we have not seen you since March. What kept you away?',
          keyboard: {
            Type: 'keyboard',
            DefaultHeight: false,
            Buttons: [
              { Columns: 6, Rows: 1, ActionType: 'reply', ActionBody: 'reason:too-expensive', Text: 'Too expensive' },
              { Columns: 6, Rows: 1, ActionType: 'reply', ActionBody: 'reason:moved-away', Text: 'I moved away' },
              { Columns: 6, Rows: 1, ActionType: 'open-url', ActionBody: 'https://reply.harbour.example/r/tok', Text: 'Tell us more' },
            ],
          },
        },
      },
    ]);
  });

  it('goes to Viber’s own API by default, cuts the sender name to 28 characters and sends no keyboard when there are no buttons', async () => {
    // Prepare
    const viber = viberAnswering('{"status":0,"status_message":"ok","message_token":1}');

    // Act
    await client(viber.fetch, { senderName: 'Harbour Dental and Physiotherapy Clinic', senderAvatar: undefined } as Partial<ViberBotSettings>).sendMessage({
      receiver: 'u=',
      text: 'Hello',
      trackingData: 'outreach-1',
    });

    // Assess
    const [request] = viber.requests;
    expect(request!.url).toBe('https://chatapi.viber.com/pa/send_message');
    expect(request!.body).toEqual({
      receiver: 'u=',
      min_api_version: 1,
      sender: { name: 'Harbour Dental and Physiothe' },
      tracking_data: 'outreach-1',
      type: 'text',
      text: 'Hello',
    });
  });
});

describe('ViberBotClient: Viber’s statuses as the outreach feature’s failures', () => {
  const sendAnswered = (text: string, httpStatus = 200) =>
    caught(client(viberAnswering(text, httpStatus).fetch).sendMessage({ receiver: 'u=', text: 'Hello', trackingData: 'outreach-1' }));

  it('takes 5 (not a Viber user) and 6 (not subscribed) as not on the messenger, for the policy to fall back', async () => {
    // Act
    const notRegistered = await sendAnswered('{"status":5,"status_message":"receiverNotRegistered"}');
    const notSubscribed = await sendAnswered('{"status":6,"status_message":"receiverNotSubscribed"}');

    // Assess
    for (const error of [notRegistered, notSubscribed]) {
      expect(error).toBeInstanceOf(NotOnMessengerError);
      expect(error).toMatchObject({ messenger: 'viber', code: 'not-on-messenger', kind: 'unprocessable' });
    }
    expect((notSubscribed as Error).message).toBe('Viber status 6 (receiverNotSubscribed): receiverNotSubscribed');
  });

  it('takes 12 and HTTP 429 as throttled, and 5xx or no answer as unavailable (whether it was sent is unknown)', async () => {
    // Prepare
    const refusingFetch = (async () => {
      throw new TypeError('fetch failed');
    }) as typeof globalThis.fetch;

    // Act
    const tooMany = await sendAnswered('{"status":12,"status_message":"Too many requests"}');
    const http429 = await sendAnswered('', 429);
    const http503 = await sendAnswered('', 503);
    const unreachable = await caught(client(refusingFetch).sendMessage({ receiver: 'u=', text: 'Hello', trackingData: 'outreach-1' }));

    // Assess
    expect(tooMany).toBeInstanceOf(ProviderThrottledError);
    expect(http429).toBeInstanceOf(ProviderThrottledError);
    expect(http503).toBeInstanceOf(ViberUnavailableError);
    expect(unreachable).toBeInstanceOf(ViberUnavailableError);
  });

  it('fails the message for good on the other statuses, with a code a report can group by', async () => {
    // Prepare
    const cases: [number, string][] = [
      [1, 'invalid-request'],
      [2, 'not-configured'],
      [3, 'invalid-request'],
      [4, 'invalid-request'],
      [7, 'not-configured'],
      [8, 'not-configured'],
      [9, 'not-configured'],
      [10, 'not-configured'],
      [11, 'unreachable'],
      [13, 'not-configured'],
      [21, 'blocked'],
      [24, 'not-configured'],
      [99, 'unknown'],
    ];

    // Act
    const errors = await Promise.all(cases.map(([status]) => sendAnswered(`{"status":${status},"status_message":"refused"}`)));

    // Assess
    for (const error of errors) {
      expect(error).toBeInstanceOf(ProviderRejectedError);
      expect(error).not.toBeInstanceOf(NotOnMessengerError);
    }
    expect(errors.map((error) => (error as ProviderRejectedError).code)).toEqual(cases.map(([, code]) => code));
  });

  it('never puts the token in what it throws', async () => {
    // Act
    const errors = [await sendAnswered('{"status":2,"status_message":"invalidAuthToken"}'), await sendAnswered('not json'), await sendAnswered('', 401)];

    // Assess
    for (const error of errors) expect(String((error as Error).message)).not.toContain(botToken);
  });
});

describe('ViberBotClient.setWebhook', () => {
  it('registers the callback endpoint for the events we act on, without names or photos', async () => {
    // Prepare
    const viber = viberAnswering(
      '{"status":0,"status_message":"ok","event_types":["delivered","seen","failed","subscribed","unsubscribed","conversation_started"]}',
    );

    // Act
    const events = await client(viber.fetch).setWebhook('https://api.harbour.example/viber/callbacks');

    // Assess
    expect(events).toEqual(['delivered', 'seen', 'failed', 'subscribed', 'unsubscribed', 'conversation_started']);
    expect(viber.requests[0]).toMatchObject({
      url: 'https://chatapi.viber.com/pa/set_webhook',
      headers: { 'x-viber-auth-token': botToken },
      body: {
        url: 'https://api.harbour.example/viber/callbacks',
        event_types: ['delivered', 'seen', 'failed', 'subscribed', 'unsubscribed', 'conversation_started'],
        send_name: false,
        send_photo: false,
      },
    });
  });
});

describe('viberTokenFrom', () => {
  const ssm = mockClient(SSMClient);
  beforeEach(() => ssm.reset());

  it('reads the SecureString with decryption once, and keeps it', async () => {
    // Prepare
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: `${botToken}\n` } });
    const token = viberTokenFrom(new SSMClient({ region: 'eu-central-1' }), '/comeback/viber-token');

    // Act
    const first = await token();
    const second = await token();

    // Assess
    expect([first, second]).toEqual([botToken, botToken]);
    expect(ssm.commandCalls(GetParameterCommand).map((call) => call.args[0].input)).toEqual([{ Name: '/comeback/viber-token', WithDecryption: true }]);
  });

  it('names an empty parameter without its value, and reads again after a failure', async () => {
    // Prepare
    ssm
      .on(GetParameterCommand)
      .resolvesOnce({ Parameter: { Value: '  ' } })
      .resolves({ Parameter: { Value: botToken } });
    const token = viberTokenFrom(new SSMClient({ region: 'eu-central-1' }), '/comeback/viber-token');

    // Act
    const failure = await caught(token());
    const retried = await token();

    // Assess
    expect(failure).toBeInstanceOf(ConfigError);
    expect((failure as Error).message).toBe('the Viber token parameter /comeback/viber-token is empty');
    expect(retried).toBe(botToken);
  });
});
