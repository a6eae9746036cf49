/**
 * Who is signed in. Tokens live in this module's memory only (never in storage), so closing the
 * tab signs out; in the cloud a reload signs in again silently through the managed login's own
 * session. Cognito: the authorization code flow with PKCE; the refresh token renews the ID token
 * a minute before it expires. Locally: `comeback serve`'s sign-in endpoint makes the same tokens
 * `comeback token` prints.
 */
import type { ConsoleConfig } from './config.ts';

export type Group = 'managers' | 'staff';

export interface Session {
  /** The ID token the API's JWT authorizer takes. */
  readonly token: string;
  readonly user: string;
  readonly groups: readonly string[];
  /** Milliseconds since the epoch. */
  readonly expiresAt: number;
}

interface CognitoTokens {
  readonly id_token: string;
  readonly refresh_token?: string;
}

const pkceKey = 'comeback.sign-in';

let session: Session | undefined;
let refreshToken: string | undefined;
let renewal: ReturnType<typeof setTimeout> | undefined;
const listeners = new Set<(now: Session | undefined) => void>();

export const currentSession = (): Session | undefined => session;
export const onSessionChange = (listener: (now: Session | undefined) => void): (() => void) => {
  listeners.add(listener);
  return () => listeners.delete(listener);
};
export const isManager = (who: Session | undefined): boolean => who?.groups.includes('managers') ?? false;

const base64Url = (bytes: Uint8Array): string =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
const randomText = (bytes = 32): string => base64Url(crypto.getRandomValues(new Uint8Array(bytes)));

/** The claims of a JWT, read (not verified: the API verifies every call). */
export const claimsOf = (token: string): Record<string, unknown> => {
  const payload = token.split('.')[1] ?? '';
  const text = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(text, (c) => c.charCodeAt(0)))) as Record<string, unknown>;
};

const sessionOf = (token: string): Session => {
  const claims = claimsOf(token);
  const groups = Array.isArray(claims['cognito:groups']) ? (claims['cognito:groups'] as string[]) : [];
  return {
    token,
    user: String(claims.email ?? claims['cognito:username'] ?? claims.sub ?? ''),
    groups,
    expiresAt: Number(claims.exp ?? 0) * 1000,
  };
};

const begin = (next: Session | undefined): void => {
  session = next;
  for (const listener of listeners) listener(next);
};

export class SignInError extends Error {}

/** Local sign-in: a person and a group, as `comeback token` takes them. */
export const signInLocally = async (config: ConsoleConfig, user: string, group: Group): Promise<void> => {
  const response = await fetch(`${config.apiUrl}/local/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user, group }),
  });
  const body = (await response.json().catch(() => ({}))) as { token?: string; message?: string };
  if (!response.ok || !body.token) throw new SignInError(body.message ?? `sign-in answered ${response.status}`);
  begin(sessionOf(body.token));
};

const redirectUri = (): string => `${location.origin}/`;

/** To the managed login page; back at `redirectUri` with a code. */
export const signInWithCognito = async (config: ConsoleConfig): Promise<void> => {
  if (config.auth.kind !== 'cognito') return;
  const verifier = randomText(48);
  const state = randomText(16);
  const challenge = base64Url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
  // Only what the round trip through the login page needs, for the length of that trip.
  sessionStorage.setItem(pkceKey, JSON.stringify({ verifier, state, hash: location.hash }));
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: config.auth.clientId,
    redirect_uri: redirectUri(),
    scope: (config.auth.scopes ?? ['openid', 'email', 'profile']).join(' '),
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  location.assign(`${config.auth.domain}/oauth2/authorize?${query}`);
};

const tokenRequest = async (config: ConsoleConfig, form: Record<string, string>, endpoint = 'token'): Promise<CognitoTokens> => {
  if (config.auth.kind !== 'cognito') throw new SignInError('not a Cognito sign-in');
  const response = await fetch(`${config.auth.domain}/oauth2/${endpoint}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: config.auth.clientId, ...form }),
  });
  if (!response.ok) throw new SignInError(`the sign-in service answered ${response.status}: sign in again`);
  return (await response.json().catch(() => ({}))) as CognitoTokens;
};

const keepRenewed = (config: ConsoleConfig): void => {
  clearTimeout(renewal);
  if (!session || !refreshToken) return;
  const inMs = Math.max(5_000, session.expiresAt - Date.now() - 60_000);
  renewal = setTimeout(() => {
    void tokenRequest(config, { grant_type: 'refresh_token', refresh_token: refreshToken ?? '' })
      .then((tokens) => {
        begin(sessionOf(tokens.id_token));
        keepRenewed(config);
      })
      .catch(() => begin(undefined));
  }, inMs);
};

/**
 * Back from the managed login with `?code=&state=`: trades the code (and the PKCE verifier) for
 * tokens and takes the code out of the address. Resolves false when this page load is not such a return.
 */
export const completeCognitoSignIn = async (config: ConsoleConfig): Promise<boolean> => {
  if (config.auth.kind !== 'cognito') return false;
  const query = new URLSearchParams(location.search);
  const code = query.get('code');
  if (!code) return false;
  const saved = JSON.parse(sessionStorage.getItem(pkceKey) ?? '{}') as { verifier?: string; state?: string; hash?: string };
  sessionStorage.removeItem(pkceKey);
  history.replaceState(null, '', `/${saved.hash ?? ''}`);
  if (!saved.verifier || saved.state !== query.get('state')) throw new SignInError('the sign-in did not start here (state mismatch): sign in again');
  const tokens = await tokenRequest(config, { grant_type: 'authorization_code', code, redirect_uri: redirectUri(), code_verifier: saved.verifier });
  refreshToken = tokens.refresh_token;
  begin(sessionOf(tokens.id_token));
  keepRenewed(config);
  return true;
};

export const signOut = async (config: ConsoleConfig): Promise<void> => {
  clearTimeout(renewal);
  const token = refreshToken;
  refreshToken = undefined;
  begin(undefined);
  if (config.auth.kind !== 'cognito') return;
  if (token) await tokenRequest(config, { token }, 'revoke').catch(() => undefined);
  location.assign(`${config.auth.domain}/logout?${new URLSearchParams({ client_id: config.auth.clientId, logout_uri: redirectUri() })}`);
};
