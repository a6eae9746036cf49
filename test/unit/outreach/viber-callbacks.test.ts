import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  acceptViberCallback,
  callbackLedgerSeconds,
  parseViberCallback,
  verifyViberSignature,
  ViberCallbackRefusedError,
  type ViberEvent,
} from '../../../shared/outreach/viber-callbacks.ts';
import { InMemoryCallbackLedger } from '../../fakes/callback-ledger.ts';

const token = '4453b6ac12345678-e02c5f12174805f9-daec9cbb5448c51f';
const now = new Date('2026-11-16T09:00:00.000Z');
const minutesAgo = (minutes: number): number => now.getTime() - minutes * 60_000;
const sign = (body: string, key = token): string => createHmac('sha256', key).update(body).digest('hex');

/** A callback body as Viber writes it: the message token a bare 64-bit number. */
const seenBody = (at = minutesAgo(1), messageToken = '5741311803571721087') =>
  `{"event":"seen","timestamp":${at},"chat_hostname":"SN-CHAT-05_","message_token":${messageToken},"user_id":"jc9HsWTZ2Yf2NkRZ8KcNug=="}`;

const refusalOf = async (promise: Promise<unknown>): Promise<{ refusal: string; kind: string; message: string } | 'accepted'> => {
  try {
    await promise;
    return 'accepted';
  } catch (error) {
    if (!(error instanceof ViberCallbackRefusedError)) throw error;
    return { refusal: error.refusal, kind: error.kind, message: error.message };
  }
};

describe('verifyViberSignature', () => {
  it('accepts the hex HMAC-SHA256 of the raw body keyed with the token, in either case', () => {
    // Prepare
    const body = seenBody();

    // Act
    const lower = verifyViberSignature(body, sign(body), token);
    const upper = verifyViberSignature(Buffer.from(body), sign(body).toUpperCase(), token);

    // Assess
    expect(lower).toBe(true);
    expect(upper).toBe(true);
  });

  it('refuses a tampered body, another token, and a missing or malformed header', () => {
    // Prepare
    const body = seenBody();
    const signature = sign(body);

    // Act
    const verdicts = {
      tampered: verifyViberSignature(body.replace('seen', 'delivered'), signature, token),
      otherToken: verifyViberSignature(body, sign(body, 'another-bot-token'), token),
      missing: verifyViberSignature(body, undefined, token),
      short: verifyViberSignature(body, signature.slice(0, 40), token),
      notHex: verifyViberSignature(body, 'z'.repeat(64), token),
      prefixed: verifyViberSignature(body, `sha256=${signature}`, token),
    };

    // Assess
    expect(verdicts).toEqual({ tampered: false, otherToken: false, missing: false, short: false, notHex: false, prefixed: false });
  });
});

describe('parseViberCallback', () => {
  it('keeps a 64-bit message token exactly, where JSON.parse would round it', () => {
    // Prepare
    const body = seenBody(minutesAgo(1), '5741311803571721087');

    // Act
    const event = parseViberCallback(body);

    // Assess
    expect(String((JSON.parse(body) as { message_token: number }).message_token)).not.toBe('5741311803571721087');
    expect(event.messageToken).toBe('5741311803571721087');
  });

  it('reads each kind of callback into a typed event', () => {
    // Prepare
    const at = Date.parse('2026-11-16T08:59:00.000Z');
    const stamp = `"timestamp":${at},"chat_hostname":"SN-CHAT-05_","message_token":4912661846655238145`;
    const user = '{"id":"01234567890A=","name":"Maria","avatar":"https://avatar.example","country":"GR","language":"el","api_version":10}';
    const bodies = [
      `{"event":"delivered",${stamp},"user_id":"01234567890A="}`,
      `{"event":"seen",${stamp},"user_id":"01234567890A="}`,
      `{"event":"failed",${stamp},"user_id":"01234567890A=","desc":"failure description"}`,
      `{"event":"subscribed",${stamp},"user":${user}}`,
      `{"event":"unsubscribed",${stamp},"user_id":"01234567890A="}`,
      `{"event":"conversation_started",${stamp},"type":"open","context":"client-token-77","user":${user},"subscribed":false}`,
      `{"event":"message",${stamp},"sender":${user},"message":{"type":"text","text":"too far to travel now","tracking_data":"outreach-42"}}`,
      `{"event":"webhook",${stamp}}`,
    ];
    const common = { at: '2026-11-16T08:59:00.000Z', messageToken: '4912661846655238145' };

    // Act
    const events = bodies.map((body) => parseViberCallback(body));

    // Assess
    expect(events).toEqual<ViberEvent[]>([
      { ...common, type: 'delivered', userId: '01234567890A=' },
      { ...common, type: 'seen', userId: '01234567890A=' },
      { ...common, type: 'failed', userId: '01234567890A=', description: 'failure description' },
      { ...common, type: 'subscribed', userId: '01234567890A=' },
      { ...common, type: 'unsubscribed', userId: '01234567890A=' },
      { ...common, type: 'conversation_started', userId: '01234567890A=', context: 'client-token-77', subscribed: false },
      { ...common, type: 'message', userId: '01234567890A=', reply: { kind: 'text', text: 'too far to travel now' }, trackingData: 'outreach-42' },
      { ...common, type: 'webhook' },
    ]);
  });

  it('reads a reason button’s reply as the reason chosen, and a sticker as media', () => {
    // Prepare
    const stamp = `"timestamp":${minutesAgo(1)},"message_token":4912661846655238146,"sender":{"id":"01234567890A="}`;

    // Act
    const button = parseViberCallback(`{"event":"message",${stamp},"message":{"type":"text","text":"reason:too-expensive","tracking_data":"outreach-42"}}`);
    const sticker = parseViberCallback(`{"event":"message",${stamp},"message":{"type":"sticker","sticker_id":46105}}`);

    // Assess
    expect(button).toMatchObject({ type: 'message', reply: { kind: 'choice', reasonId: 'too-expensive' }, trackingData: 'outreach-42' });
    expect(sticker).toMatchObject({ type: 'message', reply: { kind: 'media', messageType: 'sticker' } });
  });

  it('acknowledges an event it does not act on, and refuses what is not a Viber event', () => {
    // Prepare
    const unknown = `{"event":"client_status","timestamp":${minutesAgo(1)},"message_token":4912661846655238147,"user_id":"01234567890A="}`;

    // Act
    const other = parseViberCallback(unknown);
    const refusals = ['not json', '{"event":"seen"}', `{"event":"seen","timestamp":${minutesAgo(1)},"message_token":1.5,"user_id":"u"}`].map((body) => {
      try {
        parseViberCallback(body);
        return 'accepted';
      } catch (error) {
        return (error as ViberCallbackRefusedError).refusal;
      }
    });

    // Assess
    expect(other).toMatchObject({ type: 'other', name: 'client_status', userId: '01234567890A=', messageToken: '4912661846655238147' });
    expect(refusals).toEqual(['malformed', 'malformed', 'malformed']);
  });
});

