import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReplyTokenError, signReplyToken, verifyReplyToken, type ReplyTokenClaims } from '../../../shared/answers/reply-token.ts';

const secret = 'local-secret-0123456789abcdef0123456789';
const older = 'older-secret-0123456789abcdef0123456789';
const now = 1_790_000_000;
const claims: ReplyTokenClaims = { outreachId: 'job-abc123', purpose: 'reply', expiresAt: now + 30 * 86_400 };

const problemOf = (run: () => unknown): string | undefined => {
  try {
    run();
    return undefined;
  } catch (error) {
    return error instanceof ReplyTokenError ? error.problem : String(error);
  }
};

describe('reply link tokens', () => {
  it('round-trips the outreach id, purpose and expiry, and is safe in a URL', () => {
    const token = signReplyToken(claims, secret);
    expect(token).toMatch(/^[\w-]+\.[\w-]+$/);
    expect(verifyReplyToken(token, [secret], 'reply', now)).toEqual(claims);
  });

  it('carries no personal data, only the outreach id', () => {
    const payload = JSON.parse(Buffer.from(signReplyToken(claims, secret).split('.')[0]!, 'base64url').toString());
    expect(Object.keys(payload).sort()).toEqual(['e', 'o', 'p']);
  });

  it('refuses a token signed with another secret, or changed in any way', () => {
    const token = signReplyToken(claims, secret);
    expect(problemOf(() => verifyReplyToken(token, ['another-secret-0123456789abcdef01234'], 'reply', now))).toBe('bad-signature');
    const forged = Buffer.from(JSON.stringify({ o: 'job-other', p: 'reply', e: claims.expiresAt })).toString('base64url');
    expect(problemOf(() => verifyReplyToken(`${forged}.${token.split('.')[1]}`, [secret], 'reply', now))).toBe('bad-signature');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: token.length - 1 }), fc.constantFrom(...'ABCxyz019-_'), (at, char) => {
        const changed = token.slice(0, at) + char + token.slice(at + 1);
        return changed === token || problemOf(() => verifyReplyToken(changed, [secret], 'reply', now)) !== undefined;
      }),
    );
  });

  it('expires', () => {
    const token = signReplyToken(claims, secret);
    expect(problemOf(() => verifyReplyToken(token, [secret], 'reply', claims.expiresAt))).toBe('expired');
  });

  it('does one thing: a reply link cannot unsubscribe', () => {
    expect(problemOf(() => verifyReplyToken(signReplyToken(claims, secret), [secret], 'unsubscribe', now))).toBe('wrong-purpose');
  });

  it('keeps links signed with the previous secret working during a rotation', () => {
    expect(verifyReplyToken(signReplyToken(claims, older), [secret, older], 'reply', now)).toEqual(claims);
  });

  it('says a truncated or garbled link is malformed', () => {
    for (const token of ['', 'abc', 'a.b.c', '..', 'not base64!.x', `${Buffer.from('{').toString('base64url')}.x`]) {
      expect(
        problemOf(() => verifyReplyToken(token, [secret], 'reply', now)),
        token,
      ).toMatch(/malformed|bad-signature/);
    }
    expect(() => signReplyToken(claims, 'short')).toThrow(RangeError);
  });
});
