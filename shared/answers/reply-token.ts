import { createHmac, timingSafeEqual } from 'node:crypto';
import { AppError, type ErrorKind } from '../common/app-error.ts';

/**
 * The token in a reply or unsubscribe link: the outreach job it answers, what it may do, and
 * until when, signed with HMAC-SHA256. It carries no personal data; whoever holds the link
 * can answer that one request and nothing else. A `viber` token is the context of the clinic's
 * Viber deep link: it names the client who subscribes, and does nothing else.
 */
export type TokenPurpose = 'reply' | 'unsubscribe' | 'viber';

const purposes: ReadonlySet<unknown> = new Set<TokenPurpose>(['reply', 'unsubscribe', 'viber']);

export interface ReplyTokenClaims {
  /** The outreach job (for `viber`: the client). */
  readonly outreachId: string;
  readonly purpose: TokenPurpose;
  /** Seconds since the epoch. */
  readonly expiresAt: number;
}

export type ReplyTokenProblem = 'malformed' | 'bad-signature' | 'expired' | 'wrong-purpose';

export class ReplyTokenError extends AppError {
  override readonly name = 'ReplyTokenError';
  get kind(): ErrorKind {
    return this.problem === 'expired' ? 'gone' : 'invalid';
  }
  constructor(readonly problem: ReplyTokenProblem) {
    super(
      {
        malformed: 'this link is incomplete',
        'bad-signature': 'this link is not one we sent',
        expired: 'this link has expired',
        'wrong-purpose': 'this link is for something else',
      }[problem],
    );
  }
}

const signature = (payload: string, secret: string): Buffer => createHmac('sha256', secret).update(payload).digest();

export const signReplyToken = (claims: ReplyTokenClaims, secret: string): string => {
  if (secret.length < 32) throw new RangeError('the signing secret must be at least 32 characters');
  const payload = Buffer.from(JSON.stringify({ o: claims.outreachId, p: claims.purpose, e: claims.expiresAt })).toString('base64url');
  return `${payload}.${signature(payload, secret).toString('base64url')}`;
};

/**
 * The claims of a token signed with any of `secrets` (the newest first: older ones keep links
 * already sent working while a secret is rotated), checked for purpose and expiry.
 */
export const verifyReplyToken = (token: string, secrets: readonly string[], purpose: TokenPurpose, nowSeconds: number): ReplyTokenClaims => {
  const [payload, signed, ...rest] = token.split('.');
  if (!payload || !signed || rest.length > 0 || !/^[\w-]+$/.test(payload) || !/^[\w-]+$/.test(signed)) throw new ReplyTokenError('malformed');
  const given = Buffer.from(signed, 'base64url');
  // A 32-byte HMAC takes 43 base64url characters whose last has two spare bits, which decoding
  // ignores: only the one spelling we write is genuine, not the three others of its last character.
  if (given.toString('base64url') !== signed) throw new ReplyTokenError('bad-signature');
  const genuine = secrets.some((secret) => {
    const expected = signature(payload, secret);
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
  if (!genuine) throw new ReplyTokenError('bad-signature');
  let claims: { o?: unknown; p?: unknown; e?: unknown };
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof claims;
  } catch {
    throw new ReplyTokenError('malformed');
  }
  if (typeof claims.o !== 'string' || !purposes.has(claims.p) || typeof claims.e !== 'number') throw new ReplyTokenError('malformed');
  if (claims.p !== purpose) throw new ReplyTokenError('wrong-purpose');
  if (claims.e <= nowSeconds) throw new ReplyTokenError('expired');
  return { outreachId: claims.o, purpose: claims.p as TokenPurpose, expiresAt: claims.e };
};