describe('acceptViberCallback', () => {
  const accept = (rawBody: string, signature: string | undefined, seen = new InMemoryCallbackLedger(() => now.getTime())) =>
    acceptViberCallback({ rawBody, signature, token, now, seen });

  it('takes a signed, recent callback once', async () => {
    // Prepare
    const body = seenBody();
    const seen = new InMemoryCallbackLedger(() => now.getTime());

    // Act
    const event = await accept(body, sign(body), seen);

    // Assess
    expect(event).toMatchObject({ type: 'seen', userId: 'jc9HsWTZ2Yf2NkRZ8KcNug==', messageToken: '5741311803571721087' });
    expect([...seen.keptUntil]).toEqual([['viber:seen:5741311803571721087:jc9HsWTZ2Yf2NkRZ8KcNug==', now.getTime() + callbackLedgerSeconds * 1000]]);
  });

  it('refuses the same callback the second time (a replay, or Viber retrying one already taken)', async () => {
    // Prepare
    const body = seenBody();
    const seen = new InMemoryCallbackLedger(() => now.getTime());
    await accept(body, sign(body), seen);

    // Act
    const again = await refusalOf(accept(body, sign(body), seen));

    // Assess
    expect(again).toMatchObject({ refusal: 'already-seen', kind: 'conflict' });
  });

  it('refuses unsigned (401), forged (403) and stale (403) callbacks, and records none of them', async () => {
    // Prepare
    const body = seenBody();
    const tampered = body.replace('jc9HsWTZ2Yf2NkRZ8KcNug==', 'someone-else=');
    const old = seenBody(minutesAgo(76));
    const ahead = seenBody(minutesAgo(-6));
    const seen = new InMemoryCallbackLedger(() => now.getTime());

    // Act
    const refusals = await Promise.all([
      refusalOf(accept(body, undefined, seen)),
      refusalOf(accept(body, '', seen)),
      refusalOf(accept(tampered, sign(body), seen)),
      refusalOf(accept(body, sign(body, 'another-bot-token'), seen)),
      refusalOf(accept(old, sign(old), seen)),
      refusalOf(accept(ahead, sign(ahead), seen)),
    ]);

    // Assess
    expect(refusals.map((refused) => refused !== 'accepted' && [refused.refusal, refused.kind])).toEqual([
      ['unsigned', 'unauthorized'],
      ['unsigned', 'unauthorized'],
      ['bad-signature', 'forbidden'],
      ['bad-signature', 'forbidden'],
      ['too-old', 'forbidden'],
      ['from-the-future', 'forbidden'],
    ]);
    expect(seen.keptUntil.size).toBe(0);
  });

  it('still takes a retry Viber sends within the hour, and a callback a little ahead of our clock', async () => {
    // Prepare
    const retried = seenBody(minutesAgo(70), '5741311803571721088');
    const ahead = seenBody(minutesAgo(-4), '5741311803571721089');

    // Act
    const events = await Promise.all([accept(retried, sign(retried)), accept(ahead, sign(ahead))]);

    // Assess
    expect(events.map((event) => event.messageToken)).toEqual(['5741311803571721088', '5741311803571721089']);
  });

  it('never puts the token or the body in its refusals', async () => {
    // Prepare
    const body = seenBody();

    // Act
    const refusals = await Promise.all([refusalOf(accept(body, sign(body, 'wrong'))), refusalOf(accept('{"secret":"x"}', sign('{"secret":"x"}')))]);

    // Assess
    for (const refused of refusals) {
      expect(refused).not.toBe('accepted');
      const { message } = refused as { message: string };
      expect(message).not.toContain(token);
      expect(message).not.toContain('jc9HsWTZ2Yf2NkRZ8KcNug');
      expect(message).not.toContain('secret');
    }
  });
});
