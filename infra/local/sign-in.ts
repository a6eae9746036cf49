import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT, type JWK, type JWTPayload } from 'jose';
import { dataDir } from './stack.ts';
import { AppError } from '../../shared/common/app-error.ts';

/**
 * Cognito's part on one machine: ID tokens of the same shape (RS256, `cognito:groups`,
 * `token_use: id`), signed by a key made once and kept in the data folder. The local API
 * verifies them as the cloud's JWT authorizer verifies Cognito's.
 */
export const localIssuer = 'comeback-local';
export const localAudience = 'comeback-local-tools';

export class LocalTokenError extends AppError {
  override readonly name = 'LocalTokenError';
  readonly kind = 'invalid';
}

interface SigningKey {
  readonly kid: string;
  readonly privateJwk: JWK;
}

let cached: { dir: string; key: Promise<SigningKey> } | undefined;

const loadOrCreateKey = async (dir: string): Promise<SigningKey> => {
  const file = join(dir, 'sign-in-key.json');
  const stored = await readFile(file, 'utf8').catch(() => undefined);
  if (stored) return JSON.parse(stored) as SigningKey;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const privateJwk = await exportJWK(privateKey);
  const key: SigningKey = {
    kid: createHash('sha256')
      .update(privateJwk.n ?? '')
      .digest('base64url')
      .slice(0, 16),
    privateJwk,
  };
  await mkdir(dir, { recursive: true });
  await writeFile(file, JSON.stringify(key), { mode: 0o600 });
  return key;
};

const signingKey = (): Promise<SigningKey> => {
  const dir = dataDir();
  if (cached?.dir !== dir) cached = { dir, key: loadOrCreateKey(dir) };
  return cached.key;
};

export interface LocalSignIn {
  /** The user's name as Cognito would have it: their email. */
  readonly user: string;
  readonly groups: readonly string[];
  /** @default 8 */
  readonly hours?: number;
}

/** What Cognito allows in a group name: no whitespace (so "[a b]", the authorizer's form of a list, is never ambiguous). */
const groupName = /^[\p{L}\p{M}\p{S}\p{N}\p{P}]{1,128}$/u;

/**
 * An ID token for `user` in `groups`, as Cognito issues after sign-in: `token_use: id`, the
 * tools' client as `aud`, `iat` and `exp` (the JWT authorizer refuses a token without `exp`).
 */
export const issueLocalToken = async ({ user, groups, hours = 8 }: LocalSignIn, now = new Date()): Promise<string> => {
  const badGroup = groups.find((group) => !groupName.test(group));
  if (badGroup !== undefined) throw new LocalTokenError(`"${badGroup}" cannot be a group name: 1 to 128 letters, digits, marks or punctuation, no spaces`);
  if (!(hours > 0)) throw new LocalTokenError('a token lasts more than 0 hours');
  const { kid, privateJwk } = await signingKey();
  const issuedAt = Math.floor(now.getTime() / 1000);
  return new SignJWT({ email: user, 'cognito:username': user, 'cognito:groups': [...groups], token_use: 'id' })
    .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
    .setIssuer(localIssuer)
    .setAudience(localAudience)
    .setSubject(createHash('sha256').update(user).digest('hex').slice(0, 32))
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + Math.round(hours * 3600))
    .sign(await importJWK(privateJwk, 'RS256'));
};

/**
 * The verified claims of a local token; LocalTokenError when it is forged, expired or not one of
 * ours. As the cloud's JWT authorizer with Cognito: RS256 by our key, our issuer, an `exp` still
 * to come (a token without one is refused), `nbf` and `iat` (when present) not in the future;
 * and as Cognito's own rules for its two tokens: an ID token (`token_use: id`) names the tools'
 * client in `aud`, an access token (`token_use: access`) in `client_id`. Any other `token_use`,
 * or none, is refused.
 */
export const verifyLocalToken = async (token: string, now = new Date()): Promise<JWTPayload> => {
  const { privateJwk } = await signingKey();
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = privateJwk;
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, await importJWK(publicJwk, 'RS256'), {
      issuer: localIssuer,
      algorithms: ['RS256'],
      requiredClaims: ['exp'],
      currentDate: now,
    }));
  } catch (error) {
    throw new LocalTokenError((error as Error).message);
  }
  if (payload.iat !== undefined && payload.iat > Math.floor(now.getTime() / 1000)) throw new LocalTokenError('issued in the future');
  const audiences = typeof payload.aud === 'string' ? [payload.aud] : (payload.aud ?? []);
  if (payload.token_use === 'id') {
    if (!audiences.includes(localAudience)) throw new LocalTokenError('an ID token for another client');
  } else if (payload.token_use === 'access') {
    if (payload.client_id !== localAudience) throw new LocalTokenError('an access token for another client');
  } else {
    throw new LocalTokenError('neither an ID token nor an access token (token_use)');
  }
  return payload;
};
